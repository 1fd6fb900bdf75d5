"""The cache backends on the stores: the SQLite cache counts exactly across processes, and both
act as an empty cache while their store cannot be used, instead of raising."""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
import time
from pathlib import Path

import pytest
from django.core.cache.backends.filebased import FileBasedCache

from devices.stores import cache as caches
from devices.stores import connection_options
from devices.stores.cache import RedisCache, SqliteCache

PROCESSES = 4
INCREMENTS = 150
ROUNDS = 50


@pytest.fixture(autouse=True)
def no_store_marked_down(monkeypatch):
    monkeypatch.setattr(caches, "_down_until", {})


@pytest.fixture
def cache(tmp_path) -> SqliteCache:
    return SqliteCache(str(tmp_path / "cache.sqlite3"), {})


def test_it_keeps_values_of_any_kind_and_counts_integers(cache):
    assert cache.add("count", 1, 60) is True
    assert cache.add("count", 5, 60) is False
    assert [cache.incr("count"), cache.incr("count", 10), cache.decr("count")] == [2, 12, 11]
    cache.set("note", {"who": "staff", "at": 1.5})
    cache.set("rate", 1.5)

    assert cache.get("count") == 11
    assert cache.get("note") == {"who": "staff", "at": 1.5}
    assert cache.incr("rate") == 2.5
    assert cache.get_many(["count", "rate", "missing"]) == {"count": 11, "rate": 2.5}
    with pytest.raises(ValueError, match="not found"):
        cache.incr("missing")


def test_an_expired_entry_is_gone_and_may_be_added_again(cache):
    cache.set("old", 1, timeout=0)  # Django's timeout 0: expired at once

    assert cache.get("old", "miss") == "miss"
    assert cache.has_key("old") is False
    assert cache.touch("old") is False
    with pytest.raises(ValueError, match="not found"):
        cache.incr("old")
    assert cache.add("old", 7, 60) is True
    assert cache.get("old") == 7


def test_touch_delete_and_clear(cache):
    cache.set("a", "x", timeout=0.2)
    assert cache.touch("a", timeout=60) is True
    time.sleep(0.3)
    assert cache.get("a") == "x"
    assert cache.delete("a") is True
    assert cache.delete("a") is False
    cache.set_many({"b": 1, "c": 2})
    cache.clear()
    assert cache.get_many(["b", "c"]) == {}


def test_expired_entries_are_pruned_and_the_cache_culled_to_its_size(tmp_path, monkeypatch):
    cache = SqliteCache(str(tmp_path / "cache.sqlite3"), {"OPTIONS": {"MAX_ENTRIES": 10}})
    monkeypatch.setattr(caches, "PRUNE_EVERY", 3600)
    for n in range(15):
        cache.set(f"gone-{n}", n, timeout=0)
        cache.set(f"live-{n}", n, timeout=60 + n)
    monkeypatch.setattr(caches, "PRUNE_EVERY", 0)

    cache.set("one-more", 1, timeout=3600)

    rows = cache.file.connection().execute("SELECT key FROM cache_entry").fetchall()
    kept = sorted(key.removeprefix(":1:") for (key,) in rows)
    # 15 expired dropped; then 16 live > 10, so a third of them (5) go, soonest to expire first.
    assert kept == sorted(["one-more", *(f"live-{n}" for n in range(5, 15))])


# Several processes at once (forked from a fork server: this process runs threads).


def count_up(kind: str, location: str, barrier) -> None:
    cache = BACKENDS[kind](location, {})
    cache.add("count", 0, 3600)
    barrier.wait()
    for _ in range(INCREMENTS):
        cache.incr("count")


def race_to_add(kind: str, location: str, barrier, folder: str) -> None:
    cache = BACKENDS[kind](location, {})
    won = []
    for n in range(ROUNDS):
        barrier.wait()
        if cache.add(f"round-{n}", "mine", 3600):
            won.append(n)
    (Path(folder) / f"won-{multiprocessing.current_process().pid}.txt").write_text(
        " ".join(map(str, won))
    )


