"""Issue 10 played as a new support agent would, in a real browser against gunicorn and the
sandbox: messy input forgiven, the data bundle and the newer SIM fields read right, a next step
and a reply to paste, in English and Chinese, on a desktop (1280 px) and a phone (390 px).

Screenshots land in var/screenshots/agent-<viewport>-<language>-<step>.png.
"""

import pytest
from playwright.sync_api import expect

from devices.sandbox.data import FARM, device_by_key
from tests.e2e.test_support_journey import DESKTOP, PHONE, _context, _watch_console

pytestmark = pytest.mark.e2e

SETUPS = {
    "desktop-en": (DESKTOP, "en-US"),
    "desktop-zh": (DESKTOP, "zh-CN"),
    "phone-en": (PHONE, "en-US"),
    "phone-zh": (PHONE, "zh-CN"),
}


def log_in(page, live_app, *, chinese: bool) -> None:
    # A person of their own: the minute's lookups spend the person's lookup allowance.
    live_app = live_app.with_new_person()
    page.goto("/")
    page.get_by_label("用户名" if chinese else "Username").fill(live_app.username)
    page.get_by_label("密码" if chinese else "Password").fill(live_app.password)
    page.get_by_role("button", name="登录" if chinese else "Sign in").click()
    page.wait_for_url("**/")


def search(page, text: str) -> None:
    page.goto("/")
    page.locator("#id_q").fill(text)
    page.locator(".search-row button[type=submit]").click()


def h1(page) -> str:
    headings = page.locator("h1")
    expect(headings).to_have_count(1)
    return headings.inner_text().strip()


@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_an_agent_gets_the_common_tickets_right(browser, live_app, screenshots, setup):
    viewport, locale = SETUPS[setup]
    chinese = locale.startswith("zh")
    context = _context(browser, live_app, viewport, locale=locale)
    page = context.new_page()
    problems = _watch_console(page)
    log_in(page, live_app, chinese=chinese)
    shot = lambda name: screenshots(page, f"agent-{setup}-{name}")  # noqa: E731

    # 1. A serial read out in lower case, pasted with its label: found, not "no such device".
    offline = device_by_key("offline-hours")
    search(page, f"SN: {offline.sn.lower()}")
    page.wait_for_url(f"**/devices/sn/{offline.sn}/")
    assert h1(page) == ("已离线 5 小时" if chinese else "Offline for 5 hours")
    steps = page.locator(".next-steps").inner_text()
    assert ("信号 35/100" if chinese else "signal 35/100") in steps
    english = page.locator("#reply-en").input_value()
    assert english.startswith("Your camera has been offline for 5 hours.")
    assert page.locator("#reply-zh-hans").input_value().startswith("您的摄像机已离线 5 小时。")
    shot("01-offline-lower-case")
    # The agent picks the customer's language and copies the reply.
    language = "zh-hans" if chinese else "en"
    page.locator(f'[data-copy-target="reply-{language}"]').click()
    expect(page.locator(f"#reply-{language} ~ .reply-actions .copy-status")).not_to_be_empty()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator(f"#reply-{language}").input_value()

    # 2. Two serials pasted on two lines: two links, nothing looked up yet.
    asleep = device_by_key("asleep")
    search(page, f"{offline.sn}\n{asleep.sn.lower()}")
    links = page.locator(".candidate-list a")
    expect(links).to_have_count(2)
    shot("02-two-pasted")
    links.nth(1).click()
    page.wait_for_url(f"**/devices/sn/{asleep.sn}/")
    assert ("休眠" if chinese else "Asleep") in h1(page)
    assert "normal" in page.locator("#reply-en").input_value()
    assert "offline" not in page.locator("#reply-en").input_value()
    shot("03-asleep")

    # 3. A user id without its minus: "did you mean -…?", one click to the account.
    search(page, str(FARM).lstrip("-"))
    did_you_mean = page.locator(".candidate-list a").first
    assert str(FARM) in did_you_mean.inner_text()
    shot("04-did-you-mean")
    did_you_mean.click()
    page.wait_for_url(f"**/users/{FARM}/devices/")
    used_up_row = page.locator("tr", has_text=str(device_by_key("sim-data-used-up").dev_id))
    assert ("流量已用完" if chinese else "Data used up") in used_up_row.inner_text()
    shot("05-owner-list")

    # 4. The 4G camera out of data, opened from the owner's list (owner in the link).
    used_up_row.locator("a").first.click()
    page.wait_for_url("**/devices/id/**")
    figures = "已用 5,120 / 共 5,120 MB" if chinese else "5,120 of 5,120 MB"
    assert figures in h1(page)
    assert ("流量已用完" if chinese else "Data used up") in page.content()
    assert "Your camera has used all of its 4G data" in page.locator("#reply-en").input_value()
    shot("06-data-used-up")

    # 5. A new 4G camera whose SIM was never activated; a camera whose SIM was swapped.
    search(page, device_by_key("sim-never-activated").sn)
    assert ("SIM 未激活" if chinese else "SIM never activated") in h1(page)
    shot("07-sim-never-activated")
    search(page, device_by_key("sim-swapped").sn)
    assert ("已换卡" if chinese else "SIM swapped") in page.content()
    assert "89860318700000012345 → 89860121800000000855" in page.content()
    shot("08-sim-swapped")

    if viewport is PHONE:  # nothing wider than the phone: no sideways scrolling
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # 6. Not found: what was searched, and where.
    search(page, "876zz0000000001")
    searched = page.locator(".searched").inner_text()
    assert "876ZZ0000000001" in searched and "sandbox" in searched
    shot("09-not-found")

    assert problems == []
    context.close()
