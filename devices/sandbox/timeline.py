"""Sandbox devices whose state changes over time, for watching a device while the customer
power-cycles it (devices/history): "comes-back-online" answers offline until `after` seconds
from the first time it is asked, then online, charging, since that moment.

The clock starts at the first devInfo for the device after the sandbox starts or is reset
(POST /_reset), so every test and demo run sees the whole story. POST /_timeline with
{"after_seconds": N} changes the delay and starts the story again.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from typing import Any

from devices.sandbox.data import Presence, SandboxDevice

# How long the demo's device stays offline after it is first asked (a power cycle).
COMES_BACK_AFTER = 45.0

# What each changing device reports once its time has come; `changed_ago` is filled in.
BACK_ONLINE: dict[str, Presence] = {
    "comes-back-online": Presence(
        online=1,
        changed_ago=0,
        battery="35",
        signal=76,
        rssi=-58,
        power_mode="2",
        power_charging="1",
    ),
}


class Timeline:
    """When each changing device was first asked, and how long until it changes. Thread-safe."""

    def __init__(self, after_seconds: float = COMES_BACK_AFTER) -> None:
        self._lock = threading.Lock()
        self.after_seconds = after_seconds
        self._first_asked: dict[int, float] = {}

    def reset(self, after_seconds: float | None = None) -> None:
        with self._lock:
            if after_seconds is not None:
                if after_seconds < 0:
                    raise ValueError("after_seconds must not be negative")
                self.after_seconds = after_seconds
            self._first_asked.clear()

    def current(self, device: SandboxDevice, now: float) -> SandboxDevice:
        """The device as it is at `now`: itself, or, once its time has come, changed."""
        later = BACK_ONLINE.get(device.key)
        if later is None:
            return device
        with self._lock:
            first = self._first_asked.setdefault(device.dev_id, now)
            back_at = first + self.after_seconds
        if now < back_at:
            return device
        return replace(device, presence=replace(later, changed_ago=int(now - back_at)))

    def status(self) -> dict[str, float]:
        with self._lock:
            return {"after_seconds": self.after_seconds}


def set_timeline(timeline: Timeline, body: bytes) -> tuple[int, dict[str, Any]]:
    """POST /_timeline {"after_seconds": N}: (HTTP status, JSON answer)."""
    try:
        asked = json.loads(body or b"{}")
        after = asked.get("after_seconds") if isinstance(asked, dict) else None
        timeline.reset(None if after is None else float(after))
    except (ValueError, TypeError) as error:
        return 400, {"error": str(error)}
    return 200, timeline.status()
