"""The limiter's two lanes under load: do people wait longer while a bulk job runs?

    .venv/bin/python bench/lanes.py                      # SQLite-file limiter, 20 s phases
    .venv/bin/python bench/lanes.py --redis redis://127.0.0.1:6379/12 --reserve 1 2 3

One run, side by side, against the sandbox vendor in its own process (answers after
--latency-ms plus up to --jitter-ms, and enforces 10/s itself):

1. --rounds pairs of blocks of --seconds each: people alone, then the same arrivals (same seed)
   beside a 1,000-item bulk job. People are Poisson arrivals of interactive lookups
   (--people-rate per second, spread over 8 people), each a real signed devInfo call through
   the limiter's interactive lane; the job is --workers sequential callers in the bulk lane in
   other processes, as `db_worker` processes work a job's items, paused between its blocks.
   Alternating keeps whatever else the machine does from favouring either side;
2. the job alone, once nobody has looked up for --reserve-for seconds (the bulk lane then
   keeps no slots free), for its rate against the whole budget;
3. a colleague's single lookup while another person bursts 60 at once (the job still running).

Printed: interactive slot-wait p50 / p95 with and without the job and their ratio (target
<= 1.25), the job's rate against the budget people left over (target >= 80 %), the most
requests the vendor saw in any 1 s (<= 10) and how many it refused, and the colleague's wait.
The slot-wait is what the limiter's reserve() took; the vendor call itself is not in it.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import free_port, percentile, wait_for
from devices.gwell.client import AppCredentials, VendorClient
from devices.ratelimit import Ask, Lane, RedisLimiter, SqliteLimiter, VendorBusy
from devices.sandbox import data

APP_ID = "bench-app"
RATE, WINDOW = 10, 1.0
HOLD = 11.0  # as production: two vendor timeouts and a second
PEOPLE = [f"agent{n}" for n in range(8)]


_limiters: dict = {}


def make_limiter(spec: dict):
    """One limiter per process and store, as in production (its SQLite file or Redis client
    opened once)."""
    name = spec["redis"] + spec["prefix"] + spec["path"]
    if name not in _limiters:
        _limiters[name] = _new_limiter(spec)
    return _limiters[name]


def _new_limiter(spec: dict):
    if spec["redis"]:
        import redis

        client = redis.Redis.from_url(spec["redis"])
        return RedisLimiter(client, rate=RATE, window=WINDOW, prefix=spec["prefix"])
    return SqliteLimiter(spec["path"], rate=RATE, window=WINDOW)


# How long people's calls held their slots before the window's second (admission to finish).
held: list[float] = []


def make_client(spec: dict, ask: Ask, waits: list[float] | None = None) -> VendorClient:
    limiter = make_limiter(spec)

    def before_send():
        slot = limiter.reserve(APP_ID, timeout=spec["max_wait"], hold=HOLD, ask=ask)
        admitted = time.monotonic()
        if waits is not None:
            waits.append(slot.waited)

        def finish() -> None:
            held.append(time.monotonic() - admitted)
            slot.finish()

        return finish

    app = AppCredentials(
        base_url=spec["sandbox"], app_id=APP_ID, app_token=spec["token"], app_key=spec["key"]
    )
    return VendorClient(app, timeout=5.0, before_send=before_send)


def serials(count: int) -> list[str]:
    known = [device.sn for device in data.DEVICES]
    return [known[n % len(known)] for n in range(count)]


def bulk_worker(spec: dict, items, done, working) -> None:
    """One bulk worker: items one after another, as a db_worker process works a job; only
    while `working` is set (the bench pauses the job between its blocks)."""
    client = make_client({**spec, "max_wait": 30.0}, spec["bulk_ask"])
    while True:
        working.wait()
        sn = items.get()
        if sn is None:
            return
        # A failed item (not found, busy) still counts as worked: its slot was taken.
        with contextlib.suppress(Exception):
            client.device_info(sn=sn)
        with done.get_lock():
            done.value += 1


class Job:
    """A 1,000-item job worked by `workers` processes in the bulk lane."""

    def __init__(self, spec: dict, *, items: int = 1000, workers: int = 2) -> None:
        context = multiprocessing.get_context("spawn")
        self.queue = context.Queue()
        for sn in serials(items):
            self.queue.put(sn)
        self.done = context.Value("i", 0)
        self.working = context.Event()
        self.processes = [
            context.Process(
                target=bulk_worker,
                args=(spec, self.queue, self.done, self.working),
                daemon=True,
            )
            for _ in range(workers)
        ]

    def start(self) -> None:
        for process in self.processes:
            process.start()

    def resume(self) -> None:
        self.working.set()

    def pause(self) -> None:
        """No new item starts; the ones under way end and their slots age out."""
        self.working.clear()
        time.sleep(0.5 + WINDOW)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.join(5)


def people(spec: dict, *, seconds: float, rate: float, seed: int) -> dict:
    """Poisson arrivals of interactive lookups for `seconds`; each in its own thread."""
    draw = random.Random(seed)
    waits: list[float] = []
    refused = [0]
    threads = []

    def one(person: str, sn: str) -> None:
        client = make_client(spec, Ask(person=person), waits)
        try:
            client.device_info(sn=sn)
        except VendorBusy:
            refused[0] += 1
        except Exception:  # noqa: S110 (not found and the like: the slot was taken all the same)
            pass

    started = time.monotonic()
    at = 0.0
    sns = serials(500)
    while True:
        at += draw.expovariate(rate)
        if at > seconds:
            break
        time.sleep(max(0.0, started + at - time.monotonic()))
        thread = threading.Thread(target=one, args=(draw.choice(PEOPLE), draw.choice(sns)))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    return {"waits": waits, "seconds": time.monotonic() - started, "refused": refused[0]}


def pooled(blocks: list[dict]) -> dict:
    waits = sorted(wait for block in blocks for wait in block["waits"])
    seconds = sum(block["seconds"] for block in blocks)
    return {
        "served": len(waits),
        "rate": len(waits) / seconds,
        "p50": percentile(waits, 0.50),
        "p95": percentile(waits, 0.95),
        "max": waits[-1] if waits else 0.0,
        "refused": sum(block["refused"] for block in blocks),
    }


def burst_and_colleague(spec: dict) -> dict:
    """Wang bursts 60 lookups at once; Mei asks for one 0.3 s later."""
    waits: dict[str, list[float]] = {"wang": [], "mei": []}

    def one(person: str) -> None:
        client = make_client(spec, Ask(person=person), waits[person])
        with contextlib.suppress(Exception):  # a refused one has no wait: counted as missing
            client.device_info(sn=data.DEVICES[0].sn)

    burst = [threading.Thread(target=one, args=("wang",)) for _ in range(60)]
    for thread in burst:
        thread.start()
    time.sleep(0.3)
    colleague = threading.Thread(target=one, args=("mei",))
    colleague.start()
    for thread in [*burst, colleague]:
        thread.join()
    wang = sorted(waits["wang"])
    return {
        "mei": waits["mei"][0] if waits["mei"] else None,
        "wang_served": len(wang),
        "wang_p50": percentile(wang, 0.5),
        "wang_max": wang[-1] if wang else None,
    }


def vendor(spec: dict, what: str) -> dict:
    if what == "reset":
        requests.post(spec["sandbox"] + "/_reset", timeout=5)
        return {}
    return requests.get(spec["sandbox"] + "/_stats", timeout=5).json()


def run(
    spec: dict,
    *,
    seconds: float,
    rounds: int,
    people_rate: float,
    workers: int,
    reserve_for: float,
) -> dict:
    """`rounds` pairs of blocks, people alone then people beside the job, so that whatever
    else the machine does falls on both alike; then the job alone, then the burst."""
    results: dict = {"alone_blocks": [], "with_job_blocks": [], "job_items": 0}
    held.clear()
    most = {"max_in_any_1s": 0, "refused_rate_limit": 0}

    def note_vendor() -> None:
        stats = vendor(spec, "stats")
        most["max_in_any_1s"] = max(most["max_in_any_1s"], stats["max_in_any_1s"])
        most["refused_rate_limit"] += stats["refused_rate_limit"]
        vendor(spec, "reset")

    job = Job(spec, workers=workers)
    job.start()
    vendor(spec, "reset")
    for number in range(rounds):
        results["alone_blocks"].append(people(spec, seconds=seconds, rate=people_rate, seed=number))
        job.resume()
        time.sleep(2.0 if number == 0 else 0.5)  # the workers reach their pace
        before = job.done.value
        results["with_job_blocks"].append(
            people(spec, seconds=seconds, rate=people_rate, seed=number)
        )
        results["job_items"] += job.done.value - before
        job.pause()
        note_vendor()
    results["alone"] = pooled(results["alone_blocks"])
    results["with_job"] = pooled(results["with_job_blocks"])
    results["call"] = sum(held) / len(held) if held else 0.0
    results["job_rate"] = results["job_items"] / sum(
        block["seconds"] for block in results["with_job_blocks"]
    )

    job.resume()
    # Nobody has looked up since the last block: the reserve lapses, then the job is measured.
    time.sleep(0.5 + (reserve_for if reserve_for < 60 else 0.0))
    before = job.done.value
    time.sleep(seconds)
    results["job_alone_rate"] = (job.done.value - before) / seconds
    note_vendor()

    results["burst"] = burst_and_colleague(spec)
    note_vendor()
    job.stop()
    results["vendor"] = most
    return results


def report(reserve: int, results: dict) -> None:
    alone, with_job = results["alone"], results["with_job"]
    ratio = with_job["p95"] / alone["p95"] if alone["p95"] else float("inf")
    leftover = RATE - with_job["rate"]
    burst = results["burst"]
    most = results["vendor"]["max_in_any_1s"]
    refused = results["vendor"]["refused_rate_limit"]
    print(f"BULK_RESERVE={reserve}")
    print(
        f"  people alone:     {alone['served']} lookups, {alone['rate']:.2f}/s, slot-wait "
        f"p50 {alone['p50'] * 1000:.1f} ms, p95 {alone['p95'] * 1000:.1f} ms, "
        f"max {alone['max'] * 1000:.0f} ms, refused {alone['refused']}"
    )
    print(
        f"  people + job:     {with_job['served']} lookups, {with_job['rate']:.2f}/s, slot-wait "
        f"p50 {with_job['p50'] * 1000:.1f} ms, p95 {with_job['p95'] * 1000:.1f} ms, "
        f"max {with_job['max'] * 1000:.0f} ms, refused {with_job['refused']}"
    )
    print(f"  p95 ratio (job / alone): {ratio:.2f}  (target <= 1.25)")
    print(
        f"  job beside people: {results['job_rate']:.2f}/s of {leftover:.2f}/s left over "
        f"= {results['job_rate'] / leftover:.0%}  (target >= 80 %)"
    )
    # A slot is held from admission to a window after the call: that bounds every rate.
    slot = WINDOW + results["call"]
    ceiling = RATE / slot
    print(
        f"  slots: a call holds one {slot:.3f} s (call {results['call'] * 1000:.0f} ms + "
        f"window): ceiling {ceiling:.2f}/s; the job had {results['job_rate']:.2f}/s of the "
        f"{ceiling - with_job['rate']:.2f}/s people left of it = "
        f"{results['job_rate'] / (ceiling - with_job['rate']):.0%}"
    )
    print(
        f"  job alone (nobody for {results['reserve_for']:.0f} s): "
        f"{results['job_alone_rate']:.2f}/s of {RATE}/s"
    )
    print(
        f"  burst of 60 + colleague: Mei waited {burst['mei'] * 1000:.0f} ms; Wang's "
        f"{burst['wang_served']} served, p50 {burst['wang_p50'] * 1000:.0f} ms, "
        f"max {burst['wang_max'] * 1000:.0f} ms"
    )
    print(f"  vendor: most in any 1 s {most} (<= {RATE}), refused {refused}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="One block's length.")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--people-rate", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reserve", type=int, nargs="+", default=[2])
    parser.add_argument("--share", type=float, default=0.3)
    parser.add_argument(
        "--reserve-for",
        type=float,
        default=10.0,
        help="BULK_RESERVE_FOR: seconds the reserve is kept after a person's last lookup "
        "(inf: always, as before).",
    )
    parser.add_argument("--latency-ms", type=float, default=60)
    parser.add_argument("--jitter-ms", type=float, default=40)
    parser.add_argument("--redis", default="", help="A Redis URL: the limiter in Redis.")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-lanes-"))
    token, key = secrets.token_hex(16), secrets.token_hex(16)
    port = free_port()
    sandbox = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devices.sandbox",
            "--port",
            str(port),
            "--app-id",
            APP_ID,
            "--latency-ms",
            str(args.latency_ms),
            "--jitter-ms",
            str(args.jitter_ms),
        ],
        env={**os.environ, "SANDBOX_APP_TOKEN": token, "SANDBOX_APP_KEY": key},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/_stats")
        print(
            f"lanes: {args.people_rate}/s interactive over {len(PEOPLE)} people, "
            f"{args.workers} bulk workers, {args.rounds} rounds of {args.seconds:.0f} s blocks, "
            "vendor "
            f"{args.latency_ms:.0f}+{args.jitter_ms:.0f} ms, limiter "
            f"{'Redis' if args.redis else 'SQLite file'}, BULK_SHARE {args.share}, "
            f"BULK_RESERVE_FOR {args.reserve_for:g} s"
        )
        for reserve in args.reserve:
            spec = {
                "sandbox": f"http://127.0.0.1:{port}",
                "token": token,
                "key": key,
                "redis": args.redis,
                "prefix": f"bench:lanes:{secrets.token_hex(4)}:",
                "path": str(workdir / f"limiter-{reserve}.sqlite3"),
                "max_wait": 2.0,
                "bulk_ask": Ask(
                    lane=Lane.BULK,
                    keep_free=reserve,
                    share=int(RATE * args.share),
                    reserve_for=args.reserve_for,
                ),
            }
            results = run(
                spec,
                seconds=args.seconds,
                rounds=args.rounds,
                people_rate=args.people_rate,
                workers=args.workers,
                reserve_for=args.reserve_for,
            )
            results["reserve_for"] = args.reserve_for
            report(reserve, results)
    finally:
        sandbox.terminate()
        sandbox.wait(10)


if __name__ == "__main__":
    main()
