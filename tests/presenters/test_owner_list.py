"""What a row of the owner's list shows once its device is checked, and why a check failed."""

import pytest

from devices import gwell
from devices.presenters.owner_list import (
    ATTENTION,
    FINE,
    UNKNOWN,
    URGENT,
    check_failure,
    device_check,
    row_check,
)
from devices.ratelimit import VendorBusy
from tests.presenters.builders import HOUR, NOW, T, device, report


class TestDeviceCheck:
    def test_an_online_camera_on_mains_is_fine(self):
        check = device_check(device(), NOW)
        assert (check.state, check.state_tone, check.battery, check.model) == (
            "Online",
            "ok",
            "No battery",
            "IPC-W2",
        )
        assert (check.problem, check.urgency) == (False, FINE)

    def test_offline_is_urgent_and_says_for_how_long(self):
        check = device_check(device(online=0, online_update_time=T - 3 * HOUR), NOW)
        assert (check.state, check.state_note) == ("Offline", "for 3 hours")
        assert (check.problem, check.urgency) == (True, URGENT)

    def test_no_online_state_at_all_is_urgent(self):
        check = device_check(device(online=None, online_update_time=None), NOW)
        assert check.state_note == "no status reported (usual after months offline)"
        assert check.urgency == URGENT

    def test_asleep_is_not_a_problem(self):
        check = device_check(device(online=gwell.ASLEEP, battery=64, power_mode=1), NOW)
        assert (check.state, check.battery, check.problem) == ("Asleep (low-power)", "64%", False)

    @pytest.mark.parametrize(
        "fields, note, problem",
        [
            ({"battery": 15, "power_mode": 1}, "Low battery", True),
            ({"battery": 20, "power_mode": 1}, "Low battery", True),
            ({"battery": 21, "power_mode": 1}, "", False),
            ({"battery": 15, "power_mode": 2, "power_charging": 1}, "Charging", False),
        ],
    )
    def test_a_low_battery_needs_attention_unless_charging(self, fields, note, problem):
        check = device_check(device(**fields), NOW)
        assert (check.battery_note, check.problem) == (note, problem)
        assert check.urgency == (ATTENTION if problem else FINE)

    def test_a_weak_signal_needs_attention(self):
        check = device_check(device(signal=20), NOW)
        assert (check.state_note, check.urgency) == ("weak signal", ATTENTION)

    def test_an_online_code_we_do_not_know_is_shown_raw_and_flagged(self):
        check = device_check(device(online=7), NOW)
        assert check.state == "code 7 (unknown to SupportDesk)"
        assert check.urgency == ATTENTION

    def test_a_missing_model_reads_not_reported(self):
        assert device_check(device(device_type=None), NOW).model == "not reported"


class TestRowCheck:
    def test_the_last_good_answer_is_shown_marked(self):
        stale = row_check(
            report=report(device(online=0)),
            error=gwell.VendorUnavailable(reason="connection"),
            retry_after=None,
            now=NOW,
        )
        assert (stale.ok, stale.state) == (True, "Offline")
        assert stale.stale == "Last known state: the vendor is not answering"

    def test_a_failure_without_an_answer_says_why(self):
        failed = row_check(
            report=None,
            error=gwell.VendorUnavailable(reason="connection"),
            retry_after=None,
            now=NOW,
        )
        assert (failed.ok, failed.message, failed.urgency) == (
            False,
            "The vendor is unavailable",
            UNKNOWN,
        )

    def test_a_busy_budget_says_when_to_try_again(self):
        failed = check_failure(VendorBusy(2.2), 2.2)
        assert failed.message == "Too many lookups at once"
        assert (failed.hint, failed.retry_after) == ("Try again in 3 seconds.", 3)

    def test_it_is_json_for_the_page_script(self):
        answer = device_check(device(), NOW).as_json()
        assert answer["ok"] is True
        assert set(answer) >= {"state", "state_tone", "battery", "model", "problem", "urgency"}
