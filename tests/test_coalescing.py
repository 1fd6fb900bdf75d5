"""Lookup coalescing and the short cache, on SQLite and on Redis.

Separate coordinator instances stand for separate processes (each has its own map of calls in
flight); the tests that need real processes (20 callers in 4 processes, a leader killed with
SIGKILL) start them with tests.limiter_worker.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from devices import coalescing
from devices.coalescing import (
    BaseCoordinator,
    RedisCoordinator,
    Source,
    SqliteCoordinator,
    fetch_lookup,
    get_coordinator,
)
from devices.ratelimit import redis_client
from tests.limiter_worker import go, run_in_processes, start_processes

REDIS_URL = "redis://127.0.0.1:6379/15"
TTL = 30.0
WAIT = 5.0


class Store:
    """Makes coordinators on one fresh store, and worker specs for the same store."""

    def __init__(self, backend: str, tmp_path: Path) -> None:
        self.backend = backend
        self.path = str(tmp_path / "limiter.sqlite3")
        self.counter = tmp_path / "vendor-calls.txt"
        self.prefix = f"test:lookup:{uuid.uuid4().hex}:"
        self.client = redis.Redis.from_url(REDIS_URL) if backend == "redis" else None

    def coordinator(self, **options: Any) -> BaseCoordinator:
        if self.client is not None:
            return RedisCoordinator(self.client, prefix=self.prefix, **options)
        return SqliteCoordinator(self.path, **options)

    def spec(self, **options: Any) -> dict[str, Any]:
        return {
            "kind": "coordinator",
            "backend": self.backend,
            "path": self.path,
            "url": REDIS_URL,
            "prefix": self.prefix,
            "options": options,
        }

    def vendor_calls(self) -> int:
        return len(self.counter.read_text().splitlines()) if self.counter.exists() else 0

    def clean(self) -> None:
        if self.client is not None:
            keys = list(self.client.scan_iter(f"{self.prefix}*"))
            if keys:
                self.client.delete(*keys)


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def store(request, tmp_path) -> Iterator[Store]:
    store = Store(request.param, tmp_path)
    yield store
    store.clean()


class Vendor:
    """A produce() that counts its calls and, when told to, holds until released (or for
    `seconds`), then answers, or raises `error` (or a RuntimeError with `fail`)."""

    def __init__(
        self,
        payload: str = "answer",
        *,
        hold: bool = False,
        fail: bool = False,
        error: Exception | None = None,
        seconds: float = 0.0,
    ):
        self.payload = payload
        self.fail = fail
        self.error = error
        self.seconds = seconds
        self.calls = 0
        self.started = threading.Event()
        self.released = threading.Event()
        if not hold:
            self.released.set()
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            self.calls += 1
        self.started.set()
        assert self.released.wait(10), "the test never released the vendor call"
        time.sleep(self.seconds)
        if self.error is not None:
            raise self.error
        if self.fail:
            raise RuntimeError(f"vendor failed: {self.payload}")
        return self.payload


class Call(threading.Thread):
    """One fetch in a thread of its own; `outcome` is its answer or its exception."""

    def __init__(self, coordinator: Any, key: str, produce: Callable[[], str], **kwargs: Any):
        super().__init__()
        self.args_ = (coordinator, key, produce)
        self.kwargs = {"ttl": TTL, "wait": WAIT} | kwargs
        self.outcome: Any = None
        self.elapsed = 0.0
        self.start()

    def run(self) -> None:
        coordinator, key, produce = self.args_
        started = time.monotonic()
        try:
            self.outcome = coordinator.fetch(key, produce, **self.kwargs)
        except Exception as error:
            self.outcome = error
        self.elapsed = time.monotonic() - started

    def result(self) -> Any:
        self.join(15)
        assert not self.is_alive(), "fetch did not return"
        return self.outcome


# Coalescing


def test_twenty_identical_lookups_across_processes_make_one_vendor_call(store):
    job = {"action": "fetch", "spec": store.spec(), "key": "devInfo:sn:A1", "threads": 5}
    job.update(counter=str(store.counter), payload='{"code": 0}', produce_seconds=0.5)
    answers = run_in_processes([{**job, "ttl": TTL, "wait": WAIT}] * 4)

    fetched = [answer for process in answers for answer in process]
    assert store.vendor_calls() == 1
    assert {payload for payload, _, _ in fetched} == {'{"code": 0}'}
    assert Counter(source for _, source, _ in fetched) == {"fresh": 1, "shared": 19}
    assert len({stored_at for _, _, stored_at in fetched}) == 1


def test_threads_of_one_process_leave_the_polling_to_one_of_them(store):
    leader = Vendor("a", hold=True)
    first = Call(store.coordinator(), "k", leader)
    assert leader.started.wait(5)
    waiting = store.coordinator()
    polls = Counter()
    poll = waiting._poll

    def counting_poll(*args: Any, **kwargs: Any) -> Any:
        polls[threading.get_ident()] += 1
        return poll(*args, **kwargs)

    waiting._poll = counting_poll  # type: ignore[method-assign]
    others = [Call(waiting, "k", Vendor("never")) for _ in range(10)]
    time.sleep(0.5)
    leader.released.set()

    assert first.result()[:2] == ("a", Source.FRESH)
    assert [call.result()[:2] for call in others] == [("a", Source.SHARED)] * 10
    assert len(polls) == 1  # one thread polled; ten would be ten times the traffic


# The cache


def test_a_cached_answer_is_reused_within_its_ttl(store):
    vendor = Vendor('{"v": 1}')
    payload, source, stored_at = store.coordinator().fetch("k", vendor, ttl=TTL, wait=WAIT)
    assert (payload, source) == ('{"v": 1}', Source.FRESH)
    assert abs(stored_at - time.time()) < 1

    again = store.coordinator().fetch("k", Vendor("not called"), ttl=TTL, wait=WAIT)

    assert again == ('{"v": 1}', Source.CACHED, stored_at)
    assert vendor.calls == 1


def test_an_answer_older_than_its_ttl_is_fetched_again(store):
    coordinator = store.coordinator()
    coordinator.fetch("k", Vendor("old"), ttl=0.2, wait=WAIT)
    time.sleep(0.3)

    payload, source, _ = coordinator.fetch("k", Vendor("new"), ttl=0.2, wait=WAIT)

    assert (payload, source) == ("new", Source.FRESH)


def test_each_key_has_its_own_answer(store):
    coordinator = store.coordinator()
    coordinator.fetch("k1", Vendor("one"), ttl=TTL, wait=WAIT)

    assert coordinator.fetch("k2", Vendor("two"), ttl=TTL, wait=WAIT)[:2] == ("two", Source.FRESH)


def test_a_failure_is_not_cached(store):
    coordinator = store.coordinator()
    with pytest.raises(RuntimeError, match="vendor failed"):
        coordinator.fetch("k", Vendor("bad", fail=True), ttl=TTL, wait=WAIT)

    vendor = Vendor("good")
    assert coordinator.fetch("k", vendor, ttl=TTL, wait=WAIT)[:2] == ("good", Source.FRESH)
    assert vendor.calls == 1


def test_ttl_zero_shares_with_waiters_but_caches_nothing(store):
    leader = Vendor("a", hold=True)
    first = Call(store.coordinator(), "k", leader, ttl=0)
    assert leader.started.wait(5)
    waiter = Call(store.coordinator(), "k", Vendor("never"), ttl=0)
    time.sleep(0.1)
    leader.released.set()

    assert first.result()[:2] == ("a", Source.FRESH)
    assert waiter.result()[:2] == ("a", Source.SHARED)
    later = store.coordinator().fetch("k", Vendor("b"), ttl=0, wait=WAIT)
    assert later[:2] == ("b", Source.FRESH)


# Refresh


def test_refresh_skips_the_cache_and_any_answer_published_before_it(store):
    store.coordinator().fetch("k", Vendor("old"), ttl=TTL, wait=WAIT)

    # "old" is still cached, and still published for waiters: a refresh takes neither.
    refreshed = store.coordinator().fetch("k", Vendor("new"), ttl=TTL, wait=WAIT, refresh=True)
    assert refreshed[:2] == ("new", Source.FRESH)

    cached = store.coordinator().fetch("k", Vendor("not called"), ttl=TTL, wait=WAIT)
    assert cached[:2] == ("new", Source.CACHED)


@pytest.mark.parametrize("where", ["another process", "the same process"])
def test_refresh_joins_a_call_already_in_flight(store, where):
    store.coordinator().fetch("k", Vendor("cached"), ttl=TTL, wait=WAIT)
    coordinator = store.coordinator()
    leader = Vendor("in flight", hold=True)
    first = Call(coordinator, "k", leader, refresh=True)
    assert leader.started.wait(5)
    joining = coordinator if where == "the same process" else store.coordinator()
    vendor = Vendor("never")
    refresh = Call(joining, "k", vendor, refresh=True)
    time.sleep(0.1)
    leader.released.set()

    assert first.result()[:2] == ("in flight", Source.FRESH)
    assert refresh.result()[:2] == ("in flight", Source.SHARED)
    assert vendor.calls == 0


def test_a_refresh_does_not_take_a_cached_answer_from_a_thread_of_its_process(store):
    store.coordinator().fetch("k", Vendor("cached"), ttl=TTL, wait=WAIT)
    coordinator = store.coordinator()
    reading, read_done = threading.Event(), threading.Event()
    begin = coordinator._begin

    def slow_begin(key: str) -> Any:
        reading.set()
        assert read_done.wait(5)
        return begin(key)

    coordinator._begin = slow_begin  # type: ignore[method-assign]
    plain = Call(coordinator, "k", Vendor("never"))
    assert reading.wait(5)
    coordinator._begin = begin  # type: ignore[method-assign]
    refresh = Call(coordinator, "k", Vendor("fresh"), refresh=True)
    time.sleep(0.1)  # the refresh now waits on the plain lookup of the same key
    read_done.set()

    assert plain.result()[:2] == ("cached", Source.CACHED)
    assert refresh.result()[:2] == ("fresh", Source.FRESH)


# Failing and dying leaders


def test_when_the_leader_fails_a_waiting_process_takes_over(store):
    leader = Vendor("a", hold=True, fail=True)
    first = Call(store.coordinator(), "k", leader)
    assert leader.started.wait(5)
    vendor = Vendor("b")
    waiter = Call(store.coordinator(), "k", vendor)
    time.sleep(0.1)
    leader.released.set()

    assert isinstance(first.result(), RuntimeError)
    assert waiter.result()[:2] == ("b", Source.FRESH)
    assert waiter.elapsed < 2  # it took over when the lock was released, not at its deadline
    assert store.coordinator().fetch("k", Vendor("c"), ttl=TTL, wait=WAIT)[:2] == (
        "b",
        Source.CACHED,
    )


def test_threads_waiting_in_the_leaders_process_get_its_failure(store):
    coordinator = store.coordinator()
    leader = Vendor("a", hold=True, fail=True)
    calls = [Call(coordinator, "k", leader)]
    assert leader.started.wait(5)
    calls += [Call(coordinator, "k", leader) for _ in range(4)]
    time.sleep(0.1)
    leader.released.set()

    outcomes = [call.result() for call in calls]

    assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)
    assert len({id(outcome) for outcome in outcomes}) == 5  # each raised its own copy
    assert leader.calls == 1


def test_a_killed_leader_does_not_wedge_the_key(store):
    # The leader's lock lives wait + lock_margin = 1.3 s; then it is free for anyone.
    job = {"action": "fetch", "spec": store.spec(lock_margin=1.0), "key": "k", "hang": True}
    job.update(counter=str(store.counter), payload="never", ttl=TTL, wait=0.3)
    (leader,) = start_processes([job])
    go([leader])
    deadline = time.monotonic() + 10
    while store.vendor_calls() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert store.vendor_calls() == 1, "the leader never started its vendor call"
    leader.kill()
    leader.wait()

    started = time.monotonic()
    answer = store.coordinator().fetch("k", Vendor("after"), ttl=TTL, wait=WAIT)
    elapsed = time.monotonic() - started

    assert answer[:2] == ("after", Source.FRESH)
    assert 0.5 < elapsed < 3  # held off by the dead leader's lock, then led, before WAIT (5 s)


@pytest.mark.parametrize("outcome", ["answers", "fails"])
def test_a_leader_whose_lock_expired_does_not_release_its_successors_lock(store, outcome):
    late = Vendor("late", hold=True, fail=outcome == "fails")
    late_call = Call(store.coordinator(lock_margin=0.1), "k", late, wait=0.2)
    assert late.started.wait(5)
    time.sleep(0.4)  # its lock (0.3 s) has expired
    successor = Vendor("successor", hold=True)
    successor_call = Call(store.coordinator(), "k", successor)
    assert successor.started.wait(5)

    late.released.set()
    late_call.result()
    vendor = Vendor("third")
    third = Call(store.coordinator(), "k", vendor, refresh=True)
    time.sleep(0.2)
    assert vendor.calls == 0  # it waits: the successor still holds the lock
    successor.released.set()

    assert successor_call.result()[:2] == ("successor", Source.FRESH)
    assert third.result()[:2] == ("successor", Source.SHARED)


# Failures shared with the waiters of the same call


class VendorTimeout(Exception):
    """A failure that every caller waiting on the same call may get instead of calling again."""

    revived = False


def share_timeouts(error: BaseException) -> dict[str, Any] | None:
    if isinstance(error, VendorTimeout):
        return {"kind": "timeout", "message": str(error)}
    return None


def revive_timeout(description: dict[str, Any]) -> BaseException:
    assert description["kind"] == "timeout"
    error = VendorTimeout(description["message"])
    error.revived = True
    return error


SHARING: dict[str, Any] = {"share_error": share_timeouts, "revive_error": revive_timeout}


def test_a_shared_failure_reaches_every_waiting_process_without_another_call(store):
    vendor = Vendor(error=VendorTimeout("no answer within 5 s"), seconds=0.3)
    leading = store.coordinator()
    leader = Call(leading, "k", vendor, **SHARING)
    assert vendor.started.wait(5)
    released_at = time.monotonic()
    waiters = [Call(store.coordinator(), "k", vendor, **SHARING) for _ in range(5)]
    waiters.append(Call(waiters[0].args_[0], "k", vendor, **SHARING))  # a second thread there
    beside_leader = [Call(leading, "k", vendor, **SHARING) for _ in range(2)]

    outcomes = [waiter.result() for waiter in waiters]
    answered_at = time.monotonic()

    assert vendor.calls == 1
    for outcome in outcomes:
        assert type(outcome) is VendorTimeout
        assert str(outcome) == "no answer within 5 s"
        assert outcome.revived  # rebuilt by revive_error from the store, not copied
    assert answered_at - released_at < 0.3 + 0.5  # the leader's failure, not a call of their own
    assert leader.result() is vendor.error
    for call in beside_leader:  # the leader's own process keeps its copy of the error itself
        outcome = call.result()
        assert type(outcome) is VendorTimeout and outcome is not vendor.error
        assert not outcome.revived


def declining(error: BaseException) -> dict[str, Any] | None:
    return None


def not_json(error: BaseException) -> dict[str, Any] | None:
    return {"error": error}


def cannot_revive(description: dict[str, Any]) -> BaseException:
    raise KeyError("an unknown kind of failure")


NOT_SHARED = {
    "share_error declines": ({"share_error": declining, "revive_error": revive_timeout}, SHARING),
    "not JSON": ({"share_error": not_json, "revive_error": revive_timeout}, SHARING),
    "the waiter cannot revive it": (SHARING, {**SHARING, "revive_error": cannot_revive}),
    "the waiter takes no failures": (SHARING, {}),
}


@pytest.mark.parametrize("case", NOT_SHARED)
def test_a_failure_that_is_not_shared_lets_a_waiting_process_take_over(store, case):
    leader_options, waiter_options = NOT_SHARED[case]
    leader = Vendor(error=VendorTimeout("no answer"), hold=True)
    first = Call(store.coordinator(), "k", leader, **leader_options)
    assert leader.started.wait(5)
    vendor = Vendor("b")
    waiter = Call(store.coordinator(), "k", vendor, **waiter_options)
    time.sleep(0.1)
    leader.released.set()

    assert first.result() is leader.error
    assert waiter.result()[:2] == ("b", Source.FRESH)
    assert waiter.elapsed < 2  # it took over when the lock was released, not at its deadline


@pytest.mark.parametrize("refresh", [False, True])
def test_a_shared_failure_is_not_an_answer_for_later_callers(store, refresh):
    leading = store.coordinator()
    leader = Vendor(error=VendorTimeout("no answer"), hold=True)
    first = Call(leading, "k", leader, **SHARING)
    assert leader.started.wait(5)
    waiter = Call(store.coordinator(), "k", Vendor("never"), **SHARING)
    time.sleep(0.1)
    leader.released.set()
    assert first.result() is leader.error
    assert type(waiter.result()) is VendorTimeout  # it was published

    for coordinator in [store.coordinator(), leading]:  # another process, the leader's
        vendor = Vendor("later")
        # ttl=0: the first later answer is not cached either, so the second calls too.
        answer = coordinator.fetch("k", vendor, ttl=0, wait=WAIT, refresh=refresh, **SHARING)
        assert answer[:2] == ("later", Source.FRESH)
        assert vendor.calls == 1


def test_a_shared_failure_keeps_the_cached_answer(store):
    store.coordinator().fetch("k", Vendor("cached"), ttl=TTL, wait=WAIT)
    leader = Vendor(error=VendorTimeout("no answer"), hold=True)
    first = Call(store.coordinator(), "k", leader, refresh=True, **SHARING)
    assert leader.started.wait(5)
    waiter = Call(store.coordinator(), "k", Vendor("never"), refresh=True, **SHARING)
    time.sleep(0.1)
    leader.released.set()
    assert first.result() is leader.error
    assert waiter.result().revived

    cached = store.coordinator().fetch("k", Vendor("not called"), ttl=TTL, wait=WAIT, **SHARING)

    assert cached[:2] == ("cached", Source.CACHED)


def test_a_leader_whose_lock_was_taken_over_keeps_its_failure_to_itself(store):
    late = Vendor(error=VendorTimeout("late"), hold=True)
    late_call = Call(store.coordinator(lock_margin=0.1), "k", late, wait=0.2, **SHARING)
    assert late.started.wait(5)
    time.sleep(0.4)  # its lock (0.3 s) has expired
    successor = Vendor("successor", hold=True)
    successor_call = Call(store.coordinator(), "k", successor, **SHARING)
    assert successor.started.wait(5)
    waiter = Call(store.coordinator(), "k", Vendor("never"), **SHARING)
    time.sleep(0.1)

    late.released.set()
    assert late_call.result() is late.error
    time.sleep(0.2)
    assert waiter.is_alive()  # still waiting for the successor's call
    successor.released.set()

    assert successor_call.result()[:2] == ("successor", Source.FRESH)
    assert waiter.result()[:2] == ("successor", Source.SHARED)


def test_sharing_needs_both_functions_and_the_lock_a_positive_lifetime(store):
    coordinator = store.coordinator()
    with pytest.raises(TypeError, match="go together"):
        coordinator.fetch("k", Vendor(), ttl=TTL, wait=WAIT, share_error=share_timeouts)
    with pytest.raises(ValueError, match="lock_ttl"):
        coordinator.fetch("k", Vendor(), ttl=TTL, wait=WAIT, lock_ttl=0)


# The lock's lifetime


@pytest.mark.parametrize(
    ("lock_ttl", "taken_over_after"),
    [(None, 0.3), (0.6, 0.6), (3.0, None)],
    ids=["default: wait + lock_margin", "shorter", "longer"],
)
def test_the_lock_lives_lock_ttl_seconds(store, lock_ttl, taken_over_after):
    # The leader's wait (0.2 s) + lock_margin (0.1 s) is the default; it holds the call 1 s.
    leader = Vendor("leader", hold=True)
    leading = store.coordinator(lock_margin=0.1)
    first = Call(leading, "k", leader, wait=0.2, lock_ttl=lock_ttl)
    assert leader.started.wait(5)
    vendor = Vendor("waiter")
    waiter = Call(store.coordinator(), "k", vendor)
    threading.Timer(1.0, leader.released.set).start()

    answer = waiter.result()

    assert first.result()[:2] == ("leader", Source.FRESH)
    if taken_over_after is None:
        assert answer[:2] == ("leader", Source.SHARED)
        assert vendor.calls == 0
    else:
        assert answer[:2] == ("waiter", Source.FRESH)
        assert taken_over_after - 0.15 < waiter.elapsed < taken_over_after + 0.35


def test_a_waiter_produces_itself_when_its_wait_is_over(store):
    leader = Vendor("slow", hold=True)
    first = Call(store.coordinator(), "k", leader)
    assert leader.started.wait(5)
    try:
        vendor = Vendor("own")
        waiter = Call(store.coordinator(), "k", vendor, wait=0.3)

        assert waiter.result()[:2] == ("own", Source.FRESH)
        assert 0.3 <= waiter.elapsed < 1.5
    finally:
        leader.released.set()
    assert first.result()[:2] == ("slow", Source.FRESH)


def test_a_sqlite_file_from_before_failures_were_shared_still_works(tmp_path):
    path = tmp_path / "limiter.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE lookup_entry (
                key TEXT PRIMARY KEY, seq INTEGER NOT NULL, stored_at REAL NOT NULL,
                payload TEXT NOT NULL, cache_until REAL NOT NULL, result_until REAL NOT NULL
            );
            CREATE TABLE lookup_lock (
                key TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at REAL NOT NULL
            );
            CREATE TABLE lookup_seq (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
            INSERT INTO lookup_seq (id, seq) VALUES (1, 7);
            """
        )
        now = time.time()
        conn.execute(
            "INSERT INTO lookup_entry VALUES ('old', 7, ?, 'kept', ?, ?)",
            (now, now + TTL, now + TTL),
        )
    conn.close()

    assert SqliteCoordinator(str(path)).fetch("old", Vendor(), ttl=TTL, wait=WAIT)[:2] == (
        "kept",
        Source.CACHED,
    )
    leader = Vendor(error=VendorTimeout("no answer"), hold=True)
    first = Call(SqliteCoordinator(str(path)), "k", leader, **SHARING)
    assert leader.started.wait(5)
    waiter = Call(SqliteCoordinator(str(path)), "k", Vendor("never"), **SHARING)
    time.sleep(0.1)
    leader.released.set()

    assert first.result() is leader.error
    assert waiter.result().revived


