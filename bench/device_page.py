"""A device page against one bare signed vendor call, side by side, the sandbox at 100 ms.

    .venv/bin/python bench/device_page.py                  # 20 rounds
    .venv/bin/python bench/device_page.py --rounds 40 --latency-ms 100

Issue 10's targets: an uncached device page costs at most 1.3x one bare signed call (the page
makes two vendor calls, devInfo and the owner's devList, and they run in parallel), and a cached
device page at most 20 ms of server time.

One stack (gunicorn, 1 worker x 4 threads, SQLite, the embedded limiter and cache; the sandbox in
its own process answering after a fixed delay, no jitter). Each round measures, one after the
other so that the machine's load is the same for all:

1. bare: one signed devInfo call with the vendor client, straight to the sandbox (no Django);
2. uncached page, owner in the link: the 4G camera whose bundle is used up, `?refresh=1` and
   `?access_id=` its owner, so both calls are made fresh, in parallel;
3. uncached page, owner from devInfo: the same without `?access_id=` (the list waits for
   devInfo's ownerId: two calls one after the other; for comparison);
4. cached page: the page of (2) again without `?refresh=1`, both answers from the cache: the
   server's own time (its `Server-Timing` header, from the first middleware that sees the request
   to the response), and the time at the client over loopback HTTP, an upper bound;
5. for comparison, a WiFi camera's page (one devInfo, no owner's list), uncached and cached: what
   the page cost before issue 10, so that the owner's list's own cost shows.

Rounds are paced so that the vendor's 10 calls a second are never approached (the limiter would
otherwise add its own waits). It prints medians and p90s, and the ratios against the bare call.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import APP_ID, Stack, percentile
from devices.gwell import AppCredentials, VendorClient
from devices.sandbox import data

TARGET_RATIO = 1.3
TARGET_CACHED_MS = 20.0


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name:<37} median {statistics.median(values):7.1f} ms, "
        f"p90 {percentile(values, 0.90):7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument(
        "--redis", default="", help="REDIS_URL for the limiter and cache (default: embedded)"
    )
    parser.add_argument("--database", default="", help="DATABASE_URL (default: a SQLite file)")
    args = parser.parse_args()
    device = data.device_by_key("sim-data-used-up")
    owner = str(device.owner_id)
    with Stack(
        redis_url=args.redis,
        database_url=args.database,
        workers=1,
        threads=4,
        sandbox_latency_ms=args.latency_ms,
        sandbox_jitter_ms=0,
        extra_env={"LOOKUP_CACHE_SECONDS": "600"},
    ) as stack:
        client = VendorClient(
            AppCredentials(stack.sandbox_url, APP_ID, stack.app_token, stack.app_key), timeout=5
        )
        session = stack.session()
        page = f"{stack.urls[0]}/devices/sn/{device.sn}/"

        server_ms: list[float] = []

        def get(url: str, expected: str = "5,120 of 5,120 MB") -> None:
            response = session.get(url, timeout=10)
            if response.status_code != 200 or expected not in response.text:
                raise RuntimeError(f"{url}: HTTP {response.status_code}, not the expected page")
            server_ms.append(float(response.headers["Server-Timing"].partition("dur=")[2]))

        def bare() -> None:
            client.device_info(sn=device.sn, owner_id=owner)

        parallel = f"{page}?refresh=1&access_id={owner}"
        sequential = f"{page}?refresh=1"
        cached = f"{page}?access_id={owner}"
        wifi = f"{stack.urls[0]}/devices/sn/{data.device_by_key('offline-hours').sn}/"
        # Warm up: connections, imports, templates, the cache entry for (4).
        # Paced like the rounds: the bare call bypasses the limiter, so the vendor could
        # otherwise see more than its 10 calls in one second here.
        for _ in range(2):
            for warm in (bare, lambda: get(parallel), lambda: get(sequential)):
                warm()
                time.sleep(0.3)
            get(wifi, "Offline for")
        results: dict[str, list[float]] = {"bare": [], "parallel": [], "sequential": []}
        results["wifi_uncached"] = []
        results["cached"], results["wifi"], results["cached_server"] = [], [], []
        for _ in range(args.rounds):
            results["bare"].append(timed(bare))
            time.sleep(0.3)
            results["parallel"].append(timed(lambda: get(parallel)))
            time.sleep(0.3)
            results["sequential"].append(timed(lambda: get(sequential)))
            time.sleep(0.3)
            results["wifi_uncached"].append(timed(lambda: get(f"{wifi}?refresh=1", "Offline for")))
            time.sleep(0.3)
            for _ in range(5):
                results["cached"].append(timed(lambda: get(cached)))
                results["cached_server"].append(server_ms[-1])
                results["wifi"].append(timed(lambda: get(wifi, "Offline for")))
        stats = stack.sandbox_stats()

    bare_ms = statistics.median(results["bare"])
    stores = f"database {'postgres' if args.database else 'sqlite'}, "
    stores += f"limiter and cache {'redis' if args.redis else 'embedded (SQLite file)'}"
    print(
        f"{stores}; sandbox latency {args.latency_ms:g} ms, no jitter; {args.rounds} rounds; "
        f"vendor max in any 1 s = {stats.get('max_in_any_1s')}, "
        f"refusals {stats.get('refused_rate_limit')}"
    )
    print(summary("bare signed devInfo call", results["bare"]))
    for key, name in (
        ("parallel", "uncached page, owner in link"),
        ("sequential", "uncached page, owner from devInfo"),
        ("wifi_uncached", "uncached WiFi camera page (one call)"),
    ):
        ratio = statistics.median(results[key]) / bare_ms
        verdict = ""
        if key == "parallel":
            verdict = "  OK" if ratio <= TARGET_RATIO else f"  <-- over {TARGET_RATIO}x"
        print(f"{summary(name, results[key])}  = {ratio:.2f}x bare{verdict}")
    cached_ms = statistics.median(results["cached_server"])
    verdict = "  OK" if cached_ms <= TARGET_CACHED_MS else f"  <-- over {TARGET_CACHED_MS:g} ms"
    print(f"{summary('cached page (server time)', results['cached_server'])}{verdict}")
    print(summary("cached page (client-timed)", results["cached"]))
    print(summary("cached WiFi camera page (one call)", results["wifi"]))


if __name__ == "__main__":
    main()
