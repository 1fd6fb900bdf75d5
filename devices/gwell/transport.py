"""How a call to the vendor travels: one pooled session, one deadline and one size cap per call,
and which answers count (layers 1 and 2 of the client; see client.py for layer 3).

Nothing is retried: a retry needs a fresh nonce and a fresh rate-limit slot, so it is the
caller's decision.
"""

import email.utils
import http.client
import io
import logging
import math
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
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
    TLS_FAILED,
    UNDECODABLE_BODY,
    VendorRateLimited,
    VendorUnavailable,
)
from .results import (
    NestedTooDeeply,
    loads,
    request_id_of,
)
from .untrusted import redact, without_format_characters

logger = logging.getLogger("devices.gwell")


POOL_MAXSIZE = 32
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
