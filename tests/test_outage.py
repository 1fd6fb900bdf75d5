"""A database that cannot be used: a translated 503 page on every page, never a 500, and no
vendor call for a lookup whose audit row cannot be written first.

The database is made to fail where it would first fail for real: loading the session (every
signed-in page), or creating the lookup's row. tests/chaos/ cuts a real PostgreSQL under load.
"""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.urls import reverse

from devices import selectors
from devices.api import authentication
from devices.models import Lookup
from tests.helpers import page_text, sn_url, vendor_requests

REFUSED = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'


@pytest.fixture
def client():
    # The pages' own status, not the test client's re-raise of an exception no view handled.
    return Client(raise_request_exception=False)


@pytest.fixture
def signed_in(client, staff, credential):
    client.force_login(staff)
    return client


@pytest.fixture(params=[OperationalError, InterfaceError])
def sessions_down(request, monkeypatch):
    def unreachable(self, *args, **kwargs):
        raise request.param(REFUSED)

    monkeypatch.setattr(SessionStore, "_get_session_from_db", unreachable)


@pytest.mark.parametrize("url", [reverse("search"), reverse("my_lookups"), sn_url("unbound")])
def test_a_page_answers_a_503_that_says_the_database_is_unreachable(
    signed_in, sandbox, sessions_down, url
):
    response = signed_in.get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    text = page_text(response)
    assert "The database is unreachable" in text
    assert "cannot keep the audit log and makes no lookup" in text
    assert "Try again in a moment." in text
    assert response["X-Request-ID"] in text
    assert "staff" not in text  # nobody is named: that would need the session
    assert vendor_requests(sandbox) == 0


def test_the_helpdesk_sidebar_answers_the_page_too(signed_in, sessions_down, settings):
    # The sidebar has a session cookie of its own; here, the same signed-in session.
    session = signed_in.cookies[settings.SESSION_COOKIE_NAME].value
    signed_in.cookies[settings.EMBED_SESSION_COOKIE_NAME] = session

    response = signed_in.get("/embed/?q=876ABCD1234567", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    assert "The database is unreachable" in page_text(response)


def test_the_page_reads_in_chinese(signed_in, sessions_down):
    response = signed_in.get(reverse("search"), HTTP_ACCEPT_LANGUAGE="zh-CN")

    assert response.status_code == 503
    assert "无法连接数据库" in page_text(response)


def test_the_page_follows_the_language_cookie(signed_in, sessions_down, settings):
    signed_in.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    response = signed_in.get(reverse("search"), HTTP_ACCEPT_LANGUAGE="en")

    assert "无法连接数据库" in page_text(response)


def test_no_vendor_call_is_made_when_the_audit_row_cannot_be_written(
    signed_in, sandbox, monkeypatch
):
    real_save = Lookup.save

    def refused_insert(self, *args, **kwargs):
        if self.pk is None:
            raise OperationalError(REFUSED)
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Lookup, "save", refused_insert)

    response = signed_in.get(sn_url("unbound"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    assert "The database is unreachable" in page_text(response)
    assert vendor_requests(sandbox) == 0
    assert Lookup.objects.count() == 0


def test_any_other_error_is_still_the_plain_500_page(signed_in, monkeypatch):
    def bug(**kwargs):
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(selectors, "lookups_of_user", bug)

    response = signed_in.get(reverse("my_lookups"))

    assert response.status_code == 500
    assert "Something went wrong inside SupportDesk" in response.content.decode()


def test_the_api_answers_its_json_error_with_the_databases_row(client, staff, monkeypatch):
    def unreachable(token):
        raise OperationalError(REFUSED)

    monkeypatch.setattr(authentication, "token_authenticate", unreachable)

    response = client.get(
        reverse("api:device_by_sn", args=["876ABCD1234567"]),
        headers={"Authorization": "Bearer sd_whatever", "Accept-Language": "zh-CN"},
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    error = response.json()["error"]
    assert (error["code"], error["retry_after"]) == ("vendor_unavailable", 5)
    assert "数据库" in error["message"]
