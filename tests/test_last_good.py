"""The last good answer: kept for a day beside the short cache, shown (marked, with the failure
panel above it and the failure's status) while the vendor is not answering, and audited."""

import time

import pytest
from django.utils import translation

from devices import last_good, services
from devices.audit import AuditContext
from devices.models import Credential, Lookup
from devices.ratelimit import get_limiter
from devices.sandbox import data
from tests.helpers import inject, page_text, sn_url, vendor_requests, verdict_text

DEVICE = data.device_by_key("online-wifi-mains")


def look(user, **options) -> services.LookupResult:
    return services.lookup_device(
        audit=AuditContext(user=user), kind="sn", value=DEVICE.sn, **options
    )


class TestService:
    def test_a_fresh_answer_is_kept_and_stands_in_when_the_vendor_is_down(
        self, staff, credential, sandbox
    ):
        first = look(staff)
        inject(sandbox, "http502")

        second = look(staff, refresh=True)

        assert second.stale
        assert second.data.raw == first.data.raw
        assert second.fetched_at == first.fetched_at
        assert isinstance(second.error, services.gwell.VendorUnavailable)
        row = second.lookup
        row.refresh_from_db()
        assert (row.outcome, row.source) == ("unavailable", "last_good")
        assert row.vendor_message.startswith("The vendor answered HTTP 502")

    @pytest.mark.parametrize("fault", ["http502", "drop", "http429", "malformed"])
    def test_each_way_of_not_answering_shows_it(self, staff, credential, sandbox, fault):
        look(staff)
        inject(sandbox, fault)

        assert look(staff, refresh=True).stale

    def test_a_timeout_shows_it(self, staff, credential, sandbox, settings):
        settings.VENDOR_TIMEOUT = 0.3
        look(staff)
        inject(sandbox, "stall", seconds=1.0)

        result = look(staff, refresh=True)

        assert result.stale
        assert result.lookup.outcome == "unavailable"

    def test_our_own_budget_being_busy_shows_it(self, staff, credential, sandbox, settings):
        look(staff)
        settings.VENDOR_MAX_WAIT = 0.1
        get_limiter().pause(credential.app_id, 30)

        result = look(staff, refresh=True)

        assert result.stale
        assert result.lookup.outcome == "rate_limited"

    def test_without_a_kept_answer_the_failure_stands_alone(self, staff, credential, sandbox):
        inject(sandbox, "http502")

        result = look(staff)

        assert (result.stale, result.data, result.lookup.source) == (False, None, "")

    def test_a_refused_credential_never_shows_an_old_answer(self, staff, credential, sandbox):
        look(staff)
        Credential.objects.filter(pk=credential.pk).update(app_token="not-the-token")

        result = look(staff, refresh=True)

        assert result.data is None
        assert result.lookup.outcome == "credential_error"

    def test_a_device_that_is_gone_is_not_replaced_by_its_old_answer(
        self, staff, credential, sandbox
    ):
        look(staff)
        inject(sandbox, "code", code=10012, msg="no relevant results")

        result = look(staff, refresh=True)

        assert (result.lookup.outcome, result.data) == ("not_found", None)

    def test_each_owner_has_its_own_last_good_answer(self, staff, credential, sandbox):
        look(staff)
        inject(sandbox, "http502")

        result = look(staff, owner_id=str(DEVICE.owner_id), refresh=True)

        assert result.data is None

    def test_it_is_kept_for_the_configured_time(self, staff, credential, sandbox, settings):
        settings.LOOKUP_LAST_GOOD_SECONDS = 1
        look(staff)
        inject(sandbox, "http502")
        assert look(staff, refresh=True).stale

        time.sleep(1.2)

        assert not look(staff, refresh=True).stale

    def test_zero_seconds_keeps_nothing(self, staff, credential, sandbox, settings):
        settings.LOOKUP_LAST_GOOD_SECONDS = 0
        look(staff)
        inject(sandbox, "http502")

        assert not look(staff, refresh=True).stale

    def test_a_broken_store_costs_the_feature_not_the_lookup(
        self, staff, credential, sandbox, monkeypatch
    ):
        def broken(alias):
            raise OSError("disk full")

        monkeypatch.setattr(last_good, "caches", type("Broken", (), {"__getitem__": broken})())

        assert look(staff).ok
        inject(sandbox, "http502")
        result = look(staff, refresh=True)
        assert (result.lookup.outcome, result.data) == ("unavailable", None)

    def test_the_default_is_a_day(self):
        from supportdesk import settings as project_settings

        assert project_settings.LOOKUP_LAST_GOOD_SECONDS == 24 * 3600


