"""The vendor's after-sales (oss) OpenAPI: the raw request, the envelope, one method per endpoint.

Nothing is retried: a retry needs a fresh nonce and a fresh rate-limit slot, so it is the
caller's decision. The calls, fields and codes: docs/vendor-api.md.
"""

import email.utils
import http.client
import json
import logging
import math
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from .errors import (
    CONNECTION_REFUSED,
    HOST_NOT_FOUND,
    SIGNATURE_REJECTED_CODE,
    TLS_FAILED,
    DeviceNotFound,
    SignatureRejected,
    VendorError,
    VendorRateLimited,
    VendorRefused,
    VendorUnavailable,
)
from .results import (
    DeviceList,
    DeviceReport,
    loads,
    parse_device_list,
    parse_device_report,
    request_id_of,
    to_str,
)
from .signing import host_header, signed_headers

logger = logging.getLogger("devices.gwell")

DEV_INFO_PATH = "/openapi/custCloud/oss/devInfo"
DEV_LIST_PATH = "/openapi/custCloud/oss/devList"

POOL_MAXSIZE = 32
REDACTED = "[redacted]"

_session: requests.Session | None = None
_session_pid: int | None = None
_session_lock = threading.Lock()


def new_session() -> requests.Session:
    """A pooled session that never retries on its own (max_retries=0)."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_maxsize=POOL_MAXSIZE, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def shared_session() -> requests.Session:
    """One session per process; a forked child gets its own instead of sharing sockets."""
    global _session, _session_pid
    pid = os.getpid()
    if _session is not None and _session_pid == pid:
        return _session
    with _session_lock:
        if _session is None or _session_pid != pid:
            _session = new_session()
            _session_pid = pid
        return _session


def _reset_after_fork() -> None:
    # A lock held by another thread at fork time would never be released in the child.
    global _session, _session_pid, _session_lock
    _session, _session_pid, _session_lock = None, None, threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


# Layer 1: the raw request.


def request(
    session: requests.Session,
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
) -> requests.Response:
    """POST exactly `body` (already serialised, already signed) and return the response."""
    try:
        return session.post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        error = _unavailable_for(exc, timeout)
        logger.debug("vendor POST %s failed: %s", url, exc.__class__.__name__)
        raise error from exc


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps (requests and urllib3 nest them deeply)."""
    pending, seen = [exc], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [*current.args, current.__cause__, current.__context__]
        nested.append(getattr(current, "reason", None))  # urllib3's MaxRetryError
        pending.extend(item for item in nested if isinstance(item, BaseException))


def _unavailable_for(exc: requests.RequestException, timeout: float) -> VendorUnavailable:
    causes = list(_causes(exc))

    def caused_by(*types: type[BaseException]) -> bool:
        return any(isinstance(cause, types) for cause in causes)

    # requests already tells a connect timeout from a refused connection (urllib3's
    # NewConnectionError subclasses ConnectTimeoutError, so the chain alone would mislead).
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return VendorUnavailable.timeout(timeout, connecting=True)
    if isinstance(exc, requests.exceptions.Timeout) or caused_by(
        urllib3.exceptions.ReadTimeoutError
    ):
        return VendorUnavailable.timeout(timeout)
    if caused_by(requests.exceptions.SSLError, urllib3.exceptions.SSLError, ssl.SSLError):
        return VendorUnavailable.connection(TLS_FAILED)
    if caused_by(ConnectionRefusedError):
        return VendorUnavailable.connection(CONNECTION_REFUSED)
    if caused_by(socket.gaierror, urllib3.exceptions.NameResolutionError):
        return VendorUnavailable.connection(HOST_NOT_FOUND)
    if caused_by(
        ConnectionResetError,
        BrokenPipeError,
        ConnectionAbortedError,
        http.client.RemoteDisconnected,
        http.client.IncompleteRead,
        urllib3.exceptions.ProtocolError,
        requests.exceptions.ChunkedEncodingError,
    ):
        return VendorUnavailable.connection_dropped()
    return VendorUnavailable.connection("network error")


# Layer 2: which answers count, and the envelope.


