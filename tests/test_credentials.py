"""The production rule for a credential's base URL: https, and not into our own network."""

import pytest
from django.core.management import CommandError, call_command

from devices import services
from devices.audit import AuditContext
from devices.credentials import INSECURE_SCHEME, PRIVATE_HOST, vendor_url_problem
from devices.models import Credential, Lookup
from tests.helpers import sign_in_verified


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://openapi.vendor.example", None),
        ("https://203.0.113.9:8443/api", PRIVATE_HOST),  # documentation range: not global
        ("https://8.8.8.8", None),
        ("http://openapi.vendor.example", INSECURE_SCHEME),
        ("https://localhost", PRIVATE_HOST),
        ("https://api.localhost.", PRIVATE_HOST),
        ("https://127.0.0.1", PRIVATE_HOST),
        ("https://[::1]", PRIVATE_HOST),
        ("https://[::ffff:127.0.0.1]", PRIVATE_HOST),
        ("https://169.254.169.254/latest/meta-data", PRIVATE_HOST),
        ("https://10.1.2.3", PRIVATE_HOST),
        ("https://192.168.1.1", PRIVATE_HOST),
        ("https://172.16.0.1", PRIVATE_HOST),
        ("https://[fe80::1]", PRIVATE_HOST),
        ("https://0.0.0.0", PRIVATE_HOST),
    ],
)
def test_the_rule_in_production(url, problem):
    assert vendor_url_problem(url, allow_insecure=False) == problem


def test_the_setting_lifts_the_rule_for_the_demo_and_tests():
    assert vendor_url_problem("http://127.0.0.1:12042", allow_insecure=True) is None


@pytest.fixture
def production(settings):
    settings.VENDOR_ALLOW_INSECURE_URLS = False


def test_set_credential_refuses_a_plain_http_url_in_production(db, production):
    with pytest.raises(CommandError, match="https"):
        call_command(
            "set_credential",
            "cn",
            "--base-url=http://openapi.vendor.example",
            "--app-id=a",
            "--app-token=t",
            "--app-key=k",
        )
    assert not Credential.objects.exists()


def test_admin_refuses_a_private_address_in_production(client, superuser, production):
    sign_in_verified(client, superuser)
    response = client.post(
        "/admin/devices/credential/add/",
        {
            "name": "cn",
            "base_url": "https://169.254.169.254",
            "app_id": "a",
            "app_token": "t",
            "app_key": "k",
            "enabled": "on",
        },
    )
    assert response.status_code == 200
    assert "Use the vendor&#x27;s https address" in response.content.decode()
    assert not Credential.objects.exists()


def test_a_stored_credential_that_breaks_the_rule_is_refused_at_call_time(
    staff, credential, sandbox, settings
):
    settings.VENDOR_ALLOW_INSECURE_URLS = False  # the sandbox credential is http://127.0.0.1

    result = services.lookup_device(audit=AuditContext(user=staff), kind="sn", value="876A")

    row = Lookup.objects.get()
    assert row.outcome == "vendor_error"
    assert "base URL is refused" in row.vendor_message
    assert sandbox.vendor.stats()["requests"] == 0
    assert result.error is not None
    credential.refresh_from_db()
    assert credential.last_error_at is not None


def test_its_page_tells_the_agent_to_ask_an_admin(client, staff, credential, sandbox, settings):
    settings.VENDOR_ALLOW_INSECURE_URLS = False
    client.force_login(staff)

    response = client.get("/devices/sn/876ABCDEF0347/")

    assert response.status_code == 503
    assert "Tell an admin: the credential&#x27;s base URL" in response.content.decode()
