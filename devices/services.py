"""Use cases. The only place that ties credential, limiter, cache, vendor client and audit together.

Views, admin actions and management commands all call these functions, so a lookup behaves the
same whoever asks for it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from devices import failures, gwell, last_good, metrics, vendor_status
from devices.audit import (
    AuditContext,
    auditable,
    complete_lookup,
    fits_int32,
    log_lookup,
    new_lookup,
)
from devices.coalescing import Source, fetch_lookup
from devices.credentials import (
    InsecureVendorURL,
    NoCredential,
    UnknownCredential,
    vendor_url_problem,
)
from devices.failures import CheckReading, CredentialSign
from devices.gwell.results import loads, parse_device_list, parse_device_report
from devices.history import recording as history
from devices.models import Credential, Lookup, Profile
from devices.ratelimit import (
    Lane,
    VendorBusy,
    acquire_vendor_slot,
    calling_as,
    get_limiter,
    vendor_call_limit,
)

log = logging.getLogger("supportdesk.lookups")

INTERNAL_ERROR = failures.INTERNAL_AUDIT_TEXT
# The vendor's table marks accessId as required; its own example sends -1 when the owner is not
# known, which is what support staff usually have.
UNKNOWN_OWNER = "-1"
# The audit row's columns for what the vendor says.
REQUEST_ID_LENGTH = Lookup._meta.get_field("request_id").max_length
MESSAGE_LENGTH = Lookup._meta.get_field("vendor_message").max_length
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


def credential_choices() -> list[Credential]:
    """The enabled credentials and their health, for a region choice. Secrets are not loaded
    (nor decrypted)."""
    return list(
        Credential.objects.filter(enabled=True)
        .only("name", "region", "is_default", "last_ok_at", "last_error_at")
        .order_by("-is_default", "name")
    )


def credential_get(*, name: str | None = None) -> Credential:
    """The enabled credential with that name, or the default one (or the only one)."""
    enabled = Credential.objects.filter(enabled=True)
    if name:
        try:
            return enabled.get(name=name)
        except Credential.DoesNotExist:
            raise UnknownCredential(name) from None
    credential = enabled.order_by("-is_default", "name").first()
    if credential is None:
        raise NoCredential()
    return credential


def credential_save(credential: Credential) -> None:
    """Save; a new default un-defaults the others, and the first credential becomes the default."""
    with transaction.atomic():
        others = Credential.objects.exclude(pk=credential.pk)
        if credential.is_default:
            # Before saving: the unique partial index allows one default at any instant.
            others.filter(is_default=True).update(is_default=False)
        elif not others.filter(is_default=True).exists():
            credential.is_default = True
        credential.save()


def credential_ensure_default() -> None:
    """After a delete: if credentials remain and none is the default, the first one becomes it."""
    with transaction.atomic():
        if Credential.objects.filter(is_default=True).exists():
            return
        first = Credential.objects.order_by("-enabled", "name").values_list("pk", flat=True)[:1]
        Credential.objects.filter(pk__in=list(first)).update(is_default=True)


def person_set_time_zone(*, user, time_zone: str) -> None:
    """The zone this person's pages show times in ("" or the site's TIME_ZONE: the site's)."""
    zone = "" if time_zone == settings.TIME_ZONE else time_zone
    Profile.objects.update_or_create(user=user, defaults={"time_zone": zone})


def vendor_client(credential: Credential) -> gwell.VendorClient:
    """The client for one credential; InsecureVendorURL when its base URL breaks the rule."""
    problem = vendor_url_problem(
        credential.base_url, allow_insecure=settings.VENDOR_ALLOW_INSECURE_URLS
    )
    if problem:
        raise InsecureVendorURL(problem)
    return gwell.VendorClient(
        credential.app(),
        timeout=settings.VENDOR_TIMEOUT,
        max_body_bytes=settings.VENDOR_MAX_BODY_BYTES,
        before_send=partial(acquire_vendor_slot, credential.app_id),
        not_found_codes=settings.VENDOR_NOT_FOUND_CODES,
        rate_limit_codes=settings.VENDOR_RATE_LIMIT_CODES,
        credential_codes=settings.VENDOR_CREDENTIAL_CODES,
    )


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
) -> LookupResult:
    """Look up one device by serial number (kind "sn") or vendor device id (kind "dev_id").

    `summarise(report)` gives the verdict the audit row keeps for My lookups."""
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
    )


