"""What each failure of a lookup means, in one table.

Every failure the service can meet (the vendor client's errors, the limiter's, a missing
credential, an undecryptable secret), and the two refusals before it (invalid input, the
per-person limit), has one row here: the audit outcome, the HTTP status of the page and the API,
the API's error code, whether simultaneous identical lookups may be handed it instead of calling
the vendor again, whether the last good answer may be shown in its place, what it says about the
credential, how a credential check reads it, and the words of its panel. The service, the
coalescer, the presenters, the API and the credential check all read this table; none of them
decides by itself what a failure means.

Panel texts are lazy translations with `%(name)s` placeholders filled from `panel_params`; the
audit row keeps the English text (`audit_text`) and the row's stable `code`, from which admin
shows the words in the reader's language; the page shows the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db import InterfaceError, OperationalError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from devices import gwell
from devices.credentials import InsecureVendorURL, NoCredential, UnknownCredential
from devices.crypto import SecretUnavailable
from devices.models import Lookup
from devices.ratelimit import LimiterUnavailable, VendorBusy

Outcome = Lookup.Outcome


class CredentialSign(StrEnum):
    """What a failure says about the credential that made the call."""

    WORKS = "works"  # the vendor checked our signature and answered
    FAILING = "failing"  # noted on the credential as its last failure
    SILENT = "silent"  # says nothing (the call never reached the vendor)


class ApiCode(StrEnum):
    """The JSON API's `error.code`: a contract, integrations branch on it (README, Integrations)."""

    NOT_FOUND = "not_found"
    INVALID_INPUT = "invalid_input"
    VENDOR_UNAVAILABLE = "vendor_unavailable"
    VENDOR_TIMEOUT = "vendor_timeout"
    VENDOR_BUSY = "vendor_busy"
    RATE_LIMITED = "rate_limited"  # the person's own limit, not the vendor's
    VENDOR_REFUSED = "vendor_refused"
    CREDENTIAL_FAILING = "credential_failing"  # an admin must fix the vendor credential


class CheckReading(StrEnum):
    """How `check_credential` (and admin's "test connection") reads the failure."""

    ACCEPTED = "accepted"  # the vendor accepted us, and only did not know the device
    REFUSED = "refused"  # the vendor accepted the signature, then refused the call with a code
    REJECTED = "rejected"  # the vendor refused the app's credentials or signature
    UNREACHABLE = "unreachable"  # we could not find out


@dataclass(frozen=True)
class Failure:
    outcome: str
    status: int
    api_code: ApiCode
    title: Promise
    message: Promise
    next_step: Promise
    # Simultaneous identical lookups get this failure too, instead of calling the vendor again.
    shareable: bool = False
    # The vendor is not answering (for now): the page may show the last good answer, marked.
    stale_ok: bool = False
    credential: CredentialSign = CredentialSign.SILENT
    check: CheckReading = CheckReading.UNREACHABLE
    # The page says when to try again (and sends Retry-After).
    retry: bool = False
    # Stable: kept in the audit row (`Lookup.failure_code`), so admin shows the words in the
    # reader's language, today's words for yesterday's rows. Never reuse or rename one.
    code: str = ""
    # The words of the audit log (admin) when the title speaks to the person who looked up.
    summary: Promise | None = None
    # The answer may depend on where we asked: the panel offers the other enabled credentials
    # (regions) as one-click retries.
    try_elsewhere: bool = False


TRY_AGAIN = _("Try again in a moment. If it keeps happening, tell an admin.")
TELL_ADMIN_CREDENTIAL = _("Tell an admin: the vendor credential needs checking in the admin pages.")
CREDENTIAL_NOT_WORKING = _("SupportDesk's vendor credential is not working: tell an admin")
UNAVAILABLE_TITLE = _("The vendor is unavailable")

# The database cannot be used (down, unreachable, locked for too long): no audit row can be
# written, so no lookup is made. Every page that fails on it answers this row (devices.outage).
# The API has no code of its own for it, as for INTERNAL: a client retries later, and the
# message says where the fault is.
DATABASE_UNAVAILABLE = Failure(
    Outcome.UNAVAILABLE,
    503,
    ApiCode.VENDOR_UNAVAILABLE,
    _("The database is unreachable"),
    _(
        "SupportDesk cannot use its database right now, so it cannot keep the audit log and "
        "makes no lookup."
    ),
    TRY_AGAIN,
    code="database_unavailable",
)

