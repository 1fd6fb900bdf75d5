"""The device page: the one-sentence verdict, then the device, cloud storage and 4G SIM sections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from devices import gwell
from devices.links import user_devices_url
from devices.models import Lookup
from devices.presenters.advice import Advice, advice, facts_of
from devices.presenters.formatting import (
    BAD,
    LOW_BATTERY_PERCENT,
    NEUTRAL,
    OK,
    WARN,
    Badge,
    Fact,
    Moment,
    Section,
    absolute_time,
    battery_label,
    battery_note,
    charging_label,
    duration_words,
    is_permanent,
    is_weak_signal,
    moment,
    not_reported,
    notice_label,
    online_badge,
    pkg_type_label,
    power_mode_label,
    relative_time,
    renewal_label,
    signal_label,
    to_datetime,
)
from devices.presenters.plans import PlanState, plan_state, sim_state
from devices.presenters.provenance import Provenance, escalation_text, provenance, raw_json
from devices.presenters.sim_data import DataReading, data_fact, newer_sim_facts, used_of_total


@dataclass(frozen=True)
class Verdict:
    text: str
    tone: str


@dataclass(frozen=True)
class DevicePage:
    verdict: Verdict
    sections: list[Section]
    device_id: str | None
    owner_id: str | None
    provenance: Provenance
    raw_json: str
    escalation: str
    advice: Advice | None = None


def device_page(
    *,
    report: gwell.DeviceReport,
    lookup: Lookup,
    fetched_at: datetime | None,
    now: datetime,
    data: DataReading | None = None,
) -> DevicePage:
    data = data or DataReading()
    summary = verdict(report, now, data=data)
    return DevicePage(
        verdict=summary,
        advice=advice(facts_of(report, data, now, asked_owner=lookup.owner_id)),
        sections=[
            device_section(
                report.device, now, credential_name=lookup.credential_name, reason=lookup.reason
            ),
            storage_section(report.storage, now),
            sim_section(report.sim, now, data=data),
        ],
        device_id=report.device.device_id,
        owner_id=report.device.owner_id if report.device.is_bound else None,
        provenance=provenance(lookup, fetched_at, now),
        raw_json=raw_json(report.raw),
        escalation=escalation_text(
            lookup=lookup,
            now=now,
            device_id=report.device.device_id,
            owner_id=report.device.owner_id,
            raw=report.raw,
            verdict=summary.text,
            identifiers=returned_identifiers(report),
        ),
    )


def returned_identifiers(report: gwell.DeviceReport) -> list[tuple[str, str]]:
    """The identifiers in the answer beyond the device's and its owner's: the SIM's."""
    found = []
    sim = report.sim
    if sim is not None and sim.sim_id:
        found.append((_("SIM card number"), sim.sim_id))
    for record in (sim.iccids or ()) if sim is not None else ():
        found.append((_("ICCID"), record.iccid))
    return found


# The verdict.


def verdict(
    report: gwell.DeviceReport, now: datetime, *, data: DataReading | None = None
) -> Verdict:
    """One sentence that answers the customer's question from all the facts together.

    "Offline for 3 days; its 4G data plan expired 5 days ago", "Online; running on battery at
    15%, weak signal", "Not bound to any account".
    """
    device = report.device
    clauses: list[str] = []
    tones: list[str] = []
    if device.is_bound is False:
        clauses.append(_("not bound to any account"))
        tones.append(WARN)
    connection, tone = connection_clause(device, now)
    # An unbound device that never reports is fully explained by "not bound".
    if device.is_bound is not False or device.online is not None:
        clauses.append(connection)
        tones.append(tone)
    details, details_tone = (
        power_clauses(device) if device.online in (gwell.ONLINE, gwell.ASLEEP) else ([], OK)
    )
    if details_tone != OK:
        tones.append(details_tone)
    plan_clauses = []
    bundle = data.bundle if data is not None else None
    if report.sim is not None and report.sim.never_activated:
        plan_clauses.append(_("SIM never activated"))
        tones.append(BAD)
    for plan, sim in ((report.sim, True), (report.storage, False)):
        if plan is None:
            continue
        state = plan_state(plan, now)
        expired = state.badge.tone == BAD or state.end_tone == BAD
        if state.problem:
            plan_clauses.append(plan_clause(state, plan.end_time, now, sim=sim))
            tones.append(BAD if expired else WARN)
        if sim and bundle is not None and bundle.used_up and not expired:
            plan_clauses.append(
                _("4G data used up: %(figures)s") % {"figures": used_of_total(bundle)}
            )
            tones.append(BAD)
    separator = pgettext("verdict clause separator", "; ")
    sentence = separator.join(clauses)
    if details:
        sentence += separator + pgettext("list separator", ", ").join(details)
    if plan_clauses:
        sentence += separator + separator.join(plan_clauses)
    if tones == [OK] and not details:
        sentence += separator + _("nothing looks wrong")
    worst = BAD if BAD in tones else WARN if WARN in tones else OK
    return Verdict(_capitalise(sentence), worst)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def connection_clause(device: gwell.DeviceInfo, now: datetime) -> tuple[str, str]:
    """(clause, tone) about whether the device is reachable and for how long it has not been."""
    if device.online == gwell.ONLINE:
        return _("online"), OK
    if device.online == gwell.ASLEEP:
        return _("asleep (a low-power camera resting between events)"), OK
    if device.online == gwell.OFFLINE:
        since = to_datetime(device.online_update_time)
        if since is None:
            return _("offline"), BAD
        return _("offline for %(duration)s") % {
            "duration": duration_words((now - since).total_seconds())
        }, BAD
    if device.online is None:
        # The vendor drops every live field of a device offline for months.
        return _("no online status reported (usual after months offline)"), BAD
    return _("online state %(value)s (unknown to SupportDesk)") % {"value": device.online}, WARN


