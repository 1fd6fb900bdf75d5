"""PostgreSQL cut under load and reconnected, with no restart of SupportDesk.

Six agents work against gunicorn (2 workers) whose database is PostgreSQL on 127.0.0.1:5432
reached through a TCP proxy; the suite's limiter store serves (the host's files, or Redis in the
scale run). The proxy drops every connection for a few seconds, as a database restart or a
network cut would, while a vendor call is under way. Meanwhile every page answers the
translated database page (503), /healthz says so, and no vendor call starts; the lookup caught
in the middle completes its row once the database is back; pages work again within seconds, on
connections made anew.
"""

import os
import time

import pytest
import requests

from bench.stack import Stack
from tests.chaos.load import BUSY, DATABASE_DOWN, OK, PROBE_DEVICE, Agents, check_the_run, verdict
from tests.chaos.servers import TcpProxy

pytestmark = [pytest.mark.chaos, pytest.mark.slow]

POSTGRES_PORT = 5432
WARMUP = 3.0
OUTAGE = 4.0
AFTER = 6.0
# A lookup that wrote its row just before the cut may still make its vendor call: it queues up
# to VENDOR_MAX_WAIT (2 s) for a slot first. Later than that, none may start.
LAST_CALL_AFTER_CUT = 3.0


def test_lookups_survive_postgresql_being_cut_and_reconnected():
    probes = {}
    with (
        TcpProxy(POSTGRES_PORT) as proxy,
        Stack(
            database_url=f"postgres://postgres@127.0.0.1:{proxy.port}/sd_chaos",
            redis_url=os.environ.get("REDIS_URL", ""),
            workers=2,
            superuser=True,
        ) as stack,
    ):
        base = stack.urls[0]
        person = stack.session()
        lookup = f"{base}/devices/sn/{PROBE_DEVICE.sn}/?refresh=1"
        with Agents(stack) as agents:
            time.sleep(WARMUP)
            # Cut while a vendor call is under way: its lookup wrote its row, and must complete it.
            stall_the_next_vendor_call(stack, seconds=1.5)
            cut_at = time.monotonic()
            proxy.cut()
            time.sleep(1.0)
            probes["lookup"] = person.get(lookup, headers={"Accept-Language": "en"}, timeout=30)
            probes["lookup zh"] = person.get(lookup, headers={"Accept-Language": "zh"}, timeout=30)
            probes["admin"] = person.get(f"{base}/admin/devices/lookup/", timeout=30)
            probes["healthz"] = person.get(f"{base}/healthz", timeout=30)
            time.sleep(max(cut_at + OUTAGE - time.monotonic(), 0))
            proxy.restore()
            restored_at = time.monotonic()
            time.sleep(AFTER)
        result = check_the_run(agents, stack, restored_at=restored_at, healthy={OK, BUSY})
        logs = stack.logs()

    assert probes["lookup"].status_code == 503
    assert probes["lookup"].headers["Retry-After"] == "5"
    assert verdict(503, probes["lookup"].text) == DATABASE_DOWN
    assert "无法连接数据库" in probes["lookup zh"].text
    assert verdict(probes["admin"].status_code, probes["admin"].text) == DATABASE_DOWN
    assert probes["healthz"].status_code == 503
    assert probes["healthz"].json()["checks"]["database"].startswith("error")
    # Pages asked for entirely while the database was cut: each one the database page.
    during = agents.of("lookup", started_after=cut_at, ended_before=restored_at)
    assert during, "no lookup while the database was cut"
    assert {hit.verdict for hit in during} == {DATABASE_DOWN}
    pages = agents.of("my lookups", started_after=cut_at, ended_before=restored_at)
    assert {hit.verdict for hit in pages} == {DATABASE_DOWN}
    assert agents.of("healthz", started_after=restored_at + 3)[-1].status == 200
    arrivals = result["stats"]["arrival_times"]
    late = [t for t in arrivals if cut_at + LAST_CALL_AFTER_CUT < t < restored_at]
    assert late == [], "vendor calls while no audit row could be written"
    assert "Internal Server Error" not in logs
    assert "completing its row again" in logs  # the stalled lookup waited for the database


def stall_the_next_vendor_call(stack: Stack, *, seconds: float) -> None:
    """The sandbox holds the next call's answer `seconds`; returns once that call arrived."""
    plan = {"mode": "stall", "seconds": seconds, "count": 1}
    requests.post(stack.sandbox_url + "/_faults", json=plan, timeout=5).raise_for_status()
    deadline = time.monotonic() + 5
    while not stack.sandbox_stats()["faults_injected"].get("stall"):
        assert time.monotonic() < deadline, "no vendor call came to be stalled"
        time.sleep(0.01)
