"""The vendor's after-sales (oss) OpenAPI: the raw request, the envelope, one method per endpoint.

Nothing is retried: a retry needs a fresh nonce and a fresh rate-limit slot, so it is the
caller's decision. The calls, fields and codes: docs/vendor-api.md.
"""

import email.utils
import http.client
import io
import json
import logging
import math
import os
import socket
import ssl
import threading
import time
import unicodedata
from collections.abc import Callable, Collection, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC
from decimal import Decimal
from typing import Any

import requests
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions
import urllib3.poolmanager
from requests.adapters import HTTPAdapter

from .errors import (
    CONNECTION_REFUSED,
    HOST_NOT_FOUND,
    NESTED_TOO_DEEPLY,
    SIGNATURE_REJECTED_CODE,
    TLS_FAILED,
    UNDECODABLE_BODY,
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
    NestedTooDeeply,
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
MAX_BODY_BYTES = 1 << 20  # 1 MiB; a real answer is a few kB
CHUNK_BYTES = 64 << 10

_session: requests.Session | None = None
_session_pid: int | None = None
_session_lock = threading.Lock()


def new_session() -> requests.Session:
    """A pooled session that never retries on its own (max_retries=0)."""
    session = requests.Session()
    adapter = DeadlineAdapter(pool_maxsize=POOL_MAXSIZE, max_retries=0)
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


# One deadline per call. requests' timeout bounds each socket operation, not the call: an answer
# trickled one byte at a time never trips it, and neither does a single read of many bytes. So
# while a call runs, every read from its socket is given only the time left before its deadline.

_call_deadline: ContextVar[float | None] = ContextVar("vendor_call_deadline", default=None)


class _DeadlineReader(io.RawIOBase):
    """A socket's reads, each allowed only the time left before `deadline` (time.monotonic)."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            # urllib3 reports a socket timeout as a read timeout, as it would its own.
            raise TimeoutError("the vendor call's deadline has passed")
        self._sock.settimeout(remaining)
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """http.client's response, reading status line, headers and body against the deadline."""

    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        deadline = _call_deadline.get()
        if deadline is not None:
            self.fp.close()
            self.fp = io.BufferedReader(_DeadlineReader(sock, deadline))


class _DeadlineHTTPConnection(urllib3.connection.HTTPConnection):
    response_class = _DeadlineResponse


class _DeadlineHTTPSConnection(urllib3.connection.HTTPSConnection):
    response_class = _DeadlineResponse


class _DeadlineHTTPConnectionPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection


class _DeadlineHTTPSConnectionPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


_DEADLINE_POOLS = {"http": _DeadlineHTTPConnectionPool, "https": _DeadlineHTTPSConnectionPool}


class DeadlineAdapter(HTTPAdapter):
    """An adapter whose connections honour the deadline of the vendor call in progress."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _DEADLINE_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        # A SOCKS proxy brings pools of its own; those keep the per-read timeout only.
        if manager.pool_classes_by_scheme is urllib3.poolmanager.pool_classes_by_scheme:
            manager.pool_classes_by_scheme = _DEADLINE_POOLS
        return manager


# Layer 1: the raw request.


@dataclass(frozen=True)
class HttpAnswer:
    """What came back: the status, the headers and the whole body (read within the limits)."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def request(
    session: requests.Session,
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> HttpAnswer:
    """POST exactly `body` (already serialised, already signed) and read the whole answer.

    `timeout` covers the whole call, from connecting to the last byte of the body; an answer
    larger than `max_body_bytes` is refused. Either raises VendorUnavailable.
    """
    deadline = time.monotonic() + timeout
    context = _call_deadline.set(deadline)
    try:
        response = session.post(
            url, data=body, headers=headers, timeout=timeout, allow_redirects=False, stream=True
        )
        with response:
            content = _read_body(response, deadline=deadline, timeout=timeout, limit=max_body_bytes)
    except requests.RequestException as exc:
        error = _unavailable_for(exc, timeout)
        logger.debug("vendor POST %s failed: %s", url, exc.__class__.__name__)
        raise error from exc
    finally:
        _call_deadline.reset(context)
    return HttpAnswer(status=response.status_code, headers=response.headers, body=content)


def _read_body(
    response: requests.Response, *, deadline: float, timeout: float, limit: int
) -> bytes:
    status = response.status_code
    try:
        declared = int(response.headers.get("Content-Length", ""))
    except ValueError:
        declared = None
    if declared is not None and declared > limit:
        raise VendorUnavailable.too_large(limit, status=status)
    body = bytearray()
    for chunk in response.iter_content(CHUNK_BYTES):
        body += chunk
        if len(body) > limit:
            raise VendorUnavailable.too_large(limit, status=status)
        # On sessions from new_session() every read keeps the deadline; on any other session
        # only this check does, between chunks.
        if time.monotonic() > deadline:
            raise VendorUnavailable.timeout(timeout)
    return bytes(body)


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
    if caused_by(requests.exceptions.ContentDecodingError, urllib3.exceptions.DecodeError):
        return VendorUnavailable.not_envelope(UNDECODABLE_BODY)
    return VendorUnavailable.connection("network error")


# Layer 2: which answers count, and the envelope.


def post_envelope(
    session: requests.Session,
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    max_body_bytes: int = MAX_BODY_BYTES,
    secrets: Collection[str] = (),
    clock: Callable[[], float] = time.time,
) -> tuple[dict[str, Any], HttpAnswer]:
    """POST and return the decoded envelope `{"code": int, ...}` with the answer.

    Every `secrets` the vendor echoes back is redacted from the envelope as soon as it is decoded,
    whatever the status. 429 raises VendorRateLimited; any other non-2xx, a body that is not JSON
    or not an envelope raises VendorUnavailable. The envelope's code is not judged here.
    """
    answer = request(
        session, url, body=body, headers=headers, timeout=timeout, max_body_bytes=max_body_bytes
    )
    status = answer.status
    if status == 429:
        envelope = _envelope_or_none(answer, secrets)
        raise VendorRateLimited(
            retry_after=parse_retry_after(answer.headers.get("Retry-After"), clock),
            code=envelope["code"] if envelope else None,
            request_id=request_id_of(envelope) if envelope else None,
        )
    if not 200 <= status < 300:
        envelope = _envelope_or_none(answer, secrets)
        raise VendorUnavailable.http_status(
            status,
            code=envelope["code"] if envelope else None,
            request_id=request_id_of(envelope) if envelope else None,
        )
    return decode_envelope(answer, secrets=secrets), answer


def decode_envelope(answer: HttpAnswer, *, secrets: Collection[str] = ()) -> dict[str, Any]:
    status = answer.status
    try:
        decoded = loads(answer.body)
    except NestedTooDeeply:
        raise VendorUnavailable.not_envelope(NESTED_TOO_DEEPLY, status=status) from None
    except ValueError:
        # Not chained: the decoder's error keeps the whole body, secrets and all.
        raise VendorUnavailable.not_json(status=status) from None
    decoded = without_format_characters(redact(decoded, secrets))
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


def _envelope_or_none(answer: HttpAnswer, secrets: Collection[str]) -> dict[str, Any] | None:
    try:
        return decode_envelope(answer, secrets=secrets)
    except VendorUnavailable:
        return None


def redact(value: Any, secrets: Collection[str]) -> Any:
    """A decoded answer with every secret in it, in keys and values, replaced by REDACTED.

    `value` must come from `loads`, which bounds its depth.
    """
    secrets = [secret for secret in secrets if secret]
    if not secrets:
        return value

    def text(string: str) -> str:
        for secret in secrets:
            string = string.replace(secret, REDACTED)
        # A block sent as a string of JSON can spell a secret with \u escapes.
        if "\\" in string and string.lstrip()[:1] in ("{", "["):
            try:
                inner = loads(string)
            except ValueError:
                return string
            if walk(inner) != inner:
                return REDACTED
        return string

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return text(item)
        if isinstance(item, dict):
            return {text(key): walk(child) for key, child in item.items()}
        if isinstance(item, list):
            return [walk(child) for child in item]
        if isinstance(item, int | Decimal) and not isinstance(item, bool):
            shown = str(item)
            if any(secret in shown for secret in secrets):
                return REDACTED
        return item

    return walk(value)


def without_format_characters(value: Any) -> Any:
    """A decoded answer whose strings carry no format characters (category Cf: bidi overrides
    such as U+202E, zero-width spaces), which could make a vendor string read otherwise on a
    page. `value` must come from `loads`, which bounds its depth."""
    if isinstance(value, str):
        if value.isascii():
            return value
        return "".join(char for char in value if unicodedata.category(char) != "Cf")
    if isinstance(value, dict):
        return {
            without_format_characters(key): without_format_characters(child)
            for key, child in value.items()
        }
    if isinstance(value, list):
        return [without_format_characters(child) for child in value]
    return value


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
        max_body_bytes: int = MAX_BODY_BYTES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not timeout > 0:
            raise ValueError("The timeout must be a positive number of seconds")
        if not max_body_bytes > 0:
            raise ValueError("The body size limit must be a positive number of bytes")
        self.app = app
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes
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
                vendor_message=to_str(envelope.get("msg")),
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
            envelope, answer = post_envelope(
                session,
                url,
                body=body_bytes,
                headers=headers,
                timeout=self.timeout,
                max_body_bytes=self.max_body_bytes,
                secrets=(self.app.app_token, self.app.app_key),
                clock=self.clock,
            )
        except VendorError as exc:
            # repr, here and below: vendor text must not be able to start a log line of its own.
            logger.info(
                "vendor POST %s failed after %.0f ms: %r",
                url,
                (time.monotonic() - started) * 1000,
                exc,
            )
            raise
        code = envelope["code"]
        logger.debug(
            "vendor POST %s: HTTP %s, code %r, requestId %r, %.0f ms",
            url,
            answer.status,
            code,
            request_id_of(envelope),
            (time.monotonic() - started) * 1000,
        )
        if code != 0:
            raise self._error_for(envelope, answer, lookup=lookup)
        return envelope

    def _error_for(
        self, envelope: dict[str, Any], answer: HttpAnswer, *, lookup: str
    ) -> VendorError:
        code = envelope["code"]
        vendor_message = to_str(envelope.get("msg"))
        request_id = request_id_of(envelope)
        if code == SIGNATURE_REJECTED_CODE:
            return SignatureRejected.from_vendor(vendor_message, request_id=request_id)
        if code in self.rate_limit_codes:
            return VendorRateLimited(
                retry_after=parse_retry_after(answer.headers.get("Retry-After"), self.clock),
                code=code,
                vendor_message=vendor_message,
                request_id=request_id,
            )
        if code in self.not_found_codes:
            return DeviceNotFound(
                code=code, lookup=lookup, vendor_message=vendor_message, request_id=request_id
            )
        return VendorRefused(code=code, vendor_message=vendor_message, request_id=request_id)