def post_envelope(
    session: requests.Session,
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    clock: Callable[[], float] = time.time,
) -> tuple[dict[str, Any], requests.Response]:
    """POST and return the decoded envelope `{"code": int, ...}` with the response.

    429 raises VendorRateLimited; any other non-2xx, a body that is not JSON or not an envelope
    raises VendorUnavailable. The envelope's code is not judged here.
    """
    response = request(session, url, body=body, headers=headers, timeout=timeout)
    status = response.status_code
    if status == 429:
        envelope = _envelope_or_none(response)
        raise VendorRateLimited(
            retry_after=parse_retry_after(response.headers.get("Retry-After"), clock),
            code=envelope["code"] if envelope else None,
            request_id=request_id_of(envelope) if envelope else None,
        )
    if not 200 <= status < 300:
        envelope = _envelope_or_none(response)
        raise VendorUnavailable.http_status(
            status,
            code=envelope["code"] if envelope else None,
            request_id=request_id_of(envelope) if envelope else None,
        )
    return decode_envelope(response), response


def decode_envelope(response: requests.Response) -> dict[str, Any]:
    status = response.status_code
    try:
        decoded = loads(response.content)
    except (ValueError, RecursionError) as exc:
        raise VendorUnavailable.not_json(status=status) from exc
    if not isinstance(decoded, dict):
        detail = f"a JSON {type(decoded).__name__} instead of an object"
        raise VendorUnavailable.not_envelope(detail, status=status)
    code = decoded.get("code")
    if not isinstance(code, int) or isinstance(code, bool):
        detail = "no integer code"
        raise VendorUnavailable.not_envelope(
            detail, status=status, request_id=request_id_of(decoded)
        )
    return decoded


def _envelope_or_none(response: requests.Response) -> dict[str, Any] | None:
    try:
        return decode_envelope(response)
    except VendorUnavailable:
        return None


