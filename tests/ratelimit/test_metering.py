"""The budget meter's readings: what the limiter admitted and refused, by the store's clock.

The meter is written after the check-and-admit (on SQLite, when the meter is in the limiter's
own file, inside the admitting transaction: one write lock per admission); a meter that cannot
be written never stops a call.
"""

from __future__ import annotations

import logging
import sqlite3
import time

import pytest

from devices.ratelimit import VendorBusy
from devices.ratelimit.metering import RedisMeter, SqliteMeter
from devices.stores import SqliteFile, redis_client
from tests.ratelimit.limiters import fill
from tests.workers import take


def test_the_meter_counts_calls_waits_and_refusals(store):
    # A window long enough that a loaded machine still refuses the fourth call at once.
    limiter = store.limiter(rate=3, window=1.0)
    fill(limiter, "app", 3)
    with pytest.raises(VendorBusy):
        take(limiter, "app", timeout=0)
    take(limiter, "app", timeout=3.0)  # waits about 1 s
    fill(limiter, "other-app", 2)

    meter = limiter.meter.reading("app")

    assert sum(n for _, n in meter["calls_per_second"]) == 4
    assert all(abs(second - time.time()) < 10 for second, _ in meter["calls_per_second"])
    assert meter["refusals"] == 1
    assert meter["wait_p50"] < 0.05
    assert 0.5 < meter["wait_p95"] < 2.0
    assert limiter.meter.reading("unused-app") == {
        "calls_per_second": [],
        "wait_p50": 0.0,
        "wait_p95": 0.0,
        "refusals": 0,
    }


def test_a_meter_that_cannot_be_written_does_not_stop_a_call(store, tmp_path, caplog):
    limiter = store.limiter(rate=1)
    if store.backend == "sqlite":
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        limiter.meter = SqliteMeter(SqliteFile(blocker / "meter.sqlite3", SqliteMeter.SCHEMA))
    else:
        limiter.meter = RedisMeter(redis_client("redis://127.0.0.1:1/0"), store.prefix)

    with caplog.at_level(logging.WARNING, logger="supportdesk.ratelimit"):
        slot = limiter.reserve("app", timeout=0, hold=5)
        slot.finish()
        with pytest.raises(VendorBusy):  # refused by the limit, not by the meter's failure
            take(limiter, "app", timeout=0)

    assert [record.getMessage() for record in caplog.records] == [
        "budget meter: could not record a call for app",
        "budget meter: could not record a refusal for app",
    ]


def test_a_meter_row_that_cannot_be_written_in_the_admitting_transaction_keeps_the_slot(
    sqlite_store, monkeypatch, caplog
):
    limiter = sqlite_store.limiter(rate=1)

    def broken(conn, key, *, at, waited):
        conn.execute("INSERT INTO limiter_calls (key, second, n) VALUES (?, ?, 1)", (key, int(at)))
        raise sqlite3.OperationalError("no such table: limiter_waits")

    monkeypatch.setattr(limiter.meter, "record_admitted", broken)

    with caplog.at_level(logging.WARNING, logger="supportdesk.ratelimit"):
        limiter.reserve("app", timeout=0, hold=5).finish()
        with pytest.raises(VendorBusy):  # the slot was kept: the limit refuses the next
            take(limiter, "app", timeout=0)

    assert "budget meter: could not record a call for app" in caplog.text
    assert limiter.meter.reading("app", minutes=1)["calls_per_second"] == []  # row undone


@pytest.mark.redis
def test_the_redis_meter_counts_calls_by_the_redis_clock(redis_store, monkeypatch):
    # This host's clock is an hour fast; the reading (by the Redis clock) must still see the
    # calls in the second the limiter admitted them.
    limiter = redis_store.limiter()
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3600)
    fill(limiter, "app", 3)
    monkeypatch.setattr(time, "time", real_time)

    reading = limiter.meter.reading("app", minutes=1)

    (redis_now, _) = redis_store.client.time()
    assert sum(n for _, n in reading["calls_per_second"]) == 3
    assert all(abs(second - redis_now) < 5 for second, _ in reading["calls_per_second"])


def test_on_sqlite_an_admission_and_its_meter_row_take_one_write_lock(sqlite_store, monkeypatch):
    limiter = sqlite_store.limiter()
    take(limiter, "app", timeout=0)  # the file is opened and its schema made
    locks = []
    real = SqliteFile.transaction

    def counted(self, *args, **kwargs):
        locks.append(self.path)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SqliteFile, "transaction", counted)
    slot = limiter.reserve("app", timeout=0, hold=5)
    assert len(locks) == 1  # the check-and-admit, with the meter's row
    slot.finish()
    assert len(locks) == 2
    monkeypatch.setattr(SqliteFile, "transaction", real)
    assert sum(n for _second, n in limiter.meter.reading("app")["calls_per_second"]) == 2
