"""The limiter's policy on both stores: never more than the rate in any window, waits bounded,
pauses, slots held until a call is over, and the limiter built from the settings.

The limit is checked the honest way (tests.workers.max_admitted_in_window): a call counts against
a window only when the caller's whole wait, from calling reserve() to its return, lies inside
it. A limiter that admits one call too many, or counts per clock-aligned window, fails the same
check (the negative controls below). Every call here is made the way production makes it:
reserve(hold=...) and finish() (tests.workers.take).
"""

from __future__ import annotations

import copy
import math
import os
import sqlite3
import threading
import time
from collections import Counter
from typing import Any

import pytest

from devices import ratelimit
from devices.ratelimit import (
    RedisLimiter,
    Slot,
    SqliteLimiter,
    VendorBusy,
    acquire_vendor_slot,
    get_limiter,
    parse_rate,
)
from tests.ratelimit.limiters import RATE, REDIS_URL, WINDOW, fill
from tests.workers import (
    go,
    hammer,
    max_admitted_in_window,
    results,
    run_in_processes,
    start_processes,
    take,
)

# parse_rate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10/s", (10, 1.0)),
        ("100/m", (100, 60.0)),
        ("5/h", (5, 3600.0)),
        ("10/2s", (10, 2.0)),
        (" 3 / 0.5s ", (3, 0.5)),
    ],
)
def test_parse_rate_reads_a_count_and_a_period(text, expected):
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["10", "ten/s", "0/s", "10/x", "10/0s", "10/s/s", ""])
def test_parse_rate_rejects_what_is_not_a_rate(text):
    with pytest.raises(ValueError, match="Not a rate"):
        parse_rate(text)


# The honest check itself


def test_the_check_counts_only_calls_whose_whole_wait_lies_in_one_window():
    burst = [(0.0, 0.01)] * 10
    assert max_admitted_in_window([*burst, (0.02, 0.03)], WINDOW) == 11
    # A call that returned after the window closed may have been admitted after it, too.
    assert max_admitted_in_window([*burst, (0.02, 0.6)], WINDOW) == 10
    assert max_admitted_in_window([*burst, (0.02, WINDOW)], WINDOW) == 10  # [t, t + window)
    # Ten, then ten more a window later: never more than ten in one window.
    assert max_admitted_in_window(burst + [(WINDOW, WINDOW + 0.01)] * 10, WINDOW) == 10


# The limit, under load


def test_threads_never_get_more_than_the_rate_in_any_window(store):
    result = hammer(store.limiter(), "app", threads=40, calls=2, timeout=0.1)

    admitted = result["admitted"]
    assert len(admitted) == 80
    assert max_admitted_in_window(admitted, WINDOW) == RATE
    # The load kept the limiter full: callers were turned away, and none waited much past its
    # timeout (one that ignored it would wait up to 3.5 s here).
    assert result["refused"]
    assert max(end - start for start, end in admitted) < 1.0


def test_the_check_catches_a_limiter_that_admits_one_call_too_many(sqlite_store):
    # The same load as above; the store does not matter to the check, so one is enough.
    result = hammer(sqlite_store.limiter(rate=RATE + 1), "app", threads=40, calls=1, timeout=0.1)

    assert max_admitted_in_window(result["admitted"], WINDOW) > RATE


class FixedWindowCounter:
    """Deliberately wrong: counts calls per clock-aligned window, so bursts either side of a
    boundary both pass."""

    def __init__(self, rate: int, window: float) -> None:
        self.rate, self.window = rate, window
        self.counts: Counter[tuple[str, int]] = Counter()
        self.lock = threading.Lock()

    def reserve(self, key: str, *, timeout: float, hold: float) -> Slot:
        started = time.monotonic()
        while True:
            now = time.time()
            slot = (key, math.floor(now / self.window))
            with self.lock:
                if self.counts[slot] < self.rate:
                    self.counts[slot] += 1
                    return Slot(time.monotonic() - started, lambda: None)
            wait = (slot[1] + 1) * self.window - now
            if time.monotonic() - started + wait > timeout:
                raise VendorBusy(wait, key)
            time.sleep(wait)


