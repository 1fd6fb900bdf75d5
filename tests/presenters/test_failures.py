"""The failure panels: a title, a next step and a fitting status for each failure."""

import pytest

from devices import gwell
from devices.credentials import NoCredential, UnknownCredential
from devices.crypto import SecretUnavailable
from devices.presenters.failures import error_panel
from devices.ratelimit import VendorBusy
from tests.presenters.builders import NOW, lookup


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
        panel = error_panel(error, lookup=lookup(outcome="unavailable"), now=NOW)
        assert (panel.status, panel.title) == (status, title)
        assert panel.next_step
        assert panel.status != 500

    def test_the_signature_expired_panel_says_to_tell_an_admin_about_the_clock(self):
        panel = error_panel(gwell.SignatureExpired(), lookup=lookup(), now=NOW)
        assert "clock" in panel.message
        assert panel.next_step.startswith("Tell an admin")

    def test_a_vendor_code_is_shown_with_its_message(self):
        error = gwell.VendorRefused(code=10500, vendor_message="system busy", request_id="r-9")
        panel = error_panel(error, lookup=lookup(), now=NOW)
        assert panel.message == "The vendor answered code 10500: system busy"
        assert [fact.value for fact in panel.facts] == ["10500", "system busy", "r-9", "http-1"]
        assert "r-9" in panel.escalation

    def test_busy_panels_say_how_long_to_wait(self):
        panel = error_panel(VendorBusy(retry_after=2.2), lookup=lookup(), now=NOW)
        assert panel.retry_after == 3
        assert panel.next_step == "Try again in 3 seconds."
        panel = error_panel(gwell.VendorRateLimited(), lookup=lookup(), now=NOW, retry_after=1.0)
        assert panel.next_step == "Try again in 1 second."

    def test_an_unknown_credential_is_named(self):
        panel = error_panel(UnknownCredential("eu"), lookup=lookup(), now=NOW)
        assert panel.message == "There is no enabled vendor credential named “eu”."
