"""The 30-day strip chart of what the snapshots saw, drawn here as SVG (no script, no chart
library, nothing inline for the CSP to refuse), and the table that says the same in words.

Only what was seen is drawn: a snapshot covers first seen to seen until; between snapshots
the state is unknown and drawn as such, never carried over. The battery is drawn over the same
spans and broken at every gap. Plan ends the snapshots named are marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from devices import gwell
from devices.history.changes import presence_words
from devices.history.facts import Facts, read
from devices.history.models import Snapshot
from devices.presenters.formatting import (
    Moment,
    absolute_time,
    is_permanent,
    moment,
    to_datetime,
)

DAYS = 30
WIDTH, HEIGHT = 720.0, 150.0  # one unit across is one hour of the 30 days
BAND_TOP, BAND_HEIGHT = 8.0, 28.0
LINE_TOP, LINE_HEIGHT = 48.0, 70.0  # the battery: 100 % at the top, 0 % at the bottom
AXIS_Y = 136.0
# A snapshot seen once is an instant; it is drawn this wide so that it shows.
MIN_SPAN = 2.0

STATES = {
    gwell.ONLINE: ("online", "#2f9e55"),
    gwell.OFFLINE: ("offline", "#d24141"),
    gwell.ASLEEP: ("asleep", "#4a7fd4"),
}
OTHER_STATE = ("other", "#8c96a5")  # not reported, or a value SupportDesk does not know
UNKNOWN = ("unknown", "#e3e6eb")
BATTERY_COLOUR = "#1b2230"
PLAN_END_COLOUR = "#b26b00"


@dataclass(frozen=True)
class Band:
    state: str  # online, offline, asleep, other, unknown
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Row:
    """One line of the table under the chart."""

    first_seen: Moment
    last_seen: Moment
    times_seen: int
    status: str
    battery: str
    storage_end: str
    sim_end: str


@dataclass(frozen=True)
class History:
    svg: SafeString
    rows: list[Row]
    start: datetime
    end: datetime

    @property
    def has_storage(self) -> bool:
        return any(row.storage_end for row in self.rows)

    @property
    def has_sim(self) -> bool:
        return any(row.sim_end for row in self.rows)


def history_chart(snapshots: list[Snapshot], now: datetime, *, days: int = DAYS) -> History:
    start = now - timedelta(days=days)
    seen = [s for s in snapshots if s.last_seen_at >= start and s.first_seen_at <= now]
    seen.sort(key=lambda s: (s.first_seen_at, s.id or 0))
    bands = bands_of(seen, start, now)
    svg = _svg(seen, bands, start, now)
    rows = [_row(s, now) for s in reversed(seen)]
    return History(svg=svg, rows=rows, start=start, end=now)


def bands_of(snapshots: list[Snapshot], start: datetime, end: datetime) -> list[Band]:
    """The strip from `start` to `end`: each snapshot's own span, unknown in between."""
    bands: list[Band] = []
    cursor = start
    for snapshot in snapshots:
        first = max(snapshot.first_seen_at, start)
        last = min(snapshot.last_seen_at, end)
        if first > cursor:
            bands.append(Band(UNKNOWN[0], cursor, first))
        bands.append(Band(_state(read(snapshot.facts))[0], max(first, cursor), last))
        cursor = max(cursor, last)
    if cursor < end:
        bands.append(Band(UNKNOWN[0], cursor, end))
    return [band for band in bands if band.end > band.start or band.state != UNKNOWN[0]]


def _state(facts: Facts) -> tuple[str, str]:
    return STATES.get(facts["online"], OTHER_STATE)


def _x(moment_: datetime, start: datetime, end: datetime) -> float:
    span = (end - start).total_seconds()
    return round(WIDTH * (moment_ - start).total_seconds() / span, 2)


def _attrs(**values: object) -> str:
    return " ".join(
        f"{name.rstrip('_').replace('_', '-')}={quoteattr(str(v))}" for name, v in values.items()
    )


