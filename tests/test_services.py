"""The lookup service: one complete audit row whatever happens, the credential's health, and
answers cached for exactly what was asked (serial, owner, credential and app)."""

import secrets
from concurrent.futures import Future as ConcurrentFuture

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devices import gwell, services
from devices.audit import AuditContext
from devices.credential_services import mark_credential
from devices.models import Credential, Lookup
from devices.page_lookups import Future
from devices.ratelimit import LimiterUnavailable
from devices.sandbox import FaultPlan, SandboxApp, SandboxVendor, data, start_in_thread

SN = data.device_by_key("online-wifi-mains").sn  # owned by data.FAMILY
FAMILY = str(data.FAMILY)
STRANGER = str(data.DOORBELLS)  # a real user with no relation to that camera


def lookup(user, value=SN, **options):
    return services.lookup_device(audit=AuditContext(user=user), kind="sn", value=value, **options)


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


def test_a_credential_noted_a_moment_ago_is_not_written_to_at_all(staff, credential, sandbox):
    """The row the lookup read says it worked seconds ago: not even an UPDATE that matches
    nothing (each one is a write on the database's busiest moment)."""
    lookup(staff)

    with CaptureQueriesContext(connection) as queries:
        lookup(staff, refresh=True)

    assert not [q for q in queries if q["sql"].startswith('UPDATE "devices_credential"')]


def test_a_recovery_is_noted_at_once(staff, credential, sandbox):
    lookup(staff)
    failed_at = timezone.now()
    Credential.objects.filter(pk=credential.pk).update(last_error_at=failed_at)

    lookup(staff, refresh=True)

    credential.refresh_from_db()
    assert credential.last_ok_at > failed_at


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


# The cache key: one owner's answer is never served for another owner, and one region's never
# for another region. The sandbox answers devInfo per accessId (see devices/sandbox/vendor.py),
# and every vendor answer carries its own requestId, so a served answer shows where it came from.


def vendor_calls(sandbox, app_id: str | None = None) -> int:
    stats = sandbox.vendor.stats()
    return (stats["per_app"][app_id] if app_id else stats)["requests"]


def test_another_owner_of_the_same_serial_reaches_the_vendor_and_gets_its_own_answer(
    staff, credential, sandbox
):
    owner = lookup(staff, owner_id=FAMILY)
    stranger = lookup(staff, owner_id=STRANGER)

    assert owner.ok and owner.data.device.owner_id == FAMILY
    assert isinstance(stranger.error, gwell.VendorRefused)
    assert stranger.error.code == 10010
    assert stranger.data is None
    assert vendor_calls(sandbox) == 2
    assert Lookup.objects.get(pk=stranger.lookup.pk).owner_id == STRANGER


def test_the_unknown_owner_and_the_owner_each_have_their_own_cached_answer(
    staff, credential, sandbox
):
    unknown = lookup(staff)
    owner = lookup(staff, owner_id=FAMILY)
    unknown_again = lookup(staff)
    owner_again = lookup(staff, owner_id=FAMILY)

    assert [unknown.lookup.source, owner.lookup.source] == ["fresh", "fresh"]
    assert [unknown_again.lookup.source, owner_again.lookup.source] == ["cached", "cached"]
    assert vendor_calls(sandbox) == 2
    assert unknown.data.request_id != owner.data.request_id
    assert unknown_again.data.request_id == unknown.data.request_id
    assert owner_again.data.request_id == owner.data.request_id


def make_credential(name: str, base_url: str, app: SandboxApp) -> Credential:
    return Credential.objects.create(
        name=name,
        region=name,
        base_url=base_url,
        app_id=app.app_id,
        app_token=app.app_token,
        app_key=app.app_key,
    )


@pytest.fixture
def other_region():
    """A second vendor region: its own sandbox server and its own app."""
    app = SandboxApp("eu-app", app_token=secrets.token_hex(16), app_key=secrets.token_hex(16))
    with start_in_thread(SandboxVendor([app])) as running:
        yield running, app


def test_the_same_serial_through_two_regions_makes_two_calls_and_two_cache_entries(
    staff, credential, sandbox, other_region
):
    eu_sandbox, eu_app = other_region
    make_credential("eu", eu_sandbox.base_url, eu_app)

    home = lookup(staff)
    eu = lookup(staff, credential_name="eu")
    home_again = lookup(staff)
    eu_again = lookup(staff, credential_name="eu")

    assert (vendor_calls(sandbox), vendor_calls(eu_sandbox)) == (1, 1)
    assert [home.lookup.source, eu.lookup.source] == ["fresh", "fresh"]
    assert [home_again.lookup.source, eu_again.lookup.source] == ["cached", "cached"]
    assert home_again.data.request_id == home.data.request_id
    assert eu_again.data.request_id == eu.data.request_id != home.data.request_id
    assert (eu.lookup.credential_name, eu_again.lookup.credential_name) == ("eu", "eu")


def test_two_credentials_with_the_same_app_id_do_not_share_answers(
    staff, credential, sandbox, sandbox_app
):
    # Two regions may be issued the same app id; each credential still asks for itself.
    make_credential("mirror", sandbox.base_url, sandbox_app)

    home = lookup(staff)
    mirror = lookup(staff, credential_name="mirror")
    mirror_again = lookup(staff, credential_name="mirror")

    assert [home.lookup.source, mirror.lookup.source, mirror_again.lookup.source] == [
        "fresh",
        "fresh",
        "cached",
    ]
    assert vendor_calls(sandbox, sandbox_app.app_id) == 2
    assert mirror_again.data.request_id == mirror.data.request_id != home.data.request_id


