"""The owner's list in a real browser: rows fill in after the page loads, with a progress count,
then the rows with problems move first, once (English and Chinese, desktop and phone).

One row's check is held back by the browser until the others have answered, so the page can be
seen mid-fill: seven rows checked, the eighth still "Checking…", nothing re-sorted yet.
Screenshots: var/screenshots/owner-list-*.png.
"""

import re

import pytest
from playwright.sync_api import expect

from devices.sandbox.data import DOORBELLS, device_by_key
from tests.e2e.conftest import _free_port, _running_app

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

ENGLISH = {
    "locale": "en-US",
    "mid": "Checked 7 of 8 devices",
    "done": "All 8 devices checked: rows with problems first.",
    "checking": "Checking…",
    "summary_before": "8 devices: 7 owned, 1 shared with this user",
    "summary_after": "8 devices: 7 owned, 1 shared with this user; 1 needs attention",
    "offline": "Offline",
    "asleep": "Asleep (low-power)",
    "low": "Low battery",
}
CHINESE = {
    "locale": "zh-CN",
    "mid": "已检查 7 / 8 台设备",
    "done": "全部 8 台设备已检查：有问题的排在前面。",
    "checking": "检查中…",
    "offline": "离线",
    "asleep": "休眠中（低功耗）",
    "low": "电量低",
}


