"""The vendor budget meter: calls per second for each enabled credential, against the limit.

An admin page for superusers and support leads, linked from the audit log and the credentials.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext

from devices import ratelimit
from devices.models import Credential

log = logging.getLogger("supportdesk.admin")

METER_MINUTES = 5
CHART_HEIGHT = 100
BAR_WIDTH = 2


def can_see_meter(request: HttpRequest) -> bool:
    """Superusers and support leads (who may see everyone's lookups)."""
    user = request.user
    return user.is_active and user.is_staff and user.has_perm("devices.view_all_lookups")


def vendor_rate_per_second() -> float:
    """The vendor's budget from VENDOR_RATE ("10/s" -> 10.0, "10/2s" -> 5.0)."""
    count, period = ratelimit.parse_rate(settings.VENDOR_RATE)
    return count / period


@dataclass
class MeterBar:
    x: int
    y: int
    height: int
    calls: int
    time: datetime
    over: bool


@dataclass
class MeterPanel:
    credential: Credential
    bars: list[MeterBar]
    chart_width: int
    chart_height: int
    bar_width: int
    limit_y: int
    total_calls: int
    peak: int
    average: float
    wait_p50_ms: int | None
    wait_p95_ms: int | None
    refusals: int
    # Other credentials with the same app id: the vendor counts their calls in one budget.
    shares_budget_with: list[str] = field(default_factory=list)


def budget_sharers(credentials: Iterable[Credential]) -> dict[int, list[str]]:
    """For each credential, the names of the others that share its app id (its budget)."""
    credentials = list(credentials)
    names_by_app: dict[str, list[str]] = {}
    for credential in credentials:
        names_by_app.setdefault(credential.app_id, []).append(credential.name)
    return {
        credential.pk: [name for name in names_by_app[credential.app_id] if name != credential.name]
        for credential in credentials
    }


def meter_panel(credential: Credential, reading: dict, now: int) -> MeterPanel:
    """Turn a limiter reading into SVG geometry and figures; the template only prints them."""
    limit = vendor_rate_per_second()
    seconds = METER_MINUTES * 60
    start = now - seconds
    counts = {
        int(second): int(n)
        for second, n in reading.get("calls_per_second") or []
        if start < int(second) <= now
    }
    # The scale leaves room above the limit so an overshoot is visible.
    top = max(limit * 1.5, max(counts.values(), default=0))
    bars = []
    for second, calls in sorted(counts.items()):
        height = round(calls / top * CHART_HEIGHT)
        bars.append(
            MeterBar(
                x=(second - start - 1) * BAR_WIDTH,
                y=CHART_HEIGHT - height,
                height=height,
                calls=calls,
                time=datetime.fromtimestamp(second, tz=UTC),
                over=calls > limit,
            )
        )
    total = sum(counts.values())
    return MeterPanel(
        credential=credential,
        bars=bars,
        chart_width=seconds * BAR_WIDTH,
        chart_height=CHART_HEIGHT,
        bar_width=BAR_WIDTH,
        limit_y=CHART_HEIGHT - round(limit / top * CHART_HEIGHT),
        total_calls=total,
        peak=max(counts.values(), default=0),
        average=round(total / seconds, 2),
        wait_p50_ms=_milliseconds(reading.get("wait_p50")),
        wait_p95_ms=_milliseconds(reading.get("wait_p95")),
        refusals=int(reading.get("refusals") or 0),
    )


def _milliseconds(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def meter_page(request: HttpRequest, model_admin: admin.ModelAdmin) -> TemplateResponse:
    """The page: a panel per enabled credential, and a note for each whose reading failed."""
    if not can_see_meter(request):
        raise PermissionDenied
    now = int(timezone.now().timestamp())
    credentials = Credential.objects.filter(enabled=True).only("name", "region", "app_id")
    sharing = budget_sharers(credentials)
    panels, unreadable = [], []
    for credential in credentials:
        try:
            reading = ratelimit.meter(credential.app_id, minutes=METER_MINUTES)
        except Exception:  # a monitoring page says the store is down rather than fail
            log.exception("budget meter: no reading for credential %s", credential.name)
            unreadable.append(credential)
        else:
            panel = meter_panel(credential, reading, now)
            panel.shares_budget_with = sharing[credential.pk]
            panels.append(panel)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("Vendor budget meter"),
        "opts": model_admin.opts,
        "minutes": METER_MINUTES,
        "limit": vendor_rate_per_second(),
        "panels": panels,
        "unreadable": unreadable,
    }
    return TemplateResponse(request, "admin/devices/meter.html", context)
