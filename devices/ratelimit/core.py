"""The outbound limiter's policy: a sliding-window log per key, the same for every store.

`acquire_vendor_slot(app_id)` runs right before each vendor call and returns the function to
call when it is over; a call holds its slot from admission until one window after it ends. The
stores (`sqlite`, `redis`) supply the atomic check-and-admit; `metering` keeps the readings of
the admin budget meter. README (Architecture, "The outbound limiter") has the design and why.
"""

from __future__ import annotations

import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.signals import setting_changed

from devices import metrics
from devices.stores import PerProcess

if TYPE_CHECKING:
    from devices.ratelimit.metering import Meter, Reading

# Retry-After given to a caller when the limiter's own store cannot be reached.
STORE_RETRY_AFTER = 5.0
# How often a caller looks again when its slot is held by a call still under way.
IN_FLIGHT_POLL = 0.02
# The same for a bulk caller, and while others come first: gentler, since every look takes
# the store's write lock that people's lookups need (SQLite's busy handler backs off up to
# 100 ms when it is contended).
BULK_POLL = 0.1

BUSY_MESSAGE = "The vendor's request budget is in use; try again in {seconds:.1f} s."
STORE_MESSAGE = "The rate limiter's store is unreachable ({error}); try again in {seconds:.0f} s."


class VendorBusy(Exception):
    """No vendor slot within the caller's maximum wait: the page answers 503 with Retry-After."""

    def __init__(self, retry_after: float, key: str = "", message: str = "") -> None:
        self.retry_after = max(float(retry_after), 0.001)
        self.key = key
        self.message = message or BUSY_MESSAGE.format(seconds=self.retry_after)
        super().__init__(self.message)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle and copy rebuild it from these, not from Exception.args.
        return (type(self), (self.retry_after, self.key, self.message))


class LimiterUnavailable(VendorBusy):
    """The limiter's store (SQLite file or Redis) failed. Nothing is sent without a slot, and no
    lookup runs uncoordinated: the coalescer, which shares the store, raises it too.

    A kind of VendorBusy, so that callers answer it the same way: 503 with Retry-After.
    """

    @classmethod
    def from_error(cls, error: BaseException, key: str = "") -> LimiterUnavailable:
        message = STORE_MESSAGE.format(error=type(error).__name__, seconds=STORE_RETRY_AFTER)
        return cls(STORE_RETRY_AFTER, key, message)


_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*\.?\d*)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_rate(rate: str) -> tuple[int, float]:
    """Read a rate: "10/s" -> (10, 1.0); also "100/m", "5/h", and "10/2s" -> (10, 2.0)."""
    match = _RATE.match(rate)
    if not match:
        raise ValueError(f"Not a rate: {rate!r} (expected a form like 10/s, 100/m or 10/2s)")
    count, multiple, unit = match.groups()
    period = (float(multiple) if multiple else 1.0) * _UNIT_SECONDS[unit]
    if int(count) < 1 or period <= 0:
        raise ValueError(f"Not a rate: {rate!r} (the count and the period must be positive)")
    return int(count), period


@dataclass(frozen=True)
class Slot:
    """An admitted call. `finish()` when it is over: the slot frees one window later."""

    waited: float
    finish: Callable[[], None]


@dataclass(frozen=True)
class Attempt:
    """One check-and-admit in the store. `wait`: 0 = admitted, > 0 = sleep that long and try
    again, < 0 = refused (minus the wait, which exceeds the caller's budget). `at`: the store's
    clock at the check, epoch seconds (what the meter records). `metered`: the store recorded
    the admission for the meter in the same transaction (one write lock fewer)."""

    wait: float
    at: float
    metered: bool = False


class Lane:
    """Who is asking: a person waiting on a page (the API, the sidebar), or a bulk job."""

    INTERACTIVE = "interactive"
    BULK = "bulk"


@dataclass(frozen=True)
class Ask:
    """What a caller brings to the store besides its wait budget.

    Interactive callers are served fairly by `person`: each gets a tag one slot later than that
    person's previous one, and a waiting caller is admitted only while fewer callers with
    earlier tags wait than slots are free. Bulk callers (`lane` BULK) take a slot only while
    `keep_free` slots stay free after it and no interactive caller waits; while one waits, bulk
    may still hold up to `share` slots of the window. The `keep_free` slots are kept only while
    an interactive caller came to the store in the last `reserve_for` seconds (always, when it
    is infinite): with nobody about, bulk may fill the window.
    """

    lane: str = Lane.INTERACTIVE
    person: str = ""
    keep_free: int = 0
    share: int = 0
    reserve_for: float = math.inf

    @property
    def bulk(self) -> bool:
        return self.lane == Lane.BULK

    @property
    def poll(self) -> float:
        return BULK_POLL if self.bulk else IN_FLIGHT_POLL


