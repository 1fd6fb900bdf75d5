"""The "expires soon" warning, pinned at its edge wherever a plan's end is shown.

A plan that ends within EXPIRY_WARNING_DAYS (7 days, counted to the second, the 7th day
included) is a problem: the device page's plan badge, the verdict sentence and the rows of a
user's device list all warn. One second later it is fine. A rule that counts whole days, rounds,
or leaves the edge out fails here.
"""

import pytest

from devices.presenters.device import verdict
from devices.presenters.formatting import BAD, OK, WARN
from devices.presenters.plans import EXPIRY_WARNING_DAYS, plan_end_note, plan_state
from devices.presenters.user import expiry_cell
from tests.presenters.builders import DAY, HOUR, NOW, T, report, sim, storage

MINUTE = 60

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
    cloud = plan_state(storage(end_time=T + ends_in), NOW)
    data_plan = plan_state(sim(end_time=T + ends_in), NOW)
    assert (cloud.badge.text, cloud.badge.tone, cloud.problem) == ("In service", tone, tone == WARN)
    assert (data_plan.badge.text, data_plan.badge.tone, data_plan.problem) == (
        "Active",
        tone,
        tone == WARN,
    )


def both_plans_ending_in(seconds: int):
    end = T + seconds
    return report(storage_plan=storage(end_time=end), sim_plan=sim(end_time=end))


def test_the_verdict_warns_on_the_last_second_of_the_seventh_day():
    result = verdict(both_plans_ending_in(7 * DAY), NOW)
    assert result.text == (
        "Online; its 4G data plan expires in 7 days; its cloud storage expires in 7 days"
    )
    assert result.tone == WARN


def test_the_verdict_is_quiet_one_second_later():
    result = verdict(both_plans_ending_in(7 * DAY + 1), NOW)
    assert (result.text, result.tone) == ("Online; nothing looks wrong", OK)


@pytest.mark.parametrize(
    ("ends_in", "tone"),
    [(7 * DAY, WARN), (7 * DAY + 1, OK), (7 * DAY + 23 * HOUR, OK)],
    ids=["7d", "7d+1s", "7d23h"],
)
def test_a_device_list_row_changes_at_the_edge(ends_in, tone):
    cell = expiry_cell(T + ends_in, 1, NOW)
    assert (cell.badge.tone, cell.problem) == (tone, tone == WARN)
