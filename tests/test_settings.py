"""The production configuration, checked the way an operator would: in a fresh process."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "ENV_FILE": "", "HOME": os.environ.get("HOME", "/")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**overrides: str) -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CREDENTIALS_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "support.example.com",
        **overrides,
    }


def test_the_deploy_check_reports_nothing_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_env())

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]

    result = manage("check", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_a_credentials_key():
    env = production_env()
    del env["CREDENTIALS_KEY"]

    result = manage("check", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: CREDENTIALS_KEY is not set" in result.stderr


def test_pages_carry_a_strict_content_security_policy(client, staff):
    client.force_login(staff)

    policy = client.get("/")["Content-Security-Policy"]

    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "default-src 'self'" in policy


def test_error_reports_never_show_a_vendor_secret(rf):
    import sys

    from django.views.debug import ExceptionReporter

    def call_vendor():
        body = {"action": "devInfo", "appToken": "token-in-a-frame", "sn": "X"}
        app_key = "key-in-a-frame"
        raise RuntimeError(f"failed for {body['sn']} with {len(app_key)}")

    try:
        call_vendor()
    except RuntimeError:
        report = ExceptionReporter(rf.get("/"), *sys.exc_info()).get_traceback_text()

    assert "failed for X" in report
    assert "token-in-a-frame" not in report
    assert "key-in-a-frame" not in report