# The store failing


def test_an_unreachable_store_still_answers_from_the_vendor():
    coordinator = RedisCoordinator(redis_client("redis://127.0.0.1:1/0"))
    vendor = Vendor("direct")

    started = time.monotonic()
    answer = coordinator.fetch("k", vendor, ttl=TTL, wait=WAIT)

    assert answer[:2] == ("direct", Source.FRESH)
    assert vendor.calls == 1
    assert time.monotonic() - started < 1


# Settings and the audit log


def test_sources_are_the_audit_logs_values():
    from devices.models import Lookup

    assert {source.value for source in Source} == set(Lookup.Source.values)


@pytest.fixture
def coordinator_settings(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.LIMITER_SQLITE_PATH = str(tmp_path / "from-settings.sqlite3")
    yield settings
    coalescing.reset_coordinator_cache()


def test_get_coordinator_uses_the_limiters_sqlite_file_by_default(coordinator_settings):
    coordinator = get_coordinator()

    assert isinstance(coordinator, SqliteCoordinator)
    assert coordinator.file.path == coordinator_settings.LIMITER_SQLITE_PATH
    assert get_coordinator() is coordinator


@pytest.mark.redis
def test_get_coordinator_uses_redis_when_redis_url_is_set(coordinator_settings):
    before = get_coordinator()
    coordinator_settings.REDIS_URL = REDIS_URL

    coordinator = get_coordinator()

    assert coordinator is not before
    assert isinstance(coordinator, RedisCoordinator)
    assert coordinator.client.connection_pool.connection_kwargs["db"] == 15


def test_fetch_lookup_caches_for_lookup_cache_seconds(coordinator_settings):
    coordinator_settings.LOOKUP_CACHE_SECONDS = 30
    assert fetch_lookup("k", Vendor("a"))[:2] == ("a", Source.FRESH)
    assert fetch_lookup("k", Vendor("b"))[:2] == ("a", Source.CACHED)
    assert fetch_lookup("k", Vendor("c"), refresh=True)[:2] == ("c", Source.FRESH)

    coordinator_settings.LOOKUP_CACHE_SECONDS = 0
    assert fetch_lookup("k2", Vendor("d"))[:2] == ("d", Source.FRESH)
    assert fetch_lookup("k2", Vendor("e"))[:2] == ("e", Source.FRESH)