def burst_across_a_window_boundary(limiter: Any, key: str) -> list[tuple[float, float]]:
    """RATE callers 0.1 s before a clock-aligned window boundary, RATE more just after it."""
    now = time.time()
    boundary = (math.floor(now / WINDOW) + 1) * WINDOW
    if boundary - now < 0.2:
        boundary += WINDOW
    admitted: list[tuple[float, float]] = []

    def call() -> None:
        started = time.monotonic()
        try:
            take(limiter, key, timeout=0.05)
        except VendorBusy:
            return
        admitted.append((started, time.monotonic()))

    threads = []
    for at in (boundary - 0.1, boundary + 0.02):
        time.sleep(max(at - time.time(), 0))
        for _ in range(RATE):
            threads.append(threading.Thread(target=call))
            threads[-1].start()
    for thread in threads:
        thread.join()
    return admitted


def test_the_check_catches_a_fixed_window_counter_at_its_boundary():
    admitted = burst_across_a_window_boundary(FixedWindowCounter(RATE, WINDOW), "app")

    assert max_admitted_in_window(admitted, WINDOW) > RATE


def test_bursts_either_side_of_a_clock_boundary_keep_to_the_rate(store):
    admitted = burst_across_a_window_boundary(store.limiter(), "app")

    # The second burst gets nothing (a fixed window would admit it all: the test above). On a
    # loaded machine a few of the first burst may time out queueing for the store's lock.
    assert RATE // 2 < len(admitted) <= RATE
    assert max_admitted_in_window(admitted, WINDOW) <= RATE


def test_processes_sharing_the_store_never_exceed_the_rate(store):
    job = {"action": "hammer", "spec": store.spec(), "key": "app", "threads": 5, "calls": 2}
    answers = run_in_processes([{**job, "timeout": 0.1}] * 4)

    admitted = [tuple(span) for answer in answers for span in answer["admitted"]]
    assert len(admitted) == 40
    assert max_admitted_in_window(admitted, WINDOW) == RATE


def test_each_key_has_its_own_budget(store):
    limiter = store.limiter()
    fill(limiter, "app-a")

    fill(limiter, "app-b")  # would raise VendorBusy if the keys shared one log
    with pytest.raises(VendorBusy):
        take(limiter, "app-a", timeout=0)


# Waits


def test_a_caller_waits_for_the_next_slot_when_it_comes_within_its_timeout(store):
    limiter = store.limiter()
    first_call = time.monotonic()
    fill(limiter, "app")

    waited = take(limiter, "app", timeout=2.0)

    assert time.monotonic() >= first_call + WINDOW  # not before the first call left the window
    assert 0 < waited < 1.0


def test_a_caller_is_refused_at_once_when_the_wait_exceeds_its_timeout(store):
    limiter = store.limiter(window=2.0)
    fill(limiter, "app")

    started = time.monotonic()
    with pytest.raises(VendorBusy) as refused:
        take(limiter, "app", timeout=1.0)
    elapsed = time.monotonic() - started

    assert elapsed < 0.5  # it knew the wait (about 2 s) and did not sleep through its 1 s
    assert 1.5 < refused.value.retry_after <= 2.0
    assert str(refused.value) == ratelimit.BUSY_MESSAGE.format(seconds=refused.value.retry_after)
    assert str(refused.value).startswith("The vendor's request budget is in use; try again in ")


def test_under_saturation_every_call_returns_within_its_timeout(store):
    result = hammer(store.limiter(), "app", threads=30, calls=1, timeout=0.2)

    durations = [end - start for start, end, _ in result["refused"]]
    durations += [end - start for start, end in result["admitted"]]
    assert result["refused"]
    # One that ignored the timeout would keep the last callers a second.
    assert max(durations) <= 0.2 + 0.2
    assert all(0 < retry_after <= WINDOW for _, _, retry_after in result["refused"])


def test_a_refused_call_takes_no_slot(store):
    limiter = store.limiter()
    fill(limiter, "app")
    filled = time.monotonic()  # each slot is held until one window after its call finished
    time.sleep(WINDOW / 2)
    for _ in range(20):
        with pytest.raises(VendorBusy):
            take(limiter, "app", timeout=0)

    time.sleep(max(filled + WINDOW + 0.05 - time.monotonic(), 0))

    # The first ten have left the window; had the refusals taken slots, they would still be in.
    fill(limiter, "app")
    with pytest.raises(VendorBusy):
        take(limiter, "app", timeout=0)


