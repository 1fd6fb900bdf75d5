"""Where a plan stands: one rule for cloud storage and 4G SIM plans."""

import pytest

from devices.presenters.formatting import BAD, NEUTRAL, OK, WARN, Badge
from devices.presenters.plans import plan_state
from tests.presenters.builders import DAY, NOW, T, sim, storage


class TestPlans:
    @pytest.mark.parametrize(
        ("plan", "badge", "note", "problem"),
        [
            (storage(), Badge("In service", OK), "Expires in 100 days", False),
            (
                storage(end_time=T + 7 * DAY),
                Badge("In service", WARN),
                "Expires in 7 days",
                True,
            ),
            (
                storage(srv_status=5, end_time=T - 12 * DAY),
                Badge("Expired", BAD),
                "Expired 12 days ago",
                True,
            ),
            (
                storage(srv_status=2, end_time=T - DAY),
                Badge("In service", WARN),
                "Expired 1 day ago",
                True,
            ),
            (
                storage(srv_status=3),
                Badge("code 3 (unknown to SupportDesk)", NEUTRAL),
                "Expires in 100 days",
                False,
            ),
            (
                storage(srv_status=None, end_time=None),
                Badge("Status not reported", NEUTRAL),
                "",
                False,
            ),
        ],
    )
    def test_storage_states(self, plan, badge, note, problem):
        state = plan_state(plan, NOW)
        assert (state.badge, state.end_note, state.problem) == (badge, note, problem)

    @pytest.mark.parametrize(
        ("plan", "badge", "note", "problem"),
        [
            (sim(), Badge("Active", OK), "Expires in 100 days", False),
            (sim(end_time=T + 5 * DAY), Badge("Active", WARN), "Expires in 5 days", True),
            (
                sim(srv_status=0, end_time=T - 20 * DAY),
                Badge("Expired", BAD),
                "Expired 20 days ago",
                True,
            ),
            (sim(end_time=3972791736), Badge("Active", OK), "Permanent", False),
            (
                sim(srv_status=4),
                Badge("code 4 (unknown to SupportDesk)", NEUTRAL),
                "Expires in 100 days",
                False,
            ),
        ],
    )
    def test_sim_states(self, plan, badge, note, problem):
        state = plan_state(plan, NOW)
        assert (state.badge, state.end_note, state.problem) == (badge, note, problem)
