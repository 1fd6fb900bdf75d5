"""The owner's list at a glance: each row's online state, battery and model, checked after the
page has loaded, one devInfo per device (README, "The owner's list at a glance").

`owner_list` tells the page what to check and how to word its progress; `row_check` turns one
device's lookup into what its row shows, for the page's script (JSON-able, every string already
in the reader's language).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from devices import failures, gwell
from devices.models import Lookup
from devices.presenters.failures import _retry_words as retry_words
from devices.presenters.formatting import (
    BAD,
    LOW_BATTERY_PERCENT,
    OK,
    WARN,
    battery_label,
    charging_label,
    duration_words,
    is_weak_signal,
    not_reported,
    online_badge,
    to_datetime,
)
from devices.presenters.user import DeviceRow, UserPage, user_summary

# How a row sorts once every row is checked: problems first, then rows whose check failed (their
# state is unknown), then the rest; the server's order (plan problems first) within each.
URGENT, ATTENTION, UNKNOWN, FINE = 0, 1, 2, 3


@dataclass(frozen=True)
class ListedRow:
    row: DeviceRow
    check_url: str  # "" when the id cannot be a path segment: the row is not checked
    urgency: int  # of its plans alone, until its state is known


@dataclass(frozen=True)
class OwnerList:
    """What the user's page needs to check its rows: the rows with their check's address,
    whether the checks start by themselves, and the words the script fills in."""

    rows: list[ListedRow]
    checkable: int
    automatic: bool  # False: more than OWNER_LIST_CHECK_UP_TO rows, a button asks first
    check_all: str  # "Check all 24 devices (24 vendor calls)"
    summary_base: str  # the summary without its "N need attention" clause
    attention_one: str  # "%(count)d needs attention", for the script's count
    attention_other: str
    separator: str
    progress: str  # "Checked %(done)s of %(total)s devices", filled in by the script
    done: str


@dataclass(frozen=True)
class RowCheck:
    """What one device's row shows: its state, or why it could not be checked."""

    ok: bool
    state: str = ""
    state_tone: str = ""
    state_note: str = ""
    battery: str = ""
    battery_note: str = ""
    model: str = ""
    problem: bool = False  # counted in "N need attention", marked, sorted first
    urgency: int = UNKNOWN
    message: str = ""  # why the check failed
    hint: str = ""  # what to do about it
    retry_after: int | None = None
    stale: str = ""  # the vendor is not answering: this is its last good answer

    def as_json(self) -> dict:
        return asdict(self)


def owner_list(
    page: UserPage,
    *,
    lookup: Lookup,
    entries: Iterable[gwell.DeviceListEntry],
    route: str = "owner_list_check",
) -> OwnerList:
    """The rows of `page` (the list `entries`, from `lookup`, its audit row) with their checks,
    at `route` (the page's, or the sidebar's)."""
    rows = [
        ListedRow(row, check_url(lookup, row.dev_id, route=route), plan_urgency(row))
        for row in page.rows
    ]
    checkable = sum(1 for listed in rows if listed.check_url)
    forms_of = (1, 2)  # English and Chinese need no more plural forms than these
    one, other = (
        ngettext("%(count)d needs attention", "%(count)d need attention", n) for n in forms_of
    )
    return OwnerList(
        rows=rows,
        checkable=checkable,
        automatic=checkable <= settings.OWNER_LIST_CHECK_UP_TO,
        check_all=ngettext(
            "Check the %(count)d device (%(count)d vendor call)",
            "Check all %(count)d devices (%(count)d vendor calls)",
            checkable,
        )
        % {"count": checkable},
        # With no row flagged, the summary is its account clause alone.
        summary_base=user_summary([], entries),
        attention_one=one,
        attention_other=other,
        separator=pgettext("verdict clause separator", "; "),
        progress=_("Checked %(done)s of %(total)s devices"),
        done=_("All %(total)s devices checked: rows with problems first."),
    )


