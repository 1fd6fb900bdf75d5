"""The host's SQLite file: transactions write what they should."""

from __future__ import annotations

import pytest

from devices.stores import SqliteFile

# Two schemas, as a web worker opens the file twice: the coalescer's tables, then the limiter's.
SCHEMAS = {
    "coordinator": """
        CREATE TABLE IF NOT EXISTS coordinator (pid INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS coordinator_seq (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL);
        INSERT OR IGNORE INTO coordinator_seq (id, seq) VALUES (1, 0);
    """,
    "limiter": """
        CREATE TABLE IF NOT EXISTS limiter (pid INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS limiter_pid ON limiter (pid);
    """,
}


def test_a_transaction_that_fails_writes_nothing(tmp_path):
    file = SqliteFile(tmp_path / "store.sqlite3", SCHEMAS["limiter"])
    with pytest.raises(RuntimeError), file.transaction() as conn:
        conn.execute("INSERT INTO limiter (pid) VALUES (1)")
        raise RuntimeError("half-way")

    assert file.connection().execute("SELECT count(*) FROM limiter").fetchone() == (0,)
