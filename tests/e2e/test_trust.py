"""Trust under failure, in a real browser: the last good answer during an outage, a credential
the vendor refuses, My lookups' search and paging, a person in another time zone; in English
and Chinese. Screenshots land in var/screenshots/ as trust-*.png.

Each test signs in as a person of its own (trust_*), made here, so what one changes (a time zone,
a trail of lookups) never shows in another.
"""

import re

import pytest
from playwright.sync_api import expect

from devices.sandbox import FaultPlan
from devices.sandbox.data import device_by_key
from tests.e2e.conftest import _manage
from tests.e2e.test_support_journey import DESKTOP, PHONE, _context, _watch_console

pytestmark = pytest.mark.e2e

PASSWORD = "e2e trust correct horse"

CREATE_PERSON = """
from django.contrib.auth.models import Permission, User
user = User.objects.create_user({username!r}, password={password!r}, is_staff={staff!r},
                                is_superuser={superuser!r})
user.user_permissions.add(
    Permission.objects.get(content_type__app_label="devices", codename="lookup_devices")
)
"""
# A superuser on admin's credential pages shows a second factor: here, a recovery code.
RECOVERY_CODE = "trustrecovery1"
ADD_RECOVERY_CODE = """
from django.contrib.auth.models import User
from django_otp.plugins.otp_static.models import StaticDevice
user = User.objects.get(username={username!r})
StaticDevice.objects.create(user=user, name="recovery codes").token_set.create(token={code!r})
"""


def person(live_app, username: str, *, superuser: bool = False) -> str:
    code = CREATE_PERSON.format(
        username=username, password=PASSWORD, staff=superuser, superuser=superuser
    )
    _manage(live_app.env, "shell", "-c", code)
    if superuser:
        code = ADD_RECOVERY_CODE.format(username=username, code=RECOVERY_CODE)
        _manage(live_app.env, "shell", "-c", code)
    return username


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/$"))


def vendor_requests(sandbox_server) -> int:
    return sandbox_server.vendor.stats()["requests"]


def test_an_outage_shows_the_last_good_answer_or_the_failure_alone(
    browser, live_app, sandbox_server, screenshots
):
    context = _context(browser, live_app, DESKTOP)
    page = context.new_page()
    problems = _watch_console(page)
    sign_in(page, person(live_app, "trust_ana"))
    # `unknown` must have no last good answer: a camera no other browser test of the session
    # looks up by its serial (the answers are shared by everyone, like the vendor's).
    known, unknown = device_by_key("storage-expired"), device_by_key("charging-low-voltage")
    page.goto(f"/devices/sn/{known.sn}/")
    good_verdict = page.locator(".verdict-text").inner_text()
    assert good_verdict

    sandbox_server.vendor.set_faults(FaultPlan(mode="http502"))
    try:
        with page.expect_navigation() as navigation:
            page.get_by_role("link", name="Refresh from the vendor").click()
        assert navigation.value.status == 502
        assert page.get_by_role("heading", name="The vendor is unavailable").is_visible()
        notice = page.locator(".stale-notice")
        expect(notice).to_contain_text(
            re.compile(r"The vendor is not answering\. Showing what it said at \d\d:\d\d, ")
        )
        assert page.locator(".verdict-text").inner_text() == good_verdict
        # The failure first, then the marked answer: nobody reads it as fresh.
        failure_box = page.locator(".failure").bounding_box()
        assert failure_box["y"] < notice.bounding_box()["y"]
        assert page.locator(".stale .verdict").is_visible()
        screenshots(page, "trust-01-outage-last-good")

        response = page.goto(f"/devices/sn/{unknown.sn}/")
        assert response.status == 502
        assert page.get_by_role("heading", name="The vendor is unavailable").is_visible()
        assert page.locator(".stale-notice").count() == 0
        assert page.locator(".verdict-text").count() == 0
        screenshots(page, "trust-02-outage-no-last-good")

        # The banner needs most of the minute's calls to have failed, the other tests' included.
        for _ in range(40):
            page.goto(f"/devices/sn/{known.sn}/?refresh=1")
            if page.locator(".degraded").count():
                break
        expect(page.locator(".degraded")).to_contain_text(
            re.compile(r"Vendor degraded since \d\d:\d\d \(region sandbox\): answers may be old\.")
        )
        page.get_by_role("button", name="简体中文").click()
        page.wait_for_url(f"**/devices/sn/{known.sn}/**")
        expect(page.locator(".stale-notice")).to_contain_text("厂商暂无响应。以下是它在 ")
        expect(page.locator(".degraded")).to_contain_text("结果可能不是最新的")
        assert page.get_by_role("heading", name="厂商服务不可用").is_visible()
        screenshots(page, "trust-03-outage-last-good-chinese")
        page.goto(f"/devices/sn/{unknown.sn}/")
        screenshots(page, "trust-04-outage-no-last-good-chinese")
    finally:
        sandbox_server.vendor.set_faults(None)
    assert problems == []
    context.close()


