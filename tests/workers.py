"""Load for the limiter and coalescing tests (and bench/), in this process or in others.

`python -m tests.workers '<json spec>'` builds a limiter or coordinator from the spec,
prints "ready", waits for a line on stdin (so that every process starts at once), runs, and
prints one line of JSON. Times are time.monotonic(), which every process on the host shares.

`max_admitted_in_window` is the honest check of a limiter: only what the callers saw counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import redis

from devices.coalescing import RedisCoordinator, SqliteCoordinator
from devices.ratelimit import RedisLimiter, SlidingLogLimiter, SqliteLimiter, VendorBusy

Interval = tuple[float, float]

# What a test call may hold its slot for: longer than any test call lasts.
HOLD = 5.0


def take(limiter: SlidingLogLimiter, key: str, *, timeout: float) -> float:
    """A vendor call as production makes it, over as soon as it is admitted: reserve a slot,
    finish it. The seconds waited; VendorBusy as reserve() raises it."""
    slot = limiter.reserve(key, timeout=timeout, hold=HOLD)
    slot.finish()
    return slot.waited


def max_admitted_in_window(intervals: Sequence[Interval], window: float) -> int:
    """The most calls whose whole (start, end) interval lies in one window [t, t + window).

    A call was admitted at some instant between its start and its return; when the whole
    interval lies inside the window, so does the admission, whatever the caller did not see.
    The best window for a set of calls starts at their earliest start, so only those are tried.
    """
    spans = sorted(intervals)
    best = 0
    for i, (t, _) in enumerate(spans):
        inside = 0
        for start, end in spans[i:]:
            if start >= t + window:
                break
            if end < t + window:
                inside += 1
        best = max(best, inside)
    return best


def hammer(
    limiter: Any, key: str, *, threads: int, calls: int, timeout: float, seconds: float = 20.0
) -> dict[str, list[Any]]:
    """`threads` threads each take `calls` slots, for at most `seconds`; a refused caller sleeps
    its Retry-After (a second at most) and tries again.

    Returns the (start, end) of every admitted call, and (start, end, retry_after) of every
    refused one.
    """
    admitted: list[Interval] = []
    refused: list[tuple[float, float, float]] = []
    record = threading.Lock()
    start = threading.Barrier(threads)

    def run() -> None:
        start.wait()
        deadline = time.monotonic() + seconds
        taken = 0
        while taken < calls and time.monotonic() < deadline:
            began = time.monotonic()
            try:
                take(limiter, key, timeout=timeout)
            except VendorBusy as busy:
                ended = time.monotonic()
                with record:
                    refused.append((began, ended, busy.retry_after))
                time.sleep(min(busy.retry_after, 1.0))
                continue
            ended = time.monotonic()
            with record:
                admitted.append((began, ended))
            taken += 1

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(run) for _ in range(threads)]:
            future.result()
    return {"admitted": admitted, "refused": refused}


def build(spec: dict[str, Any]) -> Any:
    """A limiter or coordinator from a JSON-able spec (see the tests' fixtures)."""
    kind, backend = spec["kind"], spec["backend"]
    if kind == "limiter":
        rate, window = spec["rate"], spec["window"]
        if backend == "sqlite":
            return SqliteLimiter(spec["path"], rate=rate, window=window)
        client = redis.Redis.from_url(spec["url"])
        return RedisLimiter(client, rate=rate, window=window, prefix=spec["prefix"])
    options = spec.get("options", {})
    if backend == "sqlite":
        return SqliteCoordinator(spec["path"], **options)
    return RedisCoordinator(redis.Redis.from_url(spec["url"]), prefix=spec["prefix"], **options)


def count_call(counter: str, text: str = "call") -> None:
    """Append one line to a file: O_APPEND writes of one line do not interleave."""
    fd = os.open(counter, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, f"{text} {os.getpid()}\n".encode())
    finally:
        os.close(fd)


def run_job(job: dict[str, Any]) -> Any:
    target = build(job["spec"])
    action = job["action"]
    if action == "hammer":
        return hammer(
            target,
            job["key"],
            threads=job["threads"],
            calls=job["calls"],
            timeout=job["timeout"],
            seconds=job.get("seconds", 20.0),
        )
    if action == "take":
        began = time.monotonic()
        try:
            waited = take(target, job["key"], timeout=job["timeout"])
        except VendorBusy as busy:
            ended = time.monotonic()
            return {"busy": busy.retry_after, "elapsed": ended - began, "ended": ended}
        ended = time.monotonic()
        return {"waited": waited, "elapsed": ended - began, "ended": ended}
    if action == "fetch":
        return fetch_many(target, job)
    raise ValueError(f"unknown action {action}")


def fetch_many(coordinator: Any, job: dict[str, Any]) -> list[list[Any]]:
    """`threads` threads fetch one key at once; produce() counts itself, sleeps, answers.

    With "hang": produce() counts itself and then never returns (the test kills the process).
    """

    def produce() -> str:
        count_call(job["counter"])
        if job.get("hang"):
            time.sleep(3600)
        time.sleep(job.get("produce_seconds", 0.0))
        if job.get("fail"):
            raise RuntimeError("the vendor failed")
        return job["payload"]

    def one() -> list[Any]:
        try:
            payload, source, stored_at = coordinator.fetch(
                job["key"],
                produce,
                ttl=job["ttl"],
                refresh=job.get("refresh", False),
                wait=job["wait"],
            )
        except RuntimeError as error:
            return ["error", str(error), 0.0]
        return [payload, str(source), stored_at]

    threads = job.get("threads", 1)
    with ThreadPoolExecutor(threads) as pool:
        return [f.result() for f in [pool.submit(one) for _ in range(threads)]]


ROOT = Path(__file__).resolve().parent.parent


def start_processes(jobs: Sequence[dict[str, Any]]) -> list[subprocess.Popen[str]]:
    """One worker process per job, each started and ready (imports done), not yet running."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.workers", json.dumps(job)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for job in jobs
    ]
    for process in processes:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line == "ready", f"worker did not start: {line!r}"
    return processes


def go(processes: Sequence[subprocess.Popen[str]]) -> None:
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()


def results(processes: Sequence[subprocess.Popen[str]], timeout: float = 60) -> list[Any]:
    answers = []
    for process in processes:
        out, _ = process.communicate(timeout=timeout)
        assert process.returncode == 0, f"worker failed with {process.returncode}"
        answers.append(json.loads(out))
    return answers


def run_in_processes(jobs: Sequence[dict[str, Any]], timeout: float = 60) -> list[Any]:
    """Run the jobs in as many processes, all starting at once; their answers, in order."""
    processes = start_processes(jobs)
    go(processes)
    return results(processes, timeout)


def main() -> None:
    job = json.loads(sys.argv[1])
    if job.get("skew"):
        # This process's wall clock runs `skew` seconds off; time.monotonic() is untouched.
        real_time = time.time
        time.time = lambda: real_time() + job["skew"]
    print("ready", flush=True)
    sys.stdin.readline()
    print(json.dumps(run_job(job)), flush=True)


if __name__ == "__main__":
    main()
