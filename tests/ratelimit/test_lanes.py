"""The two lanes of the limiter, on both stores: bulk leaves slots free for people while they
are about and uses the spare budget; while people wait, bulk holds at most its share; people
waiting are served fairly by person, so one person's burst does not make a colleague's lookup
wait behind it."""

import threading
import time

import pytest

from devices.ratelimit import Ask, Lane, VendorBusy
from devices.ratelimit.core import INTERACTIVE
from tests.ratelimit.limiters import RATE, WINDOW

HOLD = 5.0
BULK = Ask(lane=Lane.BULK, keep_free=2, share=3)


def take(limiter, key, *, timeout, ask=INTERACTIVE):
    slot = limiter.reserve(key, timeout=timeout, hold=HOLD, ask=ask)
    slot.finish()
    return slot.waited


def test_bulk_leaves_its_reserve_free_for_people(store):
    limiter = store.limiter()
    for _ in range(RATE - 2):
        take(limiter, "app", timeout=0, ask=BULK)
    with pytest.raises(VendorBusy):
        take(limiter, "app", timeout=0, ask=BULK)
    # A person arriving now is served at once, twice.
    assert take(limiter, "app", timeout=0, ask=Ask(person="mei")) == pytest.approx(0, abs=0.05)
    assert take(limiter, "app", timeout=0, ask=Ask(person="li")) == pytest.approx(0, abs=0.05)
    with pytest.raises(VendorBusy):
        take(limiter, "app", timeout=0, ask=Ask(person="mei"))


def test_bulk_keeps_its_reserve_only_while_people_are_about(store):
    # A long window: no slot ages out during the test, so only the reserve decides.
    limiter = store.limiter(window=5.0)
    about = Ask(lane=Lane.BULK, keep_free=2, share=3, reserve_for=60.0)
    take(limiter, "app", timeout=0, ask=Ask(person="mei"))
    for _ in range(RATE - 3):
        take(limiter, "app", timeout=0, ask=about)
    # Mei came a moment ago: two slots stay free for her colleagues.
    with pytest.raises(VendorBusy):
        take(limiter, "app", timeout=0, ask=about)
    time.sleep(0.3)
    # Nobody for longer than this bulk caller's reserve_for: the window's last two are its.
    lapsed = Ask(lane=Lane.BULK, keep_free=2, share=3, reserve_for=0.2)
    take(limiter, "app", timeout=0, ask=lapsed)
    take(limiter, "app", timeout=0, ask=lapsed)
    with pytest.raises(VendorBusy):
        take(limiter, "app", timeout=0, ask=lapsed)


def test_with_nobody_about_bulk_may_fill_the_window(store):
    limiter = store.limiter(window=5.0)
    alone = Ask(lane=Lane.BULK, keep_free=2, share=3, reserve_for=60.0)
    for _ in range(RATE):
        take(limiter, "app", timeout=0, ask=alone)
    with pytest.raises(VendorBusy):
        take(limiter, "app", timeout=0, ask=alone)


def test_without_anyone_waiting_bulk_uses_the_spare_budget(store):
    limiter = store.limiter()
    started = time.monotonic()
    admitted = 0
    while time.monotonic() - started < 4 * WINDOW:
        take(limiter, "app", timeout=WINDOW * 2, ask=BULK)
        admitted += 1
    # (rate - reserve) per window: 8 of 10.
    assert admitted >= (RATE - 2) * 4 * 0.9


def test_while_people_wait_bulk_holds_at_most_its_share(store):
    limiter = store.limiter()
    stop = threading.Event()
    counts = {"bulk": 0, "people": 0}
    lock = threading.Lock()

    def demand(lane: str, ask: Ask) -> None:
        while not stop.is_set():
            try:
                take(limiter, "app", timeout=WINDOW * 4, ask=ask)
            except VendorBusy:
                continue
            with lock:
                counts[lane] += 1

    # People in several processes would queue apart; here, one thread per person.
    threads = [
        threading.Thread(target=demand, args=("people", Ask(person=f"p{n}"))) for n in range(6)
    ]
    threads += [threading.Thread(target=demand, args=("bulk", BULK)) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(6 * WINDOW)
    stop.set()
    for thread in threads:
        thread.join()
    total = counts["bulk"] + counts["people"]
    assert total >= RATE * 5 * 0.8  # the budget was used
    assert counts["bulk"] / total <= 0.3 + 0.05
    assert counts["bulk"] > 0  # bulk is not starved while people keep the budget busy


def test_a_colleagues_lookup_does_not_wait_behind_another_persons_burst(store):
    limiter = store.limiter(rate=RATE, window=1.0)
    waits: dict[str, list[float]] = {"burst": [], "colleague": []}

    def lookup(who: str, person: str) -> None:
        try:
            waits[who].append(take(limiter, "app", timeout=4.0, ask=Ask(person=person)))
        except VendorBusy:
            waits[who].append(float("inf"))

    burst = [threading.Thread(target=lookup, args=("burst", "wang")) for _ in range(30)]
    for thread in burst:
        thread.start()
    time.sleep(0.2)  # wang's first 10 are in, the rest queue
    colleague = threading.Thread(target=lookup, args=("colleague", "mei"))
    colleague.start()
    colleague.join()
    for thread in burst:
        thread.join()
    # Mei is served at the next free slot (about a window after the burst began), not after
    # the 20 calls of wang's still waiting (two windows more).
    assert waits["colleague"][0] < 1.2
    assert sorted(waits["burst"])[-1] > 1.5


def test_the_bulk_lanes_terms_come_from_the_settings(settings):
    from devices.ratelimit.core import bulk_ask

    settings.VENDOR_RATE = "10/s"
    settings.BULK_RESERVE, settings.BULK_SHARE, settings.BULK_RESERVE_FOR = 2, 0.3, 7
    assert bulk_ask() == Ask(lane=Lane.BULK, keep_free=2, share=3, reserve_for=7.0)
