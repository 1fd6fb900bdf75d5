"""The helpdesk sidebar: the device page's verdict with a few key facts, or a user's devices in
short, and the link to the full page. Built from the pages' own presenters, so the sidebar
and the page never disagree."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from devices import gwell
from devices.links import lookup_url
from devices.models import Lookup
from devices.presenters.device import DevicePage, device_page, status_fact
from devices.presenters.formatting import NEUTRAL, WARN, Badge, Fact, battery_label, battery_note
from devices.presenters.owner_list import OwnerList, owner_list
from devices.presenters.plans import plan_state, sim_state
from devices.presenters.provenance import Provenance
from devices.presenters.sim_data import DataReading, data_fact
from devices.presenters.user import UserPage, user_page


@dataclass(frozen=True)
class SidebarDevice:
    page: DevicePage  # its verdict is the sidebar's (next step and reply included)
    facts: list[Fact]
    page_url: str
    provenance: Provenance


@dataclass(frozen=True)
class SidebarUser:
    page: UserPage
    owner_list: OwnerList  # the user's page's list, each row linking inside the sidebar
    page_url: str
    provenance: Provenance


def sidebar_url(
    kind: str, value: str, *, owner: str = "", credential: str = "", reason: str = ""
) -> str:
    """The sidebar for another identifier (a user's device, a device's owner, one of several
    pasted), in the frame. The kind is explicit: the sidebar reads the value as given."""
    query = {
        "q": value,
        "kind": kind,
        "owner": owner,
        "credential": credential,
        "reason": reason,
    }
    return reverse("embed:sidebar") + "?" + urlencode({k: v for k, v in query.items() if v})


def _full_page(lookup: Lookup) -> str:
    return lookup_url(
        lookup.kind,
        lookup.value,
        owner=lookup.owner_id,
        credential=lookup.credential_name,
        reason=lookup.reason,
    )


def sidebar_device(
    report: gwell.DeviceReport,
    *,
    lookup: Lookup,
    fetched_at: datetime | None,
    now: datetime,
    data: DataReading | None = None,
) -> SidebarDevice:
    page = device_page(report=report, lookup=lookup, fetched_at=fetched_at, now=now, data=data)
    return SidebarDevice(
        page=page,
        facts=key_facts(
            report, now, reason=lookup.reason, credential=lookup.credential_name, data=data
        ),
        page_url=_full_page(lookup),
        provenance=page.provenance,
    )


def key_facts(
    report: gwell.DeviceReport,
    now: datetime,
    *,
    reason: str = "",
    credential: str = "",
    data: DataReading | None = None,
) -> list[Fact]:
    """What an agent checks first: the state, the battery, both plans (the SIM's data when its
    bundle is known), the ids."""
    device = report.device
    facts = [status_fact(device, now)]
    battery = battery_label(device.battery, device.power_mode)
    if battery:
        facts.append(Fact(_("Battery"), battery, note=battery_note(device.battery), note_tone=WARN))
    bundle = data.bundle if data else None
    for title, plan, empty in (
        (_("Cloud storage"), report.storage, _("No plan")),
        (_("4G SIM"), report.sim, _("No SIM plan")),
    ):
        if plan is None:
            facts.append(Fact(title, badge=Badge(empty, NEUTRAL)))
            continue
        if isinstance(plan, gwell.SimPlan):
            state = sim_state(plan, now, bundle=bundle)
        else:
            state = plan_state(plan, now)
        facts.append(Fact(title, badge=state.badge, note=state.end_note, note_tone=state.end_tone))
    if report.sim is not None and bundle is not None:
        facts.append(data_fact(data))
    if device.device_id:
        facts.append(Fact(_("Device id"), device.device_id, code=True))
    if device.is_bound and device.owner_id:
        facts.append(
            Fact(
                _("Owner"),
                device.owner_id,
                code=True,
                url=sidebar_url(
                    Lookup.Kind.USER, device.owner_id, credential=credential, reason=reason
                ),
            )
        )
    return facts


def sidebar_user(
    devices: gwell.DeviceList, *, lookup: Lookup, fetched_at: datetime | None, now: datetime
) -> SidebarUser:
    """The user's page's list, each row checked by the same script (state, battery, model),
    linking to the device inside the sidebar."""
    page = user_page(devices=devices, lookup=lookup, fetched_at=fetched_at, now=now)
    rows = [
        replace(
            row,
            url=sidebar_url(
                Lookup.Kind.DEVICE_ID,
                row.dev_id,
                owner=page.user_id,
                credential=lookup.credential_name,
                reason=lookup.reason,
            ),
        )
        for row in page.rows
    ]
    checks = owner_list(
        replace(page, rows=rows),
        lookup=lookup,
        entries=devices.devices,
        route="embed:owner_list_check",
    )
    return SidebarUser(
        page=page, owner_list=checks, page_url=_full_page(lookup), provenance=page.provenance
    )
