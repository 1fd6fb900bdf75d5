"""A call holds its slot until one window after it is over, so late requests cannot bunch up.

Admitted calls reach the vendor a little later, and not all equally late. These tests make the
lateness deliberate: each call "arrives" (the moment the vendor would count it) some time after
admission and before it finishes, and the arrivals are counted in every window. A log of
admission times lets such arrivals bunch up (the negative control); holding the slot until the
call is over does not, whatever the delays.
"""

from __future__ import annotations

import threading
import time

import pytest

from devices.ratelimit import VendorBusy
from tests.test_ratelimit import Store, sqlite_store, store  # noqa: F401 (fixtures)

RATE = 5
WINDOW = 0.5


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
    limiter = store.limiter(rate=RATE, window=WINDOW)

    arrivals = late_callers(
        lambda: limiter.reserve("app", timeout=10, hold=5).finish, uneven_delays(30)
    )

    assert len(arrivals) == 30
    assert most_in_any_window(arrivals, WINDOW) <= RATE


def test_a_log_of_admission_times_lets_late_arrivals_bunch_up(sqlite_store):  # noqa: F811
    """The negative control: the same callers, with slots counted from admission only."""
    limiter = sqlite_store.limiter(rate=RATE, window=WINDOW)

    def admission_only():
        limiter.acquire("app", timeout=10)
        return lambda: None

    arrivals = late_callers(admission_only, uneven_delays(30))

    assert most_in_any_window(arrivals, WINDOW) > RATE


def test_a_slot_frees_one_window_after_the_call_ends_not_after_it_began(store):
    limiter = store.limiter(rate=1, window=WINDOW)
    slot = limiter.reserve("app", timeout=0, hold=5)
    time.sleep(WINDOW + 0.1)  # a slow call: already longer than a window

    with pytest.raises(VendorBusy):
        limiter.reserve("app", timeout=WINDOW / 2, hold=5)
    ended = time.monotonic()
    slot.finish()
    limiter.reserve("app", timeout=2, hold=5)

    assert time.monotonic() - ended >= WINDOW - 0.02


def test_a_call_that_never_ends_gives_its_slot_back_after_its_hold(store):
    limiter = store.limiter(rate=1, window=WINDOW)
    limiter.reserve("app", timeout=0, hold=0.3)  # its process dies: finish() never comes
    started = time.monotonic()

    limiter.reserve("app", timeout=3, hold=0.3)

    assert 0.3 + WINDOW - 0.05 <= time.monotonic() - started < 0.3 + WINDOW + 0.5


def test_a_busy_limiter_refuses_at_once_when_the_wait_exceeds_the_budget(store):
    limiter = store.limiter(rate=1, window=WINDOW)
    limiter.reserve("app", timeout=0, hold=5)
    started = time.monotonic()

    with pytest.raises(VendorBusy) as busy:
        limiter.reserve("app", timeout=0.1, hold=5)

    assert time.monotonic() - started < 0.1
    assert busy.value.retry_after >= WINDOW