# Playwright waits for a navigation to commit before it evaluates or clicks again, so the second
# click of a double click is sent from inside the page, as a person's second click would arrive.
DOUBLE_CLICK = """(selector) => {
  const link = document.querySelector(selector);
  link.click();
  const busy = [link.getAttribute("aria-busy"), link.textContent];
  link.click();
  return busy;
}"""
DOUBLE_SUBMIT = """(selector) => {
  const form = document.querySelector(selector);
  form.requestSubmit();
  const button = form.querySelector("button[type=submit]");
  const busy = [form.getAttribute("aria-busy"), button.disabled, button.textContent];
  form.requestSubmit();
  return busy;
}"""
# Seen without leaving the page: a listener after ours keeps the click from navigating.
STAY = "document.addEventListener('click', (event) => event.preventDefault())"


def test_refresh_and_search_show_they_are_busy_and_ask_the_vendor_once(
    browser, live_app, sandbox_server, screenshots
):
    context = _context(browser, live_app, DESKTOP)
    page = context.new_page()
    problems = _watch_console(page)
    sign_in(page, person(live_app, "trust_bo"))
    device = device_by_key("storage-active-event")
    page.goto(f"/devices/sn/{device.sn}/")
    page.evaluate(STAY)
    page.get_by_role("link", name="Refresh from the vendor").click()
    busy = page.locator(".provenance a[aria-busy=true][aria-disabled=true]")
    expect(busy).to_have_text("Asking the vendor…")
    busy.scroll_into_view_if_needed()
    screenshots(page, "trust-05-refresh-busy")

    page.goto(f"/devices/sn/{device.sn}/")
    sandbox_server.vendor.set_faults(FaultPlan(mode="stall", seconds=1.0, count=1))
    before = vendor_requests(sandbox_server)
    with page.expect_navigation(url="**/?refresh=1"):
        seen = page.evaluate(DOUBLE_CLICK, ".provenance a[data-busy-label]")
    assert seen == ["true", "Asking the vendor…"]
    page.wait_for_load_state()
    assert vendor_requests(sandbox_server) - before == 1

    other = device_by_key("wifi-weak-signal")
    page.goto("/")
    page.get_by_label("Serial number, device id or user id", exact=True).fill(other.sn)
    sandbox_server.vendor.set_faults(FaultPlan(mode="stall", seconds=1.0, count=1))
    before = vendor_requests(sandbox_server)
    with page.expect_navigation(url=f"**/devices/sn/{other.sn}/"):
        seen = page.evaluate(DOUBLE_SUBMIT, "form.search-form")
    assert seen == ["true", True, "Looking up…"]
    assert page.locator(".verdict-text").is_visible()
    assert vendor_requests(sandbox_server) - before == 1
    assert problems == []
    context.close()


def test_a_credential_with_a_bad_app_token_is_failing_everywhere(
    browser, live_app, sandbox_server, sandbox_app, screenshots
):
    _manage(
        live_app.env | {"GWELL_APP_TOKEN": "not-the-token", "GWELL_APP_KEY": sandbox_app.app_key},
        "set_credential",
        "badtoken",
        "--base-url",
        sandbox_server.base_url,
        "--app-id",
        sandbox_app.app_id,
        "--region",
        "eu",
    )
    try:
        context = _context(browser, live_app, DESKTOP)
        page = context.new_page()
        problems = _watch_console(page)
        sign_in(page, person(live_app, "trust_root", superuser=True))
        page.goto("/admin/devices/credential/")
        page.get_by_label("Code").fill(RECOVERY_CODE)
        page.get_by_role("button", name="Verify").click()
        page.wait_for_url("**/admin/devices/credential/")
        page.get_by_role("link", name="badtoken").click()
        page.get_by_role("button", name="Test connection").click()
        error = page.locator(".messagelist .error")  # admin capitalises the message
        expect(error).to_contain_text(
            "Badtoken: The vendor rejected the credential with code 10003: appToken invalid"
        )
        screenshots(page, "trust-06-admin-test-bad-token")
        page.goto("/admin/devices/credential/")
        row = page.locator("#result_list tr", has_text="badtoken")
        expect(row).to_contain_text("failing")
        expect(page.locator("#result_list tr", has_text="sandbox")).not_to_contain_text("failing")
        screenshots(page, "trust-07-admin-health")
        context.close()

        context = _context(browser, live_app, DESKTOP)
        page = context.new_page()
        problems += _watch_console(page)
        sign_in(page, person(live_app, "trust_cai"))
        picker = page.locator("select[name=credential]")
        expect(picker.locator("option[value=badtoken]")).to_have_text(
            "badtoken (eu) (not working: tell an admin)"
        )
        sn = device_by_key("sim-active").sn
        response = page.goto(f"/devices/sn/{sn}/?credential=badtoken")
        assert response.status == 502
        heading = "SupportDesk's vendor credential is not working: tell an admin"
        assert page.get_by_role("heading", name=heading).is_visible()
        expect(page.locator(".failure-message")).to_contain_text("(code 10003: appToken invalid)")
        expect(page.locator(".next-step")).to_contain_text("Tell an admin")
        assert "ticket to the vendor" not in page.locator(".failure").inner_text()
        screenshots(page, "trust-08-agent-bad-token")
        page.get_by_role("button", name="简体中文").click()
        page.wait_for_url(f"**/devices/sn/{sn}/**")
        heading_zh = "SupportDesk 的厂商凭据无法使用：请告知管理员"
        assert page.get_by_role("heading", name=heading_zh).is_visible()
        screenshots(page, "trust-09-agent-bad-token-chinese")
        assert problems == []
        context.close()
    finally:
        _manage(live_app.env, "set_credential", "badtoken", "--disable")