def parse_retry_after(value: str | None, clock: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header (delay in seconds, or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - clock()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


# Layer 3: one method per endpoint.


@dataclass(frozen=True)
class AppCredentials:
    """An app registered with the vendor, for one region: where to call and how to sign.

    `signer_id` is the X-IotVideo-AccessID header (who signs), the appId when left empty. It is
    not the `accessId` in a request body, which is a vendor-cloud user id (an owner, or the user
    whose devices are listed).
    """

    base_url: str
    app_id: str
    app_token: str = field(repr=False)
    app_key: str = field(repr=False)
    signer_id: str = ""

    def __post_init__(self) -> None:
        if not self.base_url.lower().startswith(("https://", "http://")):
            raise ValueError("The vendor base URL must start with https:// or http://")

    @property
    def signer(self) -> str:
        """The id the requests are signed as."""
        return self.signer_id or self.app_id

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


class VendorClient:
    """The two oss endpoints, called with one app's credentials.

    `before_send` (the shared rate limiter) is called right before every request; when it raises,
    nothing is sent. When it returns a callable, that is called once the request is over,
    answered or failed (the limiter counts the call until then). Codes in `not_found_codes`
    raise DeviceNotFound, codes in `rate_limit_codes` raise VendorRateLimited.
    """

    def __init__(
        self,
        app: AppCredentials,
        *,
        timeout: float = 5.0,
        session: requests.Session | None = None,
        before_send: Callable[[], object] | None = None,
        not_found_codes: Collection[int] = (12001,),
        rate_limit_codes: Collection[int] = (10029,),
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not timeout > 0:
            raise ValueError("The timeout must be a positive number of seconds")
        self.app = app
        self.timeout = timeout
        self.session = session
        self.before_send = before_send
        self.not_found_codes = frozenset(not_found_codes)
        self.rate_limit_codes = frozenset(rate_limit_codes)
        self.clock = clock

    def __repr__(self) -> str:
        return f"VendorClient({self.app!r}, timeout={self.timeout!r})"

    def device_info(self, *, sn: str = "", dev_id: str = "", owner_id: str = "-1") -> DeviceReport:
        """Device, cloud storage plan and SIM plan of one device, by sn or by devId.

        docs/vendor-api.md#device-info. Code 0 with no deviceInfo raises DeviceNotFound.
        """
        if bool(sn) == bool(dev_id):
            raise ValueError("Give exactly one of sn and dev_id")
        body = {
            "action": "devInfo",
            "appId": self.app.app_id,
            "appToken": self.app.app_token,
            "sn": sn,
            "devId": dev_id,
            "accessId": owner_id,
        }
        lookup = f"sn {sn}" if sn else f"devId {dev_id}"
        envelope = self._call(DEV_INFO_PATH, body, lookup=lookup)
        try:
            report = parse_device_report(envelope)
        except ValueError as exc:
            raise VendorUnavailable.not_envelope(
                "unreadable deviceInfo", request_id=request_id_of(envelope)
            ) from exc
        if report is None:
            raise DeviceNotFound(
                code=0,
                lookup=lookup,
                vendor_message=self._redact(to_str(envelope.get("msg"))),
                request_id=request_id_of(envelope),
            )
        return report

    def device_list(self, *, user_id: str) -> DeviceList:
        """The devices of one vendor-cloud user (owned and shared with them).

        docs/vendor-api.md#device-list.
        """
        if not user_id:
            raise ValueError("user_id is required")
        body = {
            "action": "devList",
            "appId": self.app.app_id,
            "appToken": self.app.app_token,
            "accessId": user_id,
        }
        envelope = self._call(DEV_LIST_PATH, body, lookup=f"accessId {user_id}")
        try:
            return parse_device_list(envelope)
        except ValueError as exc:
            raise VendorUnavailable.not_envelope(
                "unreadable deviceList", request_id=request_id_of(envelope)
            ) from exc

    def _call(self, path: str, body: dict[str, str], *, lookup: str) -> dict[str, Any]:
        """Sign and send `body`; the envelope when its code is 0, else the matching error."""
        url = self.app.url(path)
        # Serialised once: these exact bytes are hashed into the signature and sent.
        body_bytes = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        # Before signing, so that a wait in the limiter does not age the timestamp. It may
        # hand back a callable, called once the call is over (answered or failed): the shared
        # limiter holds the slot until then.
        finished = self.before_send() if self.before_send is not None else None
        try:
            return self._send(url, body_bytes, lookup=lookup)
        finally:
            if callable(finished):
                finished()

    def _send(self, url: str, body_bytes: bytes, *, lookup: str) -> dict[str, Any]:
        headers = signed_headers(
            secret=self.app.app_key,
            host=host_header(url),
            body=body_bytes,
            signer_id=self.app.signer,
            timestamp=int(self.clock()),
        )
        session = self.session if self.session is not None else shared_session()
        started = time.monotonic()
        try:
            envelope, response = post_envelope(
                session,
                url,
                body=body_bytes,
                headers=headers,
                timeout=self.timeout,
                clock=self.clock,
            )
        except VendorError as exc:
            logger.info(
                "vendor POST %s failed after %.0f ms: %s",
                url,
                (time.monotonic() - started) * 1000,
                exc,
            )
            raise
        code = envelope["code"]
        logger.debug(
            "vendor POST %s: HTTP %s, code %s, requestId %s, %.0f ms",
            url,
            response.status_code,
            code,
            request_id_of(envelope),
            (time.monotonic() - started) * 1000,
        )
        if code != 0:
            raise self._error_for(envelope, response, lookup=lookup)
        return envelope

    def _error_for(
        self, envelope: dict[str, Any], response: requests.Response, *, lookup: str
    ) -> VendorError:
        code = envelope["code"]
        vendor_message = self._redact(to_str(envelope.get("msg")))
        request_id = self._redact(request_id_of(envelope))
        if code == SIGNATURE_REJECTED_CODE:
            return SignatureRejected.from_vendor(vendor_message, request_id=request_id)
        if code in self.rate_limit_codes:
            return VendorRateLimited(
                retry_after=parse_retry_after(response.headers.get("Retry-After"), self.clock),
                code=code,
                vendor_message=vendor_message,
                request_id=request_id,
            )
        if code in self.not_found_codes:
            return DeviceNotFound(
                code=code, lookup=lookup, vendor_message=vendor_message, request_id=request_id
            )
        return VendorRefused(code=code, vendor_message=vendor_message, request_id=request_id)

    def _redact(self, text: str | None) -> str | None:
        """`text` from the vendor with any echo of our secrets removed."""
        if text is None:
            return None
        for secret in (self.app.app_token, self.app.app_key):
            if secret:
                text = text.replace(secret, REDACTED)
        return text
