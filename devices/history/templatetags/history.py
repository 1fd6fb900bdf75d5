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
from devices.history.selectors import latest_snapshots, snapshots_of_device

register = template.Library()


@register.inclusion_tag("history/_panel.html", takes_context=True)
def device_history(context: template.Context) -> dict[str, Any]:
    page, lookup = context.get("page"), context.get("lookup")
    if page is None or lookup is None or not lookup.credential_id or not page.device_id:
        return {"shown": False}
    now = timezone.now()
    device = {"credential_id": lookup.credential_id, "device_id": page.device_id}
    recent = snapshots_of_device(**device, since=now - timedelta(days=DAYS))
    # The last two snapshots are among the chart's when it has two (every other one was last
    # seen before them); otherwise the previous one may be older than the chart.
    latest = sorted(recent, key=lambda row: (row.last_seen_at, row.id))[-2:]
    if len(latest) < 2:
        latest = latest_snapshots(**device)
    return {
        "shown": True,
        "summary": since_last_lookup(latest, now),
        "history": history_chart(recent, now),
        "lookup": lookup,
        "history_device_id": page.device_id,
        "watch_seconds": f"{settings.WATCH_POLL_SECONDS:g}",
        "watch_minutes": settings.WATCH_MAX_SECONDS // 60,
    }
