"""What changed since the previous snapshot, in words: the device page's "Since the last
lookup" and a watch's announcements. Plain functions over stored facts; no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from devices import gwell
from devices.history.facts import Facts, read, same_since
from devices.history.models import Snapshot
from devices.presenters.formatting import (
    BAD,
    NEUTRAL,
    OK,
    Moment,
    absolute_time,
    charging_label,
    is_permanent,
    moment,
    not_reported,
    online_badge,
    power_mode_label,
    raw_value,
    to_datetime,
)


@dataclass(frozen=True)
class Change:
    """One thing that changed: "Battery: 80% → 8%"."""

    key: str
    label: str
    before: str
    after: str
    tone: str = NEUTRAL
    short: str = ""  # for a page title: "Online again"; "" for "label: after"


@dataclass(frozen=True)
class ChangeSummary:
    """The headline ("Since the last lookup, 2 days ago:"), the changes it introduces, and
    `unchanged` when the latest answer said what the one before it did."""

    headline: str
    when: Moment | None
    changes: list[Change] = field(default_factory=list)
    unchanged: bool = False


def since_last_lookup(snapshots: list[Snapshot], now: datetime) -> ChangeSummary | None:
    """From the device's last two snapshots (oldest first); None when there are none."""
    if not snapshots:
        return None
    latest = snapshots[-1]
    previous = snapshots[-2] if len(snapshots) > 1 else None
    if latest.times_seen > 1:
        # The last answer said the same as the one before it.
        last_time = latest.previously_seen_at or latest.first_seen_at
        when = moment(last_time, now)
        headline = _("No change since the last lookup, %(ago)s.") % {"ago": when.relative}
        if previous is not None:
            since = moment(latest.first_seen_at, now)
            headline += " " + _("Last change seen %(ago)s:") % {"ago": since.relative}
            changes = compare(read(previous.facts), read(latest.facts))
        else:
            changes = []
        return ChangeSummary(headline, when, changes, unchanged=True)
    if previous is None:
        return ChangeSummary(
            _("This is the first answer SupportDesk has kept for this device."), None
        )
    when = moment(previous.last_seen_at, now)
    headline = _("Since the last lookup, %(ago)s:") % {"ago": when.relative}
    return ChangeSummary(headline, when, compare(read(previous.facts), read(latest.facts)))


def compare(before: Facts, after: Facts) -> list[Change]:
    """Every difference a person would care about, in the page's order."""
    changes = []
    moved = not same_since(before["online_since"], after["online_since"])
    if before["online"] != after["online"] or moved:
        again = before["online"] != after["online"] and after["online"] == gwell.ONLINE
        changes.append(
            Change(
                "online",
                _("Status"),
                presence_words(before),
                presence_words(after, again=again),
                OK if after["online"] in (gwell.ONLINE, gwell.ASLEEP) else BAD,
                _("Online again") if again else online_badge(after["online"]).text,
            )
        )
    if before["battery"] != after["battery"]:
        changes.append(
            Change("battery", _("Battery"), _percent(before["battery"]), _percent(after["battery"]))
        )
    if (before["power_mode"], before["charging"]) != (after["power_mode"], after["charging"]):
        changes.append(Change("power", _("Power"), _power(before), _power(after)))
    if before["signal"] != after["signal"]:
        changes.append(
            Change("signal", _("Signal"), _quality(before["signal"]), _quality(after["signal"]))
        )
    if before["firmware"] != after["firmware"]:
        changes.append(
            Change("firmware", _("Firmware"), _text(before["firmware"]), _text(after["firmware"]))
        )
    if before["owner"] != after["owner"]:
        changes.append(
            Change(
                "owner",
                _("Owner changed"),
                _owner(before["owner"]),
                _owner(after["owner"]),
                NEUTRAL,
            )
        )
    for prefix, label, words in (
        ("storage", _("Cloud storage"), _storage_words),
        ("sim", _("4G SIM plan"), _sim_words),
    ):
        old = (before[f"{prefix}_status"], before[f"{prefix}_end"])
        new = (after[f"{prefix}_status"], after[f"{prefix}_end"])
        if old[0] != new[0] or not same_since(old[1], new[1]):
            changes.append(Change(prefix, label, words(*old), words(*new)))
    if before["iccid"] != after["iccid"]:
        label = _("SIM swapped") if before["iccid"] and after["iccid"] else _("SIM card")
        changes.append(
            Change("iccid", label, _text(before["iccid"]), _text(after["iccid"]), NEUTRAL)
        )
    return changes


def presence_words(facts: Facts, *, again: bool = False) -> str:
    """ "Offline since 2026-11-28 21:14 UTC+8", "Online again since …", "Online"."""
    state = _("Online again") if again else online_badge(facts["online"]).text
    since = to_datetime(facts["online_since"])
    if since is None:
        return state
    return _("%(state)s since %(time)s") % {"state": state, "time": absolute_time(since)}


def announcement(change: Change) -> str:
    """A change in one short line for the page title while watching: "● Online again"."""
    short = change.short or _("%(label)s: %(after)s") % {
        "label": change.label,
        "after": change.after,
    }
    return f"● {short}"


def _percent(value: int | None) -> str:
    return not_reported() if value is None else f"{value}%"


def _quality(value: int | None) -> str:
    return not_reported() if value is None else _("quality %(signal)s") % {"signal": value}


def _text(value: str | None) -> str:
    return value or not_reported()


def _power(facts: Facts) -> str:
    parts = [power_mode_label(facts["power_mode"]), charging_label(facts["charging"])]
    shown = [part for part in parts if part]
    return ", ".join(shown) if shown else not_reported()


def _owner(owner: str | None) -> str:
    if owner == "0":
        return _("Not bound")
    return owner or not_reported()


def _end_words(end: int | None) -> str:
    if is_permanent(end):
        return _("permanent")
    when = to_datetime(end)
    return _("ends %(time)s") % {"time": absolute_time(when)} if when else ""


def _plan_words(status_label: str, end: int | None) -> str:
    ends = _end_words(end)
    return f"{status_label}, {ends}" if ends else status_label


def _storage_words(status: int | None, end: int | None) -> str:
    if status is None and not end:
        return _("No plan")
    labels = {2: _("In service"), 5: _("Expired")}
    label = labels.get(status, not_reported() if status is None else raw_value(status))
    return _plan_words(label, end)


def _sim_words(status: int | None, end: int | None) -> str:
    if status is None and not end:
        return _("No plan")
    labels = {1: _("Active"), 0: _("Expired")}
    label = labels.get(status, not_reported() if status is None else raw_value(status))
    return _plan_words(label, end)
