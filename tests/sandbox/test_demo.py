"""The demo's sample customers: on the search page in DEMO_MODE only, and nowhere else.

Settings and imports are checked in a fresh process, the way the server starts.
"""

import os
import subprocess
import sys
from pathlib import Path

from django.utils import translation

from devices.sandbox.demo import demo_samples, samples

ROOT = Path(__file__).resolve().parents[2]
PROCESSOR = "devices.sandbox.demo.samples"


def run_django(code: str, **env: str) -> str:
    """Run `code` after django.setup() in a new process with the test settings; its stdout."""
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), "ENV_FILE": ""}
    setup = "import django; django.setup()\n"
    result = subprocess.run(
        [sys.executable, "-c", setup + code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "tests.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


PROCESSORS = (
    "from django.conf import settings\n"
    "print(settings.TEMPLATES[0]['OPTIONS']['context_processors'])"
)


def test_the_demo_adds_the_samples_to_the_templates():
    assert PROCESSOR in run_django(PROCESSORS, DEMO_MODE="1")


def test_without_the_demo_the_templates_have_no_samples():
    assert PROCESSOR not in run_django(PROCESSORS, DEMO_MODE="0")


def test_production_code_never_loads_the_sandbox():
    # Every URL's view, admin included, and a page rendered through the template engine.
    code = (
        "import sys\n"
        "from django.template.loader import render_to_string\n"
        "from django.test import RequestFactory\n"
        "from django.urls import get_resolver\n"
        "get_resolver().url_patterns\n"
        "import devices.admin, devices.health, devices.templatetags.desk\n"
        "render_to_string('devices/rate_limited.html', {'retry_after': 5},"
        " request=RequestFactory().get('/'))\n"
        "print(sorted(name for name in sys.modules if name.startswith('devices.')))"
    )
    loaded = run_django(code, DEMO_MODE="0")
    assert "devices.views" in loaded
    assert "devices.sandbox" not in loaded


def test_the_context_offers_the_samples_without_building_them():
    assert samples(None) == {"demo_samples": demo_samples}


def test_the_samples_are_links_described_in_the_readers_language():
    with translation.override("zh-hans"):
        first = demo_samples()[0]
    assert first.url.startswith("/devices/sn/")
    assert first.kind == "序列号"
    assert first.description == "在线摄像机，云存储自动续费中"
