"""Every fault the sandbox can inject, seen through the device page over real sockets.

The page must answer within the client timeout plus a second, say the right thing, never be a
500, and leave exactly one audit row with the right outcome. After the vendor recovers, the
next lookup works without a restart.
"""

import time

import pytest
from django.urls import reverse

from devices.models import Credential, Lookup
from devices.sandbox import FaultPlan, data

DEVICE = data.device_by_key("online-wifi-mains")
TIMEOUT = 2.0  # tests/settings.py: VENDOR_TIMEOUT

FAULTS = [
    # (plan, expected status, expected outcome, words the page must show)
    (FaultPlan("stall", seconds=TIMEOUT + 3), 504, "unavailable", "did not answer"),
    (FaultPlan("drop"), 502, "unavailable", "try again"),
    (FaultPlan("http500"), 502, "unavailable", "HTTP 500"),
    (FaultPlan("http502"), 502, "unavailable", "HTTP 502"),
    (FaultPlan("malformed"), 502, "unavailable", "not valid JSON"),
    (FaultPlan("not_envelope"), 502, "unavailable", "try again"),
    (FaultPlan("code", code=10500, msg="system busy"), 502, "vendor_error", "10500"),
    (FaultPlan("http429"), 503, "rate_limited", "busy"),
]


def device_url() -> str:
    return reverse("device_by_sn", args=[DEVICE.sn])


@pytest.mark.parametrize(("plan", "status", "outcome", "words"), FAULTS, ids=lambda v: str(v)[:30])
def test_each_fault_gets_a_clear_page_fast_and_one_audit_row(
    staff_client, sandbox, plan, status, outcome, words
):
    sandbox.vendor.set_faults(plan)
    started = time.monotonic()
    response = staff_client.get(device_url(), HTTP_ACCEPT_LANGUAGE="en")
    elapsed = time.monotonic() - started

    assert elapsed < TIMEOUT + 1
    assert response.status_code == status
    assert words.lower() in response.text.lower()
    rows = list(Lookup.objects.all())
    assert len(rows) == 1
    assert rows[0].outcome == outcome
    assert rows[0].duration_ms is not None


@pytest.mark.parametrize("plan", [f[0] for f in FAULTS], ids=lambda v: v.mode)
def test_lookups_work_again_once_the_vendor_recovers(staff_client, sandbox, plan):
    sandbox.vendor.set_faults(plan)
    assert staff_client.get(device_url()).status_code != 200
    sandbox.vendor.set_faults(None)
    # An HTTP 429 pauses everyone for its Retry-After (1 s): wait that out, as a person would.
    time.sleep(1.1 if plan.mode == "http429" else 0)

    response = staff_client.get(device_url() + "?refresh=1")

    assert response.status_code == 200
    assert list(Lookup.objects.values_list("outcome", flat=True)) == ["ok", plan_outcome(plan)]


def plan_outcome(plan: FaultPlan) -> str:
    return next(outcome for p, _, outcome, _ in FAULTS if p == plan)


def test_failures_are_not_cached_as_data(staff_client, sandbox):
    sandbox.vendor.set_faults(FaultPlan("http500", count=1))
    assert staff_client.get(device_url()).status_code == 502

    response = staff_client.get(device_url())

    assert response.status_code == 200
    assert Lookup.objects.order_by("id").last().source == "fresh"


def test_a_wrong_app_key_is_a_signature_error_that_tells_to_call_an_admin(staff_client, credential):
    Credential.objects.filter(pk=credential.pk).update(app_key="not-the-key")

    response = staff_client.get(device_url(), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 502
    assert "admin" in response.text.lower()
    row = Lookup.objects.get()
    assert (row.outcome, row.vendor_code) == ("signature_error", 10007)


def test_a_server_clock_far_off_is_a_signature_expired_error(staff_client, sandbox, monkeypatch):
    # Our clock an hour behind the vendor's is the same as the vendor's an hour ahead of ours.
    monkeypatch.setattr(sandbox.vendor, "_clock", lambda: time.time() + 3600)

    response = staff_client.get(device_url(), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 502
    assert "clock" in response.text.lower()
    assert Lookup.objects.get().outcome == "signature_error"


def test_a_vendor_that_is_down_is_unavailable_and_nothing_is_lost(staff_client, credential):
    Credential.objects.filter(pk=credential.pk).update(base_url="http://127.0.0.1:9")

    response = staff_client.get(device_url(), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 502
    assert Lookup.objects.get().outcome == "unavailable"
