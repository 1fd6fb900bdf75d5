"""The shared vendor budget under load, as the vendor sees it.

    .venv/bin/python bench/limiter.py                  # both setups, 3 runs of 12 s each
    .venv/bin/python bench/limiter.py --seconds 20 --runs 5 --setups redis

Setups: "embedded" is one gunicorn with 4 workers on SQLite with the embedded (SQLite-file)
limiter; "redis" is two gunicorn instances (two "hosts", 4 workers each) sharing PostgreSQL and
Redis. The sandbox answers after --latency-ms plus up to --jitter-ms. Demand is well above the
limit: 24 clients asking for uncached device pages
(`?refresh=1`) without pause. The figures come from the sandbox vendor's own counters: the most
requests it saw in any sliding 1 s window (must be <= 10), the rate it served (>= 9.0/s, aim
9.5), and how many it refused (0); plus the limiter's wait percentiles for a slot.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import Stack, drive, percentile, sustained_rate
from devices.sandbox import data

SETUPS = {
    "embedded": {"hosts": 1},
    "redis": {
        "hosts": 2,
        "database_url": "postgres://postgres@127.0.0.1:5432/supportdesk_bench_limiter",
        "redis_url": "redis://127.0.0.1:6379/3",
    },
}


def device_paths() -> list[str]:
    return [f"/devices/sn/{device.sn}/?refresh=1" for device in data.DEVICES]


def run_once(stack: Stack, *, seconds: float, clients: int) -> dict:
    """One run against a warm stack; every figure but the page times is the sandbox's own."""
    sessions = [stack.session(host) for host in range(len(stack.urls))]
    stack.sandbox_reset()
    demand_until = time.monotonic() + seconds
    hits = drive(sessions, stack.urls, device_paths(), seconds=seconds, clients=clients)
    stats = stack.sandbox_stats()
    sustained = sustained_rate(stats, demand_until)
    meter = stack.meter(minutes=1)
    statuses: dict[int, int] = {}
    for hit in hits:
        statuses[hit.status] = statuses.get(hit.status, 0) + 1
    return {
        "max_1s": stats["max_in_any_1s"],
        "rate": sustained,
        "refused": stats["refused_rate_limit"],
        "wait_p50": meter["wait_p50"],
        "wait_p95": meter["wait_p95"],
        "page_p50": percentile([h.seconds for h in hits], 0.50),
        "page_p95": percentile([h.seconds for h in hits], 0.95),
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setups", default="embedded,redis")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--clients", type=int, default=24)
    parser.add_argument("--latency-ms", type=float, default=40, help="sandbox answer delay")
    parser.add_argument("--jitter-ms", type=float, default=40, help="plus up to this, random")
    args = parser.parse_args()
    # Each slot turns over every window + call duration (devices/ratelimit/), so this is the
    # most the vendor can see on average; the rest of a call (signing, HTTP) adds a little.
    mean_call = (args.latency_ms + args.jitter_ms / 2) / 1000
    print(
        f"sandbox latency {args.latency_ms:.0f} ms + up to {args.jitter_ms:.0f} ms: ceiling "
        f"about {10 / (1 + mean_call):.2f}/s for the vendor's 10/s",
        flush=True,
    )
    failed = False
    for name in args.setups.split(","):
        config = SETUPS[name]
        latency = {"sandbox_latency_ms": args.latency_ms, "sandbox_jitter_ms": args.jitter_ms}
        with Stack(**config, **latency) as stack:
            label = f"{name}: {stack.hosts} host(s) x {stack.workers} workers"
            for run in range(1, args.runs + 1):
                figures = run_once(stack, seconds=args.seconds, clients=args.clients)
                ok = figures["max_1s"] <= 10 and figures["refused"] == 0 and figures["rate"] >= 9
                failed |= not ok
                print(
                    f"{label}, run {run}: vendor max in any 1 s = {figures['max_1s']}, "
                    f"achieved {figures['rate']:.2f}/s, vendor refusals {figures['refused']}, "
                    f"slot wait p50 {figures['wait_p50']:.2f} s / p95 {figures['wait_p95']:.2f} s, "
                    f"page p50 {figures['page_p50']:.2f} s / p95 {figures['page_p95']:.2f} s, "
                    f"pages by status {figures['statuses']}" + ("" if ok else "  <-- FAILED"),
                    flush=True,
                )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
