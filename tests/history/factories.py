"""Snapshots built in code for the history tests (no tests here)."""

from datetime import datetime

from devices.history.facts import KEYS
from devices.history.models import Snapshot

BASE_FACTS = {
    "online": 1,
    "online_since": 1_764_000_000,
    "battery": 80,
    "power_mode": 1,
    "charging": 0,
    "signal": 72,
    "firmware": "31.2.6.1",
    "owner": "-1000",
    "storage_status": 2,
    "storage_end": 1_767_000_000,
    "sim_status": 1,
    "sim_end": 1_768_000_000,
    "iccid": "89860312345678901234",
}
assert set(BASE_FACTS) == set(KEYS)


def facts(**changes) -> dict:
    return {**BASE_FACTS, **changes}


def snapshot(
    credential,
    first: datetime,
    last: datetime | None = None,
    *,
    times_seen: int = 1,
    previously: datetime | None = None,
    device_id: str = "3435178000001",
    **changes,
) -> Snapshot:
    return Snapshot.objects.create(
        credential=credential,
        device_id=device_id,
        facts=facts(**changes),
        first_seen_at=first,
        last_seen_at=last or first,
        times_seen=times_seen,
        previously_seen_at=previously,
    )
