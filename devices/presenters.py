"""Vendor values -> what a support person reads: labels, times, warnings, the verdict.

Plain functions over the vendor client's typed results, so every rule is unit-tested without a
request. Templates only lay out what these return. Every string goes through gettext; a value
the vendor did not send reads "not reported"; an enum value we do not know shows its raw number,
never a guessed label.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from devices import failures, gwell
from devices.forms import lookup_url
from devices.models import Lookup

# A plan this close to its end is a problem worth a warning.
EXPIRY_WARNING_DAYS = 7
# Below this the verdict mentions the battery even when nothing else is wrong.
LOW_BATTERY_PERCENT = 20
# The vendor's `signal` is a 0-100 quality; at or below this it is weak.
WEAK_SIGNAL = 30
# Only when `signal` is missing (as in the vendor's example): an RSSI (dBm) this low is weak for
# WiFi and 4G alike. 4G cameras work fine around -90, so the quality decides when it is there.
WEAK_RSSI = -95
# A data bundle used this far (0..1) is a problem: the camera is about to stop uploading.
DATA_NEARLY_USED_UP = 0.9
# A plan ending after this is how the vendor writes "permanent" (e.g. 3972791736, year 2095).
PERMANENT_AFTER = datetime(2090, 1, 1, tzinfo=UTC).timestamp()

DAY = 86400

OK, WARN, BAD, NEUTRAL = "ok", "warn", "bad", "neutral"


@dataclass(frozen=True)
class Badge:
    """A state in words, with a tone the stylesheet colours (never colour alone)."""

    text: str
    tone: str = NEUTRAL


@dataclass(frozen=True)
class Moment:
    """A point in time, absolute (in TIME_ZONE, zone shown) and relative to now."""

    absolute: str
    relative: str
    iso: str


@dataclass(frozen=True)
class Fact:
    """One line of a section: a label and what to say about it."""

    label: str
    value: str = ""
    badge: Badge | None = None
    moment: Moment | None = None
    note: str = ""
    note_tone: str = NEUTRAL
    url: str = ""
    code: bool = False  # an identifier: monospace, selectable
    missing: bool = False  # "not reported": shown dimmed


@dataclass(frozen=True)
class Section:
    title: str
    facts: list[Fact] = field(default_factory=list)
    badge: Badge | None = None
    empty: str = ""  # what to say instead of facts ("No SIM plan")


@dataclass(frozen=True)
class Verdict:
    text: str
    tone: str


# Times.


def to_datetime(timestamp: int | None) -> datetime | None:
    """An aware datetime from Unix seconds; None for missing or 0 ("never / not set")."""
    if not timestamp or timestamp < 0:
        return None
    try:
        return datetime.fromtimestamp(timestamp, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def is_permanent(timestamp: int | None) -> bool:
    return bool(timestamp) and timestamp >= PERMANENT_AFTER


def zone_label(moment: datetime | None = None) -> str:
    """The zone as shown next to times: "UTC+8", "UTC-3:30", "UTC"."""
    local = timezone.localtime(moment or timezone.now())
    offset = local.utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset else 0
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def absolute_time(moment: datetime) -> str:
    """ "2025-03-01 14:05 UTC+8": TIME_ZONE, minutes, the zone always shown."""
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M} {zone_label(moment)}"


def duration_words(seconds: float) -> str:
    """The largest whole unit: "45 seconds", "12 minutes", "5 hours", "3 days"."""
    seconds = abs(int(seconds))
    if seconds < 60:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    if seconds < 3600:
        count = seconds // 60
        return ngettext("%(count)d minute", "%(count)d minutes", count) % {"count": count}
    if seconds < DAY:
        count = seconds // 3600
        return ngettext("%(count)d hour", "%(count)d hours", count) % {"count": count}
    count = seconds // DAY
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


def relative_time(moment: datetime, now: datetime) -> str:
    """ "3 days ago", "in 5 hours", "just now"."""
    delta = (moment - now).total_seconds()
    if abs(delta) < 5:
        return _("just now")
    if delta < 0:
        return _("%(duration)s ago") % {"duration": duration_words(delta)}
    return _("in %(duration)s") % {"duration": duration_words(delta)}


def moment(timestamp: int | datetime | None, now: datetime) -> Moment | None:
    when = timestamp if isinstance(timestamp, datetime) else to_datetime(timestamp)
    if when is None:
        return None
    return Moment(
        absolute=absolute_time(when), relative=relative_time(when, now), iso=when.isoformat()
    )


# Small labels.


def not_reported() -> str:
    return _("not reported")


def raw_value(value: Any) -> str:
    """How an enum value we have no label for is shown: its number, plainly marked."""
    return _("code %(value)s (unknown to SupportDesk)") % {"value": value}


def online_badge(online: int | None) -> Badge:
    if online == 1:
        return Badge(_("Online"), OK)
    if online == 0:
        return Badge(_("Offline"), BAD)
    if online is None:
        return Badge(_("Not reported"), NEUTRAL)
    return Badge(raw_value(online), NEUTRAL)


def power_mode_label(power_mode: int | None) -> str | None:
    """None when not reported."""
    labels = {
        0: _("Mains power (no battery)"),
        1: _("On battery"),
        2: _("External power (battery fitted)"),
    }
    if power_mode is None:
        return None
    return labels.get(power_mode, raw_value(power_mode))


def charging_label(power_charging: int | None) -> str | None:
    labels = {
        0: _("Not charging"),
        1: _("Charging"),
        2: _("Charging (low voltage)"),
        3: _("Charging (high voltage)"),
    }
    if power_charging is None:
        return None
    return labels.get(power_charging, raw_value(power_charging))


def notice_label(notice_status: int | None) -> str | None:
    labels = {0: _("Off: the owner is not notified"), 1: _("On: the owner is notified")}
    if notice_status is None:
        return None
    return labels.get(notice_status, raw_value(notice_status))


def pkg_type_label(pkg_type: int | None) -> str | None:
    labels = {0: _("Continuous recording"), 1: _("Event recording")}
    if pkg_type is None:
        return None
    return labels.get(pkg_type, raw_value(pkg_type))


def relation_badge(relation: int | None) -> Badge:
    if relation == 1:
        return Badge(_("Owner"), NEUTRAL)
    if relation == 2:
        return Badge(_("Guest"), NEUTRAL)
    if relation is None:
        return Badge(_("Not reported"), NEUTRAL)
    return Badge(raw_value(relation), NEUTRAL)


def renewal_label(renewing: bool | int | None) -> str | None:
    if renewing is None:
        return None
    if renewing in (True, 1):
        return _("Auto-renewal on")
    if renewing in (False, 0):
        return _("Auto-renewal off")
    return raw_value(renewing)


def is_weak_signal(signal: int | None, rssi: int | None) -> bool:
    if signal is not None:
        return signal <= WEAK_SIGNAL
    return rssi is not None and rssi <= WEAK_RSSI


def signal_label(signal: int | None, rssi: int | None) -> str | None:
    """ "quality 72, RSSI -61 dBm"; None when neither was sent."""
    if signal is None and rssi is None:
        return None
    parts = []
    if signal is not None:
        parts.append(_("quality %(signal)s") % {"signal": signal})
    if rssi is not None:
        parts.append(_("RSSI %(rssi)s dBm") % {"rssi": rssi})
    return pgettext("list separator", ", ").join(parts)


def battery_label(battery: int | None, power_mode: int | None) -> str | None:
    if battery is None:
        return _("No battery") if power_mode == 0 else None
    return f"{battery}%"


def battery_note(battery: int | None) -> str:
    if battery is not None and battery <= LOW_BATTERY_PERCENT:
        return _("Low battery")
    return ""


def kind_label(kind: str) -> str:
    labels = {
        Lookup.Kind.SERIAL: _("serial number"),
        Lookup.Kind.DEVICE_ID: _("device id"),
        Lookup.Kind.USER: _("user id"),
    }
    return labels.get(kind, kind)


def outcome_badge(outcome: str) -> Badge:
    tones = {
        Lookup.Outcome.OK: OK,
        Lookup.Outcome.PENDING: NEUTRAL,
        Lookup.Outcome.NOT_FOUND: WARN,
        Lookup.Outcome.INVALID_INPUT: WARN,
        Lookup.Outcome.RATE_LIMITED: WARN,
    }
    labels = {
        Lookup.Outcome.PENDING: _("Pending"),
        Lookup.Outcome.OK: _("Found"),
        Lookup.Outcome.NOT_FOUND: _("Not found"),
        Lookup.Outcome.VENDOR_ERROR: _("Vendor error"),
        Lookup.Outcome.SIGNATURE_ERROR: _("Signature refused"),
        Lookup.Outcome.UNAVAILABLE: _("Vendor unavailable"),
        Lookup.Outcome.RATE_LIMITED: _("Too many lookups"),
        Lookup.Outcome.INVALID_INPUT: _("Invalid input"),
    }
    return Badge(labels.get(outcome, outcome), tones.get(outcome, BAD))


def source_label(source: str) -> str:
    labels = {
        Lookup.Source.FRESH: _("fresh from the vendor"),
        Lookup.Source.CACHED: _("cached"),
        Lookup.Source.SHARED: _("shared with a colleague's simultaneous lookup"),
    }
    return labels.get(source, source)


# Plans.


@dataclass(frozen=True)
class PlanState:
    """Where a plan stands: a badge, and the phrase about its end ("expires in 3 days")."""

    badge: Badge
    end_note: str = ""
    end_tone: str = NEUTRAL
    problem: bool = False


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


def storage_state(plan: gwell.StoragePlan, now: datetime) -> PlanState:
    """`srvStatus` 2 in service, 5 expired and closed; others shown as their number."""
    note, tone, problem = plan_end_note(plan.end_time, now)
    if plan.srv_status == 5:
        return PlanState(Badge(_("Expired"), BAD), note, BAD, True)
    if plan.srv_status == 2:
        if tone == BAD:  # the vendor has not closed it yet, but its end is past
            return PlanState(Badge(_("In service"), WARN), note, BAD, True)
        return PlanState(Badge(_("In service"), OK if not problem else WARN), note, tone, problem)
    if plan.srv_status is None:
        return PlanState(Badge(_("Status not reported"), NEUTRAL), note, tone, problem)
    return PlanState(Badge(raw_value(plan.srv_status), NEUTRAL), note, tone, problem)


def sim_state(plan: gwell.SimPlan, now: datetime) -> PlanState:
    """`srvStatus` 1 active, 0 expired; others shown as their number."""
    note, tone, problem = plan_end_note(plan.end_time, now)
    if plan.srv_status == 0:
        return PlanState(Badge(_("Expired"), BAD), note, BAD, True)
    if plan.srv_status == 1:
        if tone == BAD:
            return PlanState(Badge(_("Active"), WARN), note, BAD, True)
        return PlanState(Badge(_("Active"), OK if not problem else WARN), note, tone, problem)
    if plan.srv_status is None:
        return PlanState(Badge(_("Status not reported"), NEUTRAL), note, tone, problem)
    return PlanState(Badge(raw_value(plan.srv_status), NEUTRAL), note, tone, problem)


# The verdict.


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def connection_clause(device: gwell.DeviceInfo, now: datetime) -> tuple[str, str]:
    """(clause, tone) about whether the device is reachable and for how long it has not been."""
    if device.online == 1:
        return _("online"), OK
    if device.online == 0:
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


def verdict(report: gwell.DeviceReport, now: datetime) -> Verdict:
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
    details, details_tone = power_clauses(device) if device.online == 1 else ([], OK)
    if details_tone != OK:
        tones.append(details_tone)
    plan_clauses = []
    for plan, state_of, sim in (
        (report.sim, sim_state, True),
        (report.storage, storage_state, False),
    ):
        if plan is None:
            continue
        state = state_of(plan, now)
        if state.problem:
            plan_clauses.append(plan_clause(state, plan.end_time, now, sim=sim))
            tones.append(BAD if state.badge.tone == BAD or state.end_tone == BAD else WARN)
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


# Sections of the device page.


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


def user_devices_url(user_id: str, *, credential_name: str = "", reason: str = "") -> str:
    """A user's page; the region and the ticket go along, so the next lookup is audited alike."""
    return lookup_url(Lookup.Kind.USER, user_id, credential=credential_name, reason=reason)


