"""Pages while the shared store cannot be used: Redis down, or the host's SQLite files unusable.

Lookups answer the limiter-store panel (503 with Retry-After) and are audited, without a vendor
call; the per-person limit and the sign-in throttle let requests through; pages that need no
store keep working; nothing answers 500. The chaos tests (tests/chaos/) do the same under load
with a real outage and its end.
"""

import sqlite3
import time

import pytest
from django.test import Client
from django.urls import reverse

from devices.api.tokens import token_create
from devices.models import Lookup
from devices.stores import cache as caches
from tests.conftest import PASSWORD
from tests.helpers import page_text, sn_url, vendor_requests

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


@pytest.fixture(autouse=True)
def no_store_marked_down(monkeypatch):
    monkeypatch.setattr(caches, "_down_until", {})


@pytest.fixture(params=["redis", "sqlite"])
def store_down(request, settings, tmp_path) -> str:
    """The limiter, the coalescer and the cache on a store that cannot be used."""
    if request.param == "redis":
        settings.REDIS_URL = UNREACHABLE_REDIS
        location, backend = UNREACHABLE_REDIS, "RedisCache"
    else:
        settings.REDIS_URL = ""
        # A folder where the files should be: SQLite cannot open it (root ignores file modes,
        # so a read-only file would not do).
        settings.LIMITER_SQLITE_PATH = location = str(tmp_path)
        backend = "SqliteCache"
    settings.CACHES = {
        "default": {"BACKEND": f"devices.stores.cache.{backend}", "LOCATION": location}
    }
    return request.param


@pytest.fixture
def client():
    # The pages' own status, not the test client's re-raise of an exception no view handled.
    return Client(raise_request_exception=False)


def test_a_lookup_answers_the_limiter_store_panel_and_is_audited(
    client, staff, sandbox, credential, store_down
):
    client.force_login(staff)

    response = client.get(sn_url("online-wifi-mains"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    text = page_text(response)
    assert "Lookups are paused for a moment" in text
    assert "Try again in 5 seconds." in text
    row = Lookup.objects.get()
    assert row.outcome == "rate_limited"
    assert "store is unreachable" in row.vendor_message
    assert row.duration_ms is not None
    assert vendor_requests(sandbox) == 0


def test_the_limiter_store_panel_reads_in_chinese(client, staff, credential, store_down):
    client.force_login(staff)

    response = client.get(sn_url("online-wifi-mains"), HTTP_ACCEPT_LANGUAGE="zh-CN")

    assert response.status_code == 503
    assert "查询暂停片刻" in page_text(response)


def test_a_users_devices_page_answers_the_panel_too(client, staff, credential, store_down):
    client.force_login(staff)

    response = client.get(reverse("user_devices", args=["-9223372036854775001"]))

    assert response.status_code == 503
    assert "Lookups are paused for a moment" in page_text(response)


def test_the_per_person_limit_lets_requests_through_while_its_store_is_down(
    client, staff, credential, settings, store_down
):
    settings.LOOKUP_USER_RATE = "1/m"
    client.force_login(staff)

    statuses = [client.get(sn_url("online-wifi-mains")).status_code for _ in range(3)]

    assert statuses == [503, 503, 503]  # the panel each time, never the limit's 429
    assert Lookup.objects.filter(outcome="rate_limited", endpoint="devInfo").count() == 3


def test_a_search_still_opens_its_page(client, staff, credential, store_down):
    client.force_login(staff)

    response = client.post(reverse("search"), {"q": "876ABCD1234567"})

    assert response.status_code == 302


def test_the_sign_in_throttle_lets_people_in_while_its_store_is_down(
    client, staff, settings, store_down
):
    settings.LOGIN_FAILURES_PER_USERNAME = "1/5m"
    for _ in range(3):
        wrong = client.post(reverse("login"), {"username": "staff", "password": "wrong"})
        assert wrong.status_code == 200

    response = client.post(reverse("login"), {"username": "staff", "password": PASSWORD})

    assert response.status_code == 302


def test_pages_that_need_no_store_keep_working(client, lead, credential, store_down):
    client.force_login(lead)
    client.get(sn_url("online-wifi-mains"))

    assert client.get(reverse("my_lookups")).status_code == 200
    assert client.get(reverse("admin:devices_lookup_changelist")).status_code == 200
    meter = client.get(reverse("admin:devices_credential_meter"))
    assert meter.status_code == 200
    assert "the limiter store did not answer" in meter.content.decode()


def test_healthz_names_the_store_that_fails(client, db, store_down):
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["limiter"] == "error: LimiterUnavailable"
    assert checks["database"] == "ok"


def test_a_locked_limiter_file_gives_the_panel_within_seconds(
    client, staff, sandbox, credential, settings, tmp_path
):
    settings.REDIS_URL = ""
    client.force_login(staff)
    assert client.get(sn_url("online-wifi-mains")).status_code == 200  # the file exists now
    other = sqlite3.connect(settings.LIMITER_SQLITE_PATH, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # someone holds its write lock (a sqlite3 shell, say)
    try:
        started = time.monotonic()
        response = client.get(sn_url("offline-hours"))
        elapsed = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert response.status_code == 503
    assert "Lookups are paused for a moment" in page_text(response)
    assert elapsed < 4
    assert vendor_requests(sandbox) == 1
    assert client.get(sn_url("offline-hours")).status_code == 200


def test_the_api_answers_vendor_busy_with_retry_after(client, staff, credential, store_down):
    token = token_create(name="zendesk-prod", user=staff)[1]

    response = client.get(
        reverse("api:device_by_sn", args=["876ABCD1234567"]),
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "vendor_busy"
    assert Lookup.objects.get().outcome == "rate_limited"
