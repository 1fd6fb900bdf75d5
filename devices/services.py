"""The lookup use cases: one pipeline ties credential, limiter, cache, vendor client and audit
together (`page_lookups` runs two of them side by side for a device page).

Views, admin actions and management commands all call these functions, so a lookup behaves the
same whoever asks for it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from devices import failures, gwell, last_good, metrics, vendor_status
from devices.audit import (
    AuditContext,
    auditable,
    complete_lookup,
    draft_lookup,
    fits_int32,
    log_lookup,
    new_lookup,
)
from devices.coalescing import Source, cached_lookup, fetch_lookup
from devices.credential_services import (
    MESSAGE_LENGTH,
    UNKNOWN_OWNER,
    credential_get,
    mark_credential,
    vendor_client,
)
from devices.credentials import CredentialNotFound
from devices.failures import CredentialSign
from devices.gwell.results import loads, parse_device_list, parse_device_report
from devices.history import recording as history
from devices.models import Credential, Lookup, Profile
from devices.ratelimit import (
    Lane,
    LimiterUnavailable,
    VendorBusy,
    calling_as,
    get_limiter,
    vendor_call_limit,
)

if TYPE_CHECKING:
    from devices.page_lookups import Future

log = logging.getLogger("supportdesk.lookups")

INTERNAL_ERROR = failures.INTERNAL_AUDIT_TEXT
# The audit row's columns for what the vendor says.
REQUEST_ID_LENGTH = Lookup._meta.get_field("request_id").max_length
# The verdict of an answer, as the audit row keeps it for My lookups (JSON-able).
Summarise = Callable[[Any], dict]
# A refused call without a Retry-After still pauses everyone for this long, and a vendor's
# Retry-After (untrusted: it could name years) pauses everyone for at most this long.
DEFAULT_PAUSE_SECONDS = 1.0
MAX_PAUSE_SECONDS = 60.0


@dataclass
class LookupResult:
    """What a lookup produced: the audit row, and data or the error that explains it, or both:
    the error, and the last good answer shown in its place (`stale`)."""

    lookup: Lookup
    data: gwell.DeviceReport | gwell.DeviceList | None = None
    error: Exception | None = None
    fetched_at: datetime | None = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def stale(self) -> bool:
        """The vendor failed, and `data` is the last good answer it gave, from `fetched_at`."""
        return self.error is not None and self.data is not None


def person_set_time_zone(*, user, time_zone: str) -> None:
    """The zone this person's pages show times in ("" or the site's TIME_ZONE: the site's)."""
    zone = "" if time_zone == settings.TIME_ZONE else time_zone
    Profile.objects.update_or_create(user=user, defaults={"time_zone": zone})


def lookup_device(
    *,
    audit: AuditContext,
    kind: str,
    value: str,
    owner_id: str = "",
    credential_name: str | None = None,
    refresh: bool = False,
    summarise: Summarise | None = None,
    lane: str = Lane.INTERACTIVE,
    credential: Credential | None = None,
) -> LookupResult:
    """Look up one device by serial number (kind "sn") or vendor device id (kind "dev_id").

    `summarise(report)` gives the verdict the audit row keeps for My lookups. `credential`: the
    one `credential_name` names, when the caller has already read it (a device page has)."""
    if kind not in (Lookup.Kind.SERIAL, Lookup.Kind.DEVICE_ID):
        raise ValueError(f"not a device lookup kind: {kind}")
    sn, dev_id = (value, "") if kind == Lookup.Kind.SERIAL else ("", value)
    owner = owner_id or UNKNOWN_OWNER
    return _run_lookup(
        audit=audit,
        kind=kind,
        value=value,
        owner_id=owner_id,
        credential_name=credential_name,
        refresh=refresh,
        endpoint=Lookup.Endpoint.DEV_INFO,
        call=lambda client: client.device_info(sn=sn, dev_id=dev_id, owner_id=owner),
        parse=parse_device_report,
        cache_key=f"devInfo:{kind}:{value}:{owner}",
        summarise=summarise,
        lane=lane,
        credential=credential,
    )


