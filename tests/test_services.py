"""The lookup service: one complete audit row whatever happens, and the credential's health."""

import pytest

from devices import services
from devices.audit import AuditContext
from devices.models import Credential, Lookup
from devices.ratelimit import LimiterUnavailable
from devices.sandbox import FaultPlan, data

SN = data.device_by_key("online-wifi-mains").sn


def lookup(user, value=SN):
    return services.lookup_device(audit=AuditContext(user=user), kind="sn", value=value)


def test_a_vendor_429_pauses_everyone_for_that_app(staff, credential, sandbox, monkeypatch):
    paused = []
    limiter = services.get_limiter()
    monkeypatch.setattr(limiter, "pause", lambda key, seconds: paused.append((key, seconds)))
    sandbox.vendor.set_faults(FaultPlan("http429"))

    result = lookup(staff)

    assert result.lookup.outcome == "rate_limited"
    assert paused == [(credential.app_id, 1.0)]
    assert result.retry_after == 1.0


def test_a_failing_side_effect_still_completes_the_audit_row(
    staff, credential, sandbox, monkeypatch
):
    def store_gone(key, seconds):
        raise LimiterUnavailable(5.0, key)

    monkeypatch.setattr(services.get_limiter(), "pause", store_gone)
    sandbox.vendor.set_faults(FaultPlan("http429"))

    result = lookup(staff)

    row = Lookup.objects.get()
    assert row.outcome == "rate_limited"
    assert row.duration_ms is not None
    assert result.error is not None


def test_an_unexpected_error_is_an_outcome_not_a_crash(staff, credential, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(services, "vendor_client", broken)

    result = lookup(staff)

    row = Lookup.objects.get()
    assert (row.outcome, row.vendor_message) == ("unavailable", services.INTERNAL_ERROR)
    assert isinstance(result.error, RuntimeError)


def test_a_device_that_does_not_exist_does_not_mark_the_credential_failing(
    staff, credential, sandbox
):
    lookup(staff, value="NOSUCHDEVICE1")

    credential.refresh_from_db()
    assert credential.last_error_at is None
    assert credential.last_ok_at is not None


def test_a_wrong_key_marks_the_credential_failing(staff, credential):
    Credential.objects.filter(pk=credential.pk).update(app_key="not-the-key")

    lookup(staff)

    credential.refresh_from_db()
    assert credential.last_error_at is not None
    assert "signature" in credential.last_error


def test_good_calls_do_not_rewrite_the_credential_row_each_time(staff, credential, sandbox):
    lookup(staff)
    credential.refresh_from_db()
    first = credential.last_ok_at

    services.lookup_device(audit=AuditContext(user=staff), kind="sn", value=SN, refresh=True)

    credential.refresh_from_db()
    assert credential.last_ok_at == first


@pytest.mark.parametrize("refresh", [False, True])
def test_a_second_identical_lookup_is_served_from_the_cache_unless_refreshed(
    staff, credential, sandbox, refresh
):
    lookup(staff)

    second = services.lookup_device(
        audit=AuditContext(user=staff), kind="sn", value=SN, refresh=refresh
    )

    assert second.lookup.source == ("fresh" if refresh else "cached")
    assert sandbox.vendor.stats()["requests"] == (2 if refresh else 1)
