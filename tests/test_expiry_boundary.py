"""The "expires soon" warning, pinned at its edge wherever a plan's end is shown.

A plan that ends within EXPIRY_WARNING_DAYS (7 days, counted to the second, the 7th day
included) is a problem: the device page's plan badge, the verdict sentence and the rows of a
user's device list all warn. One second later it is fine. A rule that counts whole days, rounds,
or leaves the edge out fails here.
"""

from datetime import UTC, datetime

import pytest

from devices import gwell
from devices.presenters import (
    BAD,
    EXPIRY_WARNING_DAYS,
    OK,
    WARN,
    expiry_cell,
    plan_end_note,
    sim_state,
    storage_state,
    verdict,
)

NOW = datetime(2025, 3, 10, 4, 0, tzinfo=UTC)
T = int(NOW.timestamp())
MINUTE, HOUR, DAY = 60, 3600, 86400

# Seconds from now to the plan's end, by a readable test id.
WARNS = {
    "1s": 1,
    "1h": HOUR,
    "1d": DAY,
    "6d23h": 6 * DAY + 23 * HOUR,
    "7d-1s": 7 * DAY - 1,
    "7d": 7 * DAY,
}
FINE = {
    "7d+1s": 7 * DAY + 1,
    "7d+1m": 7 * DAY + MINUTE,
    "7d12h": 7 * DAY + 12 * HOUR,
    "7d23h59m": 7 * DAY + 23 * HOUR + 59 * MINUTE,
}
ENDED = {"now": 0, "1s-ago": -1}


def storage(ends_in: int) -> gwell.StoragePlan:
    return gwell.StoragePlan(end_time=T + ends_in, srv_status=2, pkg_type=0, storage_days=7)


def sim(ends_in: int) -> gwell.SimPlan:
    return gwell.SimPlan(end_time=T + ends_in, srv_status=1, sim_id="89860021180000123456")


def report(*, storage_plan=None, sim_plan=None) -> gwell.DeviceReport:
    device = gwell.DeviceInfo(device_id="3435178203944", owner_id="-92233", online=1, signal=80)
    return gwell.DeviceReport(
        device=device, storage=storage_plan, sim=sim_plan, request_id="r-1", raw={}
    )


def test_the_warning_starts_seven_days_before_the_end():
    assert EXPIRY_WARNING_DAYS == 7


@pytest.mark.parametrize("ends_in", WARNS.values(), ids=WARNS.keys())
def test_a_plan_ending_within_seven_days_is_a_warning(ends_in):
    assert plan_end_note(T + ends_in, NOW)[1:] == (WARN, True)


@pytest.mark.parametrize("ends_in", FINE.values(), ids=FINE.keys())
def test_a_plan_ending_later_than_seven_days_is_fine(ends_in):
    assert plan_end_note(T + ends_in, NOW)[1:] == (OK, False)


@pytest.mark.parametrize("ends_in", ENDED.values(), ids=ENDED.keys())
def test_a_plan_ending_now_or_before_has_expired(ends_in):
    assert plan_end_note(T + ends_in, NOW)[1:] == (BAD, True)


@pytest.mark.parametrize(
    ("ends_in", "tone"), [(7 * DAY, WARN), (7 * DAY + 1, OK)], ids=["7d", "7d+1s"]
)
def test_the_plan_badges_change_at_the_edge(ends_in, tone):
    cloud, data_plan = storage_state(storage(ends_in), NOW), sim_state(sim(ends_in), NOW)
    assert (cloud.badge.text, cloud.badge.tone, cloud.problem) == ("In service", tone, tone == WARN)
    assert (data_plan.badge.text, data_plan.badge.tone, data_plan.problem) == (
        "Active",
        tone,
        tone == WARN,
    )


def test_the_verdict_warns_on_the_last_second_of_the_seventh_day():
    result = verdict(report(storage_plan=storage(7 * DAY), sim_plan=sim(7 * DAY)), NOW)
    assert result.text == (
        "Online; its 4G data plan expires in 7 days; its cloud storage expires in 7 days"
    )
    assert result.tone == WARN


def test_the_verdict_is_quiet_one_second_later():
    result = verdict(report(storage_plan=storage(7 * DAY + 1), sim_plan=sim(7 * DAY + 1)), NOW)
    assert (result.text, result.tone) == ("Online; nothing looks wrong", OK)


@pytest.mark.parametrize(
    ("ends_in", "tone"),
    [(7 * DAY, WARN), (7 * DAY + 1, OK), (7 * DAY + 23 * HOUR, OK)],
    ids=["7d", "7d+1s", "7d23h"],
)
def test_a_device_list_row_changes_at_the_edge(ends_in, tone):
    cell = expiry_cell(T + ends_in, 1, NOW)
    assert (cell.badge.tone, cell.problem) == (tone, tone == WARN)
