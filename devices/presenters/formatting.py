"""The words every page is built from: badges and facts, times, labels of the vendor's values.

A value the vendor did not send reads "not reported"; an enum value we do not know shows its raw
number, never a guessed label. Every string goes through gettext.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from devices import gwell
from devices.models import Lookup

# Below this the verdict mentions the battery even when nothing else is wrong.
LOW_BATTERY_PERCENT = 20
# The vendor's `signal` is a 0-100 quality; at or below this it is weak.
WEAK_SIGNAL = 30
# Only when `signal` is missing (as in the vendor's example): an RSSI (dBm) this low is weak for
# WiFi and 4G alike. 4G cameras work fine around -90, so the quality decides when it is there.
WEAK_RSSI = -95
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
    """A point in time, absolute (in the reader's zone, shown) and relative to now."""

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


def tone_word(tone: str) -> str:
    """The word beside a coloured verdict: colour is never the only signal."""
    words = {OK: _("All good"), WARN: _("Needs attention"), BAD: _("Problem")}
    return words.get(tone, _("Note"))


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


def zone_label(moment: datetime | None = None, zone: tzinfo | None = None) -> str:
    """The zone (the reader's, unless given) as shown next to times: "UTC+8", "UTC-3:30"."""
    local = timezone.localtime(moment or timezone.now(), zone)
    offset = local.utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset else 0
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def time_zone_note() -> str:
    """ "Times are in Asia/Shanghai (UTC+8).": the reader's zone (see devices/preferences.py)."""
    return _("Times are in %(zone)s (%(offset)s).") % {
        "zone": timezone.get_current_timezone_name(),
        "offset": zone_label(),
    }


def absolute_time(moment: datetime) -> str:
    """ "2025-03-01 14:05 UTC+8": the reader's zone, minutes, the zone always shown."""
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


# Labels of the vendor's values.


def not_reported() -> str:
    return _("not reported")


def raw_value(value: Any) -> str:
    """How an enum value we have no label for is shown: its number, plainly marked."""
    return _("code %(value)s (unknown to SupportDesk)") % {"value": value}


def online_badge(online: int | None) -> Badge:
    if online == gwell.ONLINE:
        return Badge(_("Online"), OK)
    if online == gwell.OFFLINE:
        return Badge(_("Offline"), BAD)
    if online == gwell.ASLEEP:
        # A low-power camera sleeps between events: normal, not a fault.
        return Badge(_("Asleep (low-power)"), OK)
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


# Labels of our own audit values.


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
        Lookup.Outcome.CREDENTIAL_ERROR: _("Credential refused"),
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
        Lookup.Source.LAST_GOOD: _("the last good answer, the vendor not answering"),
    }
    return labels.get(source, source)