def test_vendor_busy_survives_copying():
    busy = copy.copy(VendorBusy(1.5, "app"))

    assert (busy.retry_after, busy.key, str(busy)) == (
        1.5,
        "app",
        "The vendor's request budget is in use; try again in 1.5 s.",
    )


# Pauses (the vendor said 429)


def test_a_pause_holds_off_other_processes(store):
    job = {"action": "take", "spec": store.spec(), "key": "app"}
    workers = start_processes([{**job, "timeout": 0.1}, {**job, "timeout": 3.0}])
    limiter = store.limiter()

    paused_at = time.monotonic()
    limiter.pause("app", 0.6)
    go(workers)
    impatient, patient = results(workers)

    assert 0 < impatient["busy"] <= 0.6
    assert patient["ended"] >= paused_at + 0.6  # it was admitted only once the pause was over
    assert 0 < patient["waited"] < 1.0
    take(limiter, "app", timeout=0)  # the pause is over: admitted at once


def paused_for(limiter: Any, key: str) -> float:
    """The Retry-After a caller gets while `key` is paused (every slot is free here)."""
    with pytest.raises(VendorBusy) as refused:
        take(limiter, key, timeout=0)
    return refused.value.retry_after


def test_a_pause_is_lengthened_but_never_shortened(store):
    limiter = store.limiter()
    limiter.pause("app", 1.0)
    limiter.pause("app", 0.1)
    assert 0.8 < paused_for(limiter, "app") <= 1.0

    limiter.pause("app", 2.0)
    assert 1.8 < paused_for(limiter, "app") <= 2.0
    take(limiter, "another-app", timeout=0)  # not paused


def test_ping_passes_on_a_working_store_and_leaves_it_free(store):
    assert store.limiter().ping() is None
    # A ping that kept the store's lock, or took a slot, would refuse one of these.
    fill(store.limiter(), "app", RATE)