def _svg(snapshots: list[Snapshot], bands: list[Band], start: datetime, end: datetime) -> str:
    title = _("Device history over the last %(days)s days") % {"days": DAYS}
    desc = _(
        "Online, offline and asleep as SupportDesk's lookups saw them; grey where no lookup "
        "saw the device. The line is the battery level; dashed lines mark plan ends. The table "
        "below says the same in words."
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" {_attrs(viewBox=f"0 0 {WIDTH:g} {HEIGHT:g}")}'
        f' class="history-chart" role="img" aria-labelledby="history-title history-desc">',
        f'<title id="history-title">{escape(title)}</title>',
        f'<desc id="history-desc">{escape(desc)}</desc>',
    ]
    colours = dict([*STATES.values(), OTHER_STATE, UNKNOWN])
    for band in bands:
        x1, x2 = _x(band.start, start, end), _x(band.end, start, end)
        if band.state != UNKNOWN[0]:
            x2 = max(x2, min(x1 + MIN_SPAN, WIDTH))
            x1 = min(x1, x2 - MIN_SPAN)
        parts.append(
            "<rect "
            + _attrs(
                class_=f"band band-{band.state}",
                x=x1,
                y=BAND_TOP,
                width=round(max(x2 - x1, 0.0), 2),
                height=BAND_HEIGHT,
                fill=colours[band.state],
                data_from=band.start.isoformat(),
                data_until=band.end.isoformat(),
            )
            + "/>"
        )
    # The battery scale.
    for level in (0, 50, 100):
        y = _battery_y(level)
        parts.append(
            "<line " + _attrs(x1=0, x2=WIDTH, y1=y, y2=y, stroke="#d8dce3", stroke_width=0.5) + "/>"
        )
        parts.append(
            "<text "
            + _attrs(x=WIDTH - 2, y=y - 2, font_size=9, text_anchor="end", fill="#586272")
            + f">{level}%</text>"
        )
    for snapshot in snapshots:
        battery = read(snapshot.facts)["battery"]
        if battery is None:
            continue
        x1 = _x(max(snapshot.first_seen_at, start), start, end)
        x2 = max(_x(min(snapshot.last_seen_at, end), start, end), x1 + MIN_SPAN)
        y = _battery_y(battery)
        parts.append(
            "<line "
            + _attrs(
                class_="battery",
                x1=x1,
                x2=round(min(x2, WIDTH), 2),
                y1=y,
                y2=y,
                stroke=BATTERY_COLOUR,
                stroke_width=2,
                data_battery=battery,
            )
            + "/>"
        )
        parts.append(
            "<circle "
            + _attrs(cx=x1, cy=y, r=2.5, fill=BATTERY_COLOUR)
            + f"><title>{escape(f'{battery}%')}</title></circle>"
        )
    parts.extend(_plan_ends(snapshots, start, end))
    parts.extend(_axis(start, end))
    parts.append("</svg>")
    # Every text and attribute above went through escape() or quoteattr().
    return mark_safe("".join(parts))  # noqa: S308


def _battery_y(level: int) -> float:
    level = min(max(level, 0), 100)
    return round(LINE_TOP + LINE_HEIGHT * (100 - level) / 100, 2)


def _plan_ends(snapshots: list[Snapshot], start: datetime, end: datetime) -> list[str]:
    ends: dict[tuple[str, int], str] = {}
    for snapshot in snapshots:
        facts = read(snapshot.facts)
        for key, label in (
            ("storage_end", _("Cloud storage ends")),
            ("sim_end", _("4G SIM plan ends")),
        ):
            when = to_datetime(facts[key])
            if when is not None and start <= when <= end and not is_permanent(facts[key]):
                ends[(key, facts[key])] = label
    parts = []
    for (key, timestamp), label in sorted(ends.items(), key=lambda item: item[0][1]):
        when = to_datetime(timestamp)
        x = _x(when, start, end)
        text = f"{label}: {absolute_time(when)}"
        parts.append(
            "<line "
            + _attrs(
                class_=f"plan-end plan-end-{key.removesuffix('_end')}",
                x1=x,
                x2=x,
                y1=BAND_TOP - 4,
                y2=LINE_TOP + LINE_HEIGHT,
                stroke=PLAN_END_COLOUR,
                stroke_width=1.5,
                stroke_dasharray="4 3",
            )
            + f"><title>{escape(text)}</title></line>"
        )
    return parts


def _axis(start: datetime, end: datetime) -> list[str]:
    parts = []
    local_end = timezone.localtime(end)
    for days_back in range(DAYS, -1, -7):
        tick = local_end - timedelta(days=days_back)
        x = _x(tick, start, end)
        label = _("now") if days_back == 0 else f"{tick:%m-%d}"
        anchor = "end" if days_back == 0 else "start" if days_back == DAYS else "middle"
        parts.append(
            "<line "
            + _attrs(x1=x, x2=x, y1=LINE_TOP + LINE_HEIGHT, y2=AXIS_Y - 9, stroke="#8c96a5")
            + "/>"
        )
        parts.append(
            "<text "
            + _attrs(x=x, y=AXIS_Y + 6, font_size=11, text_anchor=anchor, fill="#586272")
            + f">{escape(label)}</text>"
        )
    return parts


def _row(snapshot: Snapshot, now: datetime) -> Row:
    facts = read(snapshot.facts)
    battery = facts["battery"]
    return Row(
        first_seen=moment(snapshot.first_seen_at, now),
        last_seen=moment(snapshot.last_seen_at, now),
        times_seen=snapshot.times_seen,
        status=presence_words(facts),
        battery="" if battery is None else f"{battery}%",
        storage_end=_end(facts["storage_end"]),
        sim_end=_end(facts["sim_end"]),
    )


def _end(timestamp: int | None) -> str:
    if is_permanent(timestamp):
        return _("Permanent")
    when = to_datetime(timestamp)
    return absolute_time(when) if when else ""