BACKENDS = {"sqlite": SqliteCache, "file": FileBasedCache}


def location(kind: str, folder: Path) -> str:
    return str(folder / "cache.sqlite3") if kind == "sqlite" else str(folder / "cache")


def run_processes(target, *args) -> None:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    barrier = context.Barrier(PROCESSES, timeout=60)
    workers = [
        context.Process(target=target, args=(*args[:2], barrier, *args[2:]))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES


def test_increments_from_several_processes_at_once_are_all_counted(tmp_path):
    run_processes(count_up, "sqlite", location("sqlite", tmp_path))

    assert SqliteCache(location("sqlite", tmp_path), {}).get("count") == PROCESSES * INCREMENTS


def test_the_check_catches_a_cache_whose_increment_is_read_then_write(tmp_path):
    # Negative control: Django's file cache, which the embedded setup used before, loses counts.
    run_processes(count_up, "file", location("file", tmp_path))

    assert FileBasedCache(location("file", tmp_path), {}).get("count") < PROCESSES * INCREMENTS


def test_of_processes_adding_one_key_at_once_exactly_one_succeeds(tmp_path):
    run_processes(race_to_add, "sqlite", location("sqlite", tmp_path), str(tmp_path))

    won = [int(n) for path in tmp_path.glob("won-*.txt") for n in path.read_text().split()]
    assert sorted(won) == list(range(ROUNDS))


# A store that cannot be used.


def test_an_unusable_file_is_an_empty_cache_that_keeps_nothing(tmp_path, caplog):
    cache = SqliteCache(str(tmp_path), {})  # a folder, not a database

    with caplog.at_level(logging.WARNING, "supportdesk.stores"):
        cache.set("a", 1)
        assert cache.add("a", 1) is False
        assert cache.get("a", "miss") == "miss"
        assert cache.get_many(["a"]) == {}
        assert cache.set_many({"a": 1}) == ["a"]
        with pytest.raises(ValueError, match="store cannot be used"):
            cache.incr("a")

    # Once, not once per call: the store is not tried again for a moment.
    assert len(caplog.records) == 1
    assert "per-person limits let requests through" in caplog.text


def test_a_locked_file_is_given_up_on_after_a_second_then_skipped_for_a_moment(cache):
    cache.set("count", 1)
    other = sqlite3.connect(cache.file.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        assert cache.add("other", 1) is False
        first = time.monotonic() - started
        started = time.monotonic()
        assert cache.add("other", 1) is False
        second = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert caches.LOCK_TIMEOUT <= first < caches.LOCK_TIMEOUT + 0.5
    assert second < 0.05


def test_it_uses_its_store_again_once_the_moment_has_passed(cache, monkeypatch):
    monkeypatch.setattr(caches, "STORE_RETRY", 0.2)
    other = sqlite3.connect(cache.file.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(caches, "LOCK_TIMEOUT", 0.1)
    assert cache.add("count", 1) is False
    other.execute("ROLLBACK")
    other.close()
    assert cache.add("count", 1) is False  # still skipped

    time.sleep(0.25)

    assert cache.add("count", 1) is True
    assert cache.incr("count") == 2


def test_a_redis_cache_that_cannot_reach_redis_is_empty_fast():
    cache = RedisCache("redis://127.0.0.1:1/0", {})

    started = time.monotonic()
    assert cache.add("a", 1) is False
    assert cache.get("a", "miss") == "miss"
    with pytest.raises(ValueError, match="store cannot be used"):
        cache.incr("a")

    assert time.monotonic() - started < 1.0


def test_the_redis_cache_connects_with_the_stores_timeouts_and_retry():
    options = RedisCache("redis://127.0.0.1:1/0", {})._cache._pool_options
    expected = connection_options()

    assert options["socket_timeout"] == expected["socket_timeout"]
    assert options["socket_connect_timeout"] == expected["socket_connect_timeout"]
    assert options["retry"].get_retries() == 1
