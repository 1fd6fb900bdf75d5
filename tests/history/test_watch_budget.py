"""The watches' share of the vendor budget: all watches together take at most WATCH_RATE
calls per app, on top of (never instead of) a VENDOR_RATE slot, so interactive lookups keep the
rest of the budget under load. Real limiter (the test's SQLite file, or Redis in the scale
run), real HTTP to the sandbox, which counts the calls itself."""

import threading
import time

import pytest
from django.utils import timezone

from devices import gwell, services
from devices.audit import AuditContext
from devices.history.budget import acquire_watch_slot
from devices.history.models import Watch
from devices.history.watching import watch_poll
from devices.models import Lookup
from devices.ratelimit import VendorBusy
from devices.sandbox.data import device_by_key
from tests.helpers import sn_url

DEVICE = device_by_key("offline-hours")
RUN_SECONDS = 4.0


def test_a_second_poll_within_the_watch_window_is_skipped(staff_client, sandbox, settings):
    settings.WATCH_RATE = "1/s"
    settings.WATCH_POLL_SECONDS = 0.0  # polls one after the other, as many pages would
    staff_client.get(sn_url("offline-hours"))
    page = Lookup.objects.get()
    watch = Watch.objects.create(
        user=page.user, lookup=page, device_id=str(DEVICE.dev_id), last_poll_at=timezone.now()
    )
    audit = AuditContext(user=page.user)

    first = watch_poll(watch=watch, audit=audit)
    second = watch_poll(watch=watch, audit=audit)

    assert (first.status, second.status) == ("ok", "busy")
    rows = Lookup.objects.filter(channel="watch").order_by("pk")
    assert [row.outcome for row in rows] == ["ok", "rate_limited"]
    assert all(row.follows_id == page.pk for row in rows)


def hammer(credential, *, watched: bool, stop: threading.Event, counts: dict, lock) -> None:
    """Ask for the device without pause, as a watch (through the watches' budget) or as an
    interactive lookup; count what reached the vendor and what was refused."""
    client = services.vendor_client(credential)
    kind = "watch" if watched else "interactive"
    while not stop.is_set():
        try:
            finish = acquire_watch_slot(credential.app_id) if watched else (lambda: None)
        except VendorBusy:
            continue
        try:
            client.device_info(sn=DEVICE.sn, dev_id="", owner_id="-1")
            outcome = kind
        except (VendorBusy, gwell.VendorError):
            outcome = f"{kind} refused"
        finally:
            finish()
        with lock:
            counts[outcome] = counts.get(outcome, 0) + 1


def run_load(credential, *, watch_threads: int, interactive_threads: int) -> dict:
    stop, lock, counts = threading.Event(), threading.Lock(), {}
    threads = [
        threading.Thread(
            target=hammer,
            args=(credential,),
            kwargs={"watched": watched, "stop": stop, "counts": counts, "lock": lock},
        )
        for watched, n in ((True, watch_threads), (False, interactive_threads))
        for _ in range(n)
    ]
    for thread in threads:
        thread.start()
    time.sleep(RUN_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    return counts


@pytest.mark.slow
def test_under_load_watches_take_only_their_share(credential, sandbox, settings):
    settings.WATCH_RATE = "1/s"
    settings.VENDOR_MAX_WAIT = 2

    counts = run_load(credential, watch_threads=8, interactive_threads=8)

    stats = sandbox.vendor.stats()
    watches, interactive = counts.get("watch", 0), counts.get("interactive", 0)
    print(f"watch calls {watches}, interactive calls {interactive}, stats {counts}")
    # 1/s, each slot held from admission to a window after the call: at most one per second
    # of the run, plus the first.
    assert 1 <= watches <= RUN_SECONDS + 1
    assert watches / (watches + interactive) <= 0.2
    assert interactive >= 5 * RUN_SECONDS  # the rest of the budget stays interactive
    assert stats["max_in_any_1s"] <= 10
    assert stats["refused_rate_limit"] == 0


@pytest.mark.slow
def test_without_the_watch_budget_watches_would_take_half(credential, sandbox, settings):
    """The negative control: the same load with the watch slot switched off."""
    settings.VENDOR_MAX_WAIT = 2
    settings.WATCH_RATE = "1000/s"

    counts = run_load(credential, watch_threads=8, interactive_threads=8)

    watches, interactive = counts.get("watch", 0), counts.get("interactive", 0)
    assert watches / (watches + interactive) > 0.3
