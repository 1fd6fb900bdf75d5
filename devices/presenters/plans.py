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


def sim_state(plan: gwell.SimPlan, now: datetime, *, bundle: DataBundle | None) -> PlanState:
    """`plan_state`, and what else keeps a SIM from working: a SIM never activated, or a data
    `bundle` used up, is a problem with a red badge whatever the plan's status."""
    state = plan_state(plan, now)
    badge = sim_badge(state.badge, bundle, never_activated=plan.never_activated)
    if badge is state.badge:
        return state
    return PlanState(badge, state.end_note, state.end_tone, True)


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


@dataclass(frozen=True)
class DataBundle:
    """A 4G plan's data, from the owner's device list (devList's `fourCard`: devInfo has none).

    `unlimited` is inferred: the vendor's app model reads a total of 0 as an unlimited plan, and
    the list's doc says the figures hold only for bundle plans (docs/vendor-api.md).
    """

    total: int = 0
    used: int = 0
    left: int = 0
    unlimited: bool = False

    @property
    def used_up(self) -> bool:
        return not self.unlimited and self.total > 0 and self.left <= 0


def data_bundle(
    total: int | None, used: int | None, left: int | None, *, has_plan: bool = True
) -> DataBundle | None:
    """The bundle from the list's figures (MB); None when they say nothing (no plan, no figures).

    A total of 0 on a plan that exists is an unlimited plan (inferred)."""
    if total is None or total < 0:
        return None
    if total == 0:
        return DataBundle(unlimited=True) if has_plan else None
    if used is None and left is None:
        return None
    used = total - left if used is None else used
    used = max(0, min(used, total))
    left = total - used if left is None else max(0, min(left, total - used))
    return DataBundle(total=total, used=used, left=left)


def data_used_up_badge() -> Badge:
    return Badge(_("Data used up"), BAD)


def sim_badge(badge: Badge, bundle: DataBundle | None, *, never_activated: bool = False) -> Badge:
    """A SIM's badge is never green while its data is used up, on the device page and in the
    list alike (a running plan with no data left uploads nothing), nor while the SIM was never
    activated (the device page only: the list does not say)."""
    if never_activated:
        return Badge(_("Never activated"), BAD)
    if bundle is not None and bundle.used_up:
        return data_used_up_badge()
    return badge