def power_clauses(device: gwell.DeviceInfo) -> tuple[list[str], str]:
    """(clauses, tone) about the power and signal of an online device."""
    clauses = []
    charging = device.power_charging in (1, 2, 3)
    low = device.battery is not None and device.battery <= LOW_BATTERY_PERCENT and not charging
    if device.power_mode == 1:
        if device.battery is None:
            clauses.append(_("running on battery"))
        else:
            clauses.append(_("running on battery at %(battery)s%%") % {"battery": device.battery})
    elif low:
        clauses.append(_("battery low at %(battery)s%%") % {"battery": device.battery})
    weak = is_weak_signal(device.signal, device.rssi)
    if weak:
        clauses.append(_("weak signal"))
    return clauses, WARN if low or weak else OK


def plan_clause(state: PlanState, end_time: int | None, now: datetime, *, sim: bool) -> str:
    end = to_datetime(end_time)
    if end is not None and not is_permanent(end_time):
        when = relative_time(end, now)
        if end_time <= now.timestamp() or state.badge.tone == BAD:
            if sim:
                return _("its 4G data plan expired %(ago)s") % {"ago": when}
            return _("its cloud storage expired %(ago)s") % {"ago": when}
        if sim:
            return _("its 4G data plan expires %(when)s") % {"when": when}
        return _("its cloud storage expires %(when)s") % {"when": when}
    if sim:
        return _("its 4G data plan has expired")
    return _("its cloud storage has expired")


# The sections.


def _fact(label: str, value: str | None, **kwargs: Any) -> Fact:
    if value is None or value == "":
        return Fact(label, not_reported(), missing=True, **kwargs)
    return Fact(label, value, **kwargs)


def _time_fact(label: str, timestamp: int | None, now: datetime, *, zero: str = "") -> Fact:
    """A time; `zero` is what 0 means for this field ("never"), else 0 reads "not reported"."""
    if timestamp == 0 and zero:
        return Fact(label, zero)
    if is_permanent(timestamp):
        return Fact(label, badge=Badge(_("Permanent"), OK))
    when = moment(timestamp, now)
    if when is None:
        return Fact(label, not_reported(), missing=True)
    return Fact(label, "", moment=when)


def status_fact(device: gwell.DeviceInfo, now: datetime) -> Fact:
    """ "Offline · for 3 days · since 2025-03-01 14:05 UTC+8"."""
    badge = online_badge(device.online)
    since = to_datetime(device.online_update_time)
    if since is None:
        if device.online is None:
            return Fact(_("Status"), badge=badge, note=_("usual after months offline"))
        return Fact(_("Status"), badge=badge, note=_("since when: not reported"))
    return Fact(
        _("Status"),
        _("for %(duration)s") % {"duration": duration_words((now - since).total_seconds())},
        badge=badge,
        note=_("since %(time)s") % {"time": absolute_time(since)},
    )


