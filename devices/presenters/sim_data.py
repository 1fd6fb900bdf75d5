"""A 4G SIM's data on the device page: the bundle (from the owner's device list), and the newer
flowInfo fields (lifetime use, activation region, ICCID history).

devInfo has no data figures; devList's `fourCard` has them, for each device of a user. The device
page asks for its owner's list (`page_lookups.lookup_device_and_owner_list`) and reads this device's
entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from devices import gwell
from devices.presenters.formatting import BAD, OK, WARN, Badge, Fact, not_reported
from devices.presenters.plans import DataBundle, data_bundle

if TYPE_CHECKING:
    from devices.page_lookups import DeviceLookups

# Why the page has no figures, when it has none (`DataReading.reason`).
NOT_ASKED = "not_asked"  # no owner known, or a device without a SIM plan
NEEDS_REASON = "needs_reason"  # the audit policy wants a reason to look at a user's devices
LIST_FAILED = "list_failed"  # the owner's list could not be fetched
NOT_LISTED = "not_listed"  # the device is not on its owner's list
NO_FIGURES = "no_figures"  # on the list, without figures (no plan)


@dataclass(frozen=True)
class DataReading:
    """What the page knows of the data bundle: the bundle, or why there is none."""

    bundle: DataBundle | None = None
    reason: str = NOT_ASKED
    stale: bool = False  # the figures are the list's last good answer: the vendor is failing


def data_reading(
    *,
    device_id: str | None,
    owner_list: gwell.DeviceList | None,
    failed: bool,
    skipped: str,
    stale: bool = False,
) -> DataReading:
    """This device's bundle from its owner's list (`owner_list`: the list's answer, or None)."""
    if skipped:
        return DataReading(reason=NEEDS_REASON)
    if owner_list is None:
        return DataReading(reason=LIST_FAILED if failed else NOT_ASKED)
    entry = next((e for e in owner_list.devices if e.dev_id == device_id), None)
    if entry is None:
        return DataReading(reason=NOT_LISTED)
    has_plan = bool(entry.fg_expire_time)
    bundle = data_bundle(entry.total_flow, entry.use_flow, entry.surplus_flow, has_plan=has_plan)
    return DataReading(bundle=bundle, reason="" if bundle else NO_FIGURES, stale=stale)


def reading_of(lookups: DeviceLookups) -> DataReading | None:
    """What a device's lookups (`page_lookups.lookup_device_and_owner_list`) tell of its data
    bundle; None when the device itself has no answer. The page, the sidebar and the API all
    read it here, so they never disagree."""
    device, owner_list = lookups.device, lookups.owner_list
    if device.data is None:
        return None
    return data_reading(
        device_id=device.data.device.device_id,
        owner_list=owner_list.data if owner_list else None,
        failed=owner_list is not None and owner_list.data is None,
        skipped=lookups.owner_list_skipped,
        stale=owner_list is not None and owner_list.stale,
    )


def mb(value: int) -> str:
    return _("%(count)s MB") % {"count": f"{value:,}"}


def used_of_total(bundle: DataBundle) -> str:
    """ "5,120 of 5,120 MB" """
    return _("%(used)s of %(total)s MB") % {
        "used": f"{bundle.used:,}",
        "total": f"{bundle.total:,}",
    }


def data_fact(reading: DataReading) -> Fact:
    """The "Data" line of the SIM section: used of total and left, or what is known of it."""
    label = _("Data this period")
    bundle = reading.bundle
    if bundle is not None and bundle.unlimited:
        return Fact(
            label,
            _("Unlimited plan"),
            note=_(
                "inferred: the vendor reports a bundle of 0 MB, which its app reads as unlimited"
            ),
        )
    if bundle is not None:
        left = _("%(left)s left") % {"left": mb(bundle.left)}
        if reading.stale:
            left += " · " + _("from the last answer: the vendor is not answering")
        if bundle.used_up:
            return Fact(label, used_of_total(bundle), badge=Badge(_("Used up"), BAD), note=left)
        return Fact(label, used_of_total(bundle), note=left, note_tone=OK)
    reasons = {
        NEEDS_REASON: _("not fetched: looking at the owner's devices needs a ticket / reason"),
        LIST_FAILED: _("unknown: the owner's device list could not be fetched"),
        NOT_LISTED: _("unknown: the device is not on its owner's device list"),
        NO_FIGURES: _("not reported (only bundle plans report it)"),
        NOT_ASKED: _("not reported (only the owner's device list has it)"),
    }
    return Fact(label, not_reported(), missing=True, note=reasons[reading.reason])


def newer_sim_facts(plan: gwell.SimPlan) -> list[Fact]:
    """The fields the vendor added on 2026-05-20; none for an answer that predates them."""
    facts = []
    if plan.used_data is not None:
        facts.append(Fact(_("Data used since activation"), mb(plan.used_data)))
    if plan.active_region is not None:
        if plan.never_activated:
            facts.append(Fact(_("Activated in"), badge=Badge(_("Never activated"), BAD)))
        else:
            facts.append(Fact(_("Activated in"), plan.active_region))
    if plan.iccids is not None:
        if not plan.iccids:
            facts.append(Fact(_("ICCID history"), _("none recorded"), missing=True))
        else:
            history = " → ".join(record.iccid for record in plan.iccids)
            badge = Badge(_("SIM swapped"), WARN) if plan.swapped else None
            note = (
                _("%(count)s ICCIDs: the SIM card was changed") % {"count": len(plan.iccids)}
                if plan.swapped
                else ""
            )
            facts.append(
                Fact(_("ICCID history"), history, badge=badge, code=True, note=note, note_tone=WARN)
            )
    return facts