ADD_LOOKUPS = """
from datetime import timedelta
from django.contrib.auth.models import User
from django.utils import timezone
from devices.models import Lookup
user = User.objects.get(username={username!r})
now = timezone.now()
for index in range(70):
    for repeat in range(3 if index == 5 else 1):
        row = Lookup.objects.create(
            user=user, username=user.username, kind="sn", value=f"876PAGE{{index:05d}}",
            outcome="ok", credential_name="sandbox", reason="T-1234" if index % 10 == 0 else "",
            verdict={{"tone": "ok", "text": {{"en": "Online; nothing looks wrong",
                                             "zh-hans": "在线；一切正常"}}}},
        )
        Lookup.objects.filter(pk=row.pk).update(
            created_at=now - timedelta(minutes=index * 5 + repeat)
        )
"""


def test_my_lookups_searches_folds_repeats_and_pages_past_fifty(browser, live_app, screenshots):
    username = person(live_app, "trust_lin")
    _manage(live_app.env, "shell", "-c", ADD_LOOKUPS.format(username=username))
    context = _context(browser, live_app, DESKTOP)
    page = context.new_page()
    problems = _watch_console(page)
    sign_in(page, username)
    page.get_by_role("link", name="My lookups").click()
    rows = page.locator("table.lookup-table tbody tr")
    expect(rows).to_have_count(50)
    assert rows.nth(5).locator("a").inner_text() == "876PAGE00005"
    expect(rows.nth(5)).to_contain_text("3 times, first ")
    expect(rows.first).to_contain_text("Online; nothing looks wrong")
    screenshots(page, "trust-10-my-lookups")

    page.get_by_role("link", name="Older lookups →").click()
    expect(rows).to_have_count(20)
    assert rows.first.locator("a").inner_text() == "876PAGE00050"
    assert rows.last.locator("a").inner_text() == "876PAGE00069"
    page.get_by_role("link", name="← Newest").click()
    expect(rows).to_have_count(50)

    page.get_by_label("Search my lookups").fill("t-1234")
    page.get_by_role("button", name="Search", exact=True).last.click()
    expect(rows).to_have_count(7)
    assert all(text == "T-1234" for text in rows.locator("td:last-child").all_inner_texts())
    page.get_by_label("Search my lookups").fill("876page0006")
    page.get_by_label("Search my lookups").press("Enter")
    expect(rows).to_have_count(10)
    screenshots(page, "trust-11-my-lookups-search")

    page.get_by_role("button", name="简体中文").click()
    expect(rows.first).to_contain_text("在线；一切正常")
    assert page.get_by_label("搜索我的查询").input_value() == "876page0006"
    screenshots(page, "trust-12-my-lookups-search-chinese")
    assert problems == []
    context.close()


def test_a_person_in_another_time_zone_sees_every_time_in_it(browser, live_app, screenshots):
    context = _context(browser, live_app, PHONE)
    page = context.new_page()
    problems = _watch_console(page)
    sign_in(page, person(live_app, "trust_sam"))
    device = device_by_key("external-power-full")
    page.goto(f"/devices/sn/{device.sn}/")
    expect(page.locator(".page-footer")).to_contain_text("Times are in Asia/Shanghai (UTC+8).")
    fetched = page.locator(".provenance time").first.inner_text()
    assert fetched.endswith("UTC+8")

    page.get_by_role("link", name="Settings").click()
    page.get_by_role("combobox", name="Time zone").select_option("America/Sao_Paulo")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Times are in America/Sao_Paulo (UTC-3).")
    screenshots(page, "trust-13-settings-time-zone")

    page.goto(f"/devices/sn/{device.sn}/")
    now_there = page.locator(".provenance time").first.inner_text()
    assert now_there.endswith("UTC-3")
    hours = int(fetched[11:13]), int(now_there[11:13])
    assert (hours[0] - hours[1]) % 24 == 11
    page.goto("/lookups/")
    first = page.locator("table.lookup-table tbody tr").first
    expect(first.locator("time")).to_contain_text("UTC-3")
    expect(page.locator(".page-footer")).to_contain_text("America/Sao_Paulo (UTC-3)")
    screenshots(page, "trust-14-my-lookups-time-zone")

    page.get_by_role("button", name="简体中文").click()
    expect(page.locator(".page-footer")).to_contain_text("时间均为 America/Sao_Paulo 时区（UTC-3）")
    page.get_by_role("link", name="设置").click()
    assert page.get_by_role("combobox", name="时区").input_value() == "America/Sao_Paulo"
    screenshots(page, "trust-15-settings-chinese")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert problems == []
    context.close()
