"""`fetch_lookup`, the coalescer as the lookup service uses it: this process's coordinator
built from the settings, and a lookup whose store cannot be used."""

from __future__ import annotations

import pytest

from devices import coalescing, services
from devices.audit import AuditContext
from devices.coalescing import (
    RedisCoordinator,
    Source,
    SqliteCoordinator,
    fetch_lookup,
    get_coordinator,
)
from devices.models import Lookup
from devices.ratelimit import LimiterUnavailable
from devices.sandbox import data
from tests.coalescing.coordinators import REDIS_URL, Vendor


@pytest.fixture
def coordinator_settings(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.LIMITER_SQLITE_PATH = str(tmp_path / "from-settings.sqlite3")
    yield settings
    coalescing.reset_coordinator_cache()


def test_get_coordinator_uses_the_limiters_sqlite_file_by_default(coordinator_settings):
    coordinator = get_coordinator()

    assert isinstance(coordinator, SqliteCoordinator)
    assert coordinator.file.path == coordinator_settings.LIMITER_SQLITE_PATH
    assert get_coordinator() is coordinator


@pytest.mark.redis
def test_get_coordinator_uses_redis_when_redis_url_is_set(coordinator_settings):
    before = get_coordinator()
    coordinator_settings.REDIS_URL = REDIS_URL

    coordinator = get_coordinator()

    assert coordinator is not before
    assert isinstance(coordinator, RedisCoordinator)
    assert coordinator.client.connection_pool.connection_kwargs["db"] == 15


def test_fetch_lookup_caches_for_lookup_cache_seconds(coordinator_settings):
    coordinator_settings.LOOKUP_CACHE_SECONDS = 30
    assert fetch_lookup("k", Vendor("a"))[:2] == ("a", Source.FRESH)
    assert fetch_lookup("k", Vendor("b"))[:2] == ("a", Source.CACHED)
    assert fetch_lookup("k", Vendor("c"), refresh=True)[:2] == ("c", Source.FRESH)

    coordinator_settings.LOOKUP_CACHE_SECONDS = 0
    assert fetch_lookup("k2", Vendor("d"))[:2] == ("d", Source.FRESH)
    assert fetch_lookup("k2", Vendor("e"))[:2] == ("e", Source.FRESH)


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_a_lookup_whose_store_cannot_be_used_fails_before_any_vendor_call(
    backend, settings, tmp_path, staff, credential, sandbox
):
    # The coalescer's store is the limiter's: when it cannot be used, the lookup gets the
    # limiter's error (a 503 page) instead of calling the vendor uncoordinated.
    if backend == "sqlite":
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        settings.REDIS_URL = ""
        settings.LIMITER_SQLITE_PATH = str(blocker / "limiter.sqlite3")
    else:
        settings.REDIS_URL = "redis://127.0.0.1:1/0"

    result = services.lookup_device(
        audit=AuditContext(user=staff), kind="sn", value=data.device_by_key("online-wifi-mains").sn
    )

    assert isinstance(result.error, LimiterUnavailable)
    assert result.retry_after == result.error.retry_after
    assert sandbox.vendor.stats()["requests"] == 0
    row = Lookup.objects.get()
    assert (row.outcome, row.source) == (Lookup.Outcome.RATE_LIMITED, "")
