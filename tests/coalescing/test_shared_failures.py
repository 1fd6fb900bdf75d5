"""Failures shared with the waiters of the same call (share_error / revive_error), on SQLite
and on Redis: published once, revived by every waiting process, never an answer for later
callers, never shared by a leader whose lock was taken over."""

from __future__ import annotations

import time
from typing import Any

import pytest

from devices.coalescing import Source
from tests.coalescing.coordinators import TTL, WAIT, Call, Vendor


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
