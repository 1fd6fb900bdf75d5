"""Identical lookups at the same moment make one vendor call; good answers are kept briefly.

The coalescer's policy, the same for every store: `BaseCoordinator.fetch` (its docstring is the
contract), and `fetch_lookup`, which the lookup service calls through this process's coordinator.
The stores (`sqlite`, `redis`) supply the lock, cache and publications. README (Architecture,
"Coalescing and cache") has the long story.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.utils.translation import gettext_lazy as _

from devices.ratelimit import LimiterUnavailable
from devices.stores import PerProcess

log = logging.getLogger("supportdesk.coalescing")

# The lock outlives the leader's longest legitimate call (`wait`) by this much.
LOCK_MARGIN = 5.0
# How often a waiting process looks for the leader's result (one poller per process and key).
POLL_INTERVAL = 0.025


class Source(models.TextChoices):
    """Where an answer came from; the audit log's `Lookup.source` takes these values."""

    FRESH = "fresh", _("fresh from the vendor")
    CACHED = "cached", _("from cache")
    SHARED = "shared", _("shared with a simultaneous lookup")
    # Never a fetch's: the service shows the last good answer while the vendor fails
    # (devices/last_good.py), and its audit row says so.
    LAST_GOOD = "last_good", _("last good answer, the vendor failing")


# A failure as waiters in other processes may receive it (JSON-serialisable), or None: not shared.
ShareError = Callable[[BaseException], dict[str, Any] | None]
# Rebuilds the exception a waiter raises from that description.
ReviveError = Callable[[dict[str, Any]], BaseException]


@dataclass(frozen=True)
class Entry:
    """A published payload: `seq` orders publications store-wide."""

    seq: int
    stored_at: float
    payload: str


@dataclass(frozen=True)
class Failure:
    """A published failure: `description` is share_error's dict as JSON text."""

    seq: int
    description: str


@dataclass(frozen=True)
class Sharing:
    """How one fetch shares its failures; None when it does not."""

    share_error: ShareError
    revive_error: ReviveError


@dataclass(frozen=True)
class Answer:
    payload: str
    source: Source
    stored_at: float
    # time.monotonic() before which this payload had certainly not been published yet.
    published_after: float


@dataclass(frozen=True)
class _Options:
    """One fetch's settings, as its calls and publications need them."""

    ttl: float
    wait: float
    lock_ttl: float
    sharing: Sharing | None


