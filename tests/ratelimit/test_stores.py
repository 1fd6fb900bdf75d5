"""Where the limiter's two stores differ: whose clock times the calls, processes sharing the
SQLite file, and what a caller gets when the store fails (LimiterUnavailable, never a call)."""

from __future__ import annotations

import fcntl
import os
import time

import pytest

from devices import ratelimit
from devices.ratelimit import LimiterUnavailable, RedisLimiter, SqliteLimiter, VendorBusy
from devices.stores import SqliteFile, redis_client
from tests.ratelimit.limiters import RATE, WINDOW, Store, fill
from tests.workers import max_admitted_in_window, run_in_processes, take

# Clocks


def skewed_hammer(store: Store, seconds: float) -> tuple[list[tuple[float, ...]], list[float]]:
    """Two processes, one clock a second fast and one a second slow, share one key."""
    job = {"action": "hammer", "spec": store.spec(), "key": "app", "seconds": seconds}
    job.update(threads=5, calls=2, timeout=0.1)
    answers = run_in_processes([{**job, "skew": 1.0}, {**job, "skew": -1.0}])
    admitted = [tuple(span) for answer in answers for span in answer["admitted"]]
    retry_afters = [refusal[2] for answer in answers for refusal in answer["refused"]]
    return admitted, retry_afters


def test_the_redis_limiter_keeps_one_timeline_when_hosts_clocks_disagree(redis_store):
    admitted, retry_afters = skewed_hammer(redis_store, seconds=3.0)

    assert len(admitted) == 20
    assert max_admitted_in_window(admitted, WINDOW) == RATE
    # Nobody saw another's calls in its future, which would make it wait past one window.
    assert max(retry_afters) <= WINDOW


def test_the_same_skew_breaks_a_limiter_that_trusts_the_callers_clocks(sqlite_store):
    # The SQLite limiter times calls with time.time(): right for one host, wrong for two. The
    # fast clock drops the slow one's calls as old; the slow one waits for calls "in the future".
    # Which process goes first decides which way it breaks: too many calls in one window, or
    # the slow clock's calls starved behind calls it sees in its future: about the skew plus a
    # window (1.5 s here), where one timeline admits the 20 calls in about one window (0.5 s).
    admitted, _ = skewed_hammer(sqlite_store, seconds=4.0)
    span = max(end for _, end in admitted) - min(start for start, _ in admitted)

    assert (
        max_admitted_in_window(admitted, WINDOW) > RATE or len(admitted) < 20 or span > 2 * WINDOW
    )


# Processes


def test_the_sqlite_limiter_opens_its_own_connection_after_a_fork(sqlite_store):
    limiter = sqlite_store.limiter()
    fill(limiter, "app", 5)
    parent_connection = limiter.file.connection()

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave without running anything of pytest
        code = 1
        try:
            own = limiter.file.connection() is not parent_connection
            fill(limiter, "app", 5)
            try:
                take(limiter, "app", timeout=0)
                shared = False
            except VendorBusy:
                shared = True
            os.write(write, f"{own} {shared}".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    report = os.read(read, 100).decode()
    os.close(read)

    assert os.waitstatus_to_exitcode(status) == 0
    assert report == "True True"  # its own connection, and the parent's five calls counted
    with pytest.raises(VendorBusy):
        take(limiter, "app", timeout=0)  # and the child's five count here


# The store failing


def test_an_unreachable_redis_refuses_calls_as_busy_within_a_second():
    limiter = RedisLimiter(redis_client("redis://127.0.0.1:1/0"), rate=RATE, window=1)

    started = time.monotonic()
    with pytest.raises(LimiterUnavailable) as refused:
        take(limiter, "app", timeout=2.0)

    assert time.monotonic() - started < 1.0
    assert isinstance(refused.value, VendorBusy)
    assert refused.value.retry_after == ratelimit.STORE_RETRY_AFTER
    assert str(refused.value) == ratelimit.STORE_MESSAGE.format(
        error="ConnectionError", seconds=ratelimit.STORE_RETRY_AFTER
    )
    with pytest.raises(LimiterUnavailable):
        limiter.ping()


def test_an_unusable_sqlite_file_refuses_calls_as_busy(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    limiter = SqliteLimiter(blocker / "limiter.sqlite3", rate=RATE, window=WINDOW)

    with pytest.raises(LimiterUnavailable):
        take(limiter, "app", timeout=2.0)
    with pytest.raises(LimiterUnavailable):
        limiter.ping()


def test_a_sqlite_file_that_cannot_be_opened_in_time_refuses_calls_as_busy(
    sqlite_store, monkeypatch
):
    monkeypatch.setattr(SqliteFile, "open_timeout", 0.2)
    limiter = sqlite_store.limiter()
    # Another process is opening the file, and does not finish.
    held = os.open(limiter.file.lock_path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        started = time.monotonic()
        with pytest.raises(LimiterUnavailable) as refused:
            take(limiter, "app", timeout=2.0)
        assert 0.2 <= time.monotonic() - started < 1.0
        assert "OperationalError" in str(refused.value)
    finally:
        os.close(held)

    take(limiter, "app", timeout=0)  # once the other is done, it opens
