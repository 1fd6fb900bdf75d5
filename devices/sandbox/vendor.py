"""The fake vendor: every piece of sandbox state, and the answer to each request. No HTTP here.

The HTTP layer (server.py) hands over what arrived (endpoint, headers, raw body) and writes back
the `Reply`. Everything that decides an answer, and everything counted, lives in SandboxVendor
behind one lock, so the server can run a thread per connection.

devInfo honours `accessId` (the vendor's table marks it required): `-1`, the unknown owner that
support staff usually send, gets the full answer; so do the device's owner and its guests (the
users whose devList shows it), and anyone asking about an unbound device. Any other user id
asking about a bound device gets code 10010 "no record found", the "no record" code of the
vendor's app string tables: a real vendor scopes the answer to a user, and a user with no
relation to the device has no record of it. So one owner's answer is never another's
(docs/vendor-api.md#sandbox).
"""

import hmac
import json
import random
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from . import data
from .faults import FaultPlan
from .signature import HEADER_NONCE, SignatureFault, check_signature
from .timeline import Timeline
from .traffic import TrafficCounters

DEV_INFO_PATH = "/openapi/custCloud/oss/devInfo"
DEV_LIST_PATH = "/openapi/custCloud/oss/devList"
ENDPOINTS = {DEV_INFO_PATH: "devInfo", DEV_LIST_PATH: "devList"}

CODE_OK = 0
CODE_APP_NOT_EXIST = 10001
CODE_PARAM_ERROR = 10002
CODE_TOKEN_INVALID = 10003
CODE_SIGNATURE_FAIL = 10007
# The codes of the vendor's apps, as SupportDesk's defaults read them (docs/vendor-api.md#sandbox).
CODE_NO_RECORD = 10010
CODE_TOO_FREQUENT = 10015
CODE_DEVICE_NOT_EXIST = 10012

MSG_OK = "ok"
MSG_APP_NOT_EXIST = "appId not exist"
MSG_PARAM_ERROR = "param error"
MSG_TOKEN_INVALID = "appToken invalid"  # noqa: S105 (a message, not a token)
MSG_SIGNATURE_FAIL = "signature validate fail:{}"  # -1, -2 or -3
MSG_NO_RECORD = "no record found"
MSG_TOO_FREQUENT = "frequent access denied"
MSG_DEVICE_NOT_EXIST = "no relevant results"

# devInfo's accessId for "owner not known"; the vendor's signing example sends it.
UNKNOWN_USER = "-1"

NONCE_MEMORY_SECONDS = 15 * 60
RATE_WINDOW_SECONDS = 1.0

JSON_TYPE = "application/json;charset=UTF-8"
HTML_TYPE = "text/html"
TEXT_TYPE = "text/plain; charset=utf-8"