def test_ping_fails_while_the_sqlite_file_cannot_be_written(sqlite_store):
    limiter = sqlite_store.limiter()
    limiter.ping()
    writer = sqlite3.connect(sqlite_store.path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        with pytest.raises(ratelimit.LimiterUnavailable):
            limiter.ping()  # a read would pass here: ping proves the file is writable
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    limiter.ping()


# From the settings


@pytest.fixture
def limiter_settings(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.LIMITER_SQLITE_PATH = str(tmp_path / "from-settings.sqlite3")
    settings.VENDOR_RATE = "10/s"
    settings.VENDOR_WINDOW_MARGIN = 0.05
    yield settings
    ratelimit.reset_limiter_cache()


def test_get_limiter_builds_the_embedded_limiter_from_the_settings(limiter_settings):
    limiter = get_limiter()

    assert isinstance(limiter, SqliteLimiter)
    assert limiter.file.path == limiter_settings.LIMITER_SQLITE_PATH
    assert (limiter.rate, limiter.window) == (10, pytest.approx(1.05))
    assert get_limiter() is limiter


@pytest.mark.redis
def test_get_limiter_uses_redis_when_redis_url_is_set(limiter_settings):
    limiter_settings.REDIS_URL = REDIS_URL
    limiter_settings.VENDOR_RATE = "20/2s"

    limiter = get_limiter()

    assert isinstance(limiter, RedisLimiter)
    assert (limiter.rate, limiter.window) == (20, pytest.approx(2.05))
    assert limiter.client.connection_pool.connection_kwargs["db"] == 15


def test_a_changed_setting_gives_a_new_limiter(limiter_settings, tmp_path):
    before = get_limiter()
    limiter_settings.LIMITER_SQLITE_PATH = str(tmp_path / "elsewhere.sqlite3")

    after = get_limiter()

    assert after is not before
    assert after.file.path.endswith("elsewhere.sqlite3")


def test_get_limiter_builds_a_new_limiter_in_a_forked_child(limiter_settings, monkeypatch):
    before = get_limiter()
    monkeypatch.setattr(os, "getpid", lambda: -1)  # as a child sees it

    assert get_limiter() is not before


def test_acquire_vendor_slot_waits_at_most_vendor_max_wait(limiter_settings):
    limiter_settings.VENDOR_RATE = "2/s"
    limiter_settings.VENDOR_WINDOW_MARGIN = 0.0
    limiter_settings.VENDOR_MAX_WAIT = 0.3
    acquire_vendor_slot("app")
    acquire_vendor_slot("app")

    started = time.monotonic()
    with pytest.raises(VendorBusy) as refused:
        acquire_vendor_slot("app")  # the next slot is about 1 s away

    assert time.monotonic() - started < 0.1
    assert refused.value.retry_after > 0.3


# A call holds its slot until one window after it is over, so late requests cannot bunch up.
#
# Admitted calls reach the vendor a little later, and not all equally late. These tests make the
# lateness deliberate: each call "arrives" (the moment the vendor would count it) some time
# after admission and before it finishes, and the arrivals are counted in every window. A log of
# admission times lets such arrivals bunch up (the negative control); holding the slot until
# the call is over does not, whatever the delays.

HOLD_RATE = 5
HOLD_WINDOW = 0.5


def most_in_any_window(times: list[float], window: float) -> int:
    """The most timestamps in any half-open window [t, t + window)."""
    ordered = sorted(times)
    most, first = 0, 0
    for last, t in enumerate(ordered):
        while t - ordered[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


def late_callers(take_slot, delays: list[float], *, threads: int = 8) -> list[float]:
    """Callers that take a slot, arrive after their delay, then finish: the arrival times."""
    arrivals: list[float] = []
    lock = threading.Lock()
    queue = list(delays)

    def caller() -> None:
        while True:
            with lock:
                if not queue:
                    return
                delay = queue.pop()
            finish = take_slot()
            time.sleep(delay)
            arrived = time.monotonic()
            with lock:
                arrivals.append(arrived)
            time.sleep(0.01)  # the answer comes back after the vendor counted the request
            finish()

    workers = [threading.Thread(target=caller) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return arrivals


def uneven_delays(n: int) -> list[float]:
    # Every other call is slow to reach the vendor: the pattern that bunches arrivals up.
    return [0.15 if i % 2 else 0.0 for i in range(n)]


def test_late_arrivals_never_exceed_the_rate_in_any_window(store):
    limiter = store.limiter(rate=HOLD_RATE, window=HOLD_WINDOW)

    arrivals = late_callers(
        lambda: limiter.reserve("app", timeout=10, hold=5).finish, uneven_delays(30)
    )

    assert len(arrivals) == 30
    assert most_in_any_window(arrivals, HOLD_WINDOW) <= HOLD_RATE


def test_a_log_of_admission_times_lets_late_arrivals_bunch_up(sqlite_store):
    """The negative control: the same callers, with slots counted from admission only."""
    limiter = sqlite_store.limiter(rate=HOLD_RATE, window=HOLD_WINDOW)

    def admission_only():
        take(limiter, "app", timeout=10)  # the slot's window runs from (about) admission
        return lambda: None

    arrivals = late_callers(admission_only, uneven_delays(30))

    assert most_in_any_window(arrivals, HOLD_WINDOW) > HOLD_RATE


def test_a_slot_frees_one_window_after_the_call_ends_not_after_it_began(store):
    limiter = store.limiter(rate=1, window=HOLD_WINDOW)
    slot = limiter.reserve("app", timeout=0, hold=5)
    time.sleep(HOLD_WINDOW + 0.1)  # a slow call: already longer than a window

    with pytest.raises(VendorBusy):
        limiter.reserve("app", timeout=HOLD_WINDOW / 2, hold=5)
    ended = time.monotonic()
    slot.finish()
    limiter.reserve("app", timeout=2, hold=5)

    assert time.monotonic() - ended >= HOLD_WINDOW - 0.02


def test_a_call_that_never_ends_gives_its_slot_back_after_its_hold(store):
    limiter = store.limiter(rate=1, window=HOLD_WINDOW)
    limiter.reserve("app", timeout=0, hold=0.3)  # its process dies: finish() never comes
    started = time.monotonic()

    limiter.reserve("app", timeout=3, hold=0.3)

    assert 0.3 + HOLD_WINDOW - 0.05 <= time.monotonic() - started < 0.3 + HOLD_WINDOW + 0.5


def test_a_busy_limiter_refuses_at_once_when_the_wait_exceeds_the_budget(store):
    limiter = store.limiter(rate=1, window=HOLD_WINDOW)
    limiter.reserve("app", timeout=0, hold=5)
    started = time.monotonic()

    with pytest.raises(VendorBusy) as busy:
        limiter.reserve("app", timeout=0.1, hold=5)

    assert time.monotonic() - started < 0.1
    assert busy.value.retry_after >= HOLD_WINDOW
