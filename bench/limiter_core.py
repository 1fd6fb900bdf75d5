"""The limiter alone, under more demand than it admits: 8 processes for 10 s on each store.

    .venv/bin/python bench/limiter_core.py
    .venv/bin/python bench/limiter_core.py --seconds 20 --processes 8 --threads 4 --backends sqlite

Each process runs `threads` callers that take slots one after another with the production
timeout (VENDOR_MAX_WAIT, 2 s), on one key, at the production budget (10 per 1 s + 0.05 s
margin); each call is over as soon as it is admitted (reserve, then finish). Printed per store:
the admitted rate; the most calls admitted in any sliding window of 1 s (the vendor's) and of
the limiter's own window, counted the honest way (only calls whose whole reserve() lies inside
the window); wait percentiles and refusals; and the cost of one uncontended call. The honest
count is a lower bound: admissions that the callers could not pin down to one window are left
out, so the figures to read are "never above 10" and the rate.
The vendor's own view, through gunicorn and HTTP, is bench/limiter.py.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devices.ratelimit import RedisLimiter, SqliteLimiter
from tests.workers import max_admitted_in_window, run_in_processes, take

RATE = 10
PERIOD = 1.0
MARGIN = 0.05
MAX_WAIT = 2.0
REDIS_URL = "redis://127.0.0.1:6379/15"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)] if ordered else 0.0


def spec(backend: str, workdir: str, prefix: str) -> dict:
    return {
        "kind": "limiter",
        "backend": backend,
        "path": f"{workdir}/limiter.sqlite3",
        "url": REDIS_URL,
        "prefix": prefix,
        "rate": RATE,
        "window": PERIOD + MARGIN,
    }


def uncontended_cost(backend: str, workdir: str, prefix: str, calls: int = 2000) -> float:
    """Microseconds per call (reserve, meter, finish) that finds a free slot (a new key each
    time)."""
    if backend == "sqlite":
        limiter = SqliteLimiter(f"{workdir}/cost.sqlite3", rate=RATE, window=PERIOD)
    else:
        client = redis.Redis.from_url(REDIS_URL)
        limiter = RedisLimiter(client, rate=RATE, window=PERIOD, prefix=prefix + "cost:")
    take(limiter, "warm-up", timeout=0)
    started = time.perf_counter()
    for n in range(calls):
        take(limiter, f"key-{n}", timeout=0)  # a new key: always free
    return (time.perf_counter() - started) / calls * 1e6


def run(backend: str, *, processes: int, threads: int, seconds: float) -> None:
    workdir = tempfile.mkdtemp(prefix="limiter-bench-")
    prefix = f"bench:limit:{uuid.uuid4().hex}:"
    job = {
        "action": "hammer",
        "spec": spec(backend, workdir, prefix),
        "key": "bench-app",
        "threads": threads,
        "calls": 10_000,
        "timeout": MAX_WAIT,
        "seconds": seconds,
    }
    try:
        answers = run_in_processes([job] * processes, timeout=seconds + 60)
        cost = uncontended_cost(backend, workdir, prefix)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if backend == "redis":
            client = redis.Redis.from_url(REDIS_URL)
            keys = list(client.scan_iter(f"{prefix}*"))
            if keys:
                client.delete(*keys)
    admitted = [tuple(span) for answer in answers for span in answer["admitted"]]
    refused = [tuple(r) for answer in answers for r in answer["refused"]]
    ends = sorted(end for _, end in admitted)
    span = ends[-1] - ends[0] if len(ends) > 1 else 0.0
    waits = [end - start for start, end in admitted]
    print(
        f"{backend}: {processes} processes x {threads} callers, {seconds:.0f} s, "
        f"budget {RATE} per {PERIOD:.2f} s + {MARGIN:.2f} s margin"
    )
    # The first burst of RATE calls is free; after it, calls come at most RATE per window.
    steady = (len(ends) - RATE) / span if span else 0.0
    print(
        f"  admitted calls          {len(admitted)}; after the first {RATE}, {steady:.2f}/s "
        f"(ceiling {RATE / (PERIOD + MARGIN):.2f}/s)"
    )
    print(
        f"  max in any {PERIOD:.2f} s      {max_admitted_in_window(admitted, PERIOD)}"
        f"   (limit {RATE}; honest count)"
    )
    print(
        f"  max in any {PERIOD + MARGIN:.2f} s      "
        f"{max_admitted_in_window(admitted, PERIOD + MARGIN)}"
    )
    print(
        f"  wait p50 / p95 / max    {percentile(waits, 0.5):.3f} / "
        f"{percentile(waits, 0.95):.3f} / {max(waits, default=0):.3f} s"
    )
    print(
        f"  refusals (VendorBusy)   {len(refused)}"
        + (f", in {max(e - s for s, e, _ in refused):.3f} s at most" if refused else "")
    )
    print(f"  uncontended call        {cost:.0f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "redis"])
    args = parser.parse_args()
    for backend in args.backends:
        run(backend, processes=args.processes, threads=args.threads, seconds=args.seconds)


if __name__ == "__main__":
    main()
