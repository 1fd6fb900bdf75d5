"""`{% device_history %}`: the device page's history panel (since the last lookup, the watch
button, the 30-day chart and its table), from the page's own lookup."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.conf import settings
from django.utils import timezone

from devices.history.changes import since_last_lookup
from devices.history.chart import DAYS, history_chart
from devices.history.selectors import panel_snapshots

register = template.Library()


@register.inclusion_tag("history/_panel.html", takes_context=True)
def device_history(context: template.Context) -> dict[str, Any]:
    page, lookup = context.get("page"), context.get("lookup")
    if page is None or lookup is None or not lookup.credential_id or not page.device_id:
        return {"shown": False}
    now = timezone.now()
    device = {"credential_id": lookup.credential_id, "device_id": page.device_id}
    snapshots = panel_snapshots(**device, since=now - timedelta(days=DAYS))
    latest = sorted(snapshots, key=lambda row: (row.last_seen_at, row.id))[-2:]
    return {
        "shown": True,
        "summary": since_last_lookup(latest, now),
        "history": history_chart(snapshots, now),  # it keeps those of its 30 days
        "lookup": lookup,
        "history_device_id": page.device_id,
        "watch_seconds": f"{settings.WATCH_POLL_SECONDS:g}",
        "watch_minutes": settings.WATCH_MAX_SECONDS // 60,
    }