class _Flight:
    """One thread's fetch of a key, which the process's other threads for that key wait on."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.producing = False
        self.answer: Answer | None = None
        self.error: BaseException | None = None


LEADER = "leader"
WAIT = "wait"


class BaseCoordinator:
    """The protocol; subclasses supply the store operations (`_begin`, `_poll`, ...) and the
    errors their store raises (`store_errors`)."""

    store_errors: tuple[type[Exception], ...] = ()

    def __init__(self, *, lock_margin: float = LOCK_MARGIN, poll_interval: float = POLL_INTERVAL):
        self.lock_margin = lock_margin
        self.poll_interval = poll_interval
        self._flights: dict[str, _Flight] = {}
        self._flights_lock = threading.Lock()

    def fetch(
        self,
        key: str,
        produce: Callable[[], str],
        *,
        ttl: float,
        refresh: bool = False,
        wait: float,
        share_error: ShareError | None = None,
        revive_error: ReviveError | None = None,
        lock_ttl: float | None = None,
    ) -> tuple[str, Source, float]:
        """(payload, source, stored_at epoch seconds) for `key`.

        From the cache when it can (CACHED). Otherwise one caller per key, across every process
        (and host, with Redis), becomes the leader: it takes a lock with a random token, runs
        `produce()` (the vendor call), publishes the payload and releases the lock (FRESH).
        Everyone else waits for that publication (SHARED). Inside a process the threads asking
        for one key first queue behind one of them, so only that one polls the store.

        - A published payload is cached for `ttl` seconds. A failure is never cached. By default
          it is not published either: the leader releases its lock and re-raises, and a waiter in
          another process takes over as leader. The threads of the leader's own process get a
          copy of the error.
        - With `share_error` and `revive_error`, a failure that `share_error` describes (a
          JSON-able dict) is published for the waiters of that call, who raise
          `revive_error(description)` instead of calling the vendor again. It is published only
          if no other caller holds the lock (a leader whose lock was taken over keeps its failure
          to itself), it lingers like a payload for waiters (`wait` + LOCK_MARGIN) and it is
          stored apart from the payloads: a later caller never gets it, and the cached payload
          stays. A waiter that cannot revive it ignores it and carries on as without these
          arguments. JSON only: the store is shared, so nothing read from it may run code.
        - The lock expires `lock_ttl` seconds after it was taken (default `wait` + LOCK_MARGIN),
          so a leader that dies (SIGKILL, OOM) holds the key up no longer than that. Only the
          token's owner deletes it.
        - A waiter gives up after `wait` seconds and produces the payload itself: nobody hangs.
        - `refresh=True` skips the cache read but still joins a call already in flight; it never
          returns a payload (or failure) published before it started (publications are numbered
          from one store-wide counter, and a waiter only takes a number higher than the one it
          read when it started).
        - A store that cannot be used (not opened, not reachable) fails the lookup with
          LimiterUnavailable before any vendor call: lookups never run uncoordinated.
        """
        if (share_error is None) != (revive_error is None):
            raise TypeError("share_error and revive_error go together")
        sharing = None
        if share_error is not None and revive_error is not None:
            sharing = Sharing(share_error, revive_error)
        if lock_ttl is None:
            lock_ttl = wait + self.lock_margin
        elif lock_ttl <= 0:
            raise ValueError(f"lock_ttl must be positive, not {lock_ttl!r}")
        options = _Options(ttl=ttl, wait=wait, lock_ttl=lock_ttl, sharing=sharing)
        started = time.monotonic()
        deadline = started + wait
        while True:
            with self._flights_lock:
                flight = self._flights.get(key)
                leading = flight is None
                if flight is None:
                    flight = self._flights[key] = _Flight()
            if leading:
                answer = self._lead_locally(flight, key, produce, options, refresh, started)
                return answer.payload, answer.source, answer.stored_at
            answer = self._follow_locally(flight, deadline, wait)
            if answer is None:
                # This process's leader is past our wait too: produce, as any waiter would.
                answer = self._produce(key, produce, options, token=None)
                return answer.payload, answer.source, answer.stored_at
            if refresh and answer.published_after < started:
                continue  # older than this refresh: wait for, or lead, the next flight
            source = Source.CACHED if answer.source == Source.CACHED else Source.SHARED
            return answer.payload, source, answer.stored_at

    def cached(self, key: str) -> Entry | None:
        """The cached answer of `key`, if one is younger than its cache time: one read, no lock,
        no wait. A store that cannot be used raises LimiterUnavailable."""
        try:
            return self._begin(key)[0]
        except self.store_errors as error:
            raise LimiterUnavailable.from_error(error, key) from error

    def _lead_locally(
        self,
        flight: _Flight,
        key: str,
        produce: Callable[[], str],
        options: _Options,
        refresh: bool,
        started: float,
    ) -> Answer:
        def produce_in_flight() -> str:
            flight.producing = True
            return produce()

        try:
            flight.answer = self._fetch_across(
                key, produce_in_flight, options, refresh=refresh, started=started
            )
            return flight.answer
        except BaseException as error:
            flight.error = error
            raise
        finally:
            with self._flights_lock:
                if self._flights.get(key) is flight:
                    del self._flights[key]
            flight.done.set()

    @staticmethod
    def _follow_locally(flight: _Flight, deadline: float, wait: float) -> Answer | None:
        if not flight.done.wait(max(deadline - time.monotonic(), 0.0)) and flight.producing:
            # It is making the call right now; the call has its own timeouts.
            flight.done.wait(wait)
        if not flight.done.is_set():
            return None
        if flight.error is not None:
            # The same question at the same moment gets the same failure.
            raise _copy_error(flight.error)
        return flight.answer

    def _fetch_across(
        self,
        key: str,
        produce: Callable[[], str],
        options: _Options,
        *,
        refresh: bool,
        started: float,
    ) -> Answer:
        deadline = started + options.wait
        checked_at = time.monotonic()
        try:
            cached, seen_seq = self._begin(key)
        except self.store_errors as error:
            raise LimiterUnavailable.from_error(error, key) from error
        if cached is not None and not refresh:
            return Answer(cached.payload, Source.CACHED, cached.stored_at, -math.inf)
        token = secrets.token_hex(16)
        sharing = options.sharing
        while True:
            polled_at = time.monotonic()
            try:
                state = self._poll(
                    key,
                    seen_seq=seen_seq,
                    token=token,
                    lock_ttl=options.lock_ttl,
                    failures=sharing is not None,
                )
            except self.store_errors as error:
                raise LimiterUnavailable.from_error(error, key) from error
            if isinstance(state, Entry):
                # Published after the previous look found nothing newer than seen_seq.
                return Answer(state.payload, Source.SHARED, state.stored_at, checked_at)
            if isinstance(state, Failure) and sharing is not None:
                # The call this one waited for failed, and said waiters may have its failure.
                error = _revive(key, state, sharing.revive_error)
                if error is not None:
                    raise error
                sharing = None  # unusable here: carry on as a caller that shares nothing
                continue
            if state == LEADER:
                return self._produce(key, produce, options, token=token)
            checked_at = polled_at
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                log.warning(
                    "lookup %s: leader took longer than %.1f s; fetching here", key, options.wait
                )
                return self._produce(key, produce, options, token=None)
            time.sleep(min(self.poll_interval, remaining))

    def _produce(
        self, key: str, produce: Callable[[], str], options: _Options, *, token: str | None
    ) -> Answer:
        """Run the call; publish its payload (releasing the lock), or on failure share it
        (releasing the lock) or just release the lock."""
        try:
            payload = produce()
        except BaseException as error:
            self._after_failure(key, error, options, token=token)
            raise
        published_after = time.monotonic()
        stored_at = time.time()
        try:
            self._publish(
                key,
                payload,
                stored_at=stored_at,
                ttl=options.ttl,
                linger=options.wait + self.lock_margin,
                token=token,
            )
        except self.store_errors:
            log.warning("could not publish the lookup %s", key, exc_info=True)
        return Answer(payload, Source.FRESH, stored_at, published_after)

    def _after_failure(
        self, key: str, error: BaseException, options: _Options, *, token: str | None
    ) -> None:
        description = None
        if options.sharing is not None and isinstance(error, Exception):
            description = _describe(key, error, options.sharing.share_error)
        try:
            if description is not None:
                published = self._publish_failure(
                    key,
                    description,
                    stored_at=time.time(),
                    linger=options.wait + self.lock_margin,
                    token=token,
                )
                if not published:
                    log.info("lookup %s failed; another call holds the key, not sharing", key)
            elif token is not None:
                self._release(key, token)
        except self.store_errors:
            log.warning("could not share the failure or release the lock of %s", key, exc_info=True)

    # The store's part.

    def _begin(self, key: str) -> tuple[Entry | None, int]:
        """The cached entry (if any) and the current publication number, read together."""
        raise NotImplementedError

    def _poll(
        self, key: str, *, seen_seq: int, token: str, lock_ttl: float, failures: bool
    ) -> Entry | Failure | str:
        """An entry published after `seen_seq`, else (if `failures`) a failure published after
        it, else LEADER if the lock was free (and is now `token`'s), else WAIT."""
        raise NotImplementedError

    def _publish(
        self,
        key: str,
        payload: str,
        *,
        stored_at: float,
        ttl: float,
        linger: float,
        token: str | None,
    ) -> None:
        """Publish for waiters (for `linger` s), cache for `ttl` s (0: drop the cache), unlock."""
        raise NotImplementedError

    def _publish_failure(
        self, key: str, description: str, *, stored_at: float, linger: float, token: str | None
    ) -> bool:
        """Publish a failure for waiters (for `linger` s), unless another token holds the lock;
        then unlock if `token` holds it. Never touches the cache. False: not published."""
        raise NotImplementedError

    def _release(self, key: str, token: str) -> None:
        """Delete the lock if `token` still owns it."""
        raise NotImplementedError


def _describe(key: str, error: Exception, share_error: ShareError) -> str | None:
    """share_error's description of `error` as JSON text, or None: not to be shared."""
    try:
        description = share_error(error)
        if description is None:
            return None
        if not isinstance(description, dict):
            raise TypeError(f"share_error returned {type(description).__name__}, not a dict")
        return json.dumps(description, ensure_ascii=False, allow_nan=False)
    except Exception:
        log.warning("lookup %s: cannot share its failure", key, exc_info=True)
        return None


def _revive(key: str, failure: Failure, revive_error: ReviveError) -> BaseException | None:
    """The exception a waiter raises for a published failure, or None if it cannot be rebuilt."""
    try:
        description = json.loads(failure.description)
        if not isinstance(description, dict):
            raise TypeError(f"a failure description must be an object: {failure.description!r}")
        error = revive_error(description)
        if not isinstance(error, BaseException):
            raise TypeError(f"revive_error returned {type(error).__name__}, not an exception")
    except Exception:
        log.warning("lookup %s: cannot revive a shared failure; going on", key, exc_info=True)
        return None
    return error


def _copy_error(error: BaseException) -> BaseException:
    """A copy for each thread that re-raises it, so their tracebacks do not pile onto one."""
    try:
        clone = copy.copy(error)
    except Exception:
        return error
    return clone if type(clone) is type(error) else error


# One coordinator per process, built from the settings.


def _coordinator_from_settings() -> BaseCoordinator:
    # The stores build on this module, so they are imported when the first coordinator is built.
    from devices.coalescing.redis import RedisCoordinator
    from devices.coalescing.sqlite import SqliteCoordinator
    from devices.stores import redis_client

    if settings.REDIS_URL:
        return RedisCoordinator(redis_client(settings.REDIS_URL))
    return SqliteCoordinator(settings.LIMITER_SQLITE_PATH)


_coordinator = PerProcess(_coordinator_from_settings)


def get_coordinator() -> BaseCoordinator:
    """This process's coordinator: Redis when REDIS_URL is set, else the host's SQLite file."""
    return _coordinator.get()


def reset_coordinator_cache() -> None:
    _coordinator.reset()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"REDIS_URL", "LIMITER_SQLITE_PATH"}:
        reset_coordinator_cache()


setting_changed.connect(_on_setting_changed, dispatch_uid="devices.coalescing.reset")


def lookup_wait() -> float:
    """How long a lookup waits for another's vendor call: its slot wait plus its HTTP timeout."""
    return settings.VENDOR_MAX_WAIT + settings.VENDOR_TIMEOUT


def cached_lookup(key: str) -> Entry | None:
    """`get_coordinator().cached`: the answer `fetch_lookup` would give from the cache, or None."""
    return get_coordinator().cached(key)


def fetch_lookup(
    key: str,
    produce: Callable[[], str],
    *,
    refresh: bool = False,
    share_error: ShareError | None = None,
    revive_error: ReviveError | None = None,
    lock_ttl: float | None = None,
) -> tuple[str, Source, float]:
    """`get_coordinator().fetch` with the settings' cache time and wait."""
    return get_coordinator().fetch(
        key,
        produce,
        ttl=settings.LOOKUP_CACHE_SECONDS,
        refresh=refresh,
        wait=lookup_wait(),
        share_error=share_error,
        revive_error=revive_error,
        lock_ttl=lock_ttl,
    )
