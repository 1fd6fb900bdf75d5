"""Two "hosts" sharing PostgreSQL and Redis, under more demand than the vendor allows.

    .venv/bin/python bench/multihost.py                    # 15 s uncached, 10 s cached
    .venv/bin/python bench/multihost.py --latency-ms 20 --jitter-ms 20

Two gunicorn instances (4 workers each) on different ports, one PostgreSQL database and one
Redis, the sandbox vendor in its own process. A load generator drives both hosts at once:

1. uncached: every page asks for fresh data (`?refresh=1`), so demand exceeds the 10/s budget;
   the sandbox reports the most requests it saw in any 1 s window (must be <= 10) and the
   sustained rate it served;
2. cached: the same pages without refresh, after one warm-up pass, so they come from the shared
   lookup cache (the audit rows say so).

It prints page latency percentiles for both phases.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import Stack, drive, percentile, sustained_rate
from devices.sandbox import data

POSTGRES = "postgres://postgres@127.0.0.1:5432/supportdesk_bench_multihost"
REDIS = "redis://127.0.0.1:6379/4"


def latencies(hits) -> str:
    ok = [hit.seconds * 1000 for hit in hits if hit.status == 200]
    return (
        f"p50 {percentile(ok, 0.50):.0f} ms, p95 {percentile(ok, 0.95):.0f} ms, "
        f"p99 {percentile(ok, 0.99):.0f} ms over {len(ok)} pages"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uncached-seconds", type=float, default=15)
    parser.add_argument("--cached-seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=24, help="uncached phase")
    parser.add_argument(
        "--cached-clients", type=int, default=8, help="cached phase: a team's worth at once"
    )
    parser.add_argument("--latency-ms", type=float, default=40, help="sandbox answer delay")
    parser.add_argument("--jitter-ms", type=float, default=40, help="plus up to this, random")
    args = parser.parse_args()
    with Stack(
        hosts=2,
        database_url=POSTGRES,
        redis_url=REDIS,
        sandbox_latency_ms=args.latency_ms,
        sandbox_jitter_ms=args.jitter_ms,
        # Long enough that the cached phase is served from the cache from start to end.
        extra_env={"LOOKUP_CACHE_SECONDS": "600"},
    ) as stack:
        sessions = [stack.session(host) for host in range(len(stack.urls))]
        sns = [device.sn for device in data.DEVICES]

        stack.sandbox_reset()
        demand_until = time.monotonic() + args.uncached_seconds
        uncached = drive(
            sessions,
            stack.urls,
            [f"/devices/sn/{sn}/?refresh=1" for sn in sns],
            seconds=args.uncached_seconds,
            clients=args.clients,
        )
        stats = stack.sandbox_stats()
        sustained = sustained_rate(stats, demand_until)
        busy = sum(1 for hit in uncached if hit.status == 503)

        # Warm the cache once per device, then read it from both hosts.
        drive(
            sessions[:1],
            stack.urls[:1],
            [f"/devices/sn/{sn}/" for sn in sns],
            seconds=120,
            clients=4,
            total=len(sns),
        )
        before = stack.sandbox_stats()["requests"]
        cached = drive(
            sessions,
            stack.urls,
            [f"/devices/sn/{sn}/" for sn in sns],
            seconds=args.cached_seconds,
            clients=args.cached_clients,
        )
        vendor_calls_while_cached = stack.sandbox_stats()["requests"] - before
        outcomes = stack.count_lookups()

    mean_call = (args.latency_ms + args.jitter_ms / 2) / 1000
    print(
        f"2 hosts x 4 workers, PostgreSQL + Redis, sandbox latency {args.latency_ms:.0f} ms "
        f"+ up to {args.jitter_ms:.0f} ms (ceiling about {10 / (1 + mean_call):.2f}/s)"
    )
    print(
        f"uncached: vendor max in any 1 s = {stats['max_in_any_1s']}, sustained "
        f"{sustained:.2f}/s, vendor refusals {stats['refused_rate_limit']}, "
        f"pages answered 'busy' (503) {busy}"
    )
    print(f"uncached page latency ({args.clients} clients): {latencies(uncached)}")
    print(
        f"cached page latency ({args.cached_clients} clients): {latencies(cached)}, "
        f"{len(cached) / args.cached_seconds:.0f} pages/s; vendor calls meanwhile "
        f"{vendor_calls_while_cached}"
    )
    print(f"audit rows by outcome: {outcomes}")
    ok = stats["max_in_any_1s"] <= 10 and stats["refused_rate_limit"] == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