def list_user_devices(
    *,
    audit: AuditContext,
    user_id: str,
    credential_name: str | None = None,
    refresh: bool = False,
    summarise: Summarise | None = None,
    lane: str = Lane.INTERACTIVE,
    fetching: Future | None = None,
    follows: Lookup | None = None,
    credential: Credential | None = None,
) -> LookupResult:
    """Every device on a vendor-cloud user's account, owned or shared with them.

    `fetching`: the same list already being fetched alongside (`page_lookups`); `follows`: the
    lookup this one was made for (a device page's owner list); `credential`: the one
    `credential_name` names, when the caller has already read it."""
    return _run_lookup(
        audit=audit,
        kind=Lookup.Kind.USER,
        value=user_id,
        credential_name=credential_name,
        refresh=refresh,
        endpoint=Lookup.Endpoint.DEV_LIST,
        call=lambda client: client.device_list(user_id=user_id),
        parse=parse_device_list,
        cache_key=f"devList:{user_id}",
        summarise=summarise,
        lane=lane,
        fetching=fetching,
        follows=follows,
        credential=credential,
    )


def record_refused_lookup(
    *,
    audit: AuditContext,
    kind: str,
    value: str,
    outcome: str,
    message: str,
    owner_id: str = "",
) -> Lookup:
    """Audit a lookup that never reached the vendor (invalid input, per-person limit)."""
    lookup = new_lookup(
        audit=audit,
        kind=kind,
        value=value,
        owner_id=owner_id,
        outcome=outcome,
        failure_code=failures.refusal_of(outcome).code,
        vendor_message=auditable(message, MESSAGE_LENGTH),
        duration_ms=0,
    )
    log_lookup(lookup)
    return lookup


# Over-limit attempts of one person this close together fold into one audit row with a count.
OVER_LIMIT_FOLD = timedelta(seconds=60)


def record_over_limit(
    *, audit: AuditContext, kind: str, value: str, message: str, owner_id: str = ""
) -> Lookup:
    """Audit a lookup refused by the per-person limit. A person hammering the limit makes one
    row whose `attempts` counts the tries within OVER_LIMIT_FOLD, not a row each."""
    recent = Lookup.objects.filter(
        user=audit.user,
        outcome=Lookup.Outcome.RATE_LIMITED,
        endpoint="",  # refused here, not by the vendor
        created_at__gte=timezone.now() - OVER_LIMIT_FOLD,
    )
    row = recent.order_by("-created_at").first()
    if row is not None and Lookup.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1):
        row.refresh_from_db(fields=["attempts"])
        return row
    return record_refused_lookup(
        audit=audit,
        kind=kind,
        value=value,
        owner_id=owner_id,
        outcome=Lookup.Outcome.RATE_LIMITED,
        message=message,
    )