INTERACTIVE = Ask()
# Slot tokens of bulk calls start with this, so the store can count them in a window.
BULK_SLOT_MARK = "b:"


class WaitingLine:
    """One waiting caller per key and process goes to the store; the others queue here.

    When a slot frees, every waiting thread would otherwise wake at once and take its turn at
    the store, and a finishing call's `finish()` would queue behind all of them: its slot would
    stay taken longer and the budget would go unused. Measured: 8.7/s with the crowd, 9.3/s
    without, for calls of 60 ms against 10/s.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    @contextmanager
    def turn(self, key: str, *, timeout: float, retry_after: float) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        if not lock.acquire(timeout=max(timeout, 0.0)):
            raise VendorBusy(retry_after, key)
        try:
            yield
        finally:
            lock.release()


class SlidingLogLimiter:
    """The caller's side, the same for every store: queue, try, sleep the wait the store names,
    give up when it is longer than the time left; then tell the meter.

    A store supplies `_attempt` (one atomic check-and-admit), `_finish` (a call is over),
    `pause`, `ping`, and a `meter`.
    """

    rate: int
    window: float
    line: WaitingLine
    meter: Meter

    def __init__(self, *, rate: int, window: float, meter: Meter) -> None:
        if rate < 1 or window <= 0:
            raise ValueError("rate and window must be positive")
        self.rate = rate
        self.window = window
        self.meter = meter
        self.line = WaitingLine()

    def reserve(self, key: str, *, timeout: float, hold: float, ask: Ask = INTERACTIVE) -> Slot:
        """Take a slot for a call that may last up to `hold` seconds, waiting up to `timeout`.

        `ask`: the caller's lane and person (see Ask).

        Raises VendorBusy at once when the wait is known to exceed what is left of the timeout,
        and LimiterUnavailable when the store fails. A call that never calls `finish()` (its
        process was killed) keeps its slot `hold` seconds, plus a window.
        """
        started = time.monotonic()
        token = (BULK_SLOT_MARK if ask.bulk else "") + secrets.token_hex(8)
        # One caller per lane and person of this process goes to the store: a bulk caller
        # waiting for a spare slot, or one person's burst, holds up nobody else's turn there.
        line = f"{key}|{ask.lane}|{ask.person}"
        with self.line.turn(line, timeout=timeout, retry_after=self.window):
            while True:
                waited = time.monotonic() - started
                attempt = self._attempt(
                    key, budget=timeout - waited, hold=hold, token=token, ask=ask, waited=waited
                )
                if attempt.wait <= 0:
                    break
                time.sleep(attempt.wait)
        if attempt.wait < 0:
            self.meter.refused(key, at=attempt.at)
            raise VendorBusy(-attempt.wait, key)
        if not attempt.metered:
            self.meter.admitted(key, at=attempt.at, waited=waited)
        return Slot(time.monotonic() - started, partial(self._finish, key, token))

    def _attempt(
        self,
        key: str,
        *,
        budget: float,
        hold: float,
        token: str,
        ask: Ask = INTERACTIVE,
        waited: float = 0.0,
    ) -> Attempt:
        """An interactive caller that has to wait is listed as waiting (with its fair tag)
        until it is admitted, refused, or its budget ends. `waited`: how long the caller has
        waited so far (for the meter)."""
        raise NotImplementedError

    def _finish(self, key: str, token: str) -> None:
        """The call is over: its slot frees one window from now. Never raises (a slot that is
        not marked finished frees when its hold runs out: slower, never over the limit)."""
        raise NotImplementedError

    def pause(self, key: str, seconds: float) -> None:
        """No process admits a call for `key` for the next `seconds` (the vendor said 429).
        A pause only ever gets longer."""
        raise NotImplementedError

    def ping(self) -> None:
        """Raise LimiterUnavailable when the store cannot be used."""
        raise NotImplementedError


# One limiter per process, built from the settings.


def _limiter_from_settings() -> SlidingLogLimiter:
    # The stores build on this module, so they are imported when the first limiter is built.
    from devices.ratelimit.redis import RedisLimiter
    from devices.ratelimit.sqlite import SqliteLimiter
    from devices.stores import redis_client

    count, period = parse_rate(settings.VENDOR_RATE)
    window = period + settings.VENDOR_WINDOW_MARGIN
    if settings.REDIS_URL:
        return RedisLimiter(redis_client(settings.REDIS_URL), rate=count, window=window)
    return SqliteLimiter(settings.LIMITER_SQLITE_PATH, rate=count, window=window)


_limiter = PerProcess(_limiter_from_settings)


def get_limiter() -> SlidingLogLimiter:
    """This process's limiter: Redis when REDIS_URL is set, else the host's SQLite file."""
    return _limiter.get()


def reset_limiter_cache() -> None:
    _limiter.reset()


LIMITER_SETTINGS = {"VENDOR_RATE", "VENDOR_WINDOW_MARGIN", "REDIS_URL", "LIMITER_SQLITE_PATH"}


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in LIMITER_SETTINGS:
        reset_limiter_cache()


setting_changed.connect(_on_setting_changed, dispatch_uid="devices.ratelimit.reset")


@dataclass(frozen=True)
class Caller:
    """On whose behalf this thread calls the vendor: set by the lookup service."""

    lane: str = Lane.INTERACTIVE
    person: str = ""


PAGE_CALLER = Caller()
_caller: ContextVar[Caller] = ContextVar("vendor_caller", default=PAGE_CALLER)


@contextmanager
def calling_as(*, lane: str, person: str) -> Iterator[None]:
    """Vendor calls made inside take their slots in `lane`, for `person`."""
    token = _caller.set(Caller(lane, person))
    try:
        yield
    finally:
        _caller.reset(token)


def acquire_vendor_slot(key: str) -> Callable[[], None]:
    """Right before every HTTP send to the vendor, with the credential's appId as `key`.

    Budget: VENDOR_RATE (10/s) per appId, shared by every process and host; a call counts from
    its admission until period + VENDOR_WINDOW_MARGIN after it is over. A caller queues at most
    VENDOR_MAX_WAIT (2 s) for a slot; past that it gets VendorBusy at once, and the page answers
    503 with Retry-After. Returns the function to call when the vendor call is over.

    Interactive callers waiting for a slot are served fairly by `person`. The bulk lane takes a
    slot only while BULK_RESERVE slots of the window stay free, so a page arriving meanwhile
    finds one at once (kept while someone looked up in the last BULK_RESERVE_FOR seconds;
    with nobody about, bulk may use the whole budget); while interactive callers wait it holds
    at most BULK_SHARE of the window's slots. It may queue BULK_MAX_WAIT. The lane and person
    are the thread's (`calling_as`); interactive and nobody's by default.
    """
    lane, person = _caller.get().lane, _caller.get().person
    if lane == Lane.BULK:
        slot = get_limiter().reserve(
            key, timeout=settings.BULK_MAX_WAIT, hold=vendor_call_limit(), ask=bulk_ask()
        )
    else:
        slot = get_limiter().reserve(
            key,
            timeout=settings.VENDOR_MAX_WAIT,
            hold=vendor_call_limit(),
            ask=Ask(person=person),
        )
    return metrics.slot_taken(lane, slot.waited, slot.finish)


def bulk_ask() -> Ask:
    """The bulk lane's terms from the settings: BULK_RESERVE slots left free (at most
    rate - 1) while someone looked up in the last BULK_RESERVE_FOR seconds, and
    floor(rate * BULK_SHARE) slots while interactive callers wait."""
    count, _period = parse_rate(settings.VENDOR_RATE)
    keep_free = max(0, min(settings.BULK_RESERVE, count - 1))
    share = max(0, min(math.floor(count * settings.BULK_SHARE), count))
    reserve_for = max(0.0, float(settings.BULK_RESERVE_FOR))
    return Ask(lane=Lane.BULK, keep_free=keep_free, share=share, reserve_for=reserve_for)


def vendor_call_limit() -> float:
    """The longest a vendor call can take: requests' timeout bounds the connect and each read,
    so allow two timeouts and a second. A call that never reports its end (its process was
    killed) keeps its slot this long, plus a window."""
    return 2 * settings.VENDOR_TIMEOUT + 1


def meter(key: str, *, minutes: int = 5) -> Reading:
    """For the admin budget meter: {"calls_per_second": [(epoch_second, n), ...] (seconds with
    no admitted call are left out), "wait_p50": s, "wait_p95": s, "refusals": n}."""
    return get_limiter().meter.reading(key, minutes=minutes)
