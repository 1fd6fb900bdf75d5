"""Redis killed under load (every key lost) and started again, with no restart of SupportDesk.

Six agents work against gunicorn (2 workers) on Redis and the suite's database (SQLite, or
PostgreSQL in the scale run). While Redis is down, lookups answer the limiter-store panel and
are audited, the per-person limit and the sign-in throttle let people through, and pages that
need no Redis keep working; once it is back, lookups work again within seconds.
"""

import os
import time

import pytest

from bench.stack import Stack
from tests.chaos.load import BUSY, OK, PROBE_DEVICE, STORE_DOWN, Agents, check_the_run, verdict
from tests.chaos.servers import PrivateRedis

pytestmark = [pytest.mark.chaos, pytest.mark.slow]

WARMUP = 3.0
OUTAGE = 4.0
AFTER = 6.0


def test_lookups_survive_redis_being_killed_and_started_again():
    probes = {}
    with (
        PrivateRedis() as redis_server,
        Stack(
            database_url=os.environ.get("DATABASE_URL", ""),
            redis_url=redis_server.url,
            workers=2,
            superuser=True,
        ) as stack,
    ):
        base = stack.urls[0]
        person = stack.session()
        lookup = f"{base}/devices/sn/{PROBE_DEVICE.sn}/?refresh=1"
        with Agents(stack) as agents:
            time.sleep(WARMUP)
            killed_at = time.monotonic()
            redis_server.kill()
            time.sleep(1.0)
            probes["lookup"] = person.get(lookup, headers={"Accept-Language": "en"}, timeout=30)
            probes["lookup zh"] = person.get(lookup, headers={"Accept-Language": "zh"}, timeout=30)
            probes["my lookups"] = person.get(f"{base}/lookups/", timeout=30)
            probes["admin"] = person.get(f"{base}/admin/devices/lookup/", timeout=30)
            probes["healthz"] = person.get(f"{base}/healthz", timeout=30)
            stack.session()  # a new sign-in: the throttle's store is down, people get in
            time.sleep(max(killed_at + OUTAGE - time.monotonic(), 0))
            restarting_at = time.monotonic()
            redis_server.start()
            restored_at = time.monotonic()
            time.sleep(AFTER)
        result = check_the_run(agents, stack, restored_at=restored_at, healthy={OK, BUSY})
        logs = stack.logs()

    assert probes["lookup"].status_code == 503
    assert probes["lookup"].headers["Retry-After"] == "5"
    assert verdict(503, probes["lookup"].text) == STORE_DOWN
    assert "查询暂停片刻" in probes["lookup zh"].text
    assert probes["my lookups"].status_code == 200
    assert probes["admin"].status_code == 200
    assert probes["healthz"].status_code == 503
    assert probes["healthz"].json()["checks"]["limiter"].startswith("error")
    # Lookups made entirely while Redis was down: each one the panel.
    during = agents.of("lookup", started_after=killed_at, ended_before=restarting_at)
    assert during, "no lookup while Redis was down"
    assert {hit.verdict for hit in during} == {STORE_DOWN}
    assert {hit.status for hit in agents.of("my lookups")} == {200}
    assert agents.of("healthz", started_after=restored_at + 3)[-1].status == 200
    # Every lookup is audited, completed: the agents' and the two probes'.
    outcomes = result["audit"]["outcomes"]
    assert "pending" not in outcomes
    assert result["audit"]["rows"] == len(agents.of("lookup")) + 2
    assert outcomes["rate_limited"] >= len(during)
    assert "Internal Server Error" not in logs
