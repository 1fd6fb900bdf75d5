"""The owner's list at a glance: each row's check (online state, battery, model from one devInfo
through the team's budget and cache), audited as a follow-up of the list's lookup, over the real
sandbox."""

import html
import re

import pytest

from devices.models import Lookup
from devices.sandbox.data import DOORBELLS, FAMILY, device_by_key
from tests.helpers import inject, vendor_requests

pytestmark = pytest.mark.django_db


def open_list(client, user_id=DOORBELLS, **query) -> tuple[str, dict[str, str]]:
    """The list page's HTML, and each row's check URL by device id."""
    response = client.get(f"/users/{user_id}/devices/", query)
    assert response.status_code == 200
    content = response.content.decode()
    urls = {
        dev_id: html.unescape(url)
        for url, dev_id in re.findall(
            r'data-check-url="([^"]+)">\s*<th[^>]*>(?:<a[^>]*>)?<code>(\d+)</code>', content
        )
    }
    return content, urls


def check(client, key: str, user_id=DOORBELLS, **headers):
    _content, urls = open_list(client, user_id)
    return client.get(urls[str(device_by_key(key).dev_id)], **headers)


def list_lookup() -> Lookup:
    return Lookup.objects.get(kind=Lookup.Kind.USER)


class TestTheListPage:
    def test_every_row_has_a_check_that_follows_the_lists_lookup(self, staff_client):
        content, urls = open_list(staff_client)
        lookup = list_lookup()
        assert len(urls) == 8
        dev_id = device_by_key("asleep").dev_id
        assert urls[str(dev_id)] == (f"/users/{DOORBELLS}/devices/{dev_id}/check/?list={lookup.pk}")
        assert 'data-automatic="1"' in content
        assert "data-check-all" not in content  # a short list checks by itself
        assert '<script src="/static/js/owner-list.js" defer></script>' in content

    def test_the_page_itself_makes_one_vendor_call(self, staff_client, sandbox):
        open_list(staff_client)
        assert vendor_requests(sandbox) == 1

    def test_a_list_longer_than_the_limit_asks_before_spending_the_budget(
        self, staff_client, settings
    ):
        settings.OWNER_LIST_CHECK_UP_TO = 7
        content, urls = open_list(staff_client)
        assert 'data-automatic="0"' in content
        assert "Check all 8 devices (8 vendor calls)" in content
        assert len(urls) == 8

    def test_a_list_at_the_limit_checks_by_itself(self, staff_client, settings):
        settings.OWNER_LIST_CHECK_UP_TO = 8
        content, _urls = open_list(staff_client)
        assert 'data-automatic="1"' in content
        assert "Check all" not in content

    def test_the_button_speaks_chinese(self, staff_client, settings):
        settings.OWNER_LIST_CHECK_UP_TO = 1
        response = staff_client.get(f"/users/{DOORBELLS}/devices/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert "检查全部 8 台设备（8 次厂商调用）" in response.content.decode()

    def test_rows_carry_their_plans_urgency_for_the_final_sort(self, staff_client):
        content, _urls = open_list(staff_client, FAMILY)
        expiring = device_by_key("storage-expiring-soon").dev_id
        fine = device_by_key("online-wifi-mains").dev_id
        urgency = dict(
            (dev_id, level)
            for level, dev_id in re.findall(
                r'data-urgency="(\d)"[^>]*>\s*<th[^>]*><a[^>]*><code>(\d+)</code>', content
            )
        )
        assert urgency[str(expiring)] == "1"
        assert urgency[str(fine)] == "3"

    def test_the_script_gets_the_summary_without_its_attention_clause(self, staff_client):
        content, _urls = open_list(staff_client, FAMILY)
        assert 'data-summary-base="5 devices, all owned by this user"' in content
        assert 'data-attention-one="%(count)d needs attention"' in content
        assert 'data-attention-other="%(count)d need attention"' in content


class TestARowCheck:
    def test_an_asleep_camera_is_asleep_not_a_problem(self, staff_client):
        answer = check(staff_client, "asleep").json()
        assert answer["ok"] is True
        assert (answer["state"], answer["state_tone"]) == ("Asleep (low-power)", "ok")
        assert (answer["battery"], answer["model"]) == ("64%", "BC-B1")
        assert answer["problem"] is False

    def test_an_offline_camera_is_the_first_problem_with_its_last_battery(self, staff_client):
        answer = check(staff_client, "offline-battery-flat").json()
        assert (answer["state"], answer["state_tone"]) == ("Offline", "bad")
        assert answer["state_note"] == "for 5 hours"
        assert (answer["battery"], answer["battery_note"]) == ("4%", "Low battery")
        assert (answer["problem"], answer["urgency"]) == (True, 0)

    def test_an_online_camera_charging_says_so(self, staff_client):
        answer = check(staff_client, "charging-low-voltage").json()
        assert (answer["state"], answer["battery"]) == ("Online", "23%")
        assert answer["battery_note"] == "Charging (low voltage)"
        assert answer["problem"] is False  # low, but charging

    def test_it_speaks_chinese(self, staff_client):
        answer = check(staff_client, "offline-battery-flat", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
        assert answer["state"] == "离线"
        assert answer["battery_note"] == "电量低"

    def test_it_is_audited_as_a_follow_up_of_the_list(self, staff_client, staff):
        _content, urls = open_list(staff_client, reason="Zendesk #4821")
        dev_id = str(device_by_key("asleep").dev_id)
        staff_client.get(urls[dev_id])
        listed = list_lookup()
        row = Lookup.objects.get(kind=Lookup.Kind.DEVICE_ID)
        assert (row.user, row.value, row.owner_id, row.endpoint, row.outcome) == (
            staff,
            dev_id,
            str(DOORBELLS),
            "devInfo",
            "ok",
        )
        assert (row.follows, row.channel, row.reason, row.ticket) == (
            listed,
            "web",
            "Zendesk #4821",
            "4821",
        )
        assert row.credential_name == listed.credential_name == "sandbox"
        assert row.verdict["text"]["en"].startswith("Asleep")

    def test_it_shares_the_device_pages_cache(self, staff_client, sandbox):
        content, urls = open_list(staff_client)
        dev_id = device_by_key("asleep").dev_id
        staff_client.get(urls[str(dev_id)])
        assert vendor_requests(sandbox) == 2
        row_link = html.unescape(re.search(rf'href="(/devices/id/{dev_id}/[^"]*)"', content)[1])
        page = staff_client.get(row_link)
        assert page.status_code == 200
        assert vendor_requests(sandbox) == 2  # the row's answer, from the cache
        assert Lookup.objects.filter(kind="dev_id").latest("id").source == "cached"

    def test_a_vendor_failure_is_said_in_the_row_not_a_500(self, staff_client, sandbox):
        _content, urls = open_list(staff_client)
        inject(sandbox, "http500")
        response = staff_client.get(urls[str(device_by_key("asleep").dev_id)])
        assert response.status_code == 200
        answer = response.json()
        assert answer["ok"] is False
        assert answer["message"] == "The vendor is unavailable"
        assert answer["hint"] == "Try again in a moment. If it keeps happening, tell an admin."
        assert Lookup.objects.get(kind="dev_id").outcome == "unavailable"

    def test_a_vendor_failure_in_chinese(self, staff_client, sandbox):
        _content, urls = open_list(staff_client)
        inject(sandbox, "http500")
        answer = staff_client.get(
            urls[str(device_by_key("asleep").dev_id)], HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).json()
        assert answer["message"] == "厂商服务不可用"

    def test_a_device_the_vendor_no_longer_knows_says_so(self, staff_client, sandbox):
        open_list(staff_client)
        listed = list_lookup()
        answer = staff_client.get(
            f"/users/{DOORBELLS}/devices/3435179999999/check/?list={listed.pk}"
        ).json()
        assert answer["ok"] is False
        assert answer["message"].startswith("The vendor does not know this device")
        assert Lookup.objects.get(kind="dev_id").outcome == "not_found"

    def test_the_person_limit_is_said_in_the_row_with_when_to_try_again(
        self, staff_client, settings, sandbox
    ):
        settings.LOOKUP_USER_RATE = "1/h"
        _content, urls = open_list(staff_client)
        response = staff_client.get(urls[str(device_by_key("asleep").dev_id)])
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        answer = response.json()
        assert answer["message"] == "You have made a lot of lookups in a short time"
        assert answer["hint"].startswith("Try again in ")
        assert vendor_requests(sandbox) == 1  # the list's only
        refused = Lookup.objects.get(kind="dev_id")
        assert (refused.outcome, refused.follows) == ("rate_limited", list_lookup())

    def test_the_vendors_budget_busy_is_said_in_the_row(self, staff_client, sandbox):
        _content, urls = open_list(staff_client)
        inject(sandbox, "http429")
        answer = staff_client.get(urls[str(device_by_key("asleep").dev_id)]).json()
        assert answer["ok"] is False
        assert answer["message"] == "The vendor is busy"
        assert answer["retry_after"] >= 1


class TestWhoMayCheck:
    def test_anonymous_people_are_sent_to_sign_in(self, client, credential, sandbox):
        response = client.get(f"/users/{DOORBELLS}/devices/5198231616117/check/?list=1")
        assert response.status_code == 302
        assert vendor_requests(sandbox) == 0
        assert not Lookup.objects.exists()

    def test_people_without_the_lookup_permission_are_refused(
        self, client, outsider, credential, sandbox
    ):
        client.force_login(outsider)
        response = client.get(f"/users/{DOORBELLS}/devices/5198231616117/check/?list=1")
        assert response.status_code == 403
        assert vendor_requests(sandbox) == 0
        assert not Lookup.objects.exists()

    def test_a_check_of_someone_elses_list_is_refused_and_audited(
        self, client, staff, lead, credential, sandbox
    ):
        client.force_login(lead)
        _content, urls = open_list(client)
        url = urls[str(device_by_key("asleep").dev_id)]
        client.force_login(staff)
        response = client.get(url)
        assert response.status_code == 400
        assert response.json()["message"] == "This check does not belong to a list you opened."
        assert vendor_requests(sandbox) == 1  # the lead's list only
        refused = Lookup.objects.get(user=staff)
        assert (refused.outcome, refused.follows) == ("invalid_input", None)
        assert refused.vendor_message == "Not a row check of a device list this person opened."

    def test_a_check_naming_another_owner_than_its_list_is_refused(self, staff_client, sandbox):
        open_list(staff_client)
        listed = list_lookup()
        response = staff_client.get(
            f"/users/{FAMILY}/devices/5198231616117/check/?list={listed.pk}"
        )
        assert response.status_code == 400
        assert vendor_requests(sandbox) == 1

    def test_a_bad_device_id_is_refused_without_a_vendor_call(self, staff_client, sandbox):
        open_list(staff_client)
        listed = list_lookup()
        response = staff_client.get(f"/users/{DOORBELLS}/devices/abc/check/?list={listed.pk}")
        assert response.status_code == 400
        assert vendor_requests(sandbox) == 1
        refused = Lookup.objects.get(kind="dev_id")
        assert (refused.outcome, refused.follows) == ("invalid_input", listed)


class TestMyLookups:
    def test_the_checks_are_counted_on_the_list_not_listed_one_by_one(self, staff_client):
        _content, urls = open_list(staff_client)
        for key in ("asleep", "offline-battery-flat"):
            staff_client.get(urls[str(device_by_key(key).dev_id)])
        response = staff_client.get("/lookups/")
        content = response.content.decode()
        assert content.count("<tr>") == 2  # the header and the list's lookup
        assert "then checked the state of 2 devices" in content
        assert str(device_by_key("asleep").dev_id) not in content

    def test_the_count_speaks_chinese(self, staff_client):
        _content, urls = open_list(staff_client)
        staff_client.get(urls[str(device_by_key("asleep").dev_id)])
        response = staff_client.get("/lookups/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert "随后检查了其中 1 台设备的状态" in response.content.decode()

    def test_a_device_looked_up_on_its_own_page_is_still_listed(self, staff_client):
        _content, urls = open_list(staff_client)
        dev_id = device_by_key("asleep").dev_id
        staff_client.get(urls[str(dev_id)])
        staff_client.get(f"/devices/id/{dev_id}/")
        content = staff_client.get("/lookups/").content.decode()
        assert f"<code>{dev_id}</code>" in content
        assert "then checked the state of 1 device" in content
