"""When the vendor (or our side of it) fails: a clear panel, the right status, one audit row.

The sandbox misbehaves on request (its runtime fault injection); nothing is mocked between the
view and the vendor's socket.
"""

import re
import time

import pytest

from devices import services
from devices.models import Credential, Lookup
from devices.ratelimit import get_limiter
from tests.helpers import inject, page_text, sn_url, vendor_requests

pytestmark = pytest.mark.django_db


def only_row() -> Lookup:
    return Lookup.objects.get()


class TestVendorDown:
    @pytest.mark.parametrize(
        ("mode", "message"),
        [
            ("http500", "The vendor's server answered with an error (HTTP 500)."),
            ("http502", "The vendor's server answered with an error (HTTP 502)."),
            ("drop", "Could not reach the vendor's server."),
            ("malformed", "The vendor's answer could not be read."),
            ("not_envelope", "The vendor's answer could not be read."),
        ],
    )
    def test_a_broken_answer_is_a_502_that_says_try_again(
        self, staff_client, sandbox, mode, message
    ):
        inject(sandbox, mode)
        response = staff_client.get(sn_url("online-wifi-mains"))
        assert response.status_code == 502
        text = page_text(response)
        assert "The vendor is unavailable" in text
        assert message in text
        assert "Next step: Try again in a moment." in text
        assert only_row().outcome == "unavailable"

    def test_a_vendor_that_does_not_answer_in_time_is_a_504(self, staff_client, sandbox, settings):
        settings.VENDOR_TIMEOUT = 0.3
        inject(sandbox, "stall", seconds=1.5)
        response = staff_client.get(sn_url("online-wifi-mains"))
        assert response.status_code == 504
        assert "The vendor did not answer in time" in page_text(response)
        assert only_row().outcome == "unavailable"


class TestVendorBusy:
    def test_the_vendor_refusing_us_as_too_frequent_is_a_503_with_retry_after(
        self, staff_client, sandbox
    ):
        inject(sandbox, "http429")
        response = staff_client.get(sn_url("online-wifi-mains"))
        assert response.status_code == 503
        assert response["Retry-After"] == "1"
        text = page_text(response)
        assert "The vendor is busy" in text
        assert "Try again in 1 second." in text
        assert only_row().outcome == "rate_limited"

    def test_the_vendors_rate_limit_code_is_a_503_too(self, staff_client, sandbox):
        inject(sandbox, "code", code=10015, msg="frequent access denied")
        response = staff_client.get(sn_url("online-wifi-mains"))
        assert response.status_code == 503
        assert "Retry-After" in response
        assert only_row().outcome == "rate_limited"

    def test_no_slot_in_the_shared_budget_is_a_503_saying_how_long_to_wait(
        self, staff_client, sandbox, credential, settings
    ):
        settings.VENDOR_MAX_WAIT = 0.1
        get_limiter().pause(credential.app_id, 30)
        response = staff_client.get(sn_url("online-wifi-mains"))
        assert response.status_code == 503
        assert 25 <= int(response["Retry-After"]) <= 30
        text = page_text(response)
        assert "Too many lookups at once" in text
        assert re.search(r"Try again in (2[5-9]|30) seconds\.", text)
        assert vendor_requests(sandbox) == 0
        assert only_row().outcome == "rate_limited"


class TestVendorCodes:
    def test_another_vendor_code_is_shown_with_its_message(self, staff_client, sandbox):
        inject(sandbox, "code", code=10500, msg="system busy, please try again later")
        response = staff_client.get(sn_url("online-wifi-mains"))
        assert response.status_code == 502
        text = page_text(response)
        assert "The vendor answered code 10500: system busy, please try again later" in text
        assert "Vendor code 10500" in text
        row = only_row()
        assert (row.outcome, row.vendor_code) == ("vendor_error", 10500)
        assert row.request_id and row.request_id in text

    def test_an_unknown_device_is_a_404(self, staff_client):
        response = staff_client.get("/devices/sn/876NOSUCH0001/")
        assert response.status_code == 404
        text = page_text(response)
        assert "No such device" in text
        assert "The vendor has no device with serial number 876NOSUCH0001." in text
        assert "Not found" in text
        row = only_row()
        assert (row.outcome, row.vendor_code) == ("not_found", 10012)

    def test_a_wrong_token_says_our_credential_is_not_working_with_the_vendors_code(
        self, client, staff, sandbox, sandbox_app
    ):
        Credential.objects.create(
            name="wrong-token",
            base_url=sandbox.base_url,
            app_id=sandbox_app.app_id,
            app_token="not-the-token",
            app_key=sandbox_app.app_key,
            is_default=True,
        )
        client.force_login(staff)
        response = client.get(sn_url("online-wifi-mains"))
        assert response.status_code == 502
        text = page_text(response)
        assert "SupportDesk's vendor credential is not working: tell an admin" in text
        assert "(code 10003: appToken invalid)" in text
        assert "Next step: Tell an admin: the vendor credential needs checking" in text
        assert "ticket to the vendor" not in text
        assert "Credential refused" in text
        row = only_row()
        assert (row.outcome, row.vendor_code) == ("credential_error", 10003)


