"""The user's page: every device on the account in a row, problems first, and a summary."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from devices import gwell
from devices.links import device_url
from devices.models import Lookup
from devices.presenters.formatting import (
    BAD,
    NEUTRAL,
    OK,
    WARN,
    Badge,
    Moment,
    is_permanent,
    moment,
    relation_badge,
    renewal_label,
)
from devices.presenters.plans import DataBundle, data_bundle, plan_end_note, sim_badge
from devices.presenters.provenance import Provenance, escalation_text, provenance, raw_json

# A data bundle used this far (0..1) is a problem: the camera is about to stop uploading.
DATA_NEARLY_USED_UP = 0.9


@dataclass(frozen=True)
class PlanCell:
    badge: Badge
    moment: Moment | None = None
    renewal: str = ""
    problem: bool = False
    has_plan: bool = True


@dataclass(frozen=True)
class DataUse:
    """A data bundle's use, for a <meter>: green, amber past `low_mark`, red past `high_mark`."""

    used: int
    total: int
    label: str  # "120 MB of 1,024 MB used"
    nearly_used_up: bool
    low_mark: int
    high_mark: int


@dataclass(frozen=True)
class DeviceRow:
    dev_id: str
    url: str
    relation: Badge
    cloud: PlanCell
    sim: PlanCell
    data: DataUse | None
    problem: bool


@dataclass(frozen=True)
class UserPage:
    user_id: str
    summary: str
    tone: str
    rows: list[DeviceRow]
    provenance: Provenance
    raw_json: str
    escalation: str


def user_page(
    *, devices: gwell.DeviceList, lookup: Lookup, fetched_at: datetime | None, now: datetime
) -> UserPage:
    rows = device_rows(
        devices.devices,
        now,
        user_id=lookup.value,
        credential_name=lookup.credential_name,
        reason=lookup.reason,
    )
    return UserPage(
        user_id=lookup.value,
        summary=user_summary(rows, devices.devices),
        tone=user_tone(rows),
        rows=rows,
        provenance=provenance(lookup, fetched_at, now),
        raw_json=raw_json(devices.raw),
        escalation=escalation_text(lookup=lookup, now=now, raw=devices.raw),
    )


def device_rows(
    entries: Iterable[gwell.DeviceListEntry],
    now: datetime,
    *,
    user_id: str,
    credential_name: str = "",
    reason: str = "",
) -> list[DeviceRow]:
    """Every device of the account, problems first (expired or expiring soon), then as sent."""
    rows = []
    for entry in entries:
        cloud = expiry_cell(entry.vss_expire_time, entry.vss_renew, now)
        sim = expiry_cell(entry.fg_expire_time, entry.fg_renew, now)
        use = data_use(entry)
        bundle = data_bundle(entry.total_flow, entry.use_flow, entry.surplus_flow)
        if bundle is not None and bundle.used_up:  # never green while its data is used up
            sim = replace(sim, badge=sim_badge(sim.badge, bundle), problem=True)
        rows.append(
            DeviceRow(
                dev_id=entry.dev_id,
                url=device_url(
                    entry.dev_id,
                    owner_id=user_id,
                    credential_name=credential_name,
                    reason=reason,
                ),
                relation=relation_badge(entry.relation),
                cloud=cloud,
                sim=sim,
                data=use,
                problem=cloud.problem or sim.problem or bool(use and use.nearly_used_up),
            )
        )

    def urgency(row: DeviceRow) -> int:
        tones = (row.cloud.badge.tone, row.sim.badge.tone)
        if BAD in tones:
            return 0
        return 1 if row.problem else 2

    return sorted(rows, key=urgency)


def expiry_cell(expire_time: int | None, renew: int | None, now: datetime) -> PlanCell:
    """A plan in a list row, from its expiry alone (the list sends no status).

    The list has no plan when the block is null, {} or zeros, which all arrive here as None or 0.
    """
    if not expire_time:
        return PlanCell(Badge(_("No plan"), NEUTRAL), has_plan=False)
    renewal = renewal_label(renew) or ""
    if is_permanent(expire_time):
        return PlanCell(Badge(_("Permanent"), OK), renewal=renewal)
    note, tone, problem = plan_end_note(expire_time, now)
    return PlanCell(Badge(note, tone), moment(expire_time, now), renewal, problem)


def data_use(entry: gwell.DeviceListEntry) -> DataUse | None:
    """Data used of the bundle; None when the plan has no bundle (total 0 or missing)."""
    return use_of(data_bundle(entry.total_flow, entry.use_flow, entry.surplus_flow))


def use_of(bundle: DataBundle | None) -> DataUse | None:
    """A bundle's use, for a meter; None for no bundle, or an unlimited one."""
    if bundle is None or bundle.unlimited:
        return None
    label = _("%(used)s MB of %(total)s MB used") % {
        "used": f"{bundle.used:,}",
        "total": f"{bundle.total:,}",
    }
    high_mark = math.floor(bundle.total * DATA_NEARLY_USED_UP)
    return DataUse(
        used=bundle.used,
        total=bundle.total,
        label=label,
        nearly_used_up=bundle.used >= high_mark,
        low_mark=math.floor(bundle.total * 0.7),
        high_mark=high_mark,
    )


def user_summary(rows: list[DeviceRow], entries: Iterable[gwell.DeviceListEntry]) -> str:
    """ "4 devices: 3 owned, 1 shared with this user; 2 need attention"."""
    entries = list(entries)
    if not entries:
        return _("No device on this account.")
    count = len(entries)
    owned = sum(1 for entry in entries if entry.relation == 1)
    shared = sum(1 for entry in entries if entry.relation == 2)
    if owned == count:
        text = ngettext(
            "%(count)d device, owned by this user",
            "%(count)d devices, all owned by this user",
            count,
        ) % {"count": count}
    elif shared == count:
        text = ngettext(
            "%(count)d device, shared with this user by its owner",
            "%(count)d devices, all shared with this user by their owners",
            count,
        ) % {"count": count}
    else:
        text = ngettext(
            "%(count)d device: %(owned)d owned, %(shared)d shared with this user",
            "%(count)d devices: %(owned)d owned, %(shared)d shared with this user",
            count,
        ) % {"count": count, "owned": owned, "shared": shared}
    problems = sum(1 for row in rows if row.problem)
    if problems:
        text += pgettext("verdict clause separator", "; ") + ngettext(
            "%(count)d needs attention", "%(count)d need attention", problems
        ) % {"count": problems}
    return text


def user_tone(rows: list[DeviceRow]) -> str:
    if not rows:
        return NEUTRAL
    tones = {tone for row in rows for tone in (row.cloud.badge.tone, row.sim.badge.tone)}
    if BAD in tones:
        return BAD
    return WARN if any(row.problem for row in rows) else OK