# Keyed by error class, or by (class, reason) where one class covers several cases. The most
# specific row wins: a class's own row before its parents', (class, reason) before class.
FAILURES: dict[type[BaseException] | tuple[type[BaseException], str], Failure] = {
    gwell.DeviceNotFound: Failure(
        Outcome.NOT_FOUND,
        404,
        ApiCode.NOT_FOUND,
        _("No such device"),
        _("The vendor has no device with %(what)s."),
        _(
            "Check the number with the customer (the sticker under the camera, or the app's "
            "device settings), or search by another identifier."
        ),
        code="not_found",
        shareable=True,
        try_elsewhere=True,
        credential=CredentialSign.WORKS,
        check=CheckReading.ACCEPTED,
    ),
    gwell.SignatureExpired: Failure(
        Outcome.SIGNATURE_ERROR,
        502,
        ApiCode.CREDENTIAL_FAILING,
        _("The vendor refused our request as expired"),
        _("This server's clock is more than 5 minutes off the vendor's."),
        _("Tell an admin: the server's clock must be set right (NTP). Retrying will not help."),
        code="signature_expired",
        shareable=True,
        credential=CredentialSign.FAILING,
        check=CheckReading.REJECTED,
    ),
    gwell.SignatureInvalid: Failure(
        Outcome.SIGNATURE_ERROR,
        502,
        ApiCode.CREDENTIAL_FAILING,
        _("The vendor refused our signature"),
        _("The credential's app key or access id does not match what the vendor holds."),
        TELL_ADMIN_CREDENTIAL,
        code="signature_invalid",
        shareable=True,
        credential=CredentialSign.FAILING,
        check=CheckReading.REJECTED,
    ),
    gwell.SignatureRejected: Failure(
        Outcome.SIGNATURE_ERROR,
        502,
        ApiCode.CREDENTIAL_FAILING,
        _("The vendor refused our signature"),
        _("The request could not be signed or read correctly."),
        TELL_ADMIN_CREDENTIAL,
        code="signature_rejected",
        shareable=True,
        credential=CredentialSign.FAILING,
        check=CheckReading.REJECTED,
    ),
    SecretUnavailable: Failure(
        Outcome.SIGNATURE_ERROR,
        502,
        ApiCode.CREDENTIAL_FAILING,
        _("The vendor refused our signature"),
        _("The request could not be signed or read correctly."),
        TELL_ADMIN_CREDENTIAL,
        code="secret_unavailable",
    ),
    gwell.VendorRateLimited: Failure(
        Outcome.RATE_LIMITED,
        503,
        ApiCode.VENDOR_BUSY,
        _("The vendor is busy"),
        _("The vendor refuses requests from our team as too frequent."),
        _("Try again in a moment."),
        code="vendor_rate_limited",
        shareable=True,
        stale_ok=True,
        credential=CredentialSign.WORKS,
        check=CheckReading.REFUSED,
        retry=True,
    ),
    VendorBusy: Failure(
        Outcome.RATE_LIMITED,
        503,
        ApiCode.VENDOR_BUSY,
        _("Too many lookups at once"),
        _("The team's shared budget of vendor calls is in use by colleagues' lookups right now."),
        _("Try again in a moment."),
        code="budget_busy",
        shareable=True,
        stale_ok=True,
        retry=True,
    ),
    LimiterUnavailable: Failure(
        Outcome.RATE_LIMITED,
        503,
        ApiCode.VENDOR_BUSY,
        _("Lookups are paused for a moment"),
        _(
            "SupportDesk cannot reach the store that shares the team's vendor budget, so it "
            "sends nothing to the vendor until the store is back."
        ),
        TRY_AGAIN,
        shareable=True,
        retry=True,
        stale_ok=True,
        code="limiter_store",
    ),
    OperationalError: DATABASE_UNAVAILABLE,
    InterfaceError: DATABASE_UNAVAILABLE,
    (gwell.VendorUnavailable, "timeout"): Failure(
        Outcome.UNAVAILABLE,
        504,
        ApiCode.VENDOR_TIMEOUT,
        _("The vendor did not answer in time"),
        _("The vendor's server is slow or down."),
        TRY_AGAIN,
        code="vendor_timeout",
        shareable=True,
        stale_ok=True,
        credential=CredentialSign.FAILING,
    ),
    (gwell.VendorUnavailable, "http_status"): Failure(
        Outcome.UNAVAILABLE,
        502,
        ApiCode.VENDOR_UNAVAILABLE,
        UNAVAILABLE_TITLE,
        _("The vendor's server answered with an error (HTTP %(status)s)."),
        TRY_AGAIN,
        code="vendor_http_error",
        shareable=True,
        stale_ok=True,
        credential=CredentialSign.FAILING,
    ),
    (gwell.VendorUnavailable, "bad_response"): Failure(
        Outcome.UNAVAILABLE,
        502,
        ApiCode.VENDOR_UNAVAILABLE,
        UNAVAILABLE_TITLE,
        _("The vendor's answer could not be read."),
        TRY_AGAIN,
        code="vendor_bad_response",
        shareable=True,
        stale_ok=True,
        credential=CredentialSign.FAILING,
    ),
    gwell.VendorUnavailable: Failure(
        Outcome.UNAVAILABLE,
        502,
        ApiCode.VENDOR_UNAVAILABLE,
        UNAVAILABLE_TITLE,
        _("Could not reach the vendor's server."),
        TRY_AGAIN,
        code="vendor_unreachable",
        shareable=True,
        stale_ok=True,
        credential=CredentialSign.FAILING,
    ),
    gwell.CredentialRejected: Failure(
        Outcome.CREDENTIAL_ERROR,
        502,
        ApiCode.CREDENTIAL_FAILING,
        CREDENTIAL_NOT_WORKING,
        _(
            "The vendor refused SupportDesk's own app credentials (code %(code)s: %(message)s). "
            "Nothing is wrong with what you looked up, and the vendor's support cannot fix it."
        ),
        TELL_ADMIN_CREDENTIAL,
        shareable=True,
        credential=CredentialSign.FAILING,
        check=CheckReading.REJECTED,
        code="credential_rejected",
    ),
    gwell.VendorRefused: Failure(
        Outcome.VENDOR_ERROR,
        502,
        ApiCode.VENDOR_REFUSED,
        _("The vendor refused the lookup"),
        _("The vendor answered code %(code)s: %(message)s"),
        _(
            "Copy the details below into a ticket to the vendor, or tell an admin if the "
            "code is new to you."
        ),
        code="vendor_refused",
        shareable=True,
        credential=CredentialSign.FAILING,
        check=CheckReading.REFUSED,
    ),
    UnknownCredential: Failure(
        Outcome.VENDOR_ERROR,
        503,
        ApiCode.CREDENTIAL_FAILING,
        _("No vendor credential"),
        _("There is no enabled vendor credential named “%(name)s”."),
        _("Search again with another region, or tell an admin."),
        code="unknown_credential",
    ),
    InsecureVendorURL: Failure(
        Outcome.VENDOR_ERROR,
        503,
        ApiCode.CREDENTIAL_FAILING,
        _("The vendor credential's address is refused"),
        _(
            "The credential's base URL is not an https address of the vendor, so SupportDesk "
            "will not send it our app token."
        ),
        _("Tell an admin: the credential's base URL must be the vendor's https address."),
        code="insecure_vendor_url",
        credential=CredentialSign.FAILING,
    ),
    NoCredential: Failure(
        Outcome.VENDOR_ERROR,
        503,
        ApiCode.CREDENTIAL_FAILING,
        _("No vendor credential"),
        _("No vendor credential is configured or enabled."),
        _("Tell an admin: a vendor credential must be added or enabled in the admin pages."),
        code="no_credential",
    ),
}