def _run_lookup(
    *,
    audit: AuditContext,
    kind: str,
    value: str,
    owner_id: str = "",
    credential_name: str | None,
    refresh: bool,
    endpoint: str,
    call: Callable[[gwell.VendorClient], Any],
    parse: Callable[[dict], Any],
    cache_key: str,
    summarise: Summarise | None = None,
    fetching: Future | None = None,
    follows: Lookup | None = None,
    lane: str = Lane.INTERACTIVE,
    credential: Credential | None = None,
) -> LookupResult:
    started = time.monotonic()
    start = _start(
        credential_name, cache_key, refresh=refresh, fetching=fetching, credential=credential
    )
    row = {"audit": audit, "kind": kind, "value": value, "owner_id": owner_id}
    if start.cached:
        # The answer is in the cache: nothing to wait for, nothing asked of the vendor. The row
        # is written once, complete, a moment from now.
        lookup = draft_lookup(**row, endpoint=endpoint)
    else:
        # The row exists before this lookup can wait or call, so a crash mid-call leaves a
        # "pending" trace.
        lookup = new_lookup(**row, endpoint=endpoint)
    if follows is not None:  # kept when the row is completed
        lookup.follows = follows
    result = LookupResult(lookup=lookup)
    store_key = None
    asked_vendor = False
    try:
        if start.credential is None:
            raise start.error  # no credential to use: why is the lookup's outcome
        credential = lookup.credential = start.credential
        lookup.credential_name = credential.name
        store_key = start.store_key
        if start.error is not None:
            raise start.error  # the store could not be read: not asked again

        def produce() -> str:
            nonlocal asked_vendor
            asked_vendor = True
            # The slot is taken in this lookup's lane, in its person's turn.
            with calling_as(lane=lane, person=str(audit.user.pk)):
                data = call(vendor_client(credential))
            # The vendor sends no fractions; a stray one (a Decimal here) is cached as text.
            return json.dumps(data.raw, ensure_ascii=False, default=str)

        if start.answer is not None:
            payload, source, stored_at = start.answer
        elif fetching is not None and fetching.store_key == store_key:
            # Started alongside another lookup (`page_lookups`): the same fetch, its answer.
            payload, source, stored_at = fetching.result()
        else:
            payload, source, stored_at = fetch_answer(
                store_key, produce, refresh=refresh, lane=lane
            )
        # Fresh, cached or shared: every answer is read from its payload the same way.
        result.data = parse(loads(payload))
        result.fetched_at = datetime.fromtimestamp(stored_at, tz=UTC)
        lookup.source = source
        lookup.outcome = Lookup.Outcome.OK
        lookup.request_id = auditable(result.data.request_id or "", REQUEST_ID_LENGTH)
        if source == Source.FRESH:
            mark_credential(credential, ok=True)
            last_good.remember(store_key, payload=payload, stored_at=stored_at)
            history.record_answer(credential, result.data)  # a devInfo report's snapshot
        if summarise is not None:
            lookup.verdict = _summary(summarise, result.data, lookup)
    except Exception as error:  # every failure becomes an outcome and a message, never a 500
        _record_failure(lookup, result, error)
        if store_key is not None and failures.failure_of(error).stale_ok:
            _show_last_good(lookup, result, store_key, parse)
    finally:
        lookup.duration_ms = round((time.monotonic() - started) * 1000)
        try:
            complete_lookup(lookup)  # waits out a database that is briefly unreachable
        finally:
            log_lookup(lookup)  # the trace, even when the row could not be completed
            vendor_status.record(lookup)
            _count(lookup, lane, sent=asked_vendor and not isinstance(result.error, VendorBusy))
    return result


@dataclass
class _Start:
    """What a lookup knows before its row is written: the credential and its answers' store key,
    an answer that needs no wait (payload, source, stored_at), or the failure met on the way
    (no credential to use, a store that cannot be read), which is the lookup's outcome."""

    credential: Credential | None = None
    store_key: str = ""
    answer: tuple[str, str, float] | None = None
    error: Exception | None = None

    @property
    def cached(self) -> bool:
        return self.answer is not None and self.answer[1] == Source.CACHED


def store_key_of(credential: Credential, cache_key: str) -> str:
    """Where a lookup's answers are kept: per credential and app, never shared between them."""
    return f"{credential.pk}:{credential.app_id}:{cache_key}"


def _start(
    credential_name: str | None,
    cache_key: str,
    *,
    refresh: bool,
    fetching: Future | None,
    credential: Credential | None,
) -> _Start:
    """The credential a lookup uses and, when its answer needs no wait, that answer: a fetch
    alongside that has finished, or the cache (one read, no lock). A database that cannot be
    used fails here as it would writing the row."""
    if credential is None:
        try:
            credential = fetching.credential if fetching else credential_get(name=credential_name)
        except CredentialNotFound as error:
            return _Start(error=error)
    start = _Start(credential, store_key_of(credential, cache_key))
    if fetching is not None and fetching.store_key == start.store_key:
        if fetching.done() and fetching.exception() is None:
            start.answer = fetching.result()
    elif not refresh:
        try:
            entry = cached_lookup(start.store_key)
        except LimiterUnavailable as error:
            start.error = error
        else:
            if entry is not None:
                start.answer = (entry.payload, Source.CACHED, entry.stored_at)
    return start