def device_url(
    dev_id: str, *, owner_id: str = "", credential_name: str = "", reason: str = ""
) -> str:
    return lookup_url(
        Lookup.Kind.DEVICE_ID, dev_id, owner=owner_id, credential=credential_name, reason=reason
    )


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
                url=_safe_url(
                    user_devices_url,
                    device.owner_id,
                    credential_name=credential_name,
                    reason=reason,
                ),
                note=_("see all of this user's devices"),
            )
        )
    facts.append(_time_fact(_("Bound since"), device.bind_time, now, zero=_("never bound")))
    return Section(_("Device"), facts, badge=online_badge(device.online))


def _safe_url(builder, *args: str, **kwargs: str) -> str:
    try:
        return builder(*args, **kwargs)
    except NoReverseMatch:  # an id with a "/" cannot be a path segment; show it unlinked
        return ""


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
    state = storage_state(plan, now)
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


def sim_section(plan: gwell.SimPlan | None, now: datetime) -> Section:
    title = _("4G SIM")
    if plan is None:
        return Section(
            title,
            badge=Badge(_("No SIM plan"), NEUTRAL),
            empty=_("No SIM plan: a WiFi camera, or a SIM the vendor has no plan for."),
        )
    state = sim_state(plan, now)
    facts = [
        Fact(_("Status"), "", badge=state.badge),
        _fact(_("Card number"), plan.sim_id, code=True),
        _fact(_("Carrier"), plan.card_provider),
        _time_fact(_("Started"), plan.start_time, now, zero=_("not set")),
        _plan_end_fact(_("Expires"), plan.end_time, state, now),
        _fact(_("Auto-renewal"), renewal_label(plan.sub_status)),
        _time_fact(_("Subscribed since"), plan.sub_time, now, zero=_("never subscribed")),
        _time_fact(_("Last charge"), plan.withhold_time, now, zero=_("no charge yet")),
        _fact(_("Order id"), plan.order_id, code=True),
    ]
    return Section(title, facts, badge=state.badge)


