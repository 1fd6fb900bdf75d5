"""The device page: the verdict and its sections."""

from django.utils import translation

from devices.presenters.device import Verdict, device_section, sim_section, storage_section, verdict
from devices.presenters.formatting import BAD, OK, WARN, Badge, Fact, Section
from tests.presenters.builders import DAY, HOUR, NOW, USER_ID, T, device, report, sim, storage


def verdict_of(**kwargs) -> Verdict:
    return verdict(report(**kwargs), NOW)


class TestVerdict:
    def test_an_online_device_with_nothing_wrong_says_so(self):
        result = verdict_of(storage_plan=storage())
        assert result.text == "Online; nothing looks wrong"
        assert result.tone == OK

    def test_an_offline_device_whose_sim_expired_says_both(self):
        result = verdict_of(
            dev=device(online=0, online_update_time=T - 3 * DAY - HOUR),
            sim_plan=sim(srv_status=0, end_time=T - 5 * DAY),
        )
        assert result.text == "Offline for 3 days; its 4G data plan expired 5 days ago"
        assert result.tone == BAD

    def test_a_device_on_battery_with_a_weak_signal_says_both(self):
        result = verdict_of(dev=device(power_mode=1, battery=15, signal=20))
        assert result.text == "Online; running on battery at 15%, weak signal"
        assert result.tone == WARN

    def test_a_device_on_battery_with_plenty_left_is_fine(self):
        result = verdict_of(dev=device(power_mode=1, battery=96))
        assert result.text == "Online; running on battery at 96%"
        assert result.tone == OK

    def test_a_low_battery_on_external_power_not_charging_is_mentioned(self):
        result = verdict_of(dev=device(power_mode=2, battery=12, power_charging=0))
        assert result.text == "Online; battery low at 12%"
        assert result.tone == WARN

    def test_a_low_battery_that_is_charging_is_not_a_problem(self):
        assert verdict_of(dev=device(power_mode=2, battery=12, power_charging=1)).tone == OK

    def test_an_unbound_device_that_reports_nothing_is_just_not_bound(self):
        result = verdict_of(dev=device(owner_id="0", online=None, online_update_time=None))
        assert result.text == "Not bound to any account"
        assert result.tone == WARN

    def test_an_unbound_offline_device_says_both(self):
        result = verdict_of(dev=device(owner_id="0", online=0, online_update_time=T - 2 * DAY))
        assert result.text == "Not bound to any account; offline for 2 days"
        assert result.tone == BAD

    def test_a_device_silent_for_months_says_no_status_was_reported(self):
        result = verdict_of(dev=device(online=None, online_update_time=None))
        assert result.text == "No online status reported (usual after months offline)"
        assert result.tone == BAD

    def test_offline_without_a_time_says_offline(self):
        assert verdict_of(dev=device(online=0, online_update_time=None)).text == "Offline"

    def test_a_sleeping_camera_is_not_a_problem(self):
        result = verdict_of(dev=device(online=2, battery=64, power_mode=1))
        assert result.text.startswith("Asleep (a low-power camera resting between events)")
        assert result.tone == OK

    def test_a_sleeping_camera_on_low_battery_says_so(self):
        result = verdict_of(dev=device(online=2, battery=8, power_mode=1))
        assert "8%" in result.text
        assert result.tone != OK

    def test_an_unknown_online_value_is_shown_as_its_number(self):
        result = verdict_of(dev=device(online=7))
        assert result.text == "Online state 7 (unknown to SupportDesk)"
        assert result.tone == WARN

    def test_cloud_storage_ending_within_a_week_is_a_warning(self):
        result = verdict_of(storage_plan=storage(end_time=T + 3 * DAY + 2 * HOUR))
        assert result.text == "Online; its cloud storage expires in 3 days"
        assert result.tone == WARN

    def test_cloud_storage_ending_in_more_than_a_week_is_not_mentioned(self):
        assert verdict_of(storage_plan=storage(end_time=T + 8 * DAY)).tone == OK

    def test_expired_cloud_storage_says_how_long_ago(self):
        result = verdict_of(storage_plan=storage(srv_status=5, end_time=T - 12 * DAY))
        assert result.text == "Online; its cloud storage expired 12 days ago"
        assert result.tone == BAD

    def test_expired_storage_without_an_end_time_still_says_expired(self):
        result = verdict_of(storage_plan=storage(srv_status=5, end_time=0))
        assert result.text == "Online; its cloud storage has expired"

    def test_a_permanent_sim_plan_is_never_a_problem(self):
        result = verdict_of(sim_plan=sim(end_time=3972791736))
        assert result.text == "Online; nothing looks wrong"

    def test_the_sim_is_mentioned_before_the_cloud_storage(self):
        result = verdict_of(
            storage_plan=storage(srv_status=5, end_time=T - 2 * DAY),
            sim_plan=sim(end_time=T + 5 * DAY),
        )
        assert result.text == (
            "Online; its 4G data plan expires in 5 days; its cloud storage expired 2 days ago"
        )

    def test_the_verdict_is_translated(self):
        with translation.override("zh-hans"):
            text = verdict_of(
                dev=device(online=0, online_update_time=T - 3 * DAY),
                sim_plan=sim(srv_status=0, end_time=T - 5 * DAY),
            ).text
        assert "离线" in text
        assert "4G" in text