# Anything not in the table: a bug of ours. The page says so; the server log has the traceback.
# The API has no code of its own for it: a client retries later, as for an unreachable vendor,
# and the message says where the fault is.
INTERNAL = Failure(
    Outcome.UNAVAILABLE,
    503,
    ApiCode.VENDOR_UNAVAILABLE,
    _("The lookup failed"),
    _("Something went wrong inside SupportDesk; the error is in the server log."),
    _("Try again in a moment. If it keeps happening, tell an admin the request id below."),
    code="internal",
)
INTERNAL_AUDIT_TEXT = "The lookup failed inside SupportDesk; the error is in the server log."

# The refusals before any vendor call: the identifier or the query is not valid (the message is
# the form's), or the person used up their lookup limit (LOOKUP_USER_RATE).
INVALID_INPUT = Failure(
    Outcome.INVALID_INPUT,
    400,
    ApiCode.INVALID_INPUT,
    _("Not a valid identifier"),
    _("The identifier or the query is not valid."),
    _("Check the number with the customer and search again."),
    code="invalid_input",
)
PERSON_LIMIT = Failure(
    Outcome.RATE_LIMITED,
    429,
    ApiCode.RATE_LIMITED,
    _("You have made a lot of lookups in a short time"),
    _(
        "Each person has a limit on lookups so that the team's shared vendor budget lasts for "
        "everyone."
    ),
    _("Try again in a moment."),
    code="person_limit",
    summary=_("Over the person's limit on lookups"),
    retry=True,
)


