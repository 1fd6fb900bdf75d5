"""The history panel's one read: the chart's snapshots, and the last two whatever their age."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devices.history.selectors import panel_snapshots
from tests.history.factories import snapshot

DAY = timedelta(days=1)


def read(credential, now):
    device = {"credential_id": credential.pk, "device_id": "3435178000001"}
    return panel_snapshots(**device, since=now - 30 * DAY)


def test_the_chart_days_and_the_one_before_them_come_in_one_query(credential):
    now = timezone.now()
    snapshot(credential, now - 60 * DAY, now - 50 * DAY, online=0)  # older still: not read
    before = snapshot(credential, now - 45 * DAY, now - 40 * DAY, online=0)
    latest = snapshot(credential, now - 2 * DAY, now, times_seen=3)

    with CaptureQueriesContext(connection) as queries:
        rows = read(credential, now)

    assert rows == [before, latest]
    assert len(queries) == 1


def test_every_snapshot_of_the_chart_days_oldest_first(credential):
    now = timezone.now()
    old = snapshot(credential, now - 40 * DAY, now - 35 * DAY)
    in_days = [
        snapshot(credential, now - (20 - day) * DAY, now - (19 - day) * DAY, battery=day)
        for day in range(4)
    ]
    other_device = snapshot(credential, now - DAY, now, device_id="999")

    rows = read(credential, now)

    assert rows == in_days
    assert old not in rows and other_device not in rows


def test_a_device_seen_once_long_ago(credential):
    now = timezone.now()
    only = snapshot(credential, now - 90 * DAY, now - 80 * DAY)

    assert read(credential, now) == [only]