def plan_urgency(row: DeviceRow) -> int:
    """As the server sorted the rows: an expired plan first, then any other plan problem."""
    if BAD in (row.cloud.badge.tone, row.sim.badge.tone):
        return URGENT
    return ATTENTION if row.problem else FINE


def check_url(lookup: Lookup, dev_id: str, *, route: str = "owner_list_check") -> str:
    """A row's check: follows up `lookup`. "" when the id cannot be a path segment."""
    try:
        path = reverse(route, args=[lookup.value, dev_id])
    except NoReverseMatch:
        return ""
    return f"{path}?list={lookup.pk}"


def row_check(
    *, report: gwell.DeviceReport | None, error: Exception | None, retry_after, now: datetime
) -> RowCheck:
    """A row's state from its lookup: the report, the failure, or both (the last good report
    while the vendor is not answering)."""
    if report is None:
        return check_failure(error, retry_after)
    check = device_check(report.device, now)
    if error is not None:
        stale = _("Last known state: the vendor is not answering")
        return RowCheck(**{**asdict(check), "stale": stale})
    return check


def device_check(device: gwell.DeviceInfo, now: datetime) -> RowCheck:
    badge = online_badge(device.online)
    awake = device.online in (gwell.ONLINE, gwell.ASLEEP)
    tones = []
    state_note = ""
    if device.online == gwell.OFFLINE or device.online is None:
        tones.append(BAD)
        since = to_datetime(device.online_update_time)
        if since is not None and device.online == gwell.OFFLINE:
            state_note = _("for %(duration)s") % {
                "duration": duration_words((now - since).total_seconds())
            }
        elif device.online is None:
            state_note = _("no status reported (usual after months offline)")
    elif not awake:
        tones.append(WARN)  # a code we do not know
    elif is_weak_signal(device.signal, device.rssi):
        tones.append(WARN)
        state_note = _("weak signal")
    charging = device.power_charging in (1, 2, 3)
    battery_note = ""
    if charging:
        battery_note = charging_label(device.power_charging) or ""
    elif device.battery is not None and device.battery <= LOW_BATTERY_PERCENT:
        battery_note = _("Low battery")
        tones.append(WARN)
    worst = BAD if BAD in tones else WARN if WARN in tones else OK
    return RowCheck(
        ok=True,
        state=badge.text,
        state_tone=badge.tone,
        state_note=state_note,
        battery=battery_label(device.battery, device.power_mode) or not_reported(),
        battery_note=battery_note,
        model=device.device_type or not_reported(),
        problem=worst != OK,
        urgency={BAD: URGENT, WARN: ATTENTION}.get(worst, FINE),
    )


def check_failure(error: Exception | None, retry_after: float | None) -> RowCheck:
    """Why a row could not be checked, in the words of its failure, and when to try again."""
    failure = failures.failure_of(error) if error is not None else failures.INTERNAL
    if isinstance(error, gwell.DeviceNotFound):
        message = _("The vendor does not know this device (reset, or removed from the account?)")
    else:
        message = str(failure.title)
    seconds = max(1, math.ceil(retry_after)) if failure.retry and retry_after else None
    return RowCheck(
        ok=False,
        message=message,
        hint=retry_words(seconds) if failure.retry else str(failure.next_step),
        retry_after=seconds,
    )


def refused_check(outcome: str, *, retry_after: int | None = None) -> RowCheck:
    """A row check refused before any vendor call: the person's limit, or not a check of a
    list this person opened."""
    if outcome == Lookup.Outcome.RATE_LIMITED:
        return RowCheck(
            ok=False,
            message=str(failures.PERSON_LIMIT.title),
            hint=retry_words(retry_after),
            retry_after=retry_after,
        )
    return RowCheck(
        ok=False,
        message=_("This check does not belong to a list you opened."),
        hint=_("Open the list again."),
    )