def device_section(
    device: gwell.DeviceInfo, now: datetime, *, credential_name: str = "", reason: str = ""
) -> Section:
    facts = []
    facts.append(status_fact(device, now))
    facts.append(
        _fact(
            _("Battery"),
            battery_label(device.battery, device.power_mode),
            note=battery_note(device.battery),
            note_tone=WARN,
        )
    )
    facts.append(_fact(_("Power source"), power_mode_label(device.power_mode)))
    facts.append(_fact(_("Charging status"), charging_label(device.power_charging)))
    # An offline device's last signal says nothing about the signal where it is now.
    weak = device.online == 1 and is_weak_signal(device.signal, device.rssi)
    facts.append(
        _fact(
            _("Signal"),
            signal_label(device.signal, device.rssi),
            note=_("Weak signal") if weak else "",
            note_tone=WARN,
        )
    )
    facts.append(_fact(_("Firmware"), device.firmware_version, code=True))
    facts.append(_fact(_("Model"), device.device_type))
    facts.append(_fact(_("Notifications"), notice_label(device.notice_status)))
    facts.append(_fact(_("Device id"), device.device_id, code=True))
    if device.is_bound is False:
        facts.append(Fact(_("Owner"), "", badge=Badge(_("Not bound"), WARN)))
    elif device.owner_id is None:
        facts.append(_fact(_("Owner"), None))
    else:
        facts.append(
            Fact(
                _("Owner"),
                device.owner_id,
                code=True,
                url=user_devices_url(
                    device.owner_id, credential_name=credential_name, reason=reason
                ),
                note=_("see all of this user's devices"),
            )
        )
    facts.append(_time_fact(_("Bound since"), device.bind_time, now, zero=_("never bound")))
    return Section(_("Device"), facts, badge=online_badge(device.online))


def _plan_end_fact(label: str, end_time: int | None, state: PlanState, now: datetime) -> Fact:
    """The end of a plan: the date, and "expires in 3 days" / "expired 5 days ago" as a note."""
    fact = _time_fact(label, end_time, now, zero=_("not set"))
    if not state.end_note or is_permanent(end_time) or fact.moment is None:
        return fact
    return Fact(
        fact.label,
        moment=Moment(absolute=fact.moment.absolute, relative="", iso=fact.moment.iso),
        note=state.end_note,
        note_tone=state.end_tone,
    )


def storage_section(plan: gwell.StoragePlan | None, now: datetime) -> Section:
    title = _("Cloud storage")
    if plan is None:
        return Section(
            title,
            badge=Badge(_("No plan"), NEUTRAL),
            empty=_("No cloud storage plan: never bought, or nothing the vendor reports."),
        )
    state = plan_state(plan, now)
    days = None
    if plan.storage_days is not None:
        days = ngettext("%(count)d day", "%(count)d days", plan.storage_days) % {
            "count": plan.storage_days
        }
    facts = [
        Fact(_("Status"), "", badge=state.badge),
        _fact(_("Plan"), pkg_type_label(plan.pkg_type)),
        _fact(_("Recordings kept"), days),
        _time_fact(_("Started"), plan.start_time, now, zero=_("not set")),
        _plan_end_fact(_("Ends"), plan.end_time, state, now),
        _fact(_("Auto-renewal"), renewal_label(plan.sub_status)),
        _time_fact(_("Subscribed since"), plan.sub_time, now, zero=_("never subscribed")),
        _time_fact(_("Last charge"), plan.withhold_time, now, zero=_("no charge yet")),
        _fact(_("Order id"), plan.order_id, code=True),
    ]
    return Section(title, facts, badge=state.badge)


def sim_section(
    plan: gwell.SimPlan | None, now: datetime, *, data: DataReading | None = None
) -> Section:
    title = _("4G SIM")
    if plan is None:
        return Section(
            title,
            badge=Badge(_("No SIM plan"), NEUTRAL),
            empty=_("No SIM plan: a WiFi camera, or a SIM the vendor has no plan for."),
        )
    data = data or DataReading()
    state = sim_state(plan, now, bundle=data.bundle)
    facts = [
        Fact(_("Status"), "", badge=state.badge),
        data_fact(data),
        _fact(_("Card number"), plan.sim_id, code=True),
        _fact(_("Carrier"), plan.card_provider),
        _time_fact(_("Started"), plan.start_time, now, zero=_("not set")),
        _plan_end_fact(_("Expires"), plan.end_time, state, now),
        _fact(_("Auto-renewal"), renewal_label(plan.sub_status)),
        _time_fact(_("Subscribed since"), plan.sub_time, now, zero=_("never subscribed")),
        _time_fact(_("Last charge"), plan.withhold_time, now, zero=_("no charge yet")),
        _fact(_("Order id"), plan.order_id, code=True),
        *newer_sim_facts(plan),
    ]
    return Section(title, facts, badge=state.badge)