class TestPages:
    def test_refresh_during_an_outage_shows_the_last_good_answer_below_the_failure(
        self, staff_client, sandbox
    ):
        good = staff_client.get(sn_url("online-wifi-mains"))
        inject(sandbox, "http502")

        response = staff_client.get(sn_url("online-wifi-mains", refresh="1"))

        assert response.status_code == 502
        text = page_text(response)
        assert "The vendor is unavailable" in text
        assert "The vendor is not answering. Showing what it said at " in text
        assert "Not fresh" in text
        assert verdict_text(response) == verdict_text(good)
        content = response.content.decode()
        assert content.index('class="failure"') < content.index("stale-notice")
        assert content.index("stale-notice") < content.index('class="verdict')
        assert '<div class="stale">' in content
        assert "Source data from just now, the last good answer, the vendor not answering" in text
        assert "Source fresh from the vendor" not in text
        rows = list(Lookup.objects.order_by("id").values_list("outcome", "source"))
        assert rows == [("ok", "fresh"), ("unavailable", "last_good")]

    def test_an_outage_without_a_last_good_answer_shows_the_failure_alone(
        self, staff_client, sandbox
    ):
        inject(sandbox, "http502")

        response = staff_client.get(sn_url("online-wifi-mains"))

        assert response.status_code == 502
        content = response.content.decode()
        assert "The vendor is unavailable" in page_text(response)
        assert "stale-notice" not in content
        assert 'class="verdict' not in content

    def test_a_users_page_shows_its_last_good_answer_too(self, staff_client, sandbox):
        url = f"/users/{data.FAMILY}/devices/"
        staff_client.get(url)
        inject(sandbox, "http502")

        response = staff_client.get(url + "?refresh=1")

        assert response.status_code == 502
        assert "The vendor is not answering. Showing what it said at " in page_text(response)
        assert response.content.decode().count('href="/devices/id/') == len(
            data.devices_of_user(data.FAMILY)
        )

    def test_a_busy_vendor_with_a_last_good_answer_still_says_when_to_retry(
        self, staff_client, sandbox
    ):
        staff_client.get(sn_url("online-wifi-mains"))
        inject(sandbox, "http429")

        response = staff_client.get(sn_url("online-wifi-mains", refresh="1"))

        assert response.status_code == 503
        assert response["Retry-After"] == "1"
        assert "Showing what it said at" in page_text(response)

    def test_it_reads_in_chinese(self, staff_client, sandbox):
        staff_client.get(sn_url("online-wifi-mains"))
        inject(sandbox, "http502")

        response = staff_client.get(
            sn_url("online-wifi-mains", refresh="1"), HTTP_ACCEPT_LANGUAGE="zh-hans"
        )

        text = page_text(response)
        assert "厂商暂无响应。以下是它在 " in text
        assert "非最新" in text

    def test_refresh_and_search_say_they_are_busy_and_the_vendor_is_asked_once(
        self, staff_client, sandbox
    ):
        content = staff_client.get(sn_url("online-wifi-mains")).content.decode()
        assert 'data-busy-label="Asking the vendor…">Refresh from the vendor</a>' in content
        assert vendor_requests(sandbox) == 1
        with translation.override("en"):
            search = staff_client.get("/").content.decode()
        assert 'class="search-form" novalidate data-busy-label="Looking up…"' in search
