"""Support agents working against a stack while a test breaks one of its stores, and the
checks every chaos test makes of what they saw."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass

import requests

from bench.stack import Stack
from devices.sandbox import data

# What a page said, read from its status and words.
OK = "ok"
STORE_DOWN = "limiter store down"  # the limiter-store panel
DATABASE_DOWN = "database down"  # the database page
BUSY = "busy"  # the vendor budget was in use: a normal answer under load
PAGES = ("lookup", "my lookups", "healthz")
# A page answers within this long whatever is down.
PAGE_TIMEOUT = 30.0
# The first device is left for the tests' own probes.
PROBE_DEVICE = data.DEVICES[0]
AGENT_DEVICES = data.DEVICES[1:]
# What gunicorn's arbiter logs when a worker exits, hangs or is killed.
WORKER_DIED = re.compile(r"WORKER TIMEOUT|Worker \(pid:\d+\) (exited|was sent)")


def verdict(status: int, text: str) -> str:
    if status == 0:
        return f"no answer: {text}"
    if status == 200:
        return OK
    if status == 503 and "Lookups are paused for a moment" in text:
        return STORE_DOWN
    if status == 503 and "The database is unreachable" in text:
        return DATABASE_DOWN
    if status == 503 and "Too many lookups at once" in text:
        return BUSY
    return f"HTTP {status}"


@dataclass(frozen=True)
class Hit:
    page: str
    started: float  # time.monotonic()
    ended: float
    status: int  # 0: no answer at all
    verdict: str
    retried: bool = False  # sent a second time after its connection was closed under it


class Agents:
    """`count` people, each signed in on a session of their own, going round a lookup (uncached,
    a device of their own), their lookups and /healthz, with `pause` seconds between pages,
    until the `with` block ends."""

    def __init__(self, stack: Stack, *, count: int = 6, pause: float = 0.2) -> None:
        self.stack = stack
        self.count = count
        self.pause = pause
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> Agents:
        sessions = [self.stack.session() for _ in range(self.count)]
        for number, session in enumerate(sessions):
            thread = threading.Thread(target=self._work, args=(number, session), daemon=True)
            self._threads.append(thread)
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(PAGE_TIMEOUT + 5)

    def _work(self, number: int, session: requests.Session) -> None:
        base = self.stack.urls[0]
        # Devices of this agent's own, so no two agents' lookups ever share one vendor call
        # (a lookup that joins a call begun before an outage may rightly succeed during it).
        devices = AGENT_DEVICES[number :: self.count]
        step = 0
        while not self._stop.is_set():
            device = devices[step % len(devices)]
            urls = {
                "lookup": f"/devices/sn/{device.sn}/?refresh=1&reason=chaos-{number}-{step}",
                "my lookups": "/lookups/",
                "healthz": "/healthz",
            }
            for page in PAGES:
                self._visit(session, page, base + urls[page])
                if self._stop.wait(self.pause):
                    return
            step += 1

    def _visit(self, session: requests.Session, page: str, url: str) -> None:
        started = time.monotonic()
        retried = False
        for attempt in range(2):
            try:
                response = session.get(url, timeout=PAGE_TIMEOUT, allow_redirects=False)
                status, text = response.status_code, response.text
                break
            except requests.ConnectionError as error:
                # A kept-alive connection the server closed just as the request went out: a
                # browser sends the request again on a new connection, and so do we, once. A
                # worker that died would show in the servers' log, which the checks read.
                status, text = 0, repr(error)
                retried = attempt == 0
            except requests.RequestException as error:
                status, text = 0, repr(error)
                break
        hit = Hit(page, started, time.monotonic(), status, verdict(status, text), retried)
        with self._lock:
            self.hits.append(hit)

    def of(
        self,
        page: str,
        *,
        started_after: float = 0.0,
        started_before: float = float("inf"),
        ended_before: float = float("inf"),
    ) -> list[Hit]:
        with self._lock:
            return [
                h
                for h in self.hits
                if h.page == page
                and started_after <= h.started < started_before
                and h.ended < ended_before
            ]


def recovery_seconds(agents: Agents, restored_at: float, healthy: set[str]) -> float:
    """Seconds from the store's return to the first lookup after which every lookup was
    healthy; inf if they never were."""
    lookups = sorted(agents.of("lookup", started_after=restored_at), key=lambda h: h.started)
    recovered = None
    for hit in reversed(lookups):
        if hit.verdict not in healthy:
            break
        recovered = hit.started
    return float("inf") if recovered is None else recovered - restored_at


def audit_summary(stack: Stack) -> dict:
    """What the audit log holds: rows by outcome, rows left pending, the distinct vendor
    requestIds of completed rows (each vendor answer carries a new one), and the searches: one
    row per page asked (a 4G camera's page also reads its owner's list, as a follow-up row)."""
    out = stack.manage(
        "shell",
        "-c",
        "import json; from django.db.models import Count; from devices.models import Lookup;"
        "done = Lookup.objects.exclude(outcome='pending');"
        "print(json.dumps({"
        "'outcomes': dict(Lookup.objects.values_list('outcome').annotate(n=Count('id'))"
        ".order_by()),"
        "'vendor_answers': done.exclude(request_id='').values('request_id').distinct().count(),"
        "'rows': Lookup.objects.filter(follows__isnull=True).count()}))",
    )
    return json.loads(out.strip().splitlines()[-1])


def check_the_run(agents: Agents, stack: Stack, *, restored_at: float, healthy: set[str]) -> dict:
    """The checks every chaos test makes; returns what it measured, for the test's own checks.

    No page answered 500 (or not at all); every lookup that reached the vendor has its completed
    row (as many distinct requestIds in completed rows as requests the sandbox received); the
    vendor never saw more than 10 in a second; lookups were healthy again within a few seconds.
    """
    hits = list(agents.hits)
    stats = stack.sandbox_stats()
    audit = audit_summary(stack)
    recovery = recovery_seconds(agents, restored_at, healthy)
    failed = [h for h in hits if h.status in (0, 500)]
    logs = stack.logs()
    assert not WORKER_DIED.search(logs), f"a web server's worker died:\n{logs[-4000:]}"
    assert failed == [], (
        f"{len(failed)} pages answered 500 or nothing: {failed[:5]}\n"
        f"what the servers printed (the end):\n{logs[-4000:]}"
    )
    assert audit["vendor_answers"] == stats["requests"], (audit, stats["requests"])
    assert stats["max_in_any_1s"] <= 10
    assert stats["refused_rate_limit"] == 0
    assert recovery <= 5.0, f"lookups healthy again only {recovery:.1f} s after the store"
    verdicts = Counter(f"{h.page}: {h.verdict}" for h in hits)
    retried = sum(h.retried for h in hits)
    print(
        f"chaos run: {dict(sorted(verdicts.items()))}; sent again after a closed connection "
        f"{retried}; vendor requests {stats['requests']}, "
        f"max in any 1 s {stats['max_in_any_1s']}; audit {audit}; recovery {recovery:.2f} s"
    )
    return {"stats": stats, "audit": audit, "recovery": recovery, "hits": hits}
