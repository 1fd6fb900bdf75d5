""" "Since the last lookup": what changed between the last two snapshots, for each kind of
change, in words; and the page that shows it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from devices.history.changes import announcement, compare, since_last_lookup
from devices.history.models import Snapshot
from tests.helpers import page_text, sn_url
from tests.history.factories import facts, snapshot

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TUESDAY_2114 = int(datetime(2026, 11, 28, 13, 14, tzinfo=UTC).timestamp())  # 21:14 UTC+8


def one_change(**after):
    changes = compare(facts(), facts(**after))
    assert len(changes) == 1, changes
    return changes[0]


def test_going_offline_says_since_when():
    change = one_change(online=0, online_since=TUESDAY_2114)
    assert change.label == "Status"
    assert change.before == "Online since 2025-11-25 00:00 UTC+8"
    assert change.after == "Offline since 2026-11-28 21:14 UTC+8"
    assert change.tone == "bad"
    assert announcement(change) == "● Offline"


def test_coming_back_online_is_online_again():
    change = compare(facts(online=0), facts(online=1, online_since=TUESDAY_2114))[0]
    assert change.after == "Online again since 2026-11-28 21:14 UTC+8"
    assert change.tone == "ok"
    assert announcement(change) == "● Online again"


def test_a_reconnection_between_lookups_shows_the_new_since():
    change = one_change(online_since=TUESDAY_2114)
    assert change.after == "Online since 2026-11-28 21:14 UTC+8"


def test_falling_asleep():
    assert one_change(online=2).after.startswith("Asleep (low-power) since")


def test_battery():
    change = one_change(battery=8)
    assert (change.label, change.before, change.after) == ("Battery", "80%", "8%")
    assert announcement(change) == "● Battery: 8%"


def test_power():
    change = one_change(power_mode=2, charging=1)
    assert change.before == "On battery, Not charging"
    assert change.after == "External power (battery fitted), Charging"


def test_signal():
    assert one_change(signal=20).after == "quality 20"


def test_firmware():
    change = one_change(firmware="31.2.6.9")
    assert (change.before, change.after) == ("31.2.6.1", "31.2.6.9")


def test_owner_changed_and_unbound():
    assert one_change(owner="-2000").label == "Owner changed"
    assert one_change(owner="0").after == "Not bound"


def test_cloud_storage_expired_and_renewed():
    expired = one_change(storage_status=5)
    assert expired.label == "Cloud storage"
    assert expired.before.startswith("In service, ends ")
    assert expired.after.startswith("Expired, ends ")
    renewed = one_change(storage_end=1_799_000_000)
    assert renewed.after.endswith("2027-01-04 02:13 UTC+8")


def test_sim_plan_ended_and_plan_gone():
    assert one_change(sim_status=0).after.startswith("Expired")
    assert one_change(sim_status=None, sim_end=None, iccid="89860312345678901234").after == (
        "No plan"
    )


def test_sim_swapped():
    change = one_change(iccid="89860399999999999999")
    assert change.label == "SIM swapped"
    assert change.after == "89860399999999999999"


def test_nothing_changed_is_no_change():
    assert compare(facts(), facts()) == []


def test_several_changes_come_in_the_pages_order():
    changes = compare(facts(), facts(online=0, battery=8, firmware="31.2.6.9", iccid="8986"))
    assert [c.key for c in changes] == ["online", "battery", "firmware", "iccid"]


def test_the_summary_names_the_previous_lookup_and_its_time(credential):
    previous = snapshot(credential, NOW - timedelta(days=2, hours=1), NOW - timedelta(days=2))
    latest = snapshot(credential, NOW, online=0, battery=8)

    summary = since_last_lookup([previous, latest], NOW)

    assert summary.headline == "Since the last lookup, 2 days ago:"
    assert summary.when.absolute == "2026-11-28 20:00 UTC+8"
    assert [c.key for c in summary.changes] == ["online", "battery"]
    assert not summary.unchanged


def test_an_unchanged_answer_says_so_and_still_shows_the_last_change(credential):
    previous = snapshot(credential, NOW - timedelta(days=3), NOW - timedelta(days=2))
    latest = snapshot(
        credential,
        NOW - timedelta(days=1),
        NOW,
        times_seen=3,
        previously=NOW - timedelta(hours=5),
        online=0,
    )

    summary = since_last_lookup([previous, latest], NOW)

    assert summary.unchanged
    assert summary.headline == (
        "No change since the last lookup, 5 hours ago. Last change seen 1 day ago:"
    )
    assert [c.key for c in summary.changes] == ["online"]


def test_the_first_answer_says_it_is_the_first(credential):
    summary = since_last_lookup([snapshot(credential, NOW)], NOW)
    assert summary.headline == "This is the first answer SupportDesk has kept for this device."
    assert since_last_lookup([], NOW) is None


def test_the_summary_in_chinese(credential):
    previous = snapshot(credential, NOW - timedelta(days=2))
    latest = snapshot(credential, NOW, online=0, online_since=TUESDAY_2114, battery=8)
    with translation.override("zh-hans"):
        summary = since_last_lookup([previous, latest], NOW)
    assert summary.headline == "自上次查询（2 天前）以来："
    assert summary.changes[0].label == "状态"
    assert summary.changes[0].after == "离线，自 2026-11-28 21:14 UTC+8 起"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_device_page_shows_what_changed_since_the_last_lookup(
    staff_client, credential, language
):
    staff_client.get(sn_url("offline-hours"))
    # The device was online at the previous lookup, two days ago.
    Snapshot.objects.update(
        facts=facts(online=1, battery=None, signal=35),
        first_seen_at=NOW - timedelta(days=2),
        last_seen_at=NOW - timedelta(days=2),
    )
    if language == "zh-hans":
        staff_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"

    text = page_text(staff_client.get(sn_url("offline-hours", refresh="1")))

    if language == "en":
        assert "Since the last lookup" in text
        assert "Status: Online since" in text
        assert "Offline since" in text
    else:
        assert "自上次查询" in text
        assert "状态：" in text or "状态:" in text
        assert "离线，自" in text


def test_an_online_since_moved_by_seconds_is_no_change():
    assert compare(facts(), facts(online_since=facts()["online_since"] + 59)) == []


def test_a_plan_end_moved_by_seconds_is_no_change():
    assert (
        compare(facts(), facts(storage_end=facts()["storage_end"] + 1, sim_end=1_768_000_030)) == []
    )
