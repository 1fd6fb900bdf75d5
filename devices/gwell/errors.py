"""What can go wrong when calling the vendor, as a few exceptions with readable messages.

Every exception carries `code`, `vendor_message` and `request_id` (what the vendor's support asks
for when a call is escalated). Messages are English; the presentation layer picks the translated
text from the exception's type and attributes. No message ever contains appToken or appKey: the
client redacts them from anything the vendor echoes back. The vendor's codes:
docs/vendor-api.md#error-codes.
"""

import re

SIGNATURE_REJECTED_CODE = 10007
# The vendor documents only 0 and 10007 for this API. These defaults come from the error tables
# of its mobile apps (same server family): docs/vendor-api.md#error-codes. Deployments override
# them with settings (VENDOR_NOT_FOUND_CODES, VENDOR_RATE_LIMIT_CODES, VENDOR_CREDENTIAL_CODES).
NOT_FOUND_CODES = (10010, 10012)  # no record found, no relevant results
RATE_LIMIT_CODES = (10015,)  # frequent access denied
CREDENTIAL_CODES = (10001, 10003, 10026)  # missing parameter, parameter format, token expired

REQUEST_ID_SUFFIX = " (requestId {request_id})"

SIGNATURE_REJECTED_MESSAGE = "The vendor refused the request signature ({vendor_message})"
BODY_UNREADABLE_MESSAGE = "The vendor could not read the request body (signature check -1)"
SIGNATURE_EXPIRED_MESSAGE = (
    "The vendor refused the request signature as expired: this server's clock must be within"
    " 5 minutes of the vendor's"
)
SIGNATURE_INVALID_MESSAGE = (
    "The vendor refused the request signature as wrong: check the appKey and the AccessID"
    " of this credential"
)

TIMEOUT_MESSAGE = "The vendor did not answer within {timeout:g} s"
CONNECT_TIMEOUT_MESSAGE = "Could not connect to the vendor within {timeout:g} s"
CONNECTION_MESSAGE = "Could not connect to the vendor ({detail})"
CONNECTION_DROPPED_MESSAGE = "The connection to the vendor was dropped before it answered"
HTTP_STATUS_MESSAGE = "The vendor answered HTTP {status}"
NOT_JSON_MESSAGE = "The vendor's answer was not valid JSON"
NOT_ENVELOPE_MESSAGE = "The vendor's answer was not in the expected format ({detail})"
TOO_LARGE_MESSAGE = "The vendor's answer was larger than the limit of {limit:,} bytes"
NESTED_TOO_DEEPLY = "JSON nested too deeply"
UNDECODABLE_BODY = "a body that does not match its Content-Encoding"

CONNECTION_REFUSED = "connection refused"
HOST_NOT_FOUND = "host name not found"
TLS_FAILED = "TLS handshake failed"

RATE_LIMITED_MESSAGE = "The vendor refuses requests as too frequent; try again in {retry_after:g} s"
RATE_LIMITED_SHORTLY_MESSAGE = "The vendor refuses requests as too frequent; try again shortly"

REFUSED_MESSAGE = "The vendor answered code {code}: {vendor_message}"
CREDENTIAL_REJECTED_MESSAGE = (
    "The vendor refused this app's credentials with code {code}: {vendor_message}"
)
DEVICE_NOT_FOUND_MESSAGE = "The vendor found no device with {lookup}"
DEVICE_NOT_FOUND_ANY_MESSAGE = "The vendor found no such device"

UNAVAILABLE_REASONS = ("timeout", "connection", "http_status", "bad_response")
_DEFAULT_UNAVAILABLE_MESSAGES = {
    "timeout": "The vendor did not answer in time",
    "connection": "Could not connect to the vendor",
    "http_status": "The vendor answered with an HTTP error",
    "bad_response": NOT_JSON_MESSAGE,
}

_SIGNATURE_REASON = re.compile(r"signature validate fail\s*:\s*(-?\d+)")


