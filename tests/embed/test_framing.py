"""Who may frame what: the sidebar only by EMBED_FRAME_ANCESTORS, every other page by nobody."""

import pytest
from django.core.checks import run_checks

from devices.sandbox.data import device_by_key
from tests.embed.conftest import sign_in_to_the_sidebar

pytestmark = pytest.mark.django_db

HELPDESKS = ["https://chat.example.com", "https://*.zendesk.com"]


def frame_ancestors(response) -> str:
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    return policy["frame-ancestors"]


@pytest.fixture
def helpdesks(settings):
    settings.EMBED_FRAME_ANCESTORS = HELPDESKS


def test_by_default_nobody_may_frame_the_sidebar(sidebar_client):
    response = sidebar_client.get("/embed/")

    assert frame_ancestors(response) == "'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_the_helpdesks_may_frame_the_sidebar_and_its_sign_in(client, staff, helpdesks):
    for path in ("/embed/login/", "/embed/"):
        if path == "/embed/":
            sign_in_to_the_sidebar(client, staff)
        response = client.get(path)

        assert response.status_code == 200
        assert frame_ancestors(response) == "https://chat.example.com https://*.zendesk.com"
        assert "X-Frame-Options" not in response


def test_an_answer_and_a_failure_may_be_framed_alike(sidebar_client, helpdesks):
    found = sidebar_client.get("/embed/", {"q": device_by_key("online-wifi-mains").sn})
    missing = sidebar_client.get("/embed/", {"q": "876NOSUCH0001"})

    assert missing.status_code == 404
    for response in (found, missing):
        assert frame_ancestors(response).startswith("https://chat.example.com")
        assert "X-Frame-Options" not in response


def test_the_rest_of_the_policy_stays_strict_in_the_sidebar(sidebar_client, helpdesks):
    policy = sidebar_client.get("/embed/")["Content-Security-Policy"]

    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize(
    "path", ["/", "/lookups/", "/accounts/login/", "/devices/sn/876ABCDEF0347/", "/api/v1/docs/"]
)
def test_every_other_page_keeps_none_and_deny(staff_client, helpdesks, path):
    response = staff_client.get(path)

    assert frame_ancestors(response) == "'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_an_entry_that_is_not_an_origin_fails_the_system_check(settings):
    settings.EMBED_FRAME_ANCESTORS = ["https://chat.example.com", "*", "'self'"]

    errors = [error for error in run_checks() if error.id == "devices.E101"]

    assert [error.msg for error in errors] == [
        "EMBED_FRAME_ANCESTORS: '*' is not an origin.",
        "EMBED_FRAME_ANCESTORS: \"'self'\" is not an origin.",
    ]


def test_good_origins_pass_the_system_check(helpdesks):
    assert not [error for error in run_checks() if error.id == "devices.E101"]