def test_a_credential_moved_to_another_app_does_not_serve_the_old_apps_answer(
    staff, credential, sandbox, other_region
):
    eu_sandbox, eu_app = other_region
    before = lookup(staff)
    credential.base_url = eu_sandbox.base_url
    credential.app_id = eu_app.app_id
    credential.app_token = eu_app.app_token
    credential.app_key = eu_app.app_key
    credential.save()

    after = lookup(staff)

    assert [before.lookup.source, after.lookup.source] == ["fresh", "fresh"]
    assert (vendor_calls(sandbox), vendor_calls(eu_sandbox)) == (1, 1)
    assert after.data.request_id != before.data.request_id


def test_the_verdict_is_kept_on_the_audit_row(staff, credential, sandbox):
    result = services.lookup_device(
        audit=AuditContext(user=staff), kind="sn", value=SN, summarise=lambda report: {"n": 1}
    )

    result.lookup.refresh_from_db()
    assert result.lookup.verdict == {"n": 1}


def test_a_verdict_that_fails_costs_the_verdict_not_the_lookup(staff, credential, sandbox):
    def broken(report):
        raise KeyError("bug")

    result = services.lookup_device(
        audit=AuditContext(user=staff), kind="sn", value=SN, summarise=broken
    )

    assert result.ok
    result.lookup.refresh_from_db()
    assert (result.lookup.outcome, result.lookup.verdict) == ("ok", None)


def test_the_last_good_answer_gets_no_verdict(staff, credential, sandbox):
    lookup(staff)
    sandbox.vendor.set_faults(FaultPlan("http502"))

    result = services.lookup_device(
        audit=AuditContext(user=staff),
        kind="sn",
        value=SN,
        refresh=True,
        summarise=lambda report: {"n": 1},
    )

    assert result.stale
    result.lookup.refresh_from_db()
    assert result.lookup.verdict is None


def test_the_row_is_pending_while_the_vendor_is_asked(staff, credential, monkeypatch):
    """A crash mid-call leaves a trace: the row is written before the call, completed after."""
    seen = []
    real_client = services.vendor_client

    def watching_client(used):
        client = real_client(used)
        real_device_info = client.device_info

        def device_info(**kwargs):
            seen.extend(Lookup.objects.values_list("value", "outcome"))
            return real_device_info(**kwargs)

        client.device_info = device_info
        return client

    monkeypatch.setattr(services, "vendor_client", watching_client)

    lookup(staff)

    assert seen == [(SN, "pending")]
    assert Lookup.objects.get().outcome == "ok"


def test_a_cached_answer_writes_its_row_once(staff, credential, sandbox):
    """Nothing to wait for, nothing to lose: one INSERT of the complete row, no UPDATE."""
    lookup(staff)

    with CaptureQueriesContext(connection) as queries:
        result = lookup(staff)

    assert result.lookup.source == "cached"
    writes = [q["sql"].split(" ", 1)[0] for q in queries if '"devices_lookup"' in q["sql"]]
    assert writes == ["INSERT"]
    row = Lookup.objects.get(pk=result.lookup.pk)
    assert (row.outcome, row.source, row.duration_ms is not None) == ("ok", "cached", True)


def test_a_success_after_a_failure_on_the_same_credential_object_is_noted(credential):
    """A device page's two lookups share one credential object: devInfo failing with a
    credential code, then the owner's list answering, leaves the credential working."""
    mark_credential(credential, ok=True)
    mark_credential(credential, ok=False, message="refused")
    mark_credential(credential, ok=True)

    credential.refresh_from_db()
    assert credential.last_ok_at > credential.last_error_at


def test_a_cache_that_cannot_be_read_fails_the_lookup_once(staff, credential, monkeypatch):
    """The store's failure at the first read is the lookup's outcome: the store is not asked
    again (a hanging Redis would cost its timeout twice), and the row is written."""
    fetches = []

    def unreadable(key):
        raise LimiterUnavailable(5.0, key)

    monkeypatch.setattr(services, "cached_lookup", unreadable)
    monkeypatch.setattr(services, "fetch_answer", lambda *args, **kwargs: fetches.append(args))

    result = lookup(staff)

    assert isinstance(result.error, LimiterUnavailable)
    assert fetches == []
    assert Lookup.objects.get().outcome == result.lookup.outcome != "pending"


@pytest.mark.parametrize(("source", "pending_first"), [("cached", False), ("fresh", True)])
def test_only_a_cached_answer_from_alongside_skips_the_pending_row(
    staff, credential, sandbox, monkeypatch, source, pending_first
):
    """A fetch alongside that called the vendor: its lookup's row is written before anything
    else (the call happened); one that read the cache: written once, complete."""
    audit = AuditContext(user=staff)
    services.list_user_devices(audit=audit, user_id=FAMILY)
    store_key = f"{credential.pk}:{credential.app_id}:devList:{FAMILY}"
    entry = services.cached_lookup(store_key)
    finished = ConcurrentFuture()
    finished.set_result((entry.payload, source, entry.stored_at))
    written_pending = []
    real_new_lookup = services.new_lookup
    monkeypatch.setattr(
        services, "new_lookup", lambda **row: written_pending.append(row) or real_new_lookup(**row)
    )

    result = services.list_user_devices(
        audit=audit, user_id=FAMILY, fetching=Future(credential, store_key, finished)
    )

    assert result.lookup.source == source
    assert bool(written_pending) is pending_first
    assert Lookup.objects.get(pk=result.lookup.pk).outcome == "ok"
