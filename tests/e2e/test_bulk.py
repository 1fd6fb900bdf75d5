"""A support lead runs a 50-item bulk job in a real browser against the live app and a real
task worker (`manage.py db_worker`): pastes the identifiers, watches the progress bar move,
sees the problems first, downloads the CSV, and reads the page in Chinese and on a phone.
Screenshots land in var/screenshots/ as bulk-*.png.
"""

import csv
import io
import re
import subprocess
import sys
import time

import pytest

from devices.sandbox.data import DEVICES
from tests.bulk.conftest import sandbox_serials
from tests.e2e.conftest import ROOT, _free_port, _manage, _running_app
from tests.e2e.test_support_journey import DESKTOP, PHONE, _context, _watch_console

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

USERNAME = "bulk.lead"
PASSWORD = "e2e bulk correct horse"
CREATE_LEAD = f"""
from django.contrib.auth.models import Group, User
lead = User.objects.create_user({USERNAME!r}, password={PASSWORD!r}, is_staff=True)
lead.groups.add(Group.objects.get(name="Support lead"))
"""


@pytest.fixture(scope="module")
def bulk_app(tmp_path_factory, sandbox_server, sandbox_app):
    """An app of its own: fifty lookups in a minute would change what the other browser tests
    see in the shared one (the vendor-degraded banner counts the minute's calls)."""
    folder = tmp_path_factory.mktemp("live-bulk")
    with _running_app(folder, _free_port(), sandbox_server, sandbox_app) as app:
        yield app


@pytest.fixture
def bulk_worker(bulk_app, tmp_path):
    live_app = bulk_app
    _manage(live_app.env, "shell", "-c", CREATE_LEAD)
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.2"],
        cwd=ROOT,
        env=live_app.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    process.wait(10)
    log.close()


IDENTIFIERS = sandbox_serials(50)  # every sandbox device, then serials it does not know
UNKNOWN = [sn for sn in IDENTIFIERS if sn.startswith("876ZZNOPE")]


def test_a_lead_runs_a_bulk_job_and_downloads_its_results(
    browser, bulk_app, bulk_worker, sandbox_server, screenshots
):
    live_app = bulk_app
    sandbox_server.vendor.latency_ms = 250  # slow enough to watch the bar move
    try:
        context = _context(browser, live_app, DESKTOP)
        page = context.new_page()
        problems = _watch_console(page)
        page.goto("/bulk/")
        page.get_by_label("Username").fill(USERNAME)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/bulk/$"))
        identifiers = IDENTIFIERS
        page.get_by_label("Identifiers").fill("\n".join(identifiers))
        page.get_by_label("Ticket / reason").fill("RMA-4410 returned batch")
        screenshots(page, "bulk-01-form")
        page.get_by_role("button", name="Start the job").click()
        page.wait_for_url(re.compile(r"/bulk/\d+/$"))
        job_path = re.sub(r"^https?://[^/]+", "", page.url)

        bar = page.locator("progress.bulk-bar")
        seen = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            seen.append(int(bar.get_attribute("value") or 0))
            if page.locator("[data-state=finished]").count():
                break
            time.sleep(0.5)
        assert page.locator("[data-state=finished]").count(), f"not finished; bar went {seen}"
        moved = sorted(set(seen))
        assert len([value for value in moved if 0 < value < 50]) >= 2, f"bar went {seen}"
        page.wait_for_function("document.querySelector('progress').value == 50")
        assert "50 of 50 done" in page.locator(".bulk-progress").inner_text()
        rows = page.locator("table.bulk-results tbody tr")
        assert rows.count() == 50
        # Problems first (the unknown serials among them), then the devices that are fine.
        problem_rows = page.locator("table.bulk-results tbody tr.bulk-problem")
        assert len(UNKNOWN) <= problem_rows.count() < 50
        assert "bulk-problem" in (rows.first.get_attribute("class") or "")
        assert not rows.last.get_attribute("class")
        not_found = page.locator("table.bulk-results tbody tr", has_text="876ZZNOPE")
        assert not_found.count() == len(UNKNOWN) == 50 - len(DEVICES) > 0
        assert all("bulk-problem" in (row.get_attribute("class") or "") for row in not_found.all())
        screenshots(page, "bulk-02-job-finished")

        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download CSV").click()
        content = open(download_info.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
        table = list(csv.reader(io.StringIO(content)))
        assert table[0][:3] == ["identifier", "kind", "outcome"]
        assert [row[0] for row in table[1:]] == identifiers

        page.get_by_role("button", name="简体中文").click()
        page.wait_for_url(re.compile(r"/bulk/\d+/$"))
        assert "已完成 50 / 50" in page.locator(".bulk-progress").inner_text()
        assert page.get_by_role("link", name="下载 CSV").is_visible()
        screenshots(page, "bulk-03-job-chinese")
        page.goto("/bulk/")
        assert "我的批量任务" in page.locator("main").inner_text()
        screenshots(page, "bulk-04-form-chinese")
        assert problems == []

        phone = _context(browser, live_app, PHONE, locale="zh-CN")
        phone.add_cookies(context.cookies())
        mobile = phone.new_page()
        mobile.goto(job_path)
        assert mobile.locator("progress.bulk-bar").get_attribute("value") == "50"
        screenshots(mobile, "bulk-05-phone")
        mobile.screenshot(path=str(screenshots.folder / "bulk-06-phone-top.png"))
        mobile.goto("/bulk/")
        mobile.screenshot(path=str(screenshots.folder / "bulk-07-phone-form.png"))
        phone.close()
        context.close()
    finally:
        sandbox_server.vendor.latency_ms = 0
