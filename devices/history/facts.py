"""The compact facts a snapshot keeps of a devInfo answer: what a person reads, nothing else.

Plain JSON values (ints, strings, None), so two answers that say the same thing compare equal
after a round trip through the database. RSSI is left out on purpose: it moves by a few dBm at
every answer and would make each lookup a new row; the signal quality is kept.
"""

from __future__ import annotations

from typing import Any

from devices import gwell

# Every key, in the order the change summary reads them.
KEYS = (
    "online",
    "online_since",
    "battery",
    "power_mode",
    "charging",
    "signal",
    "firmware",
    "owner",
    "storage_status",
    "storage_end",
    "sim_status",
    "sim_end",
    "iccid",
)

Facts = dict[str, Any]

# Times are shown to the minute: a time that moved by less than this is the same one (the
# sandbox dates each answer from "now", so its times move by a second now and then).
SINCE_TOLERANCE = 60
TIME_KEYS = ("online_since", "storage_end", "sim_end")


def same_since(before: int | None, after: int | None) -> bool:
    if before is None or after is None:
        return before == after
    return abs(before - after) < SINCE_TOLERANCE


def same(before: Facts, after: Facts) -> bool:
    """Whether two answers say the same to a person (one snapshot row, no change to report)."""
    return all(
        same_since(before[key], after[key]) if key in TIME_KEYS else before[key] == after[key]
        for key in KEYS
    )


def facts_of(report: gwell.DeviceReport) -> Facts:
    device, storage, sim = report.device, report.storage, report.sim
    return {
        "online": device.online,
        "online_since": device.online_update_time,
        "battery": device.battery,
        "power_mode": device.power_mode,
        "charging": device.power_charging,
        "signal": device.signal,
        "firmware": device.firmware_version,
        "owner": device.owner_id,
        "storage_status": storage.srv_status if storage else None,
        "storage_end": storage.end_time if storage else None,
        "sim_status": sim.srv_status if sim else None,
        "sim_end": sim.end_time if sim else None,
        "iccid": sim.sim_id if sim else None,
    }


def read(stored: Any) -> Facts:
    """Stored facts with every key (a row written before a key existed lacks it)."""
    stored = stored if isinstance(stored, dict) else {}
    return {key: stored.get(key) for key in KEYS}