def fetch_answer(
    store_key: str, produce: Callable[[], str], *, refresh: bool, lane: str = Lane.INTERACTIVE
):
    """The answer from the cache, a simultaneous identical lookup, or the vendor (limited)."""
    return fetch_lookup(
        store_key,
        produce,
        refresh=refresh,
        share_error=failures.describe,
        revive_error=failures.revive,
        # A leader may queue for its slot, then take the whole vendor call.
        lock_ttl=_max_wait(lane) + vendor_call_limit() + 5,
    )


def _count(lookup: Lookup, lane: str, *, sent: bool) -> None:
    metrics.lookup_answered(source=lookup.source, lane=lane)
    if sent:
        metrics.vendor_call(credential=lookup.credential_name, outcome=lookup.outcome, lane=lane)


def _max_wait(lane: str) -> float:
    return settings.BULK_MAX_WAIT if lane == Lane.BULK else settings.VENDOR_MAX_WAIT


def _summary(summarise: Summarise, data: Any, lookup: Lookup) -> dict | None:
    try:
        return summarise(data)
    except Exception:  # the answer is shown all the same; only My lookups lacks its verdict
        log.exception("lookup %s: no verdict for the audit row", lookup.pk)
        return None


def _show_last_good(
    lookup: Lookup, result: LookupResult, store_key: str, parse: Callable[[dict], Any]
) -> None:
    """While the vendor is not answering: the last good answer, if one was kept. The row keeps
    the failure's outcome and says where the answer shown came from."""
    kept = last_good.recall(store_key)
    if kept is None:
        return
    try:
        result.data = parse(loads(kept.payload))
    except Exception:  # an answer kept by an older version: the failure alone, as before
        log.warning("lookup %s: the last good answer could not be read", lookup.pk, exc_info=True)
        return
    result.fetched_at = datetime.fromtimestamp(kept.stored_at, tz=UTC)
    lookup.source = Lookup.Source.LAST_GOOD


def _record_failure(lookup: Lookup, result: LookupResult, error: Exception) -> None:
    failure = failures.failure_of(error)
    if failure is failures.INTERNAL:
        log.exception("lookup %s failed unexpectedly", lookup.pk)
    result.error = error
    lookup.outcome = failure.outcome
    lookup.failure_code = failure.code
    message = failures.audit_text(error)
    if isinstance(error, gwell.VendorError):
        if fits_int32(error.code):
            lookup.vendor_code = error.code
        else:  # kept in the message: the column cannot hold it
            message = f"(vendor code {error.code}) {message}"
        lookup.request_id = auditable(error.request_id or "", REQUEST_ID_LENGTH)
    lookup.vendor_message = auditable(message, MESSAGE_LENGTH)
    if failure.retry:
        asked = getattr(error, "retry_after", None) or DEFAULT_PAUSE_SECONDS
        result.retry_after = min(asked, MAX_PAUSE_SECONDS)
    try:
        _after_failure(lookup, error, failure, result.retry_after)
    except Exception:  # the lookup's own outcome is recorded whatever happens here
        log.exception("lookup %s: could not record the failure's side effects", lookup.pk)


def _after_failure(
    lookup: Lookup, error: Exception, failure: failures.Failure, retry_after: float | None
) -> None:
    if not lookup.credential_id:
        return
    if isinstance(error, gwell.VendorRateLimited):
        # Everyone holds off this app until the time the vendor named.
        get_limiter().pause(lookup.credential.app_id, retry_after or DEFAULT_PAUSE_SECONDS)
    if failure.credential == CredentialSign.WORKS:
        mark_credential(lookup.credential, ok=True)
    elif failure.credential == CredentialSign.FAILING:
        mark_credential(lookup.credential, ok=False, message=lookup.vendor_message)
