"""The device page's verdict as its heading, the next step, the reply in both languages and the
escalation text, against the sandbox."""

import html
import re

import pytest

from devices.sandbox.data import RELATIVE, device_by_key
from tests.helpers import page_text, sn_url

pytestmark = pytest.mark.django_db


def reply(response, language: str) -> str:
    match = re.search(
        rf'<textarea id="reply-{language}"[^>]*>(.*?)</textarea>', response.content.decode(), re.S
    )
    assert match, f"no {language} reply on the page"
    return html.unescape(match.group(1)).strip()


def escalation(response) -> str:
    match = re.search(
        r'<textarea id="escalation-text"[^>]*>(.*?)</textarea>', response.content.decode(), re.S
    )
    assert match
    return html.unescape(match.group(1))


def test_the_verdict_is_the_pages_only_main_heading(staff_client):
    content = staff_client.get(sn_url("offline-hours")).content.decode()
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", content, re.S) == ["Offline for 5 hours"]


def test_a_failure_keeps_the_identifier_as_its_heading(staff_client):
    content = staff_client.get("/devices/sn/876NOPE0000001/").content.decode()
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", content, re.S) == [
        '<code class="identifier">876NOPE0000001</code>'
    ]


def test_an_offline_camera_gets_a_next_step_and_a_reply_in_both_languages(staff_client):
    response = staff_client.get(sn_url("offline-hours"))
    assert (
        "Offline for 5 hours; at its last report: signal 35/100. The customer checks its power"
        in page_text(response)
    )
    assert reply(response, "en").startswith("Your camera has been offline for 5 hours.")
    assert reply(response, "zh-hans").startswith("您的摄像机已离线 5 小时。")
    content = response.content.decode()
    for language in ("en", "zh-hans"):
        assert f'data-copy-target="reply-{language}"' in content


def test_a_chinese_page_still_offers_the_english_reply(staff_client):
    response = staff_client.get(sn_url("sim-data-used-up"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "流量包已用完（已用 5,120 / 共 5,120 MB）" in page_text(response)
    assert reply(response, "en").startswith(
        "Your camera has used all of its 4G data for this period (5,120 of 5,120 MB)"
    )
    assert reply(response, "zh-hans").startswith("您的摄像机本期 4G 流量已用完")


def test_a_guest_is_told_plans_are_the_owners(staff_client):
    response = staff_client.get(sn_url("guest-shared", access_id=str(RELATIVE)))
    assert "is a guest on this camera, not its owner" in page_text(response)
    assert "shared with you by its owner" in reply(response, "en")


def test_a_sleeping_camera_is_not_a_problem(staff_client):
    response = staff_client.get(sn_url("asleep"))
    assert "which is normal" in reply(response, "en")
    assert "offline" not in reply(response, "en")


def test_the_escalation_carries_the_verdict_the_ticket_and_every_identifier(staff_client):
    response = staff_client.get(sn_url("sim-swapped", reason="T-77"))
    text = escalation(response)
    device = device_by_key("sim-swapped")
    assert "Verdict: Online; nothing looks wrong" in text
    assert "Ticket / reason: T-77" in text
    assert f"Looked up: serial number {device.sn}" in text
    assert f"Device id: {device.dev_id}" in text
    assert f"Owner's user id: {device.owner_id}" in text
    assert "SIM card number: 89860121800000000855" in text
    assert "ICCID: 89860318700000012345" in text
    assert "ICCID: 89860121800000000855" in text