def list_user_devices(
    *,
    audit: AuditContext,
    user_id: str,
    credential_name: str | None = None,
    refresh: bool = False,
    summarise: Summarise | None = None,
    lane: str = Lane.INTERACTIVE,
) -> LookupResult:
    """Every device on a vendor-cloud user's account, owned or shared with them."""
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
    )


@dataclass
class DeviceLookups:
    """A device, and its owner's device list: the only answer that holds a SIM's data figures
    (devList's `fourCard`). `owner_list` is None when it was not asked for (`owner_list_note`
    says why when that matters)."""

    device: LookupResult
    owner_list: LookupResult | None = None
    owner_list_skipped: str = ""  # OWNER_LIST_NEEDS_REASON, or "" (asked, or not needed)


# Why a device page did not ask for the owner's list.
OWNER_LIST_NEEDS_REASON = "needs_reason"


def lookup_device_and_owner_list(
    *,
    audit: AuditContext,
    kind: str,
    value: str,
    owner_id: str = "",
    credential_name: str | None = None,
    refresh: bool = False,
    summarise: Summarise | None = None,
    summarise_list: Callable[[str], Summarise] | None = None,
) -> DeviceLookups:
    """A device (`lookup_device`) and, when it has an owner, the owner's device list
    (`list_user_devices`), for the data left on its SIM.

    With the owner known from the link, both are asked at once: the list is fetched in a thread
    while devInfo is asked here. Otherwise the list is asked after devInfo, and only for a bound
    device with a SIM plan (a WiFi camera has no data to show). The list goes through the same
    cache, coalescing, limiter and audit as the user's page, so it costs one vendor call per
    owner per cache period. Where the audit policy wants a reason for a user lookup and none was
    given, the list is not asked for (`owner_list_skipped`)."""
    needs_reason = settings.AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS and not audit.reason
    fetching = None
    if owner_id and not needs_reason:
        fetching = _fetch_alongside(
            credential_name=credential_name,
            cache_key=f"devList:{owner_id}",
            call=lambda client: client.device_list(user_id=owner_id),
            refresh=refresh,
            person=str(audit.user.pk),
        )
    try:
        device = lookup_device(
            audit=audit,
            kind=kind,
            value=value,
            owner_id=owner_id,
            credential_name=credential_name,
            refresh=refresh,
            summarise=summarise,
        )
    except BaseException:
        if fetching is not None:
            fetching.cancel()
        raise
    owner = owner_id or _owner_with_sim(device.data)
    if not owner:
        return DeviceLookups(device)
    if needs_reason:
        return DeviceLookups(device, owner_list_skipped=OWNER_LIST_NEEDS_REASON)
    owner_list = _run_lookup(
        audit=audit,
        kind=Lookup.Kind.USER,
        value=owner,
        credential_name=credential_name,
        refresh=refresh,
        endpoint=Lookup.Endpoint.DEV_LIST,
        call=lambda client: client.device_list(user_id=owner),
        parse=parse_device_list,
        cache_key=f"devList:{owner}",
        summarise=summarise_list(owner) if summarise_list else None,
        fetching=fetching if owner == owner_id else None,
        # Read for the device's page, not searched for: My lookups lists the device alone.
        follows=device.lookup,
    )
    return DeviceLookups(device, owner_list)


def _owner_with_sim(report: gwell.DeviceReport | None) -> str:
    """The owner of a bound device with a SIM plan, from devInfo; "" otherwise."""
    if report is None or report.sim is None or not report.device.is_bound:
        return ""
    return report.device.owner_id or ""


