"""What single values read as: times, labels, tones."""

from datetime import timedelta

import pytest

from devices.presenters.formatting import (
    BAD,
    NEUTRAL,
    OK,
    WARN,
    Badge,
    absolute_time,
    battery_label,
    battery_note,
    charging_label,
    duration_words,
    is_permanent,
    is_weak_signal,
    kind_label,
    notice_label,
    online_badge,
    outcome_badge,
    pkg_type_label,
    power_mode_label,
    relation_badge,
    relative_time,
    renewal_label,
    signal_label,
    source_label,
    to_datetime,
    tone_word,
)
from tests.presenters.builders import (
    DAY,
    HOUR,
    NOW,
    T,
)


class TestTimes:
    def test_zero_means_never_and_is_no_date(self):
        assert to_datetime(0) is None
        assert to_datetime(None) is None

    def test_absolute_times_are_in_the_time_zone_with_the_zone_shown(self, settings):
        settings.TIME_ZONE = "Asia/Shanghai"
        assert absolute_time(NOW) == "2025-03-10 12:00 UTC+8"

    def test_a_zone_with_half_hours_shows_them(self, settings):
        settings.TIME_ZONE = "Asia/Kolkata"
        assert absolute_time(NOW) == "2025-03-10 09:30 UTC+5:30"

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
        assert duration_words(seconds) == words

    def test_relative_times_say_ago_in_or_just_now(self):
        assert relative_time(NOW - timedelta(days=3), NOW) == "3 days ago"
        assert relative_time(NOW + timedelta(hours=5), NOW) == "in 5 hours"
        assert relative_time(NOW + timedelta(seconds=2), NOW) == "just now"

    def test_a_year_2095_end_is_permanent(self):
        assert is_permanent(3972791736)
        assert not is_permanent(T + 365 * DAY)
        assert not is_permanent(0)


class TestLabels:
    @pytest.mark.parametrize(
        ("online", "text", "tone"),
        [
            (1, "Online", OK),
            (0, "Offline", BAD),
            (2, "Asleep (low-power)", OK),
            (None, "Not reported", NEUTRAL),
            (3, "code 3 (unknown to SupportDesk)", NEUTRAL),
        ],
    )
    def test_online_state(self, online, text, tone):
        assert online_badge(online) == Badge(text, tone)

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
        assert power_mode_label(mode) == text

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
        assert charging_label(charging) == text

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
        assert notice_label(status) == text

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
        assert pkg_type_label(pkg_type) == text

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
        assert relation_badge(relation).text == text

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
        assert renewal_label(renewing) == text

    def test_signal_shows_quality_and_rssi(self):
        assert signal_label(72, -61) == "quality 72, RSSI -61 dBm"
        assert signal_label(None, -101) == "RSSI -101 dBm"
        assert signal_label(None, None) is None

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
        assert is_weak_signal(signal, rssi) is weak

    def test_battery(self):
        assert battery_label(15, 1) == "15%"
        assert battery_label(None, 0) == "No battery"
        assert battery_label(None, None) is None
        assert battery_note(20) == "Low battery"
        assert battery_note(21) == ""

    @pytest.mark.parametrize(
        ("kind", "text"),
        [("sn", "serial number"), ("dev_id", "device id"), ("user", "user id")],
    )
    def test_kinds(self, kind, text):
        assert kind_label(kind) == text

    @pytest.mark.parametrize(
        ("outcome", "text", "tone"),
        [
            ("ok", "Found", OK),
            ("pending", "Pending", NEUTRAL),
            ("not_found", "Not found", WARN),
            ("vendor_error", "Vendor error", BAD),
            ("signature_error", "Signature refused", BAD),
            ("unavailable", "Vendor unavailable", BAD),
            ("rate_limited", "Too many lookups", WARN),
            ("invalid_input", "Invalid input", WARN),
        ],
    )
    def test_outcomes(self, outcome, text, tone):
        assert outcome_badge(outcome) == Badge(text, tone)

    def test_sources(self):
        assert source_label("fresh") == "fresh from the vendor"
        assert source_label("cached") == "cached"
        assert source_label("shared") == "shared with a colleague's simultaneous lookup"

    def test_tone_words_go_with_every_colour(self):
        assert tone_word(OK) == "All good"
        assert tone_word(WARN) == "Needs attention"
        assert tone_word(BAD) == "Problem"
