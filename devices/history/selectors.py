"""The reads of a device's history."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from devices.history.models import Snapshot


def panel_snapshots(*, credential_id: int, device_id: str, since: datetime) -> list[Snapshot]:
    """In one query, oldest first: the device's snapshots still seen at or after `since` (its
    chart) and, whatever their age, its last two (what changed since the last lookup)."""
    rows = Snapshot.objects.filter(credential_id=credential_id, device_id=device_id)
    last_two = rows.order_by("-last_seen_at", "-id").values("pk")[:2]
    return list(
        rows.filter(Q(last_seen_at__gte=since) | Q(pk__in=last_two)).order_by("first_seen_at", "id")
    )