class Future:
    """A fetch running in its own thread; `result()` waits for it and returns or raises as the
    fetch did. `store_key` says which answer it fetches."""

    def __init__(self, credential: Credential, store_key: str, work: Callable[[], Any]) -> None:
        self.credential = credential  # read once, for the lookup that picks the answer up
        self.store_key = store_key
        self._future = _ALONGSIDE.submit(work)

    def result(self) -> Any:
        return self._future.result()

    def cancel(self) -> None:
        self._future.cancel()


# Threads for the fetches that run alongside a page's main lookup. Each waits on the vendor (I/O),
# so a few are plenty; a full pool only delays the extra fetch, never the page's own.
_ALONGSIDE = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lookup-alongside")


def _fetch_alongside(
    *,
    credential_name: str | None,
    cache_key: str,
    call: Callable[[gwell.VendorClient], Any],
    refresh: bool,
    person: str,
) -> Future | None:
    """Start fetching another answer (cache, coalescing, limiter, vendor) in a thread, for a
    `_run_lookup` of the same key to pick up. The credential is read here, in the request's
    thread; the thread itself never touches the database. None when there is no credential to
    use: the lookup then fails on its own, with its audit row."""
    try:
        credential = credential_get(name=credential_name)
    except Exception:
        return None
    store_key = f"{credential.pk}:{credential.app_id}:{cache_key}"

    def produce() -> str:
        # A person's page: the interactive lane, in that person's turn (the thread does not
        # inherit the request's context).
        with calling_as(lane=Lane.INTERACTIVE, person=person):
            data = call(vendor_client(credential))
        return json.dumps(data.raw, ensure_ascii=False, default=str)

    def work() -> Any:
        try:
            return _fetch(store_key, produce, refresh=refresh)
        finally:
            connections.close_all()  # this thread's own, should anything have opened one

    return Future(credential, store_key, work)


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
) -> LookupResult:
    # The row exists before anything can go wrong, so a crash mid-call leaves a "pending" trace.
    lookup = new_lookup(audit=audit, kind=kind, value=value, owner_id=owner_id, endpoint=endpoint)
    if follows is not None:  # kept when the row is completed
        lookup.follows = follows
    started = time.monotonic()
    result = LookupResult(lookup=lookup)
    store_key = None
    asked_vendor = False
    try:
        credential = fetching.credential if fetching else credential_get(name=credential_name)
        lookup.credential = credential
        lookup.credential_name = credential.name
        store_key = f"{credential.pk}:{credential.app_id}:{cache_key}"

        def produce() -> str:
            nonlocal asked_vendor
            asked_vendor = True
            # The slot is taken in this lookup's lane, in its person's turn.
            with calling_as(lane=lane, person=str(audit.user.pk)):
                data = call(vendor_client(credential))
            # The vendor sends no fractions; a stray one (a Decimal here) is cached as text.
            return json.dumps(data.raw, ensure_ascii=False, default=str)

        if fetching is not None and fetching.store_key == store_key:
            # Started alongside another lookup (`_fetch_alongside`): the same fetch, its answer.
            payload, source, stored_at = fetching.result()
        else:
            payload, source, stored_at = _fetch(store_key, produce, refresh=refresh, lane=lane)
        # Fresh, cached or shared: every answer is read from its payload the same way.
        result.data = parse(loads(payload))
        result.fetched_at = datetime.fromtimestamp(stored_at, tz=UTC)
        lookup.source = source
        lookup.outcome = Lookup.Outcome.OK
        lookup.request_id = auditable(result.data.request_id or "", REQUEST_ID_LENGTH)
        if source == Source.FRESH:
            _mark_credential(credential, ok=True)
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