# The footer: where the data came from.


@dataclass(frozen=True)
class Provenance:
    request_id: str
    fetched: Moment | None
    age: str  # "data from 12 seconds ago, cached"; "" when fresh
    source: str


def provenance(lookup: Lookup, fetched_at: datetime | None, now: datetime) -> Provenance:
    fetched = moment(fetched_at, now) if fetched_at else None
    age = ""
    if fetched_at and lookup.source in (Lookup.Source.CACHED, Lookup.Source.SHARED):
        age = _("data from %(ago)s, %(source)s") % {
            "ago": relative_time(fetched_at, now),
            "source": source_label(lookup.source),
        }
    return Provenance(
        request_id=lookup.request_id,
        fetched=fetched,
        age=age,
        source=source_label(lookup.source) if lookup.source else "",
    )


def raw_json(raw: dict[str, Any] | None) -> str:
    if raw is None:
        return ""
    return json.dumps(raw, ensure_ascii=False, indent=2, sort_keys=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


def escalation_text(
    *,
    lookup: Lookup,
    now: datetime,
    device_id: str | None = None,
    owner_id: str | None = None,
    raw: dict[str, Any] | None = None,
    error: Exception | None = None,
) -> str:
    """One block to paste into a ticket to the vendor: who, what, when, codes, requestId, JSON."""
    when = lookup.created_at or now
    lines = [
        _("SupportDesk lookup at %(time)s") % {"time": absolute_time(when)},
        _("Looked up: %(kind)s %(value)s")
        % {"kind": kind_label(lookup.kind), "value": lookup.value},
    ]
    if device_id:
        lines.append(_("Device id: %(value)s") % {"value": device_id})
    owner = owner_id or lookup.owner_id
    if owner:
        lines.append(_("Owner's user id: %(value)s") % {"value": owner})
    if lookup.credential_name:
        lines.append(_("Credential: %(value)s") % {"value": lookup.credential_name})
    lines.append(
        _("Endpoint: %(value)s") % {"value": lookup.endpoint or "-"},
    )
    code = getattr(error, "code", None) if error else (raw or {}).get("code")
    message = getattr(error, "vendor_message", None) if error else (raw or {}).get("msg")
    if code is not None:
        lines.append(_("Vendor code: %(value)s") % {"value": code})
    if message:
        lines.append(_("Vendor message: %(value)s") % {"value": message})
    if error is not None:
        lines.append(_("Error: %(value)s") % {"value": lookup.vendor_message or str(error)})
    request_id = lookup.request_id or (getattr(error, "request_id", None) if error else None)
    lines.append(_("Vendor requestId: %(value)s") % {"value": request_id or "-"})
    if lookup.http_request_id:
        lines.append(_("SupportDesk request id: %(value)s") % {"value": lookup.http_request_id})
    if raw is not None:
        lines.append(_("Raw answer:"))
        lines.append(raw_json(raw))
    return "\n".join(lines)


@dataclass(frozen=True)
class DevicePage:
    verdict: Verdict
    sections: list[Section]
    device_id: str | None
    owner_id: str | None
    provenance: Provenance
    raw_json: str
    escalation: str


def device_page(
    *,
    report: gwell.DeviceReport,
    lookup: Lookup,
    fetched_at: datetime | None,
    now: datetime,
) -> DevicePage:
    return DevicePage(
        verdict=verdict(report, now),
        sections=[
            device_section(
                report.device, now, credential_name=lookup.credential_name, reason=lookup.reason
            ),
            storage_section(report.storage, now),
            sim_section(report.sim, now),
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
        ),
    )


# The user's devices.


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
    if not entry.total_flow or entry.total_flow <= 0:
        return None
    used = entry.use_flow
    if used is None and entry.surplus_flow is not None:
        used = entry.total_flow - entry.surplus_flow
    if used is None:
        return None
    used = max(0, min(used, entry.total_flow))
    label = _("%(used)s MB of %(total)s MB used") % {
        "used": f"{used:,}",
        "total": f"{entry.total_flow:,}",
    }
    high_mark = math.floor(entry.total_flow * DATA_NEARLY_USED_UP)
    return DataUse(
        used=used,
        total=entry.total_flow,
        label=label,
        nearly_used_up=used >= high_mark,
        low_mark=math.floor(entry.total_flow * 0.7),
        high_mark=high_mark,
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
        rows.append(
            DeviceRow(
                dev_id=entry.dev_id,
                url=_safe_url(
                    device_url,
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


# Vendor failures.


@dataclass(frozen=True)
class ErrorPanel:
    title: str
    message: str
    next_step: str
    status: int
    badge: Badge = field(default_factory=lambda: Badge("", BAD))
    retry_after: int | None = None
    facts: list[Fact] = field(default_factory=list)
    escalation: str = ""


def _retry_seconds(value: float | None) -> int | None:
    return None if value is None else max(1, math.ceil(value))


def error_panel(
    error: Exception,
    *,
    lookup: Lookup,
    now: datetime,
    retry_after: float | None = None,
) -> ErrorPanel:
    """What went wrong, in words, with the next step and the HTTP status: the failure's row of
    `devices.failures.FAILURES`, filled in with this lookup's details."""
    failure = failures.failure_of(error)
    what = _("%(kind)s %(value)s") % {"kind": kind_label(lookup.kind), "value": lookup.value}
    facts: list[Fact] = []
    if isinstance(error, gwell.VendorError):
        if error.code is not None:
            facts.append(Fact(_("Vendor code"), str(error.code), code=True))
        if error.vendor_message:
            facts.append(Fact(_("Vendor message"), error.vendor_message))
        if error.request_id:
            facts.append(Fact(_("Vendor requestId"), error.request_id, code=True))
    if lookup.http_request_id:
        facts.append(Fact(_("SupportDesk request id"), lookup.http_request_id, code=True))
    seconds = _retry_seconds(retry_after or getattr(error, "retry_after", None))
    return ErrorPanel(
        str(failure.title),
        str(failure.message) % failures.panel_params(error, what=what),
        _retry_words(seconds) if failure.retry else str(failure.next_step),
        failure.status,
        badge=outcome_badge(lookup.outcome),
        retry_after=(seconds or 1) if failure.retry else None,
        facts=facts,
        escalation=escalation_text(lookup=lookup, now=now, error=error),
    )


def _retry_words(seconds: int | None) -> str:
    if seconds is None:
        return _("Try again in a moment.")
    return ngettext(
        "Try again in %(count)d second.", "Try again in %(count)d seconds.", seconds
    ) % {"count": seconds}


# My lookups.


@dataclass(frozen=True)
class LookupRow:
    when: Moment
    kind: str
    value: str
    owner: str
    outcome: Badge
    message: str
    reason: str
    url: str
    credential: str


def reopen_url(lookup: Lookup) -> str:
    """The page a lookup came from, or the search form filled in when it has no page."""
    if lookup.outcome != Lookup.Outcome.INVALID_INPUT and lookup.kind in Lookup.Kind.values:
        try:
            return lookup_url(
                lookup.kind,
                lookup.value,
                owner=lookup.owner_id,
                credential=lookup.credential_name,
                reason=lookup.reason,
            )
        except NoReverseMatch:
            pass
    search = {"q": lookup.value, "kind": lookup.kind}
    return reverse("search") + "?" + urlencode(search)


def lookup_rows(lookups: Iterable[Lookup], now: datetime) -> list[LookupRow]:
    rows = []
    for lookup in lookups:
        message = ""
        if lookup.outcome != Lookup.Outcome.OK and lookup.vendor_code is not None:
            # The audit row's own text is English for admins; the person reads the code.
            message = _("Vendor code %(code)s") % {"code": lookup.vendor_code}
        rows.append(
            LookupRow(
                when=moment(lookup.created_at, now),
                kind=kind_label(lookup.kind),
                value=lookup.value,
                owner=lookup.owner_id,
                outcome=outcome_badge(lookup.outcome),
                message=message,
                reason=lookup.reason,
                url=reopen_url(lookup),
                credential=lookup.credential_name,
            )
        )
    return rows


def colleague_notes(lookups: Iterable[Lookup], now: datetime) -> list[str]:
    """ "Also looked up by mei 4 minutes ago": a colleague may already be on this ticket."""
    return [
        _("Also looked up by %(name)s %(ago)s")
        % {"name": row.username, "ago": relative_time(row.created_at, now)}
        for row in lookups
    ]


def time_zone_note() -> str:
    return _("Times are in %(zone)s (%(offset)s).") % {
        "zone": settings.TIME_ZONE,
        "offset": zone_label(),
    }


# The user's page.


@dataclass(frozen=True)
class UserPage:
    user_id: str
    summary: str
    tone: str
    rows: list[DeviceRow]
    provenance: Provenance
    raw_json: str
    escalation: str


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


def lookup_outcome(result, *, now: datetime) -> dict[str, Any]:
    """The template context for a lookup's result: `page` when it worked, else `failure`."""
    if result.error is not None or result.data is None:
        error = result.error or RuntimeError("no data")
        return {
            "page": None,
            "failure": error_panel(
                error,
                lookup=result.lookup,
                now=now,
                retry_after=result.retry_after,
            ),
        }
    if isinstance(result.data, gwell.DeviceList):
        page = user_page(
            devices=result.data, lookup=result.lookup, fetched_at=result.fetched_at, now=now
        )
    else:
        page = device_page(
            report=result.data, lookup=result.lookup, fetched_at=result.fetched_at, now=now
        )
    return {"page": page, "failure": None}


# The search page.


def search_note(cleaned: dict[str, Any]) -> str:
    """After a search: what the box was read as, so a wrong guess is noticed at once."""
    kind = kind_label(cleaned["resolved_kind"])
    if cleaned.get("detected"):
        return _(
            "“%(value)s” was read as a %(kind)s. If that is wrong, search again and choose "
            "the kind."
        ) % {"value": cleaned["q"], "kind": kind}
    return _("Looked up “%(value)s” as a %(kind)s.") % {"value": cleaned["q"], "kind": kind}


# What the demo's sample descriptions read in the person's language (unknown ones stay as sent).
DEMO_DESCRIPTIONS = {
    "Online camera, cloud plan auto-renewing": gettext_lazy(
        "Online camera, cloud plan auto-renewing"
    ),
    "Cloud recordings stopped: plan expired": gettext_lazy(
        "Cloud recordings stopped: plan expired"
    ),
    "Offline for months: no live status": gettext_lazy("Offline for months: no live status"),
    "4G camera out of data: bundle used up": gettext_lazy("4G camera out of data: bundle used up"),
    "Battery almost empty": gettext_lazy("Battery almost empty"),
    "Not bound to any account": gettext_lazy("Not bound to any account"),
    "Family account: several cameras, one shared": gettext_lazy(
        "Family account: several cameras, one shared"
    ),
    "Guest-only account: sees cameras shared with it": gettext_lazy(
        "Guest-only account: sees cameras shared with it"
    ),
}


@dataclass(frozen=True)
class DemoSample:
    url: str
    value: str
    kind: str
    description: str


def demo_samples() -> list[DemoSample]:
    """Sample identifiers of the sandbox vendor, as links (only shown with DEMO_MODE on)."""
    from devices.sandbox.data import demo_samples as sandbox_samples

    return [
        DemoSample(
            url=lookup_url(kind, value),
            value=value,
            kind=kind_label(kind),
            description=str(DEMO_DESCRIPTIONS.get(description, description)),
        )
        for kind, value, description in sandbox_samples()
    ]


def tone_word(tone: str) -> str:
    """The word beside a coloured verdict: colour is never the only signal."""
    words = {OK: _("All good"), WARN: _("Needs attention"), BAD: _("Problem")}
    return words.get(tone, _("Note"))