class VendorError(Exception):
    """Base of every error the vendor client raises."""

    def __init__(
        self,
        message: str = "The vendor call failed",
        *,
        code: int | None = None,
        vendor_message: str | None = None,
        request_id: str | None = None,
    ) -> None:
        if request_id:
            message += REQUEST_ID_SUFFIX.format(request_id=request_id)
        super().__init__(message)
        self.code = code
        self.vendor_message = vendor_message
        self.request_id = request_id

    def __reduce__(self):
        # Subclasses take keyword-only arguments, which the default pickling cannot replay.
        return (_restore, (type(self), self.args, self.__dict__.copy()))


def _restore(cls: type[VendorError], args: tuple, state: dict) -> VendorError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class CredentialRejected(VendorError):
    """The vendor refused the app itself: its appId, appToken or signature. Our configuration is
    wrong, not the lookup: a code in the client's `credential_codes`, or (as SignatureRejected)
    10007. docs/vendor-api.md#error-codes
    """

    def __init__(
        self,
        *,
        code: int | None = None,
        vendor_message: str | None = None,
        request_id: str | None = None,
        message: str | None = None,
    ) -> None:
        if message is None:
            message = CREDENTIAL_REJECTED_MESSAGE.format(
                code=code, vendor_message=vendor_message or "no message"
            )
        super().__init__(message, code=code, vendor_message=vendor_message, request_id=request_id)


class SignatureRejected(CredentialRejected):
    """Code 10007: the vendor refused the signature. `reason` is the -1/-2/-3 it gave, if any.

    docs/vendor-api.md#signature-failures
    """

    def __init__(
        self,
        *,
        vendor_message: str | None = None,
        request_id: str | None = None,
        reason: int | None = None,
        message: str | None = None,
    ) -> None:
        if message is None:
            message = self._default_message(vendor_message)
        super().__init__(
            code=SIGNATURE_REJECTED_CODE,
            vendor_message=vendor_message,
            request_id=request_id,
            message=message,
        )
        self.reason = reason

    @staticmethod
    def _default_message(vendor_message: str | None) -> str:
        return SIGNATURE_REJECTED_MESSAGE.format(vendor_message=vendor_message or "no reason given")

    @classmethod
    def from_vendor(
        cls, vendor_message: str | None, *, request_id: str | None = None
    ) -> "SignatureRejected":
        """The right subclass for the vendor's "signature validate fail:X" message."""
        reason = parse_signature_reason(vendor_message)
        error_class = _SIGNATURE_ERRORS.get(reason, SignatureRejected)
        return error_class(vendor_message=vendor_message, request_id=request_id, reason=reason)


class BodyUnreadable(SignatureRejected):
    """Reason -1: the vendor could not read the body it received."""

    @staticmethod
    def _default_message(vendor_message: str | None) -> str:
        return BODY_UNREADABLE_MESSAGE


class SignatureExpired(SignatureRejected):
    """Reason -2: the timestamp is more than 5 minutes away from the vendor's clock."""

    @staticmethod
    def _default_message(vendor_message: str | None) -> str:
        return SIGNATURE_EXPIRED_MESSAGE


class SignatureInvalid(SignatureRejected):
    """Reason -3: the signature does not match (wrong appKey or AccessID)."""

    @staticmethod
    def _default_message(vendor_message: str | None) -> str:
        return SIGNATURE_INVALID_MESSAGE


_SIGNATURE_ERRORS: dict[int | None, type[SignatureRejected]] = {
    -1: BodyUnreadable,
    -2: SignatureExpired,
    -3: SignatureInvalid,
}


def parse_signature_reason(vendor_message: str | None) -> int | None:
    """The X of "signature validate fail:X", or None when the message carries none."""
    match = _SIGNATURE_REASON.search(vendor_message or "")
    return int(match.group(1)) if match else None


