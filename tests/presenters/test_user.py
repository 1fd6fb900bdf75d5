"""The user's page: a row per device, problems first, and the summary."""

from devices import gwell
from devices.presenters.formatting import BAD, OK, Badge
from devices.presenters.user import (
    PlanCell,
    data_use,
    device_rows,
    expiry_cell,
    user_summary,
    user_tone,
)
from tests.presenters.builders import DAY, NOW, USER_ID, T


def entry(**fields) -> gwell.DeviceListEntry:
    defaults = dict(dev_id="3435178203944", relation=1, vss_expire_time=T + 100 * DAY, vss_renew=1)
    return gwell.DeviceListEntry(**(defaults | fields))


class TestUserDevices:
    def test_problems_come_first_expired_before_expiring(self):
        rows = device_rows(
            [
                entry(dev_id="1"),
                entry(dev_id="2", vss_expire_time=T + 2 * DAY),
                entry(dev_id="3", fg_expire_time=T - DAY),
                entry(dev_id="4", relation=2),
            ],
            NOW,
            user_id=USER_ID,
        )
        assert [row.dev_id for row in rows] == ["3", "2", "1", "4"]
        assert [row.problem for row in rows] == [True, True, False, False]

    def test_each_row_links_to_its_device_page_for_this_user(self):
        (row,) = device_rows([entry()], NOW, user_id=USER_ID)
        assert row.url == f"/devices/id/3435178203944/?access_id={USER_ID}"

    def test_the_rows_carry_the_region_and_the_ticket_along(self):
        (row,) = device_rows([entry()], NOW, user_id="-5", credential_name="cn", reason="T-1")
        assert row.url == "/devices/id/3435178203944/?access_id=-5&credential=cn&reason=T-1"

    def test_no_plan_and_permanent_plans(self):
        assert expiry_cell(0, 0, NOW) == PlanCell(Badge("No plan"), has_plan=False)
        assert expiry_cell(None, None, NOW).has_plan is False
        assert expiry_cell(3972791736, 1, NOW).badge == Badge("Permanent", OK)

    def test_data_use_is_a_bar_for_bundles_only(self):
        use = data_use(entry(total_flow=10240, use_flow=3172, surplus_flow=7068))
        assert (use.used, use.total, use.label) == (3172, 10240, "3,172 MB of 10,240 MB used")
        assert not use.nearly_used_up
        assert data_use(entry(total_flow=0, use_flow=0)) is None

    def test_a_used_up_bundle_is_a_problem(self):
        (row,) = device_rows(
            [entry(total_flow=5120, use_flow=5120, fg_expire_time=T + 18 * DAY)],
            NOW,
            user_id=USER_ID,
        )
        assert row.data.nearly_used_up
        assert row.problem

    def test_the_summary_counts_owned_shared_and_problems(self):
        entries = [entry(dev_id="1"), entry(dev_id="2", relation=2, vss_expire_time=T - DAY)]
        rows = device_rows(entries, NOW, user_id=USER_ID)
        assert user_summary(rows, entries) == (
            "2 devices: 1 owned, 1 shared with this user; 1 needs attention"
        )
        assert user_summary([], []) == "No device on this account."
        assert user_tone(rows) == BAD
