"""Watching a device in a real browser: the sandbox brings a camera back online mid-watch and
the page announces it (a highlighted line and the page title); and the history chart, in
English and Chinese, on a desktop and a phone (screenshots in var/screenshots/)."""

import re
import time

import pytest
from playwright.sync_api import expect

from devices.sandbox.data import device_by_key
from tests.e2e.conftest import _free_port, _manage, _running_app

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
COMES_BACK = device_by_key("comes-back-online")
CHARTED = device_by_key("online-battery-high")

# Thirty days of what lookups saw of one camera, as `(days ago first seen, days ago last seen,
# online, battery, times seen)`, with gaps nobody looked in between, and a cloud plan that ended.
SEED = """
from datetime import timedelta
from django.utils import timezone
from devices.history.models import Snapshot
from devices.models import Credential
credential = Credential.objects.get(name="sandbox")
now = timezone.now()
storage_end = int((now - timedelta(days=12)).timestamp())
for first, last, online, battery, seen in [
    (29, 27.5, 1, 96, 14), (26, 25, 1, 71, 6), (21, 19.2, 0, 12, 9), (19, 19, 0, 9, 1),
    (14, 13.6, 2, 64, 3), (9, 6, 1, 88, 25), (3, 2.5, 0, 40, 4),
]:
    Snapshot.objects.create(
        credential=credential,
        device_id={device_id!r},
        facts={{
            "online": online, "online_since": int((now - timedelta(days=first)).timestamp()),
            "battery": battery, "power_mode": 1, "charging": 0, "signal": 80,
            "firmware": "21.4.0.12", "owner": "-9223371994455667788",
            "storage_status": 2 if first > 12 else 5, "storage_end": storage_end,
            "sim_status": None, "sim_end": None, "iccid": None,
        }},
        first_seen_at=now - timedelta(days=first),
        last_seen_at=now - timedelta(days=last),
        times_seen=seen,
    )
"""


@pytest.fixture(scope="module")
def watch_app(tmp_path_factory, sandbox_server, sandbox_app):
    """The app with polls a second apart (instead of 15 s) and a history to chart."""
    folder = tmp_path_factory.mktemp("live-watch")
    quick = {"WATCH_POLL_SECONDS": "1", "WATCH_RATE": "4/s"}
    with _running_app(folder, _free_port(), sandbox_server, sandbox_app, quick) as app:
        _manage(app.env, "shell", "-c", SEED.format(device_id=str(CHARTED.dev_id)))
        yield app


COUNT_WATCHES = """
from devices.history.models import Watch
stopped = Watch.objects.filter(stopped_at__isnull=False).count()
print(f"stopped {stopped} of {Watch.objects.count()}")
"""


def _watches(app) -> str:
    return _manage(app.env, "shell", "-c", COUNT_WATCHES).strip().splitlines()[-1]


def _log_in(browser, app, viewport, locale):
    context = browser.new_context(viewport=viewport, locale=locale, base_url=app.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and problems.append(m.text)
        ),
    )
    page.on(
        "response",
        lambda r: (
            r.request.resource_type != "document"
            and r.status >= 400
            and problems.append(f"{r.status} {r.url}")
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(app.username)
    page.locator("#id_password").fill(app.password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/$"))
    return context, page, problems


def test_a_watched_camera_that_comes_back_online_is_announced(
    browser, watch_app, sandbox_server, screenshots
):
    sandbox_server.vendor.timeline.reset(after_seconds=4)
    context, page, problems = _log_in(browser, watch_app, DESKTOP, "en-US")
    try:
        page.goto(f"/devices/sn/{COMES_BACK.sn}/")
        assert page.locator(".verdict-text").inner_text().startswith("Offline")
        title = page.title()
        button = page.get_by_role("button", name="Watch this device")
        button.click()
        expect(page.get_by_role("button", name="Stop watching")).to_be_visible()
        expect(page.locator(".watch-status")).to_contain_text("Watching: checking every 1")

        announced = page.locator(".watch-changes li").first
        expect(announced).to_contain_text("Status: Offline since", timeout=20_000)
        expect(announced).to_contain_text("Online again since")
        expect(announced).to_have_class(re.compile(r"\bfresh\b"))
        assert page.title() == f"● Online again · {title}"
        expect(page.locator(".watch-changes")).to_contain_text("Battery: 4% → 35%")
        # The verdict above was written before the change: it says so, and links to the page
        # as it is now (the poll's answer, from the cache).
        outdated = page.locator(".verdict .verdict-outdated")
        expect(outdated).to_contain_text("This verdict was written before the change at")
        screenshots(page, "watch-desktop-en-online-again")

        page.get_by_role("button", name="Stop watching").click()
        expect(page.locator(".watch-status")).to_have_text("Watching stopped.")
        expect(page.get_by_role("button", name="Watch this device")).to_be_visible()
        assert _watches(watch_app) == "stopped 1 of 1"
        outdated.get_by_role("link", name="Show the device as it is now").click()
        expect(page).to_have_url(re.compile(rf"/devices/id/{COMES_BACK.dev_id}/"))
        expect(page.locator(".verdict-text")).to_contain_text("Online")

        # Leaving the page stops its watch too.
        page.get_by_role("button", name="Watch this device").click()
        expect(page.get_by_role("button", name="Stop watching")).to_be_visible()
        assert _watches(watch_app) == "stopped 1 of 2"
        page.goto("/lookups/")
        deadline = time.monotonic() + 10
        while _watches(watch_app) != "stopped 2 of 2" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _watches(watch_app) == "stopped 2 of 2"
        assert problems == []
    finally:
        context.close()
        sandbox_server.vendor.timeline.reset(after_seconds=45)


@pytest.mark.parametrize(
    ("viewport", "locale", "name"),
    [
        (DESKTOP, "en-US", "desktop-en"),
        (PHONE, "en-US", "phone-en"),
        (DESKTOP, "zh-CN", "desktop-zh"),
        (PHONE, "zh-CN", "phone-zh"),
    ],
)
def test_the_history_chart_in_both_languages(
    browser, watch_app, screenshots, viewport, locale, name
):
    context, page, problems = _log_in(browser, watch_app, viewport, locale)
    try:
        page.goto(f"/devices/sn/{CHARTED.sn}/")
        panel = page.locator("section.history")
        panel.locator("summary").click()
        chart = panel.locator("svg.history-chart")
        expect(chart).to_be_visible()
        # The page never scrolls sideways; on a phone the strip scrolls in its own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert panel.locator(".band-offline").count() == 3
        assert panel.locator(".plan-end").count() == 1
        rows = panel.locator("table.history-table tbody tr")
        assert rows.count() == 8  # the seven seeded, and this lookup's own
        if locale == "zh-CN":
            expect(panel).to_contain_text("设备历史")
            expect(panel).to_contain_text("自上次查询（")
            expect(panel.locator("summary")).to_contain_text("最近 30 天")
            expect(rows.nth(1)).to_contain_text("离线")
        else:
            expect(panel).to_contain_text("Since the last lookup")
            expect(rows.nth(1)).to_contain_text("Offline since")
        panel.scroll_into_view_if_needed()
        panel.screenshot(path=str(screenshots.folder / f"history-{name}.png"))
        screenshots(page, f"history-page-{name}")
        assert problems == []
    finally:
        context.close()