class VendorUnavailable(VendorError):
    """The vendor could not be reached or gave no usable answer.

    `reason` is one of "timeout", "connection", "http_status", "bad_response"; `status` is the
    HTTP status when there was one.
    """

    def __init__(
        self,
        *,
        reason: str,
        message: str | None = None,
        status: int | None = None,
        code: int | None = None,
        vendor_message: str | None = None,
        request_id: str | None = None,
    ) -> None:
        if reason not in UNAVAILABLE_REASONS:
            raise ValueError(f"Unknown reason {reason!r}")
        if message is None:
            message = _DEFAULT_UNAVAILABLE_MESSAGES[reason]
            if reason == "http_status" and status is not None:
                message = HTTP_STATUS_MESSAGE.format(status=status)
        super().__init__(message, code=code, vendor_message=vendor_message, request_id=request_id)
        self.reason = reason
        self.status = status

    @classmethod
    def timeout(cls, seconds: float, *, connecting: bool = False) -> "VendorUnavailable":
        template = CONNECT_TIMEOUT_MESSAGE if connecting else TIMEOUT_MESSAGE
        return cls(reason="timeout", message=template.format(timeout=seconds))

    @classmethod
    def connection(cls, detail: str) -> "VendorUnavailable":
        return cls(reason="connection", message=CONNECTION_MESSAGE.format(detail=detail))

    @classmethod
    def connection_dropped(cls) -> "VendorUnavailable":
        return cls(reason="connection", message=CONNECTION_DROPPED_MESSAGE)

    @classmethod
    def http_status(
        cls,
        status: int,
        *,
        code: int | None = None,
        vendor_message: str | None = None,
        request_id: str | None = None,
    ) -> "VendorUnavailable":
        return cls(
            reason="http_status",
            message=HTTP_STATUS_MESSAGE.format(status=status),
            status=status,
            code=code,
            vendor_message=vendor_message,
            request_id=request_id,
        )

    @classmethod
    def not_json(cls, *, status: int | None = None) -> "VendorUnavailable":
        return cls(reason="bad_response", message=NOT_JSON_MESSAGE, status=status)

    @classmethod
    def too_large(cls, limit: int, *, status: int | None = None) -> "VendorUnavailable":
        return cls(
            reason="bad_response", message=TOO_LARGE_MESSAGE.format(limit=limit), status=status
        )

    @classmethod
    def not_envelope(
        cls, detail: str, *, status: int | None = None, request_id: str | None = None
    ) -> "VendorUnavailable":
        return cls(
            reason="bad_response",
            message=NOT_ENVELOPE_MESSAGE.format(detail=detail),
            status=status,
            request_id=request_id,
        )


class VendorRateLimited(VendorError):
    """The vendor refused the call as too frequent (HTTP 429 or a rate-limit code).

    `retry_after` is in seconds, when the vendor said how long to wait.
    """

    def __init__(
        self,
        *,
        retry_after: float | None = None,
        code: int | None = None,
        vendor_message: str | None = None,
        request_id: str | None = None,
        message: str | None = None,
    ) -> None:
        if message is None:
            if retry_after is None:
                message = RATE_LIMITED_SHORTLY_MESSAGE
            else:
                message = RATE_LIMITED_MESSAGE.format(retry_after=retry_after)
        super().__init__(message, code=code, vendor_message=vendor_message, request_id=request_id)
        self.retry_after = retry_after


class VendorRefused(VendorError):
    """The vendor answered with a non-zero code this client has no more specific error for."""

    def __init__(
        self,
        *,
        code: int | None = None,
        vendor_message: str | None = None,
        request_id: str | None = None,
        message: str | None = None,
    ) -> None:
        if message is None:
            message = REFUSED_MESSAGE.format(code=code, vendor_message=vendor_message or "")
        super().__init__(message, code=code, vendor_message=vendor_message, request_id=request_id)


class DeviceNotFound(VendorRefused):
    """The vendor does not know the device (a not-found code, or no deviceInfo at all).

    `lookup` names what was asked for, e.g. "sn 876ABCDEF0347".
    """

    def __init__(
        self,
        *,
        code: int | None = None,
        lookup: str | None = None,
        vendor_message: str | None = None,
        request_id: str | None = None,
        message: str | None = None,
    ) -> None:
        if message is None:
            if lookup:
                message = DEVICE_NOT_FOUND_MESSAGE.format(lookup=lookup)
            else:
                message = DEVICE_NOT_FOUND_ANY_MESSAGE
        super().__init__(
            code=code, vendor_message=vendor_message, request_id=request_id, message=message
        )
        self.lookup = lookup