def refusal_of(outcome: str) -> Failure:
    """The row of a lookup refused before any vendor call, by its audit outcome."""
    return PERSON_LIMIT if outcome == Outcome.RATE_LIMITED else INVALID_INPUT


def audit_words(failure: Failure) -> Promise:
    """What the audit log (admin) says the lookup met, in the reader's language."""
    return failure.summary or failure.title


def failure_by_code(code: str) -> Failure | None:
    """The row an audit row's `failure_code` names; None for "" (no failure) or an unknown code."""
    return _BY_CODE.get(code)


_BY_CODE = {
    row.code: row for row in (*FAILURES.values(), INTERNAL, INVALID_INPUT, PERSON_LIMIT) if row.code
}


def failure_of(error: BaseException) -> Failure:
    """The table's row for `error` (INTERNAL when it has none)."""
    return _row(type(error), getattr(error, "reason", None))


def _row(cls: type[BaseException], reason: object = None) -> Failure:
    for parent in cls.__mro__:
        if isinstance(reason, str) and (parent, reason) in FAILURES:
            return FAILURES[(parent, reason)]
        if parent in FAILURES:
            return FAILURES[parent]
    return INTERNAL


def is_known(error: BaseException) -> bool:
    return failure_of(error) is not INTERNAL


def retry_after_of(error: BaseException) -> float | None:
    """Seconds the error asks callers to wait, when its row carries a retry."""
    if not failure_of(error).retry:
        return None
    return getattr(error, "retry_after", None)


def audit_text(error: BaseException) -> str:
    """The English text the audit row keeps: the error's own message, or INTERNAL's."""
    return str(error) if is_known(error) else INTERNAL_AUDIT_TEXT


def panel_params(error: BaseException, *, what: str) -> dict[str, Any]:
    """The values a row's message may name: `what` was looked up, and the error's details."""
    return {
        "what": what,
        "code": getattr(error, "code", None),
        "message": getattr(error, "vendor_message", None) or _("no message"),
        "status": getattr(error, "status", None),
        "name": getattr(error, "name", ""),
    }


def in_english(text: Promise | str) -> str:
    with translation.override("en"):
        return str(text)


# Failures travel to the waiters of other processes through the lookup store as a plain dict
# (class name, args, attributes), never as a pickle: whoever can write the store must not be able
# to run code here. Only the classes of shareable rows (and their subclasses) are revived.
def _subclasses(cls: type) -> set[type]:
    found = {cls}
    for sub in cls.__subclasses__():
        found |= _subclasses(sub)
    return found


_SHAREABLE = {
    cls.__name__: cls
    for key in FAILURES
    for cls in _subclasses(key[0] if isinstance(key, tuple) else key)
    if _row(cls).shareable
}


def describe(error: BaseException) -> dict | None:
    """A shareable failure as a JSON-able dict; None for one that must not be shared."""
    if _SHAREABLE.get(type(error).__name__) is not type(error):
        return None
    return {"class": type(error).__name__, "args": list(error.args), "state": dict(vars(error))}


def revive(description: dict) -> BaseException:
    """The exception `describe` described (KeyError for a class that is not shareable)."""
    cls = _SHAREABLE[description["class"]]
    error = cls.__new__(cls)
    error.args = tuple(description["args"])
    error.__dict__.update(description["state"])
    return error