def _sign_in(page, live_app) -> None:
    # A person of their own: a list's checks spend the person's lookup allowance.
    live_app = live_app.with_new_person()
    page.goto("/")
    page.locator("input[name=username]").fill(live_app.username)
    page.locator("input[name=password]").fill(live_app.password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/$"))


def _row(page, key: str):
    return page.locator(
        "tbody tr", has=page.locator(f"code:text-is('{device_by_key(key).dev_id}')")
    )


@pytest.mark.parametrize(
    "words, viewport, name",
    [
        (ENGLISH, DESKTOP, "desktop-en"),
        (ENGLISH, PHONE, "phone-en"),
        (CHINESE, DESKTOP, "desktop-zh"),
        (CHINESE, PHONE, "phone-zh"),
    ],
)
def test_the_rows_fill_in_with_a_count_then_problems_come_first(
    browser, live_app, screenshots, words, viewport, name
):
    context = browser.new_context(viewport=viewport, locale=words["locale"], base_url=live_app.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document"
            else None
        ),
    )
    _sign_in(page, live_app)

    offline = device_by_key("offline-battery-flat")
    held = []
    page.route(f"**/devices/{offline.dev_id}/check/**", lambda route: held.append(route))
    page.goto(f"/users/{DOORBELLS}/devices/")
    progress = page.locator("[data-progress]")
    summary = page.locator(".verdict-text")

    # Mid-fill: every row but the held one has answered, in place.
    expect(progress).to_have_text(words["mid"])
    expect(_row(page, "offline-battery-flat").locator("[data-cell=state]")).to_have_text(
        words["checking"]
    )
    expect(_row(page, "asleep").locator("[data-cell=state]")).to_contain_text(words["asleep"])
    expect(_row(page, "asleep").locator("[data-cell=model]")).to_have_text("BC-B1")
    first = page.locator("tbody tr").first.locator("code")
    assert first.inner_text() == str(device_by_key("online-battery-high").dev_id)
    if "summary_before" in words:
        assert summary.inner_text() == words["summary_before"]
    screenshots(page, f"owner-list-{name}-1-filling")

    # The last answer: the offline camera is counted, marked, and sorted first, once.
    held[0].continue_()
    expect(progress).to_have_text(words["done"])
    offline_row = _row(page, "offline-battery-flat")
    expect(offline_row.locator("[data-cell=state]")).to_contain_text(words["offline"])
    expect(offline_row.locator("[data-cell=battery]")).to_contain_text(words["low"])
    assert "problem" in offline_row.get_attribute("class")
    assert first.inner_text() == str(offline.dev_id)
    if "summary_after" in words:
        assert summary.inner_text() == words["summary_after"]
    else:
        assert summary.inner_text().endswith("1 台需要关注")
    assert "verdict-bad" in page.locator(".verdict").get_attribute("class")
    screenshots(page, f"owner-list-{name}-2-checked")

    if viewport is PHONE:
        page.screenshot(path=str(screenshots.folder / f"owner-list-{name}-2-top.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert problems == []
    context.close()


def test_a_failed_row_says_why_and_can_be_checked_again(browser, live_app, screenshots):
    context = browser.new_context(viewport=DESKTOP, locale="en-US", base_url=live_app.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    _sign_in(page, live_app)
    asleep = device_by_key("asleep")
    failed_once = []

    def fail_once(route):
        if failed_once:
            route.continue_()
            return
        failed_once.append(route)
        route.fulfill(status=502, body="<html>Bad gateway</html>", content_type="text/html")

    page.route(f"**/devices/{asleep.dev_id}/check/**", fail_once)
    page.goto(f"/users/{DOORBELLS}/devices/")
    state = _row(page, "asleep").locator("[data-cell=state]")
    expect(state).to_contain_text("Could not check this device: SupportDesk did not answer.")
    screenshots(page, "owner-list-desktop-en-3-row-failed")
    state.get_by_role("button", name="Check again").click()
    expect(state).to_contain_text("Asleep (low-power)")
    context.close()


@pytest.fixture(scope="module")
def short_limit_app(tmp_path_factory, sandbox_server, sandbox_app):
    """The app with OWNER_LIST_CHECK_UP_TO=5: the battery-camera owner's 8 devices are "many"."""
    folder = tmp_path_factory.mktemp("live-short-limit")
    extra = {"OWNER_LIST_CHECK_UP_TO": "5"}
    with _running_app(folder, _free_port(), sandbox_server, sandbox_app, extra) as app:
        yield app


@pytest.mark.parametrize(
    "locale, viewport, name, button",
    [
        ("en-US", DESKTOP, "desktop-en", "Check all 8 devices (8 vendor calls)"),
        ("zh-CN", PHONE, "phone-zh", "检查全部 8 台设备（8 次厂商调用）"),
    ],
)
def test_a_long_list_asks_before_spending_the_budget(
    browser, short_limit_app, sandbox_server, screenshots, locale, viewport, name, button
):
    context = browser.new_context(viewport=viewport, locale=locale, base_url=short_limit_app.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    checks = []
    page.on(
        "request", lambda request: checks.append(request.url) if "/check/" in request.url else None
    )
    _sign_in(page, short_limit_app)
    page.goto(f"/users/{DOORBELLS}/devices/")
    ask = page.get_by_role("button", name=button)
    expect(ask).to_be_visible()
    page.wait_for_timeout(500)  # time enough for a script that would not wait
    assert checks == []
    screenshots(page, f"owner-list-{name}-4-asks")

    ask.click()
    expect(ask).to_be_hidden()
    expect(page.locator("[data-progress]")).to_contain_text("8")
    expect(page.locator("[data-owner-list][data-sorted]")).to_have_count(1)
    assert len(checks) == 8
    assert page.locator("tbody tr").first.locator("code").inner_text() == str(
        device_by_key("offline-battery-flat").dev_id
    )
    screenshots(page, f"owner-list-{name}-5-checked-after-asking")
    context.close()


def test_a_row_told_to_wait_is_checked_again_after_the_wait(browser, live_app, screenshots):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", base_url=live_app.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    _sign_in(page, live_app)
    asleep = device_by_key("asleep")
    busy_once = []

    def busy_once_then_answer(route):
        if busy_once:
            route.continue_()
            return
        busy_once.append(route)
        # What the check answers when the team's budget is in use (devices/failures.py).
        route.fulfill(
            status=200,
            content_type="application/json",
            body='{"ok": false, "message": "同时进行的查询过多", "hint": "请在 2 秒后重试。",'
            ' "retry_after": 2}',
        )

    page.route(f"**/devices/{asleep.dev_id}/check/**", busy_once_then_answer)
    page.goto(f"/users/{DOORBELLS}/devices/")
    state = _row(page, "asleep").locator("[data-cell=state]")
    expect(state).to_contain_text("请在 2 秒后重试。")
    expect(page.locator("[data-progress]")).to_have_text("已检查 7 / 8 台设备")
    screenshots(page, "owner-list-desktop-zh-6-row-waiting")
    expect(state).to_contain_text("休眠中（低功耗）")
    expect(page.locator("[data-progress]")).to_have_text("全部 8 台设备已检查：有问题的排在前面。")
    context.close()
