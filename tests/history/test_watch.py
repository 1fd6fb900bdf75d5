"""Watching a device page: polls are follow-ups of the page's lookup (channel "watch"), each
change is reported, at most 3 devices per person, over after WATCH_MAX_SECONDS, stopped by the
agent or a closed page, and a poll that finds the watches' budget in use is skipped, audited."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from devices.history.models import Watch
from devices.models import Lookup
from devices.sandbox.data import device_by_key
from tests.helpers import sn_url, vendor_requests, verdict_text

COMES_BACK = device_by_key("comes-back-online")


def open_page(client, key="offline-hours") -> Lookup:
    assert client.get(sn_url(key)).status_code == 200
    # The page's own lookup: a 4G camera's page also reads the owner's list, as a follow-up.
    return Lookup.objects.filter(channel="web", follows__isnull=True).latest("pk")


def start(client, lookup: Lookup, key="offline-hours"):
    return client.post(
        f"/history/watch/{lookup.pk}/", {"device_id": str(device_by_key(key).dev_id)}
    )


def poll(client, answer):
    return client.post(answer.json()["poll_url"])


@pytest.fixture(autouse=True)
def quick_polls(settings):
    """Polls here follow each other at once, not 15 s apart: a budget that allows that (the
    budget itself is tested in test_watch_budget.py)."""
    settings.WATCH_RATE = "100/s"
    settings.WATCH_POLL_SECONDS = 0.0


@pytest.fixture
def comeback(sandbox):
    sandbox.vendor.timeline.reset(after_seconds=3600)
    yield sandbox.vendor.timeline
    sandbox.vendor.timeline.reset(after_seconds=45)


def test_the_device_page_offers_the_watch(staff_client):
    content = staff_client.get(sn_url("offline-hours")).content.decode()
    assert 'class="watch-button"' in content
    assert "/static/history/watch.js" in content


def test_a_poll_is_a_follow_up_of_the_pages_lookup_not_a_new_search(staff_client, sandbox):
    page = open_page(staff_client)
    answer = start(staff_client, page)
    assert answer.status_code == 200
    before = vendor_requests(sandbox)

    polled = poll(staff_client, answer)

    assert polled.status_code == 200
    assert polled.json()["status"] == "ok"
    assert polled.json()["changes"] == []
    assert polled.json()["outdated"] is None  # nothing changed: the verdict stands
    assert vendor_requests(sandbox) == before + 1  # a refresh, not the cache
    row = Lookup.objects.get(channel="watch")
    assert row.follows == page
    assert row.outcome == "ok" and row.source == "fresh"
    assert row.value == str(device_by_key("offline-hours").dev_id)
    assert row.user == page.user and row.credential == page.credential
    assert Watch.objects.get().polls == 1


def test_a_device_that_comes_back_online_is_announced(staff_client, comeback, sandbox):
    page = open_page(staff_client, "comes-back-online")
    answer = start(staff_client, page, "comes-back-online")
    assert poll(staff_client, answer).json()["changes"] == []

    comeback.reset(after_seconds=0)
    found = poll(staff_client, answer).json()

    assert found["status"] == "ok"
    assert found["title"] == "● Online again"
    labels = [change["label"] for change in found["changes"]]
    assert labels[:2] == ["Status", "Battery"]
    assert found["changes"][0]["after"].startswith("Online again since")
    assert found["changes"][1] == {
        "label": "Battery",
        "before": "4%",
        "after": "35%",
        "tone": "neutral",
    }
    assert found["message"].startswith("Changed at")
    assert found["outdated"]["text"].startswith("This verdict was written before the change at")
    assert found["outdated"]["link"] == "Show the device as it is now"
    # The page as the poll asked it: its verdict is the new one, from the cache.
    asked = vendor_requests(sandbox)
    now = staff_client.get(found["outdated"]["url"])
    assert verdict_text(now).startswith("Online")
    assert vendor_requests(sandbox) == asked
    # The clock time in the person's zone (Asia/Shanghai by default), as the page writes times.
    shown = datetime.strptime(found["time"], "%H:%M:%S").time()
    local_now = timezone.localtime(timezone.now(), ZoneInfo("Asia/Shanghai"))
    apart = abs(datetime.combine(local_now.date(), shown) - local_now.replace(tzinfo=None))
    assert min(apart, timedelta(days=1) - apart) < timedelta(minutes=1)  # across midnight too
    # The next poll sees nothing new.
    assert poll(staff_client, answer).json()["changes"] == []


def test_the_announcement_speaks_chinese(staff_client, comeback):
    staff_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    page = open_page(staff_client, "comes-back-online")
    answer = start(staff_client, page, "comes-back-online")
    assert answer.json()["message"].startswith("盯守中")
    comeback.reset(after_seconds=0)
    found = poll(staff_client, answer).json()
    assert found["title"] == "● 已重新上线"
    assert found["changes"][0]["label"] == "状态"


def test_a_person_watches_at_most_three_devices(staff_client):
    keys = ["offline-hours", "sim-active", "asleep", "charging"]
    answers = [start(staff_client, open_page(staff_client, key), key) for key in keys]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 409]
    assert answers[3].json()["message"] == (
        "You are already watching 3 devices. Stop one of them to watch this one."
    )
    # Watching one of the three again replaces its watch; it takes no new place.
    again = start(staff_client, open_page(staff_client, "sim-active"), "sim-active")
    assert again.status_code == 200
    assert poll(staff_client, answers[1]).json()["status"] == "over"
    # Stopping one frees its place.
    staff_client.post(answers[0].json()["stop_url"])
    assert start(staff_client, open_page(staff_client, "charging"), "charging").status_code == 200


def test_a_page_that_closed_without_saying_so_frees_its_place(staff_client):
    keys = ["offline-hours", "sim-active", "asleep"]
    for key in keys:
        start(staff_client, open_page(staff_client, key), key)
    Watch.objects.filter(device_id=str(device_by_key("asleep").dev_id)).update(
        last_poll_at=timezone.now() - timedelta(minutes=5)
    )
    assert start(staff_client, open_page(staff_client, "charging"), "charging").status_code == 200


def test_the_limit_is_per_person(staff_client, client, lead, credential):
    for key in ["offline-hours", "sim-active", "asleep"]:
        start(staff_client, open_page(staff_client, key), key)
    client.force_login(lead)
    assert start(client, open_page(client, "charging"), "charging").status_code == 200


def test_a_watch_ends_after_its_time_without_calling_the_vendor(staff_client, sandbox):
    answer = start(staff_client, open_page(staff_client))
    Watch.objects.update(started_at=timezone.now() - timedelta(seconds=601))
    before = vendor_requests(sandbox)

    over = poll(staff_client, answer).json()

    over.pop("time")
    assert over == {
        "status": "over",
        "message": "Watching stopped after 10 minutes.",
        "changes": [],
        "title": "",
        "outdated": None,
    }
    assert vendor_requests(sandbox) == before
    assert not Lookup.objects.filter(channel="watch").exists()
    assert Watch.objects.get().stopped_at is not None


def test_a_stopped_watch_polls_no_more(staff_client, sandbox):
    answer = start(staff_client, open_page(staff_client))
    assert staff_client.post(answer.json()["stop_url"]).json()["status"] == "over"

    assert poll(staff_client, answer).json()["status"] == "over"
    assert not Lookup.objects.filter(channel="watch").exists()


def test_nobody_can_watch_or_poll_through_someone_elses_lookup(staff_client, client, lead):
    page = open_page(staff_client)
    answer = start(staff_client, page)
    client.force_login(lead)

    assert start(client, page).status_code == 409
    assert poll(client, answer).status_code == 404
    assert client.post(answer.json()["stop_url"]).status_code == 404
    assert Watch.objects.get().stopped_at is None


def test_a_device_the_page_did_not_show_cannot_be_watched(staff_client):
    page = open_page(staff_client)
    refused = start(staff_client, page, "sim-active")
    assert refused.status_code == 409
    assert "cannot be watched" in refused.json()["message"]


def test_watching_needs_a_login_the_permission_and_post(client, outsider, staff_client):
    page = open_page(staff_client)
    assert staff_client.get(f"/history/watch/{page.pk}/").status_code == 405
    anonymous = client.__class__()
    assert anonymous.post(f"/history/watch/{page.pk}/").status_code == 302
    anonymous.force_login(outsider)
    assert anonymous.post(f"/history/watch/{page.pk}/").status_code == 403


def test_a_poll_skipped_for_the_watch_budget_is_audited_and_never_sent(
    staff_client, sandbox, monkeypatch
):
    from devices.ratelimit import VendorBusy

    answer = start(staff_client, open_page(staff_client))

    def budget_in_use(app_id):
        raise VendorBusy(0.8, f"watch:{app_id}")

    monkeypatch.setattr("devices.history.watching.acquire_watch_slot", budget_in_use)
    before = vendor_requests(sandbox)

    skipped = poll(staff_client, answer).json()

    assert skipped["status"] == "busy"
    assert "share of the vendor budget is in use" in skipped["message"]
    assert vendor_requests(sandbox) == before
    row = Lookup.objects.get(channel="watch")
    assert row.outcome == "rate_limited"
    assert row.follows.channel == "web"
    assert row.failure_code != ""


def test_a_vendor_failure_is_a_translated_message_and_an_audit_row(staff_client, sandbox):
    from tests.helpers import inject

    answer = start(staff_client, open_page(staff_client))
    inject(sandbox, "http500")

    failed = poll(staff_client, answer)

    assert failed.status_code == 200
    assert failed.json()["status"] == "failed"
    assert failed.json()["message"].startswith("Not checked at")
    assert Lookup.objects.get(channel="watch").outcome == "unavailable"


def test_polls_faster_than_the_page_would_are_skipped(staff_client, sandbox, settings):
    settings.WATCH_POLL_SECONDS = 15.0
    answer = start(staff_client, open_page(staff_client))
    assert poll(staff_client, answer).json()["status"] == "ok"
    before = vendor_requests(sandbox)

    hurried = poll(staff_client, answer).json()

    assert hurried["status"] == "busy"
    assert vendor_requests(sandbox) == before
    rows = Lookup.objects.filter(channel="watch").order_by("pk")
    assert [row.outcome for row in rows] == ["ok", "rate_limited"]
    assert rows[1].vendor_message.startswith("Poll sooner than WATCH_POLL_SECONDS")
    # Once the interval has passed, the next poll goes through.
    Watch.objects.update(last_poll_at=timezone.now() - timedelta(seconds=8))
    assert poll(staff_client, answer).json()["status"] == "ok"


def test_the_page_as_polled_is_not_linked_for_an_id_that_cannot_be_a_path():
    from types import SimpleNamespace

    from devices.history.views import polled_url

    page = SimpleNamespace(owner_id="-1", credential_name="sandbox", reason="T-1")
    assert polled_url(SimpleNamespace(lookup=page, device_id="12/34")) == ""
    assert polled_url(SimpleNamespace(lookup=page, device_id="1234")) == (
        "/devices/id/1234/?access_id=-1&credential=sandbox&reason=T-1"
    )
