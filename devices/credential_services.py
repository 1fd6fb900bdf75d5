"""Use cases of the vendor credentials: the ones to choose from, the one a lookup uses, saving
them, the client for one, noting their health, and checking that the vendor accepts one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from devices import failures, gwell
from devices.audit import auditable
from devices.credentials import (
    InsecureVendorURL,
    NoCredential,
    UnknownCredential,
    vendor_url_problem,
)
from devices.failures import CheckReading
from devices.models import Credential, Lookup
from devices.ratelimit import acquire_vendor_slot

log = logging.getLogger("supportdesk.lookups")

# The vendor's table marks accessId as required; its own example sends -1 when the owner is not
# known, which is what support staff usually have.
UNKNOWN_OWNER = "-1"
MESSAGE_LENGTH = Lookup._meta.get_field("vendor_message").max_length


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


# A good call is noted at most this often: at 10 calls a second the row would be a hot spot.
MARK_OK_EVERY = timedelta(seconds=60)


def mark_credential(credential: Credential, *, ok: bool, message: str = "") -> None:
    """Note that the credential worked (at most every MARK_OK_EVERY, and at once after a failure)
    or failed, with the failure's message."""
    # update(), not save(): never rewrite the encrypted secrets from a lookup.
    now = timezone.now()
    try:
        if ok:
            if not _ok_worth_noting(credential, now):
                return  # as the row read for this lookup (or page) says: noted a moment ago
            stale = Q(last_ok_at__isnull=True) | Q(last_ok_at__lt=now - MARK_OK_EVERY)
            stale |= Q(last_error_at__gt=F("last_ok_at"))  # a recovery is noted at once
            Credential.objects.filter(stale, pk=credential.pk).update(last_ok_at=now)
            credential.last_ok_at = now
        else:
            Credential.objects.filter(pk=credential.pk).update(
                last_error_at=now, last_error=auditable(message, MESSAGE_LENGTH)
            )
            credential.last_error_at = now  # a success after it, on this object, is noted
    except (OperationalError, InterfaceError) as error:
        # A note on the credential's health; the lookup it comes from must not fail for it.
        log.warning("credential %s: health not noted (%s)", credential.pk, type(error).__name__)


def _ok_worth_noting(credential: Credential, now) -> bool:
    """Whether the row, as this lookup read it, would take a new "worked" time."""
    last_ok, last_error = credential.last_ok_at, credential.last_error_at
    if last_ok is None or last_ok < now - MARK_OK_EVERY:
        return True
    return last_error is not None and last_error > last_ok


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
    mark_credential(credential, ok=check.accepted, message=check.message)
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
