"""Use cases. The only place that ties credential, limiter, cache, vendor client and audit together.

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
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from devices import failures, gwell
from devices.audit import AuditContext, auditable, fits_int32, log_lookup, new_lookup
from devices.coalescing import Source, fetch_lookup
from devices.credentials import (
    InsecureVendorURL,
    NoCredential,
    UnknownCredential,
    vendor_url_problem,
)
from devices.failures import CheckReading, CredentialSign
from devices.gwell.results import loads, parse_device_list, parse_device_report
from devices.models import Credential, Lookup
from devices.ratelimit import acquire_vendor_slot, get_limiter, vendor_call_limit

log = logging.getLogger("supportdesk.lookups")

INTERNAL_ERROR = failures.INTERNAL_AUDIT_TEXT
# The vendor's table marks accessId as required; its own example sends -1 when the owner is not
# known, which is what support staff usually have.
UNKNOWN_OWNER = "-1"
# The audit row's columns for what the vendor says.
REQUEST_ID_LENGTH = Lookup._meta.get_field("request_id").max_length
MESSAGE_LENGTH = Lookup._meta.get_field("vendor_message").max_length
# A refused call without a Retry-After still pauses everyone for this long, and a vendor's
# Retry-After (untrusted: it could name years) pauses everyone for at most this long.
DEFAULT_PAUSE_SECONDS = 1.0
MAX_PAUSE_SECONDS = 60.0


@dataclass
class LookupResult:
    """What a lookup produced: the audit row, and either data or the error that explains it."""

    lookup: Lookup
    data: gwell.DeviceReport | gwell.DeviceList | None = None
    error: Exception | None = None
    fetched_at: datetime | None = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def credential_choices() -> list[Credential]:
    """The enabled credentials, for a region choice. Secrets are not loaded (nor decrypted)."""
    return list(
        Credential.objects.filter(enabled=True)
        .only("name", "region", "is_default")
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
    )


def lookup_device(
    *,
    audit: AuditContext,
    kind: str,
    value: str,
    owner_id: str = "",
    credential_name: str | None = None,
    refresh: bool = False,
) -> LookupResult:
    """Look up one device by serial number (kind "sn") or vendor device id (kind "dev_id")."""
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
    )


def list_user_devices(
    *,
    audit: AuditContext,
    user_id: str,
    credential_name: str | None = None,
    refresh: bool = False,
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
) -> LookupResult:
    # The row exists before anything can go wrong, so a crash mid-call leaves a "pending" trace.
    lookup = new_lookup(audit=audit, kind=kind, value=value, owner_id=owner_id, endpoint=endpoint)
    started = time.monotonic()
    result = LookupResult(lookup=lookup)
    try:
        credential = credential_get(name=credential_name)
        lookup.credential = credential
        lookup.credential_name = credential.name

        def produce() -> str:
            data = call(vendor_client(credential))
            # The vendor sends no fractions; a stray one (a Decimal here) is cached as text.
            return json.dumps(data.raw, ensure_ascii=False, default=str)

        payload, source, stored_at = fetch_lookup(
            f"{credential.pk}:{credential.app_id}:{cache_key}",
            produce,
            refresh=refresh,
            share_error=failures.describe,
            revive_error=failures.revive,
            # A leader may queue for its slot, then take the whole vendor call.
            lock_ttl=settings.VENDOR_MAX_WAIT + vendor_call_limit() + 5,
        )
        # Fresh, cached or shared: every answer is read from its payload the same way.
        result.data = parse(loads(payload))
        result.fetched_at = datetime.fromtimestamp(stored_at, tz=UTC)
        lookup.source = source
        lookup.outcome = Lookup.Outcome.OK
        lookup.request_id = auditable(result.data.request_id or "", REQUEST_ID_LENGTH)
        if source == Source.FRESH:
            _mark_credential(credential, ok=True)
    except Exception as error:  # every failure becomes an outcome and a message, never a 500
        _record_failure(lookup, result, error)
    finally:
        lookup.duration_ms = round((time.monotonic() - started) * 1000)
        lookup.save()
        log_lookup(lookup)
    return result


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
    if ok:
        stale = Q(last_ok_at__isnull=True) | Q(last_ok_at__lt=now - MARK_OK_EVERY)
        stale |= Q(last_error_at__gt=F("last_ok_at"))  # a recovery is noted at once
        Credential.objects.filter(stale, pk=credential.pk).update(last_ok_at=now)
    else:
        Credential.objects.filter(pk=credential.pk).update(
            last_error_at=now, last_error=auditable(message, MESSAGE_LENGTH)
        )


@dataclass
class CredentialCheck:
    accepted: bool
    message: str
    request_id: str | None = None


CHECK_ACCEPTED = "The vendor accepted the signature (requestId {request_id})."
CHECK_ACCEPTED_WITH_CODE = (
    "The vendor accepted the signature but answered code {code}: {msg} (requestId {request_id})."
)
CHECK_REJECTED = "The vendor rejected the signature: {error}"
CHECK_UNREACHABLE = "Could not check the credential: {error}"


def credential_check(*, credential: Credential) -> CredentialCheck:
    """One signed call (a device list for an unknown user) to see whether the vendor accepts us."""
    try:
        answer = vendor_client(credential).device_list(user_id=UNKNOWN_OWNER)
    except Exception as error:
        check = _check_failed(error)
    else:
        check = CredentialCheck(
            True, CHECK_ACCEPTED.format(request_id=answer.request_id), answer.request_id
        )
    _mark_credential(credential, ok=check.accepted, message=check.message)
    return check


def _check_failed(error: Exception) -> CredentialCheck:
    reading = failures.failure_of(error).check
    request_id = getattr(error, "request_id", None)
    if reading == CheckReading.ACCEPTED:
        message = CHECK_ACCEPTED_WITH_CODE.format(
            code=error.code, msg=error.vendor_message, request_id=request_id
        )
        return CredentialCheck(True, message, request_id)
    if reading == CheckReading.REJECTED:
        return CredentialCheck(False, CHECK_REJECTED.format(error=error), request_id)
    if not failures.is_known(error) and not isinstance(error, ValueError):
        log.exception("credential check failed unexpectedly")
        return CredentialCheck(False, CHECK_UNREACHABLE.format(error=failures.audit_text(error)))
    return CredentialCheck(False, CHECK_UNREACHABLE.format(error=error))
