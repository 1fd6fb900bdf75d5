"""Unit tests for what the pages say: the verdict, every label, times, failures."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from devices import gwell
from devices import presenters as p
from devices.coalescing import Source
from devices.credentials import NoCredential, UnknownCredential
from devices.crypto import SecretUnavailable
from devices.models import Lookup
from devices.ratelimit import VendorBusy

NOW = datetime(2025, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai
T = int(NOW.timestamp())
DAY = 86400
HOUR = 3600
USER_ID = "-9223371981234556044"


def device(**fields) -> gwell.DeviceInfo:
    defaults = dict(
        device_id="3435178203944",
        owner_id=USER_ID,
        online=1,
        online_update_time=T - 2 * DAY,
        battery=None,
        signal=80,
        rssi=-55,
        power_mode=0,
        power_charging=0,
        bind_time=T - 100 * DAY,
        device_type="IPC-W2",
        firmware_version="13.1.2.47",
    )
    return gwell.DeviceInfo(**(defaults | fields))


def storage(**fields) -> gwell.StoragePlan:
    defaults = dict(
        order_id="VSS1",
        pkg_type=0,
        start_time=T - 10 * DAY,
        end_time=T + 100 * DAY,
        srv_status=2,
        storage_days=7,
        sub_status=True,
        sub_time=T - 200 * DAY,
        withhold_time=T - 10 * DAY,
    )
    return gwell.StoragePlan(**(defaults | fields))


def sim(**fields) -> gwell.SimPlan:
    defaults = dict(
        sim_id="89860021180000123456",
        order_id="FL1",
        start_time=T - 10 * DAY,
        end_time=T + 100 * DAY,
        srv_status=1,
        card_provider="中国移动",
        sub_status=True,
        sub_time=T - 200 * DAY,
        withhold_time=T - 10 * DAY,
    )
    return gwell.SimPlan(**(defaults | fields))


def report(dev=None, storage_plan=None, sim_plan=None) -> gwell.DeviceReport:
    return gwell.DeviceReport(
        device=dev or device(),
        storage=storage_plan,
        sim=sim_plan,
        request_id="req-1",
        raw={"code": 0, "msg": "ok", "requestId": "req-1", "data": {}},
    )


def lookup(**fields) -> Lookup:
    defaults = dict(
        kind=Lookup.Kind.SERIAL,
        value="876ABCDEF0347",
        outcome=Lookup.Outcome.OK,
        credential_name="sandbox",
        endpoint="devInfo",
        created_at=NOW,
        request_id="req-1",
        http_request_id="http-1",
        source=Source.FRESH,
    )
    return Lookup(**(defaults | fields))


def verdict_of(**kwargs) -> p.Verdict:
    return p.verdict(report(**kwargs), NOW)


class TestVerdict:
    def test_an_online_device_with_nothing_wrong_says_so(self):
        result = verdict_of(storage_plan=storage())
        assert result.text == "Online; nothing looks wrong"
        assert result.tone == p.OK

    def test_an_offline_device_whose_sim_expired_says_both(self):
        result = verdict_of(
            dev=device(online=0, online_update_time=T - 3 * DAY - HOUR),
            sim_plan=sim(srv_status=0, end_time=T - 5 * DAY),
        )
        assert result.text == "Offline for 3 days; its 4G data plan expired 5 days ago"
        assert result.tone == p.BAD

    def test_a_device_on_battery_with_a_weak_signal_says_both(self):
        result = verdict_of(dev=device(power_mode=1, battery=15, signal=20))
        assert result.text == "Online; running on battery at 15%, weak signal"
        assert result.tone == p.WARN

    def test_a_device_on_battery_with_plenty_left_is_fine(self):
        result = verdict_of(dev=device(power_mode=1, battery=96))
        assert result.text == "Online; running on battery at 96%"
        assert result.tone == p.OK

    def test_a_low_battery_on_external_power_not_charging_is_mentioned(self):
        result = verdict_of(dev=device(power_mode=2, battery=12, power_charging=0))
        assert result.text == "Online; battery low at 12%"
        assert result.tone == p.WARN

    def test_a_low_battery_that_is_charging_is_not_a_problem(self):
        assert verdict_of(dev=device(power_mode=2, battery=12, power_charging=1)).tone == p.OK

    def test_an_unbound_device_that_reports_nothing_is_just_not_bound(self):
        result = verdict_of(dev=device(owner_id="0", online=None, online_update_time=None))
        assert result.text == "Not bound to any account"
        assert result.tone == p.WARN

    def test_an_unbound_offline_device_says_both(self):
        result = verdict_of(dev=device(owner_id="0", online=0, online_update_time=T - 2 * DAY))
        assert result.text == "Not bound to any account; offline for 2 days"
        assert result.tone == p.BAD

    def test_a_device_silent_for_months_says_no_status_was_reported(self):
        result = verdict_of(dev=device(online=None, online_update_time=None))
        assert result.text == "No online status reported (usual after months offline)"
        assert result.tone == p.BAD

    def test_offline_without_a_time_says_offline(self):
        assert verdict_of(dev=device(online=0, online_update_time=None)).text == "Offline"

    def test_an_unknown_online_value_is_shown_as_its_number(self):
        result = verdict_of(dev=device(online=7))
        assert result.text == "Online state 7 (unknown to SupportDesk)"
        assert result.tone == p.WARN

    def test_cloud_storage_ending_within_a_week_is_a_warning(self):
        result = verdict_of(storage_plan=storage(end_time=T + 3 * DAY + 2 * HOUR))
        assert result.text == "Online; its cloud storage expires in 3 days"
        assert result.tone == p.WARN

    def test_cloud_storage_ending_in_more_than_a_week_is_not_mentioned(self):
        assert verdict_of(storage_plan=storage(end_time=T + 8 * DAY)).tone == p.OK

    def test_expired_cloud_storage_says_how_long_ago(self):
        result = verdict_of(storage_plan=storage(srv_status=5, end_time=T - 12 * DAY))
        assert result.text == "Online; its cloud storage expired 12 days ago"
        assert result.tone == p.BAD

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


class TestTimes:
    def test_zero_means_never_and_is_no_date(self):
        assert p.to_datetime(0) is None
        assert p.to_datetime(None) is None

    def test_absolute_times_are_in_the_time_zone_with_the_zone_shown(self, settings):
        settings.TIME_ZONE = "Asia/Shanghai"
        assert p.absolute_time(NOW) == "2025-03-10 12:00 UTC+8"

    def test_a_zone_with_half_hours_shows_them(self, settings):
        settings.TIME_ZONE = "Asia/Kolkata"
        assert p.absolute_time(NOW) == "2025-03-10 09:30 UTC+5:30"

    @pytest.mark.parametrize(
        ("seconds", "words"),
        [
            (1, "1 second"),
            (45, "45 seconds"),
            (60, "1 minute"),
            (12 * 60 + 5, "12 minutes"),
            (5 * HOUR + 59 * 60, "5 hours"),
            (DAY, "1 day"),
            (3 * DAY + 23 * HOUR, "3 days"),
            (-2 * DAY, "2 days"),
        ],
    )
    def test_durations_use_the_largest_whole_unit(self, seconds, words):
        assert p.duration_words(seconds) == words

    def test_relative_times_say_ago_in_or_just_now(self):
        assert p.relative_time(NOW - timedelta(days=3), NOW) == "3 days ago"
        assert p.relative_time(NOW + timedelta(hours=5), NOW) == "in 5 hours"
        assert p.relative_time(NOW + timedelta(seconds=2), NOW) == "just now"

    def test_a_year_2095_end_is_permanent(self):
        assert p.is_permanent(3972791736)
        assert not p.is_permanent(T + 365 * DAY)
        assert not p.is_permanent(0)


class TestLabels:
    @pytest.mark.parametrize(
        ("online", "text", "tone"),
        [
            (1, "Online", p.OK),
            (0, "Offline", p.BAD),
            (None, "Not reported", p.NEUTRAL),
            (3, "code 3 (unknown to SupportDesk)", p.NEUTRAL),
        ],
    )
    def test_online_state(self, online, text, tone):
        assert p.online_badge(online) == p.Badge(text, tone)

    @pytest.mark.parametrize(
        ("mode", "text"),
        [
            (0, "Mains power (no battery)"),
            (1, "On battery"),
            (2, "External power (battery fitted)"),
            (9, "code 9 (unknown to SupportDesk)"),
            (None, None),
        ],
    )
    def test_power_source(self, mode, text):
        assert p.power_mode_label(mode) == text

    @pytest.mark.parametrize(
        ("charging", "text"),
        [
            (0, "Not charging"),
            (1, "Charging"),
            (2, "Charging (low voltage)"),
            (3, "Charging (high voltage)"),
            (4, "code 4 (unknown to SupportDesk)"),
            (None, None),
        ],
    )
    def test_charging(self, charging, text):
        assert p.charging_label(charging) == text

    @pytest.mark.parametrize(
        ("status", "text"),
        [
            (0, "Off: the owner is not notified"),
            (1, "On: the owner is notified"),
            (2, "code 2 (unknown to SupportDesk)"),
            (None, None),
        ],
    )
    def test_notifications(self, status, text):
        assert p.notice_label(status) == text

    @pytest.mark.parametrize(
        ("pkg_type", "text"),
        [
            (0, "Continuous recording"),
            (1, "Event recording"),
            (5, "code 5 (unknown to SupportDesk)"),
            (None, None),
        ],
    )
    def test_cloud_plan_type_never_guesses(self, pkg_type, text):
        assert p.pkg_type_label(pkg_type) == text

    @pytest.mark.parametrize(
        ("relation", "text"),
        [
            (1, "Owner"),
            (2, "Guest"),
            (3, "code 3 (unknown to SupportDesk)"),
            (None, "Not reported"),
        ],
    )
    def test_relation(self, relation, text):
        assert p.relation_badge(relation).text == text

    @pytest.mark.parametrize(
        ("renewing", "text"),
        [
            (True, "Auto-renewal on"),
            (1, "Auto-renewal on"),
            (False, "Auto-renewal off"),
            (0, "Auto-renewal off"),
            (None, None),
            (2, "code 2 (unknown to SupportDesk)"),
        ],
    )
    def test_auto_renewal(self, renewing, text):
        assert p.renewal_label(renewing) == text

    def test_signal_shows_quality_and_rssi(self):
        assert p.signal_label(72, -61) == "quality 72, RSSI -61 dBm"
        assert p.signal_label(None, -101) == "RSSI -101 dBm"
        assert p.signal_label(None, None) is None

    @pytest.mark.parametrize(
        ("signal", "rssi", "weak"),
        [
            (30, -40, True),
            (31, -100, False),
            (None, -95, True),
            (None, -94, False),
            (None, None, False),
        ],
    )
    def test_weak_signal_follows_the_quality_and_falls_back_to_rssi(self, signal, rssi, weak):
        assert p.is_weak_signal(signal, rssi) is weak

    def test_battery(self):
        assert p.battery_label(15, 1) == "15%"
        assert p.battery_label(None, 0) == "No battery"
        assert p.battery_label(None, None) is None
        assert p.battery_note(20) == "Low battery"
        assert p.battery_note(21) == ""

    @pytest.mark.parametrize(
        ("kind", "text"),
        [("sn", "serial number"), ("dev_id", "device id"), ("user", "user id")],
    )
    def test_kinds(self, kind, text):
        assert p.kind_label(kind) == text

    @pytest.mark.parametrize(
        ("outcome", "text", "tone"),
        [
            ("ok", "Found", p.OK),
            ("pending", "Pending", p.NEUTRAL),
            ("not_found", "Not found", p.WARN),
            ("vendor_error", "Vendor error", p.BAD),
            ("signature_error", "Signature refused", p.BAD),
            ("unavailable", "Vendor unavailable", p.BAD),
            ("rate_limited", "Too many lookups", p.WARN),
            ("invalid_input", "Invalid input", p.WARN),
        ],
    )
    def test_outcomes(self, outcome, text, tone):
        assert p.outcome_badge(outcome) == p.Badge(text, tone)

    def test_sources(self):
        assert p.source_label("fresh") == "fresh from the vendor"
        assert p.source_label("cached") == "cached"
        assert p.source_label("shared") == "shared with a colleague's simultaneous lookup"

    def test_tone_words_go_with_every_colour(self):
        assert p.tone_word(p.OK) == "All good"
        assert p.tone_word(p.WARN) == "Needs attention"
        assert p.tone_word(p.BAD) == "Problem"


class TestPlans:
    @pytest.mark.parametrize(
        ("plan", "badge", "note", "problem"),
        [
            (storage(), p.Badge("In service", p.OK), "Expires in 100 days", False),
            (
                storage(end_time=T + 7 * DAY),
                p.Badge("In service", p.WARN),
                "Expires in 7 days",
                True,
            ),
            (
                storage(srv_status=5, end_time=T - 12 * DAY),
                p.Badge("Expired", p.BAD),
                "Expired 12 days ago",
                True,
            ),
            (
                storage(srv_status=2, end_time=T - DAY),
                p.Badge("In service", p.WARN),
                "Expired 1 day ago",
                True,
            ),
            (
                storage(srv_status=3),
                p.Badge("code 3 (unknown to SupportDesk)", p.NEUTRAL),
                "Expires in 100 days",
                False,
            ),
            (
                storage(srv_status=None, end_time=None),
                p.Badge("Status not reported", p.NEUTRAL),
                "",
                False,
            ),
        ],
    )
    def test_storage_states(self, plan, badge, note, problem):
        state = p.storage_state(plan, NOW)
        assert (state.badge, state.end_note, state.problem) == (badge, note, problem)

    @pytest.mark.parametrize(
        ("plan", "badge", "note", "problem"),
        [
            (sim(), p.Badge("Active", p.OK), "Expires in 100 days", False),
            (sim(end_time=T + 5 * DAY), p.Badge("Active", p.WARN), "Expires in 5 days", True),
            (
                sim(srv_status=0, end_time=T - 20 * DAY),
                p.Badge("Expired", p.BAD),
                "Expired 20 days ago",
                True,
            ),
            (sim(end_time=3972791736), p.Badge("Active", p.OK), "Permanent", False),
            (
                sim(srv_status=4),
                p.Badge("code 4 (unknown to SupportDesk)", p.NEUTRAL),
                "Expires in 100 days",
                False,
            ),
        ],
    )
    def test_sim_states(self, plan, badge, note, problem):
        state = p.sim_state(plan, NOW)
        assert (state.badge, state.end_note, state.problem) == (badge, note, problem)


def facts_of(section: p.Section) -> dict[str, p.Fact]:
    return {fact.label: fact for fact in section.facts}


class TestSections:
    def test_missing_values_read_not_reported(self):
        facts = facts_of(
            p.device_section(
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
        owner = facts_of(p.device_section(device(), NOW, credential_name="cn", reason="T 1"))[
            "Owner"
        ]
        assert owner.value == USER_ID
        assert owner.url == f"/users/{USER_ID}/devices/?credential=cn&reason=T+1"

    def test_an_unbound_device_says_not_bound_and_links_nowhere(self):
        facts = facts_of(
            p.device_section(device(owner_id="0", bind_time=0), NOW, credential_name="")
        )
        assert facts["Owner"].badge == p.Badge("Not bound", p.WARN)
        assert facts["Owner"].url == ""
        assert facts["Bound since"].value == "never bound"

    def test_a_weak_signal_is_noted_only_while_online(self):
        online = facts_of(p.device_section(device(signal=12), NOW))["Signal"]
        offline = facts_of(p.device_section(device(online=0, signal=0), NOW))["Signal"]
        assert (online.note, offline.note) == ("Weak signal", "")
        assert offline.value == "quality 0, RSSI -55 dBm"

    def test_the_status_says_for_how_long_and_since_when(self):
        status = facts_of(
            p.device_section(
                device(online=0, online_update_time=T - 3 * DAY), NOW, credential_name=""
            )
        )["Status"]
        assert status.badge == p.Badge("Offline", p.BAD)
        assert status.value == "for 3 days"
        assert status.note == "since 2025-03-07 12:00 UTC+8"

    def test_no_cloud_plan_says_so(self):
        section = p.storage_section(None, NOW)
        assert section.badge.text == "No plan"
        assert section.empty.startswith("No cloud storage plan")

    def test_no_sim_plan_says_so(self):
        section = p.sim_section(None, NOW)
        assert section.badge.text == "No SIM plan"
        assert section.empty.startswith("No SIM plan")

    def test_a_plan_shows_days_kept_renewal_charge_and_order(self):
        facts = facts_of(p.storage_section(storage(end_time=T + 3 * DAY), NOW))
        assert facts["Recordings kept"].value == "7 days"
        assert facts["Auto-renewal"].value == "Auto-renewal on"
        assert facts["Ends"].note == "Expires in 3 days"
        assert facts["Ends"].note_tone == p.WARN
        assert facts["Last charge"].moment.absolute == "2025-02-28 12:00 UTC+8"
        assert facts["Order id"].value == "VSS1"

    def test_never_charged_and_never_subscribed_are_said_in_words(self):
        facts = facts_of(p.storage_section(storage(sub_time=0, withhold_time=0), NOW))
        assert facts["Subscribed since"].value == "never subscribed"
        assert facts["Last charge"].value == "no charge yet"

    def test_a_permanent_sim_plan_reads_permanent(self):
        facts = facts_of(p.sim_section(sim(end_time=3972791736), NOW))
        assert facts["Expires"].badge == p.Badge("Permanent", p.OK)
        assert facts["Carrier"].value == "中国移动"


def entry(**fields) -> gwell.DeviceListEntry:
    defaults = dict(dev_id="3435178203944", relation=1, vss_expire_time=T + 100 * DAY, vss_renew=1)
    return gwell.DeviceListEntry(**(defaults | fields))


class TestUserDevices:
    def test_problems_come_first_expired_before_expiring(self):
        rows = p.device_rows(
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
        (row,) = p.device_rows([entry()], NOW, user_id=USER_ID)
        assert row.url == f"/devices/id/3435178203944/?access_id={USER_ID}"

    def test_the_rows_carry_the_region_and_the_ticket_along(self):
        (row,) = p.device_rows([entry()], NOW, user_id="-5", credential_name="cn", reason="T-1")
        assert row.url == "/devices/id/3435178203944/?access_id=-5&credential=cn&reason=T-1"

    def test_no_plan_and_permanent_plans(self):
        assert p.expiry_cell(0, 0, NOW) == p.PlanCell(p.Badge("No plan"), has_plan=False)
        assert p.expiry_cell(None, None, NOW).has_plan is False
        assert p.expiry_cell(3972791736, 1, NOW).badge == p.Badge("Permanent", p.OK)

    def test_data_use_is_a_bar_for_bundles_only(self):
        use = p.data_use(entry(total_flow=10240, use_flow=3172, surplus_flow=7068))
        assert (use.used, use.total, use.label) == (3172, 10240, "3,172 MB of 10,240 MB used")
        assert not use.nearly_used_up
        assert p.data_use(entry(total_flow=0, use_flow=0)) is None

    def test_a_used_up_bundle_is_a_problem(self):
        (row,) = p.device_rows(
            [entry(total_flow=5120, use_flow=5120, fg_expire_time=T + 18 * DAY)],
            NOW,
            user_id=USER_ID,
        )
        assert row.data.nearly_used_up
        assert row.problem

    def test_the_summary_counts_owned_shared_and_problems(self):
        entries = [entry(dev_id="1"), entry(dev_id="2", relation=2, vss_expire_time=T - DAY)]
        rows = p.device_rows(entries, NOW, user_id=USER_ID)
        assert p.user_summary(rows, entries) == (
            "2 devices: 1 owned, 1 shared with this user; 1 needs attention"
        )
        assert p.user_summary([], []) == "No device on this account."
        assert p.user_tone(rows) == p.BAD


class TestFailures:
    @pytest.mark.parametrize(
        ("error", "status", "title"),
        [
            (
                gwell.DeviceNotFound(code=12001, vendor_message="device not exist"),
                404,
                "No such device",
            ),
            (
                gwell.SignatureExpired(vendor_message="signature validate fail:-2"),
                502,
                "The vendor refused our request as expired",
            ),
            (
                gwell.SignatureInvalid(vendor_message="signature validate fail:-3"),
                502,
                "The vendor refused our signature",
            ),
            (
                gwell.BodyUnreadable(vendor_message="signature validate fail:-1"),
                502,
                "The vendor refused our signature",
            ),
            (SecretUnavailable("bad key"), 502, "The vendor refused our signature"),
            (gwell.VendorUnavailable.timeout(5), 504, "The vendor did not answer in time"),
            (gwell.VendorUnavailable.http_status(500), 502, "The vendor is unavailable"),
            (gwell.VendorUnavailable.connection_dropped(), 502, "The vendor is unavailable"),
            (gwell.VendorUnavailable.not_json(), 502, "The vendor is unavailable"),
            (gwell.VendorRateLimited(retry_after=2.2), 503, "The vendor is busy"),
            (VendorBusy(retry_after=0.4), 503, "Too many lookups at once"),
            (
                gwell.VendorRefused(code=10500, vendor_message="system busy"),
                502,
                "The vendor refused the lookup",
            ),
            (NoCredential(), 503, "No vendor credential"),
            (RuntimeError("boom"), 503, "The lookup failed"),
        ],
    )
    def test_each_failure_has_a_title_a_next_step_and_a_fitting_status(self, error, status, title):
        panel = p.error_panel(error, lookup=lookup(outcome="unavailable"), now=NOW)
        assert (panel.status, panel.title) == (status, title)
        assert panel.next_step
        assert panel.status != 500

    def test_the_signature_expired_panel_says_to_tell_an_admin_about_the_clock(self):
        panel = p.error_panel(gwell.SignatureExpired(), lookup=lookup(), now=NOW)
        assert "clock" in panel.message
        assert panel.next_step.startswith("Tell an admin")

    def test_a_vendor_code_is_shown_with_its_message(self):
        error = gwell.VendorRefused(code=10500, vendor_message="system busy", request_id="r-9")
        panel = p.error_panel(error, lookup=lookup(), now=NOW)
        assert panel.message == "The vendor answered code 10500: system busy"
        assert [fact.value for fact in panel.facts] == ["10500", "system busy", "r-9", "http-1"]
        assert "r-9" in panel.escalation

    def test_busy_panels_say_how_long_to_wait(self):
        panel = p.error_panel(VendorBusy(retry_after=2.2), lookup=lookup(), now=NOW)
        assert panel.retry_after == 3
        assert panel.next_step == "Try again in 3 seconds."
        panel = p.error_panel(gwell.VendorRateLimited(), lookup=lookup(), now=NOW, retry_after=1.0)
        assert panel.next_step == "Try again in 1 second."

    def test_an_unknown_credential_is_named(self):
        panel = p.error_panel(UnknownCredential("eu"), lookup=lookup(), now=NOW)
        assert panel.message == "There is no enabled vendor credential named “eu”."


class TestProvenance:
    def test_cached_data_says_how_old_it_is(self):
        result = p.provenance(lookup(source=Source.CACHED), NOW - timedelta(seconds=12), NOW)
        assert result.age == "data from 12 seconds ago, cached"

    def test_fresh_data_has_no_age(self):
        result = p.provenance(lookup(source=Source.FRESH), NOW, NOW)
        assert result.age == ""
        assert result.source == "fresh from the vendor"
        assert result.request_id == "req-1"

    def test_the_escalation_text_holds_identifiers_codes_request_ids_and_raw_json(self):
        text = p.escalation_text(
            lookup=lookup(owner_id=USER_ID),
            now=NOW,
            device_id="3435178203944",
            raw={"code": 0, "msg": "ok", "requestId": "req-1", "big": 9223372036854775807},
        )
        assert "Looked up: serial number 876ABCDEF0347" in text
        assert "Device id: 3435178203944" in text
        assert f"Owner's user id: {USER_ID}" in text
        assert "Vendor code: 0" in text
        assert "Vendor requestId: req-1" in text
        assert "SupportDesk request id: http-1" in text
        assert "2025-03-10 12:00 UTC+8" in text
        assert '"big": 9223372036854775807' in text


class TestMyLookups:
    @pytest.mark.parametrize(
        ("fields", "url"),
        [
            ({}, "/devices/sn/876ABCDEF0347/?credential=sandbox"),
            (
                {"kind": "dev_id", "value": "3435178203944", "owner_id": "-5"},
                "/devices/id/3435178203944/?access_id=-5&credential=sandbox",
            ),
            (
                {"kind": "user", "value": USER_ID, "reason": "T-12", "credential_name": ""},
                f"/users/{USER_ID}/devices/?reason=T-12",
            ),
            (
                {"outcome": "invalid_input", "value": "a/b"},
                "/?q=a%2Fb&kind=sn",
            ),
        ],
    )
    def test_each_lookup_reopens_where_it_came_from(self, fields, url):
        assert p.reopen_url(lookup(**fields)) == url

    def test_rows_show_the_outcome_and_the_vendors_code_not_the_english_audit_text(self):
        not_found, refused = p.lookup_rows(
            [
                lookup(outcome="not_found", vendor_message="The vendor found no such device"),
                lookup(outcome="vendor_error", vendor_code=10500, vendor_message="busy"),
            ],
            NOW,
        )
        assert not_found.outcome == p.Badge("Not found", p.WARN)
        assert not_found.message == ""
        assert refused.message == "Vendor code 10500"
        assert not_found.when.absolute == "2025-03-10 12:00 UTC+8"
