"""The degraded banner: most vendor calls of a credential failed in the last minute.

Counted by the service as it completes each audit row, read by every page without a query, and
gone by itself once the minute has moved on.
"""

import time
from datetime import UTC, datetime

import pytest
from django.utils import translation

from devices import vendor_status
from devices.models import Lookup
from devices.presenters.status import degraded_notes
from tests.helpers import inject, page_text, sn_url

NOW = 1_741_579_200.0  # 2025-03-10 12:00 in Asia/Shanghai


def call(outcome: str, *, at: float, name: str = "cn", source: str = "fresh") -> None:
    vendor_status.record(Lookup(credential_name=name, outcome=outcome, source=source), at=at)


class TestAggregate:
    def test_most_calls_failing_in_the_last_minute_is_degraded_since_the_first_failure(self):
        call("ok", at=NOW - 50)
        call("unavailable", at=NOW - 40)
        call("unavailable", at=NOW - 20)
        call("rate_limited", at=NOW - 5)

        [found] = vendor_status.degraded(at=NOW)

        assert found.credential_name == "cn"
        assert found.since == datetime.fromtimestamp(NOW - 40, tz=UTC)

    def test_half_or_fewer_failing_is_not(self):
        call("ok", at=NOW - 30)
        call("ok", at=NOW - 20)
        call("unavailable", at=NOW - 10)
        call("unavailable", at=NOW - 5)

        assert vendor_status.degraded(at=NOW) == []

    def test_a_couple_of_failed_calls_are_not_an_outage(self):
        call("unavailable", at=NOW - 10)
        call("unavailable", at=NOW - 5)

        assert vendor_status.degraded(at=NOW) == []

    def test_it_clears_by_itself_once_the_failures_are_over_a_minute_old(self):
        for seconds in (30, 20, 10):
            call("unavailable", at=NOW - seconds)
        assert vendor_status.degraded(at=NOW)

        assert vendor_status.degraded(at=NOW + 61) == []

    def test_recovery_clears_it(self):
        for seconds in (50, 45, 40):
            call("unavailable", at=NOW - seconds)
        assert vendor_status.degraded(at=NOW)
        for seconds in (4, 3, 2, 1):
            call("ok", at=NOW - seconds)

        assert vendor_status.degraded(at=NOW) == []

    def test_since_stays_put_while_the_outage_lasts_longer_than_the_window(self):
        for seconds in (30, 20, 10):
            call("unavailable", at=NOW - seconds)
        [first] = vendor_status.degraded(at=NOW)
        for seconds in (15, 10, 5):
            call("unavailable", at=NOW + 60 - seconds)

        [later] = vendor_status.degraded(at=NOW + 60)

        assert later.since == first.since == datetime.fromtimestamp(NOW - 30, tz=UTC)

    def test_each_credential_is_judged_alone(self):
        for seconds in (30, 20, 10):
            call("unavailable", at=NOW - seconds, name="cn")
            call("ok", at=NOW - seconds, name="eu")

        assert [d.credential_name for d in vendor_status.degraded(at=NOW)] == ["cn"]

    @pytest.mark.parametrize("outcome", ["not_found", "ok"])
    def test_an_answer_about_a_missing_device_is_an_answer(self, outcome):
        for seconds in (30, 20, 10):
            call(outcome, at=NOW - seconds)

        assert vendor_status.degraded(at=NOW) == []

    def test_cached_answers_and_refused_input_are_not_vendor_calls(self):
        call("unavailable", at=NOW - 30)
        call("unavailable", at=NOW - 20)
        call("ok", at=NOW - 15, source="cached")
        call("invalid_input", at=NOW - 10, source="")
        call("ok", at=NOW - 9, name="")

        assert vendor_status.degraded(at=NOW) == []
        call("unavailable", at=NOW - 5)
        assert vendor_status.degraded(at=NOW)

    def test_a_broken_store_means_no_banner_not_a_broken_page(self, monkeypatch):
        def broken():
            raise OSError("disk gone")

        monkeypatch.setattr(vendor_status, "_cache", broken)
        call("unavailable", at=NOW)
        assert vendor_status.degraded(at=NOW) == []


def test_the_note_says_since_when_in_the_readers_zone():
    since = datetime.fromtimestamp(NOW - 180, tz=UTC)
    with translation.override("en"):
        [note] = degraded_notes(
            [vendor_status.Degradation("cn", since)], datetime.fromtimestamp(NOW, UTC)
        )
    assert note == "Vendor degraded since 11:57 (region cn): answers may be old."


class TestPages:
    def test_every_page_shows_the_banner_during_an_outage(self, staff_client, sandbox, lead):
        inject(sandbox, "http502")
        for _ in range(3):
            staff_client.get(sn_url("online-wifi-mains", refresh="1"))

        for url in ("/", "/lookups/", sn_url("sim-expired")):
            text = page_text(staff_client.get(url))
            assert "Vendor degraded since " in text, url
            assert "(region sandbox): answers may be old." in text
        staff_client.force_login(lead)
        admin = page_text(staff_client.get("/admin/devices/lookup/"))
        assert "Vendor degraded since " in admin

    def test_no_banner_while_the_vendor_answers(self, staff_client, sandbox):
        for _ in range(3):
            staff_client.get(sn_url("online-wifi-mains", refresh="1"))

        assert "Vendor degraded" not in page_text(staff_client.get("/"))

    def test_the_banner_reads_in_chinese(self, staff_client, sandbox):
        inject(sandbox, "http502")
        for _ in range(3):
            staff_client.get(sn_url("online-wifi-mains", refresh="1"))

        text = page_text(staff_client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans"))

        assert "厂商服务自 " in text
        assert "结果可能不是最新的" in text

    def test_it_clears_by_itself(self, staff_client, sandbox, monkeypatch):
        inject(sandbox, "http502")
        for _ in range(3):
            staff_client.get(sn_url("online-wifi-mains", refresh="1"))
        later = time.time() + 70
        monkeypatch.setattr(vendor_status.time, "time", lambda: later)

        assert "Vendor degraded" not in page_text(staff_client.get("/"))

    def test_nobody_signed_out_sees_it(self, client, staff_client, sandbox):
        inject(sandbox, "http502")
        for _ in range(3):
            staff_client.get(sn_url("online-wifi-mains", refresh="1"))
        client.logout()

        assert "Vendor degraded" not in page_text(client.get("/accounts/login/"))