class TestSignature:
    def test_a_wrong_app_key_says_the_credential_needs_an_admin(
        self, client, staff, sandbox, sandbox_app
    ):
        Credential.objects.create(
            name="wrong-key",
            base_url=sandbox.base_url,
            app_id=sandbox_app.app_id,
            app_token=sandbox_app.app_token,
            app_key="not-the-key",
            is_default=True,
        )
        client.force_login(staff)
        response = client.get(sn_url("online-wifi-mains"))
        assert response.status_code == 502
        text = page_text(response)
        assert "The vendor refused our signature" in text
        assert "Next step: Tell an admin: the vendor credential needs checking" in text
        assert "not-the-key" not in response.content.decode()
        row = only_row()
        assert (row.outcome, row.vendor_code) == ("signature_error", 10007)

    def test_a_server_clock_far_off_says_the_clock_must_be_fixed(self, staff_client, monkeypatch):
        build_client = services.vendor_client

        def client_an_hour_slow(credential):
            client = build_client(credential)
            client.clock = lambda: time.time() - 3600
            return client

        monkeypatch.setattr(services, "vendor_client", client_an_hour_slow)
        response = staff_client.get(sn_url("online-wifi-mains"))
        assert response.status_code == 502
        text = page_text(response)
        assert "The vendor refused our request as expired" in text
        assert "the server's clock must be set right" in text
        assert only_row().outcome == "signature_error"


class TestNoCredential:
    def test_no_credential_at_all_says_to_tell_an_admin(self, client, staff, sandbox):
        client.force_login(staff)
        response = client.get(sn_url("online-wifi-mains"))
        assert response.status_code == 503
        text = page_text(response)
        assert "No vendor credential is configured or enabled." in text
        assert "Tell an admin" in text
        assert vendor_requests(sandbox) == 0
        assert only_row().outcome == "vendor_error"

    def test_an_unknown_region_is_named(self, staff_client, sandbox):
        response = staff_client.get(sn_url("online-wifi-mains", credential="eu"))
        assert response.status_code == 503
        assert "There is no enabled vendor credential named “eu”." in page_text(response)
        assert vendor_requests(sandbox) == 0


class TestPerPersonLimit:
    def test_too_many_lookups_by_one_person_is_a_429_without_a_vendor_call(
        self, staff_client, sandbox, settings
    ):
        settings.LOOKUP_USER_RATE = "2/m"
        staff_client.get(sn_url("online-wifi-mains"))
        staff_client.get(sn_url("offline-hours"))
        response = staff_client.get(sn_url("unbound"))
        assert response.status_code == 429
        assert 1 <= int(response["Retry-After"]) <= 60
        assert "You have made a lot of lookups in a short time" in page_text(response)
        assert vendor_requests(sandbox) == 2
        refused = Lookup.objects.first()
        assert (refused.outcome, refused.value) == ("rate_limited", "876UB1CD2E0173")

    def test_the_limit_is_per_person(self, client, staff, lead, credential, settings):
        settings.LOOKUP_USER_RATE = "1/m"
        client.force_login(staff)
        assert client.get(sn_url("online-wifi-mains")).status_code == 200
        assert client.get(sn_url("online-wifi-mains")).status_code == 429
        client.force_login(lead)
        assert client.get(sn_url("online-wifi-mains")).status_code == 200


def test_a_failure_in_chinese_reads_in_chinese(client, staff, sandbox):
    client.force_login(staff)
    response = client.get(sn_url("online-wifi-mains"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 503
    assert "管理员" in page_text(response)


class TestNotFoundSaysWhereItLooked:
    def test_it_names_what_was_searched_and_offers_the_other_credentials(
        self, staff_client, credential, another_region
    ):
        Credential.objects.create(
            name="off",
            region="us",
            base_url=credential.base_url,
            app_id="y",
            app_token="t",
            app_key="k",
            enabled=False,
        )
        response = staff_client.get("/devices/sn/876NOPE0000001/?reason=T-9")
        assert response.status_code == 404
        text = page_text(response)
        assert "Searched serial number 876NOPE0000001 with credential sandbox." in text
        content = response.content.decode()
        assert 'href="/devices/sn/876NOPE0000001/?credential=eu&amp;reason=T-9"' in content
        assert "Try with credential eu (de)" in text
        assert "credential=off" not in content  # disabled: not offered
        assert "credential=sandbox" not in content  # where it was just searched