_HTML_ERROR = (
    "<html>\r\n<head><title>{status}</title></head>\r\n<body>\r\n"
    "<center><h1>{status}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
# Cut off mid-string: what a half-written answer looks like.
_MALFORMED_BODY = b'{"code":0,"data":{"deviceInfo":{"deviceId":"34351782'
_NOT_ENVELOPE_BODY = b'["not", "an", "envelope"]'


@dataclass(frozen=True)
class SandboxApp:
    """One app the sandbox knows: what the vendor issues to a customer. Secrets stay out of repr."""

    app_id: str
    app_token: str = field(repr=False)
    app_key: str = field(repr=False)


@dataclass(frozen=True)
class Reply:
    """What to send back, and how: after `delay` seconds, or not at all (`drop`)."""

    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    drop: bool = False
    code: int | None = None  # the envelope's code, for the access log
    app_id: str | None = None


def json_bytes(value: Any) -> bytes:
    # ints are written exactly by json, whatever their size: 64-bit ids stay whole.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def envelope(code: int, msg: str, payload: Any = None) -> bytes:
    return json_bytes({"code": code, "data": payload, "msg": msg, "requestId": str(uuid.uuid4())})


class SandboxVendor:
    """The vendor's behaviour and all its state (apps, seen nonces, arrivals, stats, faults).

    `clock` is the vendor's wall clock (Unix seconds): it judges X-IotVideo-Timestamp, ages
    nonces and dates the data. `monotonic` times arrivals for the rate limit and the stats; both
    are injectable so tests can pin them. `rate_limit` is admitted requests per app in any
    1-second window, shared by both endpoints. Thread-safe.
    """

    def __init__(
        self,
        apps: Iterable[SandboxApp],
        *,
        latency_ms: float = 0,
        rate_limit: int = 10,
        clock: Callable[[], float] = time.time,
        faults: FaultPlan | None = None,
        jitter_ms: float = 0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._apps = {app.app_id: app for app in apps}
        if not self._apps:
            raise ValueError("the sandbox needs at least one app")
        if rate_limit < 1:
            raise ValueError(f"rate_limit must be at least 1, got {rate_limit}")
        if latency_ms < 0 or jitter_ms < 0:
            raise ValueError("latency_ms and jitter_ms must not be negative")
        self.rate_limit = rate_limit
        self.latency_ms = latency_ms
        self.jitter_ms = jitter_ms
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._jitter_random = random.Random(0)
        self.timeline = Timeline()
        self.set_faults(faults)
        self.reset()

    @property
    def apps(self) -> tuple[SandboxApp, ...]:
        return tuple(self._apps.values())

    # --- control ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget stats, arrival logs, rate-limit windows and seen nonces (not the fault plan)."""
        with self._lock:
            self._total = TrafficCounters()
            self._per_app = {app_id: TrafficCounters() for app_id in self._apps}
            self._windows: dict[str, deque[float]] = {app_id: deque() for app_id in self._apps}
            self._nonces: dict[str, OrderedDict[str, float]] = {
                app_id: OrderedDict() for app_id in self._apps
            }
            self._first_at: float | None = None
            self._last_at: float | None = None
        self.timeline.reset()

    def set_faults(self, plan: FaultPlan | None) -> None:
        with self._lock:
            self._faults = plan
            self._fault_remaining = None if plan is None else plan.count
            self._fault_turn = 0
            self._fault_random = random.Random(0 if plan is None else plan.seed)

    @property
    def faults(self) -> FaultPlan | None:
        with self._lock:
            return self._faults

    def fault_status(self) -> dict[str, Any]:
        """The plan in force and how many faulted requests it has left (None: no end)."""
        with self._lock:
            if self._faults is None:
                return {"mode": None}
            return {**self._faults.as_dict(), "remaining": self._fault_remaining}

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                **self._total.as_dict(),
                "first_at": self._first_at,
                "last_at": self._last_at,
                "rate_limit": self.rate_limit,
                "per_app": {app_id: c.as_dict() for app_id, c in self._per_app.items()},
            }

    # --- requests -----------------------------------------------------------------------------

    def handle(self, action: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """The answer to a POST to one of the two endpoints (`action` "devInfo" or "devList").

        An injected fault replaces the answer before any check, as a proxy in front of the
        vendor would (nothing admitted, no nonce remembered), except "stall": that request is
        checked, counted and answered as usual, only late, as a slow vendor would.
        """
        payload = _json_object(body)
        app_id = payload.get("appId") if payload is not None else None
        app = self._apps.get(app_id) if isinstance(app_id, str) else None
        with self._lock:
            self._record_arrival(app)
            fault = self._draw_fault(app)
            delay = self._draw_latency()
        logged_app = app.app_id if app else None
        if fault is not None and fault.mode != "stall":
            return replace(_fault_reply(fault), delay=delay, app_id=logged_app)
        if fault is not None:
            delay += fault.plan.seconds
        code, msg, answer = self._answer(action, app, payload, headers, body)
        with self._lock:
            self._record_outcome(app, code)
        return Reply(
            status=200,
            body=envelope(code, msg, answer),
            delay=delay,
            code=code,
            app_id=logged_app,
        )

    def _answer(
        self,
        action: str,
        app: SandboxApp | None,
        payload: dict[str, Any] | None,
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[int, str, Any]:
        if payload is None or not isinstance(payload.get("appId"), str):
            return _signature_failure(SignatureFault.UNREADABLE)
        if app is None:
            return CODE_APP_NOT_EXIST, MSG_APP_NOT_EXIST, None
        token = payload.get("appToken")
        if not isinstance(token, str) or not hmac.compare_digest(
            token.encode("utf-8"), app.app_token.encode("utf-8")
        ):
            return CODE_TOKEN_INVALID, MSG_TOKEN_INVALID, None
        received = {name.lower(): value for name, value in headers.items()}
        fault = check_signature(headers=received, body=body, secret=app.app_key, now=self._clock())
        if fault is not None:
            return _signature_failure(fault)
        with self._lock:
            if not self._remember_nonce(app.app_id, received[HEADER_NONCE.lower()]):
                return _signature_failure(SignatureFault.MISMATCH)
            if not self._admit(app.app_id):
                return CODE_TOO_FREQUENT, MSG_TOO_FREQUENT, None
        return self._query(action, payload)

    def _query(self, action: str, payload: dict[str, Any]) -> tuple[int, str, Any]:
        access_id = payload.get("accessId")
        if payload.get("action") != action or not _is_id(access_id):
            return CODE_PARAM_ERROR, MSG_PARAM_ERROR, None
        now = self._clock()
        if action == "devList":
            members = data.devices_of_user(access_id)
            entries = [m.device.dev_list_entry(now, m.relation) for m in members]
            return CODE_OK, MSG_OK, {"deviceList": entries}
        sn = payload.get("sn") or ""
        dev_id = payload.get("devId")
        dev_id = "" if dev_id is None else dev_id
        if not isinstance(sn, str) or not (dev_id == "" or _is_id(dev_id)) or not (sn or dev_id):
            return CODE_PARAM_ERROR, MSG_PARAM_ERROR, None
        device = data.device_by_sn(sn) if sn else data.device_by_id(dev_id)
        if device is None:
            return CODE_DEVICE_NOT_EXIST, MSG_DEVICE_NOT_EXIST, None
        device = self.timeline.current(device, now)
        if not _answers_to(device, access_id):
            return CODE_NO_RECORD, MSG_NO_RECORD, None
        return CODE_OK, MSG_OK, device.dev_info_data(now)

    # --- state, always under self._lock -------------------------------------------------------

    def _counters(self, app: SandboxApp | None) -> list[TrafficCounters]:
        return [self._total] if app is None else [self._total, self._per_app[app.app_id]]

    def _record_arrival(self, app: SandboxApp | None) -> None:
        arrived = self._monotonic()
        for counters in self._counters(app):
            counters.arrivals.append(arrived)
        self._last_at = self._clock()
        if self._first_at is None:
            self._first_at = self._last_at

    def _draw_fault(self, app: SandboxApp | None) -> "_Fault | None":
        plan = self._faults
        if plan is None or self._fault_random.random() >= plan.rate:
            return None
        mode = plan.modes[self._fault_turn % len(plan.modes)]
        self._fault_turn += 1
        if self._fault_remaining is not None:
            self._fault_remaining -= 1
            if self._fault_remaining <= 0:
                self._faults = None
        for counters in self._counters(app):
            counters.faults_injected[mode] += 1
            if mode == "code":
                counters.errors_by_code[plan.code] += 1
        return _Fault(mode, plan)

    def _draw_latency(self) -> float:
        jitter = self.jitter_ms * self._jitter_random.random() if self.jitter_ms else 0.0
        return (self.latency_ms + jitter) / 1000.0

    def _remember_nonce(self, app_id: str, nonce: str) -> bool:
        """False when the app used this nonce within the last 15 minutes (a replay)."""
        now = self._clock()
        seen = self._nonces[app_id]
        while seen:
            oldest, at = next(iter(seen.items()))
            if now - at < NONCE_MEMORY_SECONDS:
                break
            del seen[oldest]
        if nonce in seen:
            return False
        seen[nonce] = now
        return True

    def _admit(self, app_id: str) -> bool:
        """Admit unless `rate_limit` requests were admitted in the last second (t - 1.0, t]."""
        now = self._monotonic()
        window = self._windows[app_id]
        while window and now - window[0] >= RATE_WINDOW_SECONDS:
            window.popleft()
        if len(window) >= self.rate_limit:
            return False
        window.append(now)
        self._total.admitted.append(now)
        self._per_app[app_id].admitted.append(now)
        return True

    def _record_outcome(self, app: SandboxApp | None, code: int) -> None:
        for counters in self._counters(app):
            if code == CODE_OK:
                counters.served += 1
                continue
            counters.errors_by_code[code] += 1
            if code == CODE_SIGNATURE_FAIL:
                counters.refused_signature += 1
            elif code == CODE_TOO_FREQUENT:
                counters.refused_rate_limit += 1


@dataclass(frozen=True)
class _Fault:
    mode: str
    plan: FaultPlan


def _fault_reply(fault: _Fault) -> Reply:
    match fault.mode:
        case "drop":
            return Reply(status=0, body=b"", drop=True)
        case "http500":
            page = _HTML_ERROR.format(status="500 Internal Server Error")
            return Reply(status=500, body=page.encode(), content_type=HTML_TYPE)
        case "http502":
            page = _HTML_ERROR.format(status="502 Bad Gateway")
            return Reply(status=502, body=page.encode(), content_type=HTML_TYPE)
        case "malformed":
            return Reply(status=200, body=_MALFORMED_BODY)
        case "not_envelope":
            return Reply(status=200, body=_NOT_ENVELOPE_BODY)
        case "code":
            plan = fault.plan
            return Reply(status=200, body=envelope(plan.code, plan.msg), code=plan.code)
        case "http429":
            return Reply(
                status=429,
                body=b"Too Many Requests",
                content_type=TEXT_TYPE,
                headers=(("Retry-After", "1"),),
            )
    raise ValueError(f"no reply for fault mode {fault.mode!r}")


def _signature_failure(fault: SignatureFault) -> tuple[int, str, None]:
    return CODE_SIGNATURE_FAIL, MSG_SIGNATURE_FAIL.format(int(fault)), None


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(body)
    except ValueError:  # also UnicodeDecodeError
        return None
    return value if isinstance(value, dict) else None


def _answers_to(device: data.SandboxDevice, access_id: int | str) -> bool:
    """Whether devInfo about `device` answers the user `access_id` (see the module docstring)."""
    if device.owner_id == 0 or str(access_id) == UNKNOWN_USER:
        return True
    return data.relation_of(device, access_id) is not None


def _is_id(value: Any) -> bool:
    """An identifier as the vendor takes it: a string, or a JSON integer (never a float)."""
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
