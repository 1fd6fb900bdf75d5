"""Fixtures of the coalescing tests: `store` runs a test on SQLite and on Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.coalescing.coordinators import Store


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def store(request, tmp_path) -> Iterator[Store]:
    store = Store(request.param, tmp_path)
    yield store
    store.clean()
