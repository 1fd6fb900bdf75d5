"""The reads of a device's history."""

from __future__ import annotations

from datetime import datetime

from devices.history.models import Snapshot


def snapshots_of_device(
    *, credential_id: int, device_id: str, since: datetime | None = None
) -> list[Snapshot]:
    """The device's snapshots through one credential, oldest first; with `since`, those still
    seen at or after it."""
    rows = Snapshot.objects.filter(credential_id=credential_id, device_id=device_id)
    if since is not None:
        rows = rows.filter(last_seen_at__gte=since)
    return list(rows.order_by("first_seen_at", "id"))


def latest_snapshots(*, credential_id: int, device_id: str, count: int = 2) -> list[Snapshot]:
    """The device's last `count` snapshots, oldest first."""
    rows = Snapshot.objects.filter(credential_id=credential_id, device_id=device_id)
    return list(reversed(rows.order_by("-last_seen_at", "-id")[:count]))
