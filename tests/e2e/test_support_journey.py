"""The support journey in a real browser against gunicorn and the sandbox vendor.

Screenshots of every page land in var/screenshots/ (desktop 1280 px and phone 390 px).
"""

import re

import pytest
from playwright.sync_api import expect

from devices.sandbox import FaultPlan
from devices.sandbox.data import FAMILY, device_by_key

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _context(browser, live_app, viewport, locale="en-US"):
    context = browser.new_context(viewport=viewport, locale=locale, base_url=live_app.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_app.url)
    context.set_default_timeout(15_000)
    return context


def _watch_console(page) -> list[str]:
    """Script errors, CSP violations, and any stylesheet, script or image that failed to load.

    Error pages (404, 502...) are expected documents here, so only sub-resources count.
    """
    problems: list[str] = []

    def on_console(message) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    def on_response(response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            problems.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _log_in(page, live_app) -> None:
    page.goto("/")
    # A person of their own: My lookups lists exactly this test's lookups, and owner's lists
    # checking their rows spend only this person's allowance.
    live_app = live_app.with_new_person()
    page.get_by_label("Username").fill(live_app.username)
    page.get_by_label("Password").fill(live_app.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def test_a_support_person_finds_out_what_is_wrong_with_a_camera(browser, live_app, screenshots):
    context = _context(browser, live_app, DESKTOP)
    page = context.new_page()
    problems = _watch_console(page)
    _log_in(page, live_app)
    screenshots(page, "desktop-01-search")

    expired = device_by_key("sim-expired")
    page.get_by_label("Serial number, device id or user id", exact=True).fill(
        f"  {expired.sn.lower().upper()} "
    )
    page.get_by_role("button", name="Look up").click()
    page.wait_for_url(f"**/devices/sn/{expired.sn}/")
    verdict = page.locator(".verdict-text")
    assert verdict.inner_text().startswith("Offline for 20 days")
    assert "its 4G data plan expired 20 days ago" in verdict.inner_text()
    assert "was read as a serial number" in page.locator(".messages").inner_text()
    screenshots(page, "desktop-02-device-sim-expired")

    page.get_by_role("button", name="Copy for escalation").click()
    # The copy is asynchronous: wait for the status (Playwright retries up to its timeout).
    # The escalation's own status (the replies to the customer have theirs).
    expect(page.locator(".provenance .copy-status")).to_have_text(
        "Copied: paste it into the ticket"
    )
    copied = page.evaluate("navigator.clipboard.readText()")
    assert f"Looked up: serial number {expired.sn}" in copied
    assert "Vendor requestId: " in copied
    assert '"requestId"' in copied

    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "quick-q"
    page.keyboard.press("Escape")

    page.get_by_role("link", name=str(expired.owner_id)).click()
    page.wait_for_url(f"**/users/{expired.owner_id}/devices/**")
    assert page.locator("table.device-table tbody tr").count() == 3
    first_row = page.locator("table.device-table tbody tr").first
    assert "Expired" in first_row.inner_text()
    screenshots(page, "desktop-03-user-devices")

    other = device_by_key("offline-days")
    page.get_by_role("link", name=str(other.dev_id)).click()
    page.wait_for_url(f"**/devices/id/{other.dev_id}/**")
    assert page.locator(".verdict-text").inner_text().startswith("Offline for 4 days")
    screenshots(page, "desktop-04-device-offline-days")

    page.get_by_role("button", name="简体中文").click()
    page.wait_for_url(f"**/devices/id/{other.dev_id}/**")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "离线" in page.locator(".verdict-text").inner_text()
    assert page.get_by_role("link", name="我的查询").is_visible()
    screenshots(page, "desktop-05-device-chinese")

    page.get_by_role("link", name="我的查询").click()
    page.wait_for_url("**/lookups/")
    rows = page.locator("table.lookup-table tbody tr")
    # Four lookups; the last two (the device again, in Chinese) fold into one row.
    assert rows.count() == 3
    assert "2 次" in rows.first.inner_text()
    assert other.dev_id and str(other.dev_id) in rows.first.inner_text()
    screenshots(page, "desktop-06-my-lookups-chinese")

    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/lookups/")
    assert page.get_by_role("heading", name="My lookups").is_visible()
    assert problems == []
    context.close()


def test_the_pages_read_well_on_a_phone(browser, live_app, screenshots):
    context = _context(browser, live_app, PHONE)
    page = context.new_page()
    problems = _watch_console(page)
    _log_in(page, live_app)
    screenshots(page, "phone-01-search")
    for key in ("online-battery-low", "sim-data-used-up", "storage-pkgtype-unknown"):
        page.goto(f"/devices/sn/{device_by_key(key).sn}/")
        assert page.locator(".verdict-text").is_visible()
        screenshots(page, f"phone-device-{key}")
    page.goto(f"/users/{FAMILY}/devices/")
    screenshots(page, "phone-user-devices")
    page.goto("/lookups/")
    screenshots(page, "phone-my-lookups")
    # Nothing may be wider than the phone: no sideways scrolling.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    assert problems == []
    context.close()


def test_a_chinese_browser_gets_chinese_pages_on_a_phone(browser, live_app, screenshots):
    context = _context(browser, live_app, PHONE, locale="zh-CN")
    page = context.new_page()
    problems = _watch_console(page)
    page.goto("/")
    page.get_by_label("用户名").fill(live_app.username)
    page.get_by_label("密码").fill(live_app.password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.get_by_role("heading", name="客户提供了什么信息？").is_visible()
    screenshots(page, "phone-zh-search")
    page.goto(f"/devices/sn/{device_by_key('sim-expired').sn}/")
    assert page.locator(".verdict-text").inner_text() == "已离线 20 天；4G 流量套餐已于 20 天前到期"
    screenshots(page, "phone-zh-device-sim-expired")
    page.goto(f"/users/{FAMILY}/devices/")
    screenshots(page, "phone-zh-user-devices")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert problems == []
    context.close()


GALLERY = [
    "online-wifi-mains",
    "online-battery-low",
    "storage-expiring-soon",
    "offline-months",
    "unbound",
    "vendor-example",
    "sim-permanent",
    "sim-expiring-soon",
    "storage-never-zeros",
]


def test_every_kind_of_device_page_renders_cleanly(browser, live_app, screenshots, sandbox_server):
    context = _context(browser, live_app, DESKTOP)
    page = context.new_page()
    problems = _watch_console(page)
    page.goto("/")
    screenshots(page, "gallery-login")
    _log_in(page, live_app)
    for key in GALLERY:
        response = page.goto(f"/devices/sn/{device_by_key(key).sn}/")
        assert response.status == 200, key
        assert page.locator(".verdict-text").inner_text()
        screenshots(page, f"gallery-{key}")
    response = page.goto("/devices/sn/NOSUCHDEVICE1/")
    assert response.status == 404
    expect(page.locator("#failure-title")).to_have_text("No such device")
    screenshots(page, "gallery-not-found")
    # A short device id is still a whole number: the vendor is asked, and knows no such device.
    response = page.goto("/devices/id/12/")
    assert response.status == 404
    expect(page.locator("#failure-title")).to_have_text("No such device")
    assert "device id 12" in page.locator(".failure-message").inner_text()
    screenshots(page, "gallery-device-id-short")
    page.goto("/")
    page.get_by_label("Serial number, device id or user id", exact=True).fill("876 ABC/DEF?")
    page.get_by_role("button", name="Look up").click()
    assert page.locator(".field-errors").is_visible()
    screenshots(page, "gallery-search-invalid")
    page.goto(f"/users/{FAMILY}/devices/")
    screenshots(page, "gallery-user-family")
    sandbox_server.vendor.set_faults(FaultPlan(mode="http502"))
    try:
        response = page.goto(f"/devices/sn/{device_by_key('charging').sn}/?refresh=1")
    finally:
        sandbox_server.vendor.set_faults(None)
    assert response.status == 502
    assert page.get_by_role("heading", name="The vendor is unavailable").is_visible()
    screenshots(page, "gallery-vendor-down")
    assert problems == []
    context.close()
