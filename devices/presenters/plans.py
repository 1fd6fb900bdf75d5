"""Where a cloud storage or 4G SIM plan stands: a badge, and the phrase about its end.

Read by both pages: the device page from the plan's status and end, the user's page (whose list
sends no status) from the end alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from devices import gwell
from devices.presenters.formatting import (
    BAD,
    DAY,
    NEUTRAL,
    OK,
    WARN,
    Badge,
    is_permanent,
    raw_value,
    relative_time,
    to_datetime,
)

# A plan this close to its end is a problem worth a warning.
EXPIRY_WARNING_DAYS = 7


@dataclass(frozen=True)
class PlanState:
    """Where a plan stands: a badge, and the phrase about its end ("expires in 3 days")."""

    badge: Badge
    end_note: str = ""
    end_tone: str = NEUTRAL
    problem: bool = False


@dataclass(frozen=True)
class ServiceCodes:
    """What a kind of plan's `srvStatus` numbers mean: each kind numbers them its own way."""

    running: int
    closed: int
    running_label: Promise


SERVICE_CODES: dict[type, ServiceCodes] = {
    gwell.StoragePlan: ServiceCodes(running=2, closed=5, running_label=gettext_lazy("In service")),
    gwell.SimPlan: ServiceCodes(running=1, closed=0, running_label=gettext_lazy("Active")),
}


def plan_end_note(end_time: int | None, now: datetime) -> tuple[str, str, bool]:
    """(phrase, tone, problem) for a plan's end time; ("", neutral, False) when unknown."""
    if is_permanent(end_time):
        return _("Permanent"), OK, False
    end = to_datetime(end_time)
    if end is None:
        return "", NEUTRAL, False
    now_ts = now.timestamp()
    if end_time <= now_ts:
        return _("Expired %(ago)s") % {"ago": relative_time(end, now)}, BAD, True
    if end_time - now_ts <= EXPIRY_WARNING_DAYS * DAY:
        return _("Expires %(when)s") % {"when": relative_time(end, now)}, WARN, True
    return _("Expires %(when)s") % {"when": relative_time(end, now)}, OK, False


def plan_state(plan: gwell.StoragePlan | gwell.SimPlan, now: datetime) -> PlanState:
    """The plan's `srvStatus` and end together; a status we do not know shows its number."""
    codes = SERVICE_CODES[type(plan)]
    note, tone, problem = plan_end_note(plan.end_time, now)
    if plan.srv_status == codes.closed:
        return PlanState(Badge(_("Expired"), BAD), note, BAD, True)
    if plan.srv_status == codes.running:
        label = str(codes.running_label)
        if tone == BAD:  # the vendor has not closed it yet, but its end is past
            return PlanState(Badge(label, WARN), note, BAD, True)
        return PlanState(Badge(label, OK if not problem else WARN), note, tone, problem)
    if plan.srv_status is None:
        return PlanState(Badge(_("Status not reported"), NEUTRAL), note, tone, problem)
    return PlanState(Badge(raw_value(plan.srv_status), NEUTRAL), note, tone, problem)
