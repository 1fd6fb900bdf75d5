"""The 30-day strip chart: valid SVG, the right bands for a known history, gaps drawn as
unknown (never carried over), the battery broken at gaps, plan ends marked; and its table."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from django.utils import translation

from devices.history.chart import WIDTH, bands_of, history_chart
from tests.history.factories import snapshot

SVG = "{http://www.w3.org/2000/svg}"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=30)


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 (our own markup; raises when it is not well-formed)
    assert root.tag == f"{SVG}svg"
    return root


def bands(root: ET.Element) -> list[tuple[str, float, float]]:
    return [
        (
            rect.get("class").split()[-1].removeprefix("band-"),
            float(rect.get("x")),
            float(rect.get("width")),
        )
        for rect in root.iter(f"{SVG}rect")
        if "band" in rect.get("class", "").split()
    ]


def known_history(credential):
    """Online for a day 20 days ago; nothing seen for 9 days; offline for 2 days from 10 days
    ago; asleep seen once 5 days ago; online again from yesterday until now."""
    return [
        snapshot(credential, NOW - timedelta(days=20), NOW - timedelta(days=19), battery=90),
        snapshot(
            credential, NOW - timedelta(days=10), NOW - timedelta(days=8), online=0, battery=40
        ),
        snapshot(credential, NOW - timedelta(days=5), online=2, battery=None),
        snapshot(credential, NOW - timedelta(days=1), NOW, battery=75),
    ]


def test_the_chart_is_valid_svg_with_a_title_and_description(credential):
    root = parse(history_chart(known_history(credential), NOW).svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Device history over the last 30 days"
    assert "grey where no lookup saw the device" in root.find(f"{SVG}desc").text


def test_a_known_history_gives_its_bands_and_unknown_in_every_gap(credential):
    root = parse(history_chart(known_history(credential), NOW).svg)

    found = bands(root)

    assert [state for state, _x, _w in found] == [
        "unknown",
        "online",
        "unknown",
        "offline",
        "unknown",
        "asleep",
        "unknown",
        "online",
    ]
    hours = {state: [] for state, _x, _w in found}
    for state, x, width in found:
        hours[state].append((x, width))
    # One unit across is one hour of the 30 days.
    assert hours["online"][0] == (240.0, 24.0)  # 20 to 19 days ago
    assert hours["offline"][0] == (480.0, 48.0)  # 10 to 8 days ago
    assert hours["unknown"][1] == (264.0, 216.0)  # the 9 days nobody looked: unknown
    assert hours["online"][1] == (696.0, 24.0)
    # A single sighting is drawn narrow, never stretched to the next one.
    assert hours["asleep"][0][1] == 2.0
    # The strip covers the 30 days exactly.
    assert sum(w for state, _x, w in found if state != "asleep") + 1 == WIDTH + 1


def test_nothing_seen_is_one_unknown_band(credential):
    root = parse(history_chart([], NOW).svg)
    assert bands(root) == [("unknown", 0.0, WIDTH)]


def test_a_snapshot_that_began_before_the_window_is_cut_at_its_start(credential):
    old = snapshot(credential, NOW - timedelta(days=40), NOW - timedelta(days=29))
    found = bands_of([old], START, NOW)
    assert [(b.state, b.start, b.end) for b in found] == [
        ("online", START, NOW - timedelta(days=29)),
        ("unknown", NOW - timedelta(days=29), NOW),
    ]


def test_the_battery_line_is_broken_at_every_gap_and_missing_where_not_reported(credential):
    root = parse(history_chart(known_history(credential), NOW).svg)
    lines = [line for line in root.iter(f"{SVG}line") if line.get("class") == "battery"]
    assert [int(line.get("data-battery")) for line in lines] == [90, 40, 75]
    # Each is level (one reading per span), so nothing is drawn across a gap.
    assert all(line.get("y1") == line.get("y2") for line in lines)
    assert float(lines[0].get("x2")) == 264.0 and float(lines[1].get("x1")) == 480.0


def test_plan_ends_in_the_window_are_marked(credential):
    end = int((NOW - timedelta(days=3)).timestamp())
    snap = snapshot(credential, NOW - timedelta(days=4), storage_end=end, sim_end=4_000_000_000)
    root = parse(history_chart([snap], NOW).svg)
    marks = [line for line in root.iter(f"{SVG}line") if "plan-end" in line.get("class", "")]
    assert [mark.get("class") for mark in marks] == ["plan-end plan-end-storage"]
    assert float(marks[0].get("x1")) == 648.0
    assert marks[0].find(f"{SVG}title").text.startswith("Cloud storage ends: 2026-11-27")


def test_the_table_lists_each_snapshot_newest_first(credential):
    history = history_chart(known_history(credential), NOW)
    assert [row.status.split(" since ")[0] for row in history.rows] == [
        "Online",
        "Asleep (low-power)",
        "Offline",
        "Online",
    ]
    assert history.rows[0].battery == "75%"
    assert history.rows[1].battery == ""
    assert history.rows[2].first_seen.absolute == "2026-11-20 20:00 UTC+8"


def test_the_chart_speaks_chinese(credential):
    with translation.override("zh-hans"):
        history = history_chart(known_history(credential), NOW)
    root = parse(history.svg)
    assert root.find(f"{SVG}title").text == "最近 30 天的设备历史"
    assert history.rows[2].status.startswith("离线")
