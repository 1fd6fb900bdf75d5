"""Lookup coalescing and the short cache, on SQLite and on Redis: one vendor call for identical
lookups at once, answers cached for their ttl, refreshes, leaders that fail or die, the lock's
lifetime, and a store that fails (the lookup fails too; it never runs uncoordinated).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections import Counter
from typing import Any

import pytest

from devices.coalescing import RedisCoordinator, Source, SqliteCoordinator
from devices.ratelimit import LimiterUnavailable
from devices.stores import SqliteFile, redis_client
from tests.coalescing.coordinators import TTL, WAIT, Call, Vendor
from tests.workers import go, run_in_processes, start_processes

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


# The store failing: the lookup fails with LimiterUnavailable; it never runs uncoordinated.


def test_an_unreachable_redis_fails_the_lookup_without_calling_the_vendor():
    coordinator = RedisCoordinator(redis_client("redis://127.0.0.1:1/0"))
    vendor = Vendor("never")

    started = time.monotonic()
    with pytest.raises(LimiterUnavailable) as refused:
        coordinator.fetch("k", vendor, ttl=TTL, wait=WAIT)

    assert time.monotonic() - started < 1
    assert vendor.calls == 0
    assert refused.value.key == "k"


def test_an_unusable_sqlite_file_fails_the_lookup_without_calling_the_vendor(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    coordinator = SqliteCoordinator(str(blocker / "limiter.sqlite3"))
    vendor = Vendor("never")

    with pytest.raises(LimiterUnavailable):
        coordinator.fetch("k", vendor, ttl=TTL, wait=WAIT)

    assert vendor.calls == 0


def test_a_sqlite_file_that_cannot_be_opened_in_time_fails_the_lookup(tmp_path, monkeypatch):
    monkeypatch.setattr(SqliteFile, "open_timeout", 0.2)
    coordinator = SqliteCoordinator(str(tmp_path / "limiter.sqlite3"))
    vendor = Vendor("after")
    # Another process is opening the file, and does not finish.
    held = os.open(coordinator.file.lock_path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        started = time.monotonic()
        with pytest.raises(LimiterUnavailable):
            coordinator.fetch("k", vendor, ttl=TTL, wait=WAIT)
        assert 0.2 <= time.monotonic() - started < 1.0
        assert vendor.calls == 0
    finally:
        os.close(held)

    assert coordinator.fetch("k", vendor, ttl=TTL, wait=WAIT)[:2] == ("after", Source.FRESH)


def test_a_store_failing_while_a_lookup_waits_fails_it_without_calling_the_vendor(store):
    leader = Vendor("a", hold=True)
    first = Call(store.coordinator(), "k", leader)
    assert leader.started.wait(5)
    waiting = store.coordinator()
    poll = waiting._poll
    polls = 0

    def failing_poll(*args: Any, **kwargs: Any) -> Any:
        nonlocal polls
        polls += 1
        if polls > 2:  # it has waited a little: now the store goes away
            raise waiting.store_errors[0]("the store went away")
        return poll(*args, **kwargs)

    waiting._poll = failing_poll  # type: ignore[method-assign]
    vendor = Vendor("never")
    waiter = Call(waiting, "k", vendor)

    assert isinstance(waiter.result(), LimiterUnavailable)
    assert vendor.calls == 0
    leader.released.set()
    assert first.result()[:2] == ("a", Source.FRESH)
