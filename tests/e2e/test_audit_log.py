"""A support lead reviews the audit log in a real browser, in English and Chinese: finds a
lookup by its ticket number and by a serial number typed in lower case, reads the failure in
their language, re-opens the lookup, and the list fits a 1280 px screen (outcome and ticket in
view, no column header over two lines). Screenshots land in var/screenshots/ as audit-*.png.
"""

import re

import pytest

from devices.sandbox.data import device_by_key
from tests.e2e.conftest import _manage
from tests.e2e.test_support_journey import DESKTOP, PHONE, _context, _watch_console

pytestmark = pytest.mark.e2e

PASSWORD = "e2e audit correct horse"
REOPENED = device_by_key("sim-expired").sn
TYPED_LOWER = "876e2eaudit02"

# A lead, and a day of lookups by colleagues written the way the services write them.
CREATE_LEAD_AND_ROWS = """
from datetime import timedelta
from django.contrib.auth.models import Permission, User
from django.utils import timezone
from devices.audit import AuditContext, new_lookup
from devices.models import Lookup

lead = User.objects.create_user({lead!r}, password={password!r}, is_staff=True)
lead.user_permissions.add(*Permission.objects.filter(
    content_type__app_label="devices",
    codename__in=["view_lookup", "view_all_lookups", "lookup_devices", "export_lookups"],
))
people = [User.objects.get_or_create(username=name)[0]
          for name in ("wang.wei", "li.fang", "zhang.min", "chen.jing")]
shapes = [
    ("sn", "876NB4DU7GCPH", "ok", "", None, "", "Chatwoot #1204"),
    ("dev_id", "3435309170818", "signature_error", "signature_invalid", 10007,
     "signature validate fail:-3", "工单 52190 客户说摄像头离线，已重启两次"),
    ("user", "-9223372016240589546", "not_found", "not_found", 10010, "no record found", ""),
    ("sn", "876GRZ93RGVM3", "rate_limited", "vendor_rate_limited", 10015,
     "frequent access denied", "RMA-20931 replacement requested by the customer's installer"),
    ("sn", "876abc!", "invalid_input", "invalid_input", None,
     "q: A serial number is 4 to 40 letters.", ""),
]
now = timezone.now()
for index in range(36):
    kind, value, outcome, code, vendor_code, message, reason = shapes[index % len(shapes)]
    row = new_lookup(
        audit=AuditContext(user=people[index % len(people)], reason=reason),
        kind=kind, value=value, outcome=outcome, failure_code=code, vendor_code=vendor_code,
        vendor_message=message, credential_name="sandbox", duration_ms=120,
    )
    Lookup.objects.filter(pk=row.pk).update(created_at=now - timedelta(minutes=20 * index + 5))
for ticket in {tickets!r}:
    new_lookup(
        audit=AuditContext(user=people[0], reason=f"Zendesk #{{ticket}} offline since Monday"),
        kind="sn", value={reopened!r}, outcome="unavailable", failure_code="vendor_timeout",
        vendor_message="The vendor did not answer in time (timeout after 5 s).",
        credential_name="sandbox", duration_ms=5003,
    )
new_lookup(audit=AuditContext(user=people[1]), kind="sn", value={typed_lower!r}, outcome="ok")
"""

# Each language's run has a ticket of its own: re-opening a lookup audits it again.
WORDS = {
    "en-US": {
        "timeout": "The vendor did not answer in time",
        "search": "Search",
        "ticket": "77120",
    },
    "zh-CN": {"timeout": "厂商响应超时", "search": "搜索", "ticket": "77121"},
}


@pytest.fixture(scope="module")
def lead(live_app) -> str:
    code = CREATE_LEAD_AND_ROWS.format(
        lead="lena",
        password=PASSWORD,
        reopened=REOPENED,
        typed_lower=TYPED_LOWER,
        tickets=[words["ticket"] for words in WORDS.values()],
    )
    _manage(live_app.env, "shell", "-c", code)
    return "lena"


def sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/$"))


def search(page, words, typed: str) -> list[str]:
    page.locator("#searchbar").fill(typed)
    page.get_by_role("button", name=words["search"], exact=True).click()
    page.wait_for_load_state()
    return page.locator("#result_list tbody tr").all_inner_texts()


def taller_than_two_lines(page, selector: str) -> list[str]:
    """The texts of the elements whose words take more than two lines (one line box per line
    of their text, whatever the height of the cell around them)."""
    return page.eval_on_selector_all(
        selector,
        """elements => elements.filter(element => {
            const range = document.createRange();
            range.selectNodeContents(element);
            const tops = new Set([...range.getClientRects()]
                .filter(rect => rect.width > 0 && rect.height > 0)
                .map(rect => Math.round(rect.top)));
            return tops.size > 2;
        }).map(element => element.innerText)""",
    )


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_lead_finds_a_lookup_by_ticket_and_by_a_lower_case_serial_and_reopens_it(
    browser, live_app, lead, screenshots, locale
):
    words = WORDS[locale]
    context = _context(browser, live_app, DESKTOP, locale=locale)
    page = context.new_page()
    problems = _watch_console(page)
    sign_in(page, lead)
    page.goto("/admin/devices/lookup/")
    name = "en" if locale == "en-US" else "zh"

    found = search(page, words, f"zendesk #{words['ticket']}")
    assert len(found) == 1
    assert REOPENED in found[0]
    assert words["timeout"] in found[0]
    screenshots(page, f"audit-{name}-1280-ticket")

    found = search(page, words, TYPED_LOWER)
    assert len(found) == 1
    assert TYPED_LOWER.upper() in found[0]

    search(page, words, words["ticket"])
    with page.expect_navigation():
        page.locator("#result_list a.reopen").first.click()
    assert f"/devices/sn/{REOPENED}/" in page.url
    assert "reason=Zendesk" in page.url
    assert page.locator(".verdict-text").inner_text()
    screenshots(page, f"audit-{name}-1280-reopened-device")
    page.set_viewport_size(PHONE)
    screenshots(page, f"audit-{name}-390-reopened-device")
    assert taller_than_two_lines(page, ".facts dt") == []
    assert problems == []
    context.close()


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_the_audit_list_fits_a_1280_px_screen_with_outcome_and_ticket_in_view(
    browser, live_app, lead, screenshots, locale
):
    context = _context(browser, live_app, DESKTOP, locale=locale)
    page = context.new_page()
    problems = _watch_console(page)
    sign_in(page, lead)
    page.goto("/admin/devices/lookup/")
    name = "en" if locale == "en-US" else "zh"
    screenshots(page, f"audit-{name}-1280")

    for column in ("outcome", "reason"):
        header = page.locator(f"#result_list thead th.column-{column}").bounding_box()
        assert header is not None, column
        assert header["x"] >= 0 and header["x"] + header["width"] <= DESKTOP["width"], column
    table = page.locator("#result_list").bounding_box()
    assert table["x"] + table["width"] <= DESKTOP["width"]
    assert page.eval_on_selector(".results", "box => box.scrollWidth <= box.clientWidth")
    assert taller_than_two_lines(page, "#result_list thead th .text") == []
    assert taller_than_two_lines(page, "#changelist-filter summary") == []
    assert taller_than_two_lines(page, "#date-hierarchy-label") == []

    page.set_viewport_size(PHONE)
    screenshots(page, f"audit-{name}-390")
    assert taller_than_two_lines(page, "#result_list thead th .text") == []
    assert taller_than_two_lines(page, "#changelist-filter summary") == []
    assert problems == []
    context.close()