def facts_of(section: Section) -> dict[str, Fact]:
    return {fact.label: fact for fact in section.facts}


class TestSections:
    def test_missing_values_read_not_reported(self):
        facts = facts_of(
            device_section(
                device(
                    online=None,
                    online_update_time=None,
                    signal=None,
                    rssi=None,
                    power_mode=None,
                    power_charging=None,
                    device_type=None,
                ),
                NOW,
                credential_name="",
            )
        )
        labels = ("Battery", "Power source", "Charging status", "Signal", "Model", "Notifications")
        for label in labels:
            assert facts[label].value == "not reported", label
            assert facts[label].missing

    def test_the_owner_links_to_their_devices_with_the_same_region_and_ticket(self):
        owner = facts_of(device_section(device(), NOW, credential_name="cn", reason="T 1"))["Owner"]
        assert owner.value == USER_ID
        assert owner.url == f"/users/{USER_ID}/devices/?credential=cn&reason=T+1"

    def test_an_unbound_device_says_not_bound_and_links_nowhere(self):
        facts = facts_of(device_section(device(owner_id="0", bind_time=0), NOW, credential_name=""))
        assert facts["Owner"].badge == Badge("Not bound", WARN)
        assert facts["Owner"].url == ""
        assert facts["Bound since"].value == "never bound"

    def test_a_weak_signal_is_noted_only_while_online(self):
        online = facts_of(device_section(device(signal=12), NOW))["Signal"]
        offline = facts_of(device_section(device(online=0, signal=0), NOW))["Signal"]
        assert (online.note, offline.note) == ("Weak signal", "")
        assert offline.value == "quality 0, RSSI -55 dBm"

    def test_the_status_says_for_how_long_and_since_when(self):
        status = facts_of(
            device_section(
                device(online=0, online_update_time=T - 3 * DAY), NOW, credential_name=""
            )
        )["Status"]
        assert status.badge == Badge("Offline", BAD)
        assert status.value == "for 3 days"
        assert status.note == "since 2025-03-07 12:00 UTC+8"

    def test_no_cloud_plan_says_so(self):
        section = storage_section(None, NOW)
        assert section.badge.text == "No plan"
        assert section.empty.startswith("No cloud storage plan")

    def test_no_sim_plan_says_so(self):
        section = sim_section(None, NOW)
        assert section.badge.text == "No SIM plan"
        assert section.empty.startswith("No SIM plan")

    def test_a_plan_shows_days_kept_renewal_charge_and_order(self):
        facts = facts_of(storage_section(storage(end_time=T + 3 * DAY), NOW))
        assert facts["Recordings kept"].value == "7 days"
        assert facts["Auto-renewal"].value == "Auto-renewal on"
        assert facts["Ends"].note == "Expires in 3 days"
        assert facts["Ends"].note_tone == WARN
        assert facts["Last charge"].moment.absolute == "2025-02-28 12:00 UTC+8"
        assert facts["Order id"].value == "VSS1"

    def test_never_charged_and_never_subscribed_are_said_in_words(self):
        facts = facts_of(storage_section(storage(sub_time=0, withhold_time=0), NOW))
        assert facts["Subscribed since"].value == "never subscribed"
        assert facts["Last charge"].value == "no charge yet"

    def test_a_permanent_sim_plan_reads_permanent(self):
        facts = facts_of(sim_section(sim(end_time=3972791736), NOW))
        assert facts["Expires"].badge == Badge("Permanent", OK)
        assert facts["Carrier"].value == "中国移动"