def _fetch(
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
        _mark_credential(lookup.credential, ok=True)
    elif failure.credential == CredentialSign.FAILING:
        _mark_credential(lookup.credential, ok=False, message=lookup.vendor_message)


# A good call is noted at most this often: at 10 calls a second the row would be a hot spot.
MARK_OK_EVERY = timedelta(seconds=60)


def _mark_credential(credential: Credential, *, ok: bool, message: str = "") -> None:
    # update(), not save(): never rewrite the encrypted secrets from a lookup.
    now = timezone.now()
    try:
        if ok:
            stale = Q(last_ok_at__isnull=True) | Q(last_ok_at__lt=now - MARK_OK_EVERY)
            stale |= Q(last_error_at__gt=F("last_ok_at"))  # a recovery is noted at once
            Credential.objects.filter(stale, pk=credential.pk).update(last_ok_at=now)
        else:
            Credential.objects.filter(pk=credential.pk).update(
                last_error_at=now, last_error=auditable(message, MESSAGE_LENGTH)
            )
    except (OperationalError, InterfaceError) as error:
        # A note on the credential's health; the lookup it comes from must not fail for it.
        log.warning("credential %s: health not noted (%s)", credential.pk, type(error).__name__)


@dataclass
class CredentialCheck:
    """A check's verdict. `message` is English (the credential's last failure, the command's
    output); `text()` is the same in the reader's language (admin)."""

    accepted: bool
    template: Promise
    params: dict[str, Any]
    request_id: str | None = None

    @property
    def message(self) -> str:
        return failures.in_english(self.template) % self.params

    def text(self) -> str:
        return str(self.template) % self.params


CHECK_ACCEPTED = gettext_lazy("The vendor accepted the signature (requestId %(request_id)s).")
CHECK_ACCEPTED_WITH_CODE = gettext_lazy(
    "The vendor accepted the signature but answered code %(code)s: %(msg)s "
    "(requestId %(request_id)s)."
)
CHECK_REFUSED = gettext_lazy(
    "The vendor accepted the signature but refused the call with code %(code)s: %(msg)s "
    "(requestId %(request_id)s). The credential is not working."
)
CHECK_REJECTED = gettext_lazy("The vendor rejected the signature: %(error)s")
CHECK_CREDENTIAL_REJECTED = gettext_lazy(
    "The vendor rejected the credential with code %(code)s: %(msg)s (requestId %(request_id)s)."
)
CHECK_UNREACHABLE = gettext_lazy("Could not check the credential: %(error)s")


def credential_check(*, credential: Credential) -> CredentialCheck:
    """One signed call (a device list for an unknown user) to see whether the vendor accepts us.

    Only a good answer or "not found" passes: any other code is a failure, with its code."""
    try:
        answer = vendor_client(credential).device_list(user_id=UNKNOWN_OWNER)
    except Exception as error:
        check = _check_failed(error)
    else:
        check = CredentialCheck(
            True, CHECK_ACCEPTED, {"request_id": answer.request_id}, answer.request_id
        )
    _mark_credential(credential, ok=check.accepted, message=check.message)
    return check


def _check_failed(error: Exception) -> CredentialCheck:
    reading = failures.failure_of(error).check
    request_id = getattr(error, "request_id", None)
    if isinstance(error, gwell.VendorError) and error.code is not None:
        coded = {"code": error.code, "msg": error.vendor_message or "", "request_id": request_id}
        if reading == CheckReading.ACCEPTED:
            return CredentialCheck(True, CHECK_ACCEPTED_WITH_CODE, coded, request_id)
        if reading == CheckReading.REFUSED:
            return CredentialCheck(False, CHECK_REFUSED, coded, request_id)
        if reading == CheckReading.REJECTED and not isinstance(error, gwell.SignatureRejected):
            return CredentialCheck(False, CHECK_CREDENTIAL_REJECTED, coded, request_id)
    if reading == CheckReading.REJECTED:
        return CredentialCheck(False, CHECK_REJECTED, {"error": str(error)}, request_id)
    if not failures.is_known(error) and not isinstance(error, ValueError):
        log.exception("credential check failed unexpectedly")
        return CredentialCheck(False, CHECK_UNREACHABLE, {"error": failures.audit_text(error)})
    return CredentialCheck(False, CHECK_UNREACHABLE, {"error": str(error)})
