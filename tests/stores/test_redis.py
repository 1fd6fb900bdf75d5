"""The stores' Redis plumbing: Lua scripts read from the packages' `lua/` folders, each naming
its KEYS and ARGV at the top; clients and the cache that fail fast while Redis is down and work
again as soon as it is back (no pool stays poisoned)."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import pytest
import redis

from devices.stores import lua_script, redis_client
from devices.stores.cache import STORE_RETRY, RedisCache
from tests.chaos.servers import PrivateRedis

SCRIPTS = [
    (package, entry.name.removesuffix(".lua"))
    for package in ("devices.ratelimit", "devices.coalescing")
    for entry in resources.files(package).joinpath("lua").iterdir()
    if entry.name.endswith(".lua")
]
NAMING = re.compile(r"^local \w+ = .*\b(KEYS|ARGV)\[\d+\]")


def test_the_packages_have_their_scripts():
    assert sorted(SCRIPTS) == [
        ("devices.coalescing", "poll"),
        ("devices.coalescing", "publish"),
        ("devices.coalescing", "publish_failure"),
        ("devices.coalescing", "release"),
        ("devices.ratelimit", "acquire"),
        ("devices.ratelimit", "finish"),
        ("devices.ratelimit", "pause"),
    ]


@pytest.mark.parametrize(("package", "name"), SCRIPTS)
def test_a_script_names_its_keys_and_arguments_before_using_them(package, name):
    source = resources.files(package).joinpath("lua", f"{name}.lua").read_text()
    lines = [line for line in source.splitlines() if line.strip() and not line.startswith("--")]
    naming = 0
    while naming < len(lines) and NAMING.match(lines[naming]):
        naming += 1

    assert naming > 0, "no KEYS or ARGV named at the top"
    for line in lines[naming:]:
        assert not re.search(r"\b(KEYS|ARGV)\[", line), f"used without a name: {line!r}"


def test_a_script_is_registered_with_its_text():
    client = redis_client("redis://127.0.0.1:1/0")  # registering does not talk to Redis

    script = lua_script(client, "devices.ratelimit", "pause")

    assert script.script.startswith("-- A pause only ever gets longer")


# A Redis that dies and comes back (a redis-server of the test's own, on a free port).


def ping_from_threads(client, threads: int = 4) -> list[object]:
    """Ping from several threads at once, so the pool holds (and reuses) several connections."""
    barrier = threading.Barrier(threads)

    def ping():
        barrier.wait()
        try:
            return client.ping()
        except redis.RedisError as error:
            return error

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda _: ping(), range(threads)))


def test_pooled_connections_work_again_as_soon_as_redis_is_back():
    with PrivateRedis() as server:
        client = redis_client(server.url)
        assert ping_from_threads(client) == [True] * 4

        server.kill()
        started = time.monotonic()
        down = ping_from_threads(client)
        assert all(isinstance(result, redis.ConnectionError) for result in down)
        assert time.monotonic() - started < 1.0

        server.start()
        assert ping_from_threads(client) == [True] * 4


def test_the_redis_cache_works_again_as_soon_as_redis_is_back():
    with PrivateRedis() as server:
        cache = RedisCache(server.url, {})
        assert cache.add("count", 1) is True

        server.kill()
        assert cache.get("count", "miss") == "miss"
        time.sleep(STORE_RETRY)  # a failed store is left alone this long
        server.start()

        assert cache.add("count", 1) is True  # an empty Redis: the old count is gone
        assert cache.incr("count") == 2
