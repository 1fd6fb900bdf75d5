"""Shared by the test_views_* modules (no tests here): static files and the sandbox's devices.

Import the fixtures you need into a test module; pytest finds fixtures in its namespace.
"""

import pytest

from devices.sandbox import FaultPlan
from devices.sandbox.data import device_by_key


@pytest.fixture(autouse=True)
def plain_static(settings):
    """Pages render {% static %}; the test settings have no collected manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def sn_url(key: str, **query: str) -> str:
    """The device page of a sandbox device, by its case key ("sim-expired")."""
    from urllib.parse import urlencode

    url = f"/devices/sn/{device_by_key(key).sn}/"
    return url + (f"?{urlencode(query)}" if query else "")


def id_url(key: str, **query: str) -> str:
    from urllib.parse import urlencode

    url = f"/devices/id/{device_by_key(key).dev_id}/"
    return url + (f"?{urlencode(query)}" if query else "")


def inject(sandbox, mode: str, **options) -> None:
    """Make the sandbox misbehave for the rest of the test (the fixture clears it after)."""
    sandbox.vendor.set_faults(FaultPlan(mode=mode, **options))


def vendor_requests(sandbox) -> int:
    return sandbox.vendor.stats()["requests"]
