"""Fixtures of the limiter tests: `store` runs a test on SQLite and on Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ratelimit.limiters import Store


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def store(request, tmp_path) -> Iterator[Store]:
    store = Store(request.param, tmp_path)
    yield store
    store.clean()


@pytest.fixture
def sqlite_store(tmp_path) -> Store:
    return Store("sqlite", tmp_path)


@pytest.fixture
def redis_store(tmp_path) -> Iterator[Store]:
    store = Store("redis", tmp_path)
    yield store
    store.clean()
