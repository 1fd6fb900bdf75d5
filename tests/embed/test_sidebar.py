"""The sidebar (/embed/?q=…): the search box's detection, the page's verdict, compact."""

import re
from html import unescape as html_unescape
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission, User

from devices.models import Lookup
from devices.sandbox.data import FAMILY, device_by_key
from tests.embed.conftest import sign_in_to_the_sidebar
from tests.helpers import inject, page_text, vendor_requests

pytestmark = pytest.mark.django_db


def verdict_of(response) -> str:
    html = response.content.decode()
    match = re.search(r'<h1 id="verdict-text" class="verdict-text">(.*?)</h1>', html, re.S)
    assert match, "no verdict in the sidebar"
    return match.group(1).strip()


def test_a_serial_number_shows_the_devices_verdict_and_key_facts(sidebar_client):
    sn = device_by_key("sim-expired").sn

    response = sidebar_client.get("/embed/", {"q": sn})

    assert response.status_code == 200
    assert verdict_of(response).startswith("Offline for 20 days")
    text = page_text(response)
    assert "4G SIM ✕ Expired" in text or "4G SIM Expired" in text
    assert f'href="/devices/sn/{sn}/?credential=sandbox"' in response.content.decode()
    assert 'target="_blank" rel="noopener"' in response.content.decode()


def test_the_box_is_read_as_the_search_box_reads_it(sidebar_client):
    device = device_by_key("online-wifi-mains")

    response = sidebar_client.get("/embed/", {"q": f" {device.sn}\u3000"})
    by_id = sidebar_client.get("/embed/", {"q": "３４３５１７８２０３９４４"})  # full-width digits

    assert verdict_of(response) == "Online; nothing looks wrong"
    assert verdict_of(by_id) == "Online; nothing looks wrong"
    assert Lookup.objects.filter(kind="dev_id", value=str(device.dev_id)).exists()


def test_a_user_id_lists_the_users_devices_linking_inside_the_sidebar(sidebar_client):
    response = sidebar_client.get("/embed/", {"q": str(FAMILY)})

    assert verdict_of(response) == "5 devices, all owned by this user; 1 needs attention"
    dev_id = device_by_key("online-wifi-mains").dev_id
    # With the region of the lookup, so the device is asked where its owner was found.
    link = f"/embed/?q={dev_id}&amp;kind=dev_id&amp;owner={FAMILY}&amp;credential=sandbox"
    assert f'href="{link}"' in (response.content.decode())


def test_the_kind_can_be_forced(sidebar_client):
    response = sidebar_client.get("/embed/", {"q": "3435178203944", "kind": "sn"})

    assert response.status_code == 404  # no device has that serial number
    assert Lookup.objects.get().kind == "sn"


def test_the_lookup_is_audited_as_embed_with_the_reason(sidebar_client, staff):
    sidebar_client.get("/embed/", {"q": device_by_key("online-wifi-mains").sn, "reason": "ZD-77"})

    row = Lookup.objects.get()
    assert (row.channel, row.token_name, row.reason, row.user) == ("embed", "", "ZD-77", staff)


def test_no_query_is_no_lookup(sidebar_client, sandbox):
    response = sidebar_client.get("/embed/")

    assert response.status_code == 200
    assert "Open a conversation or ticket" in page_text(response)
    assert not Lookup.objects.exists()
    assert vendor_requests(sandbox) == 0


def test_an_invalid_identifier_is_a_400_with_the_problem_and_an_audit_row(sidebar_client):
    response = sidebar_client.get("/embed/", {"q": "a!"})

    assert response.status_code == 400
    assert "A serial number is 4 to 40 letters" in page_text(response)
    assert Lookup.objects.get().outcome == "invalid_input"


def test_a_vendor_failure_is_its_panel_and_status(sidebar_client, sandbox):
    inject(sandbox, "http429")

    response = sidebar_client.get("/embed/", {"q": device_by_key("online-wifi-mains").sn})

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert "The vendor is busy" in page_text(response)


def test_the_per_person_limit_is_shared_with_the_pages(sidebar_client, staff, sandbox, settings):
    settings.LOOKUP_USER_RATE = "1/m"
    sidebar_client.force_login(staff)  # the pages' session, beside the sidebar's
    sidebar_client.get(f"/devices/sn/{device_by_key('online-wifi-mains').sn}/")

    response = sidebar_client.get("/embed/", {"q": device_by_key("offline-hours").sn})

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "You have made a lot of lookups in a short time" in page_text(response)
    assert vendor_requests(sandbox) == 1
    assert Lookup.objects.first().channel == "embed"


def test_a_person_without_the_lookup_permission_sees_a_403(client, outsider, sandbox):
    sign_in_to_the_sidebar(client, outsider)

    response = client.get("/embed/", {"q": "876ABCDEF0347"})

    assert response.status_code == 403
    assert vendor_requests(sandbox) == 0


def test_an_image_or_fetch_from_another_site_makes_no_lookup(sidebar_client, sandbox):
    response = sidebar_client.get(
        "/embed/",
        {"q": device_by_key("online-wifi-mains").sn},
        headers={"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Site": "cross-site"},
    )

    assert response.status_code == 403
    assert not Lookup.objects.exists()


def test_a_frame_navigation_from_another_site_looks_up(sidebar_client):
    response = sidebar_client.get(
        "/embed/",
        {"q": device_by_key("online-wifi-mains").sn},
        headers={
            "Sec-Fetch-Mode": "navigate",
            "Sec-Fetch-Site": "cross-site",
            "Sec-Fetch-Dest": "iframe",
        },
    )

    assert response.status_code == 200


def test_the_answer_is_in_the_browsers_language(sidebar_client):
    response = sidebar_client.get(
        "/embed/",
        {"q": device_by_key("online-wifi-mains").sn},
        headers={"Accept-Language": "zh-Hans"},
    )

    assert verdict_of(response) == "在线；一切正常"


def test_the_chatwoot_attributes_come_from_the_setting(sidebar_client, settings):
    settings.EMBED_CHATWOOT_ATTRIBUTES = ["camera_serial:sn", "anything", "bad:kind"]

    html = sidebar_client.get("/embed/").content.decode()

    assert (
        'data-attributes="[{&quot;name&quot;: &quot;camera_serial&quot;, &quot;kind&quot;: '
        "&quot;sn&quot;}, {&quot;name&quot;: &quot;anything&quot;, &quot;kind&quot;: "
        "&quot;&quot;}, {&quot;name&quot;: &quot;bad&quot;, &quot;kind&quot;: &quot;&quot;}]"
        '"' in html
    )


class TestAsThePageSaysIt:
    """The sidebar's verdict, SIM and advice are the device page's."""

    def test_a_used_up_bundle_is_named_and_the_sim_is_not_green(self, sidebar_client, sandbox):
        response = sidebar_client.get("/embed/", {"q": device_by_key("sim-data-used-up").sn})

        assert verdict_of(response) == "Offline for 2 hours; 4G data used up: 5,120 of 5,120 MB"
        text = page_text(response)
        assert "4G SIM Data used up" in text
        assert "Data this period Used up 5,120 of 5,120 MB 0 MB left" in text
        assert vendor_requests(sandbox) == 2  # devInfo, then the owner's list
        list_row = Lookup.objects.get(endpoint="devList")
        assert (list_row.channel, list_row.follows.endpoint) == ("embed", "devInfo")

    def test_a_wifi_camera_has_no_data_line_and_costs_one_call(self, sidebar_client, sandbox):
        response = sidebar_client.get("/embed/", {"q": device_by_key("offline-hours").sn})

        assert "Data this period" not in page_text(response)
        assert vendor_requests(sandbox) == 1

    def test_the_next_step_and_both_replies_are_there_to_copy(self, sidebar_client):
        response = sidebar_client.get("/embed/", {"q": device_by_key("offline-days").sn})

        html = response.content.decode()
        assert '<h2 id="advice-title">Next step</h2>' in html
        replies = re.findall(r'<textarea id="reply-([\w-]+)" class="reply-text"', html)
        assert replies == ["en", "zh-hans"]
        for language in replies:
            assert f'class="copy-button" data-copy-target="reply-{language}"' in html


class TestSeveralPasted:
    """What the search box offers, inside the sidebar: links that stay in the frame."""

    def test_two_serial_numbers_become_two_sidebar_links_and_no_lookup(
        self, sidebar_client, sandbox
    ):
        sn, sn2 = device_by_key("offline-hours").sn, device_by_key("asleep").sn

        response = sidebar_client.get("/embed/", {"q": f"SN: {sn.lower()}\n{sn2}", "reason": "T-9"})

        assert response.status_code == 200
        html = response.content.decode()
        assert "You pasted 2 identifiers: open each one." in page_text(response)
        for value in (sn, sn2):
            assert f'href="/embed/?q={value}&amp;kind=sn&amp;reason=T-9"' in html
        assert "bulk job" not in html  # no bulk permission
        assert vendor_requests(sandbox) == 0
        assert not Lookup.objects.exists()

    def test_the_list_costs_nothing_of_the_persons_limit(self, sidebar_client, settings):
        settings.LOOKUP_USER_RATE = "1/h"
        sn, sn2 = device_by_key("offline-hours").sn, device_by_key("asleep").sn

        listed = sidebar_client.get("/embed/", {"q": f"{sn}\n{sn2}"})
        first = sidebar_client.get("/embed/", {"q": sn, "kind": "sn"})
        second = sidebar_client.get("/embed/", {"q": sn2, "kind": "sn"})

        assert (listed.status_code, first.status_code, second.status_code) == (200, 200, 429)

    def test_following_a_link_looks_that_one_up(self, sidebar_client):
        sn = device_by_key("offline-hours").sn

        response = sidebar_client.get("/embed/", {"q": sn, "kind": "sn", "reason": "T-9"})

        assert verdict_of(response).startswith("Offline for")
        assert Lookup.objects.get().reason == "T-9"

    def test_who_may_run_a_bulk_job_gets_one_in_a_tab_of_its_own(self, client, staff, credential):
        staff.user_permissions.add(
            Permission.objects.get(content_type__app_label="bulk", codename="run_bulk_lookups")
        )
        sign_in_to_the_sidebar(client, User.objects.get(pk=staff.pk))
        sn, sn2 = device_by_key("offline-hours").sn, device_by_key("asleep").sn

        html = client.get("/embed/", {"q": f"{sn} {sn2}"}).content.decode()

        bulk = urlencode({"identifiers": f"{sn}\n{sn2}", "reason": ""}).replace("&", "&amp;")
        assert f'href="/bulk/?{bulk}" target="_blank" rel="noopener"' in html

    def test_a_user_id_without_its_minus_asks_and_the_answer_does_not_ask_again(
        self, sidebar_client, sandbox
    ):
        positive = str(FAMILY).lstrip("-")

        html = sidebar_client.get("/embed/", {"q": positive, "reason": "T-8"}).content.decode()

        assert f"Did you mean {FAMILY}?" in html
        assert f'href="/embed/?q={FAMILY}&amp;kind=user&amp;reason=T-8"' in html
        as_typed = f"/embed/?q={positive}&kind=user&reason=T-8"
        assert as_typed.replace("&", "&amp;") in html
        assert vendor_requests(sandbox) == 0
        # Following "as typed" looks it up, instead of asking again.
        response = sidebar_client.get(as_typed)
        assert "Did you mean" not in response.content.decode()
        assert Lookup.objects.get().value == positive

    def test_what_is_typed_next_in_the_box_keeps_the_conversations_reason(self, sidebar_client):
        sn = device_by_key("offline-hours").sn

        html = sidebar_client.get("/embed/", {"q": sn, "reason": "Chatwoot #42"}).content
        empty = sidebar_client.get("/embed/", {"q": sn}).content

        assert b'<input type="hidden" name="reason" value="Chatwoot #42">' in html
        assert b'name="reason"' not in empty


def test_not_found_says_where_it_looked_and_retries_in_the_other_region_in_the_sidebar(
    sidebar_client, another_region
):

    response = sidebar_client.get("/embed/", {"q": "876NOPE0000001", "reason": "T-9"})

    assert response.status_code == 404
    assert "Searched serial number 876NOPE0000001 with credential sandbox." in page_text(response)
    retry = "/embed/?q=876NOPE0000001&amp;kind=sn&amp;credential=eu&amp;reason=T-9"
    html = response.content.decode()
    assert f'href="{retry}">Try with credential eu (de)</a>' in html
    # Following it asks that region, inside the sidebar, for the same ticket.
    again = sidebar_client.get(html_unescape(retry))
    assert again.status_code == 404
    row = Lookup.objects.order_by("pk").last()
    assert (row.credential_name, row.value, row.reason, row.outcome) == (
        "eu",
        "876NOPE0000001",
        "T-9",
        "not_found",
    )


class TestAUsersDevices:
    """The user's page's list in the sidebar: each row checked by the same script, through a
    check of the sidebar's own (its session cookie is only sent under /embed/)."""

    def checks(self, response) -> dict[str, str]:
        content = response.content.decode()
        return {
            dev_id: html_unescape(url)
            for url, dev_id in re.findall(
                r'data-check-url="([^"]+)">\s*<th[^>]*>(?:<a[^>]*>)?<code>(\d+)</code>', content
            )
        }

    def test_each_row_has_a_check_under_embed_that_follows_the_lists_lookup(
        self, sidebar_client, sandbox
    ):
        response = sidebar_client.get("/embed/", {"q": str(FAMILY), "reason": "T-3"})

        listed = Lookup.objects.get(kind="user")
        dev_id = str(device_by_key("online-wifi-mains").dev_id)
        checks = self.checks(response)
        assert len(checks) == 5
        assert checks[dev_id] == f"/embed/users/{FAMILY}/devices/{dev_id}/check/?list={listed.pk}"
        html = response.content.decode()
        assert '<script src="/static/js/owner-list.js" defer></script>' in html
        assert vendor_requests(sandbox) == 1  # the checks come after, from the script

        check = sidebar_client.get(checks[dev_id], headers={"Sec-Fetch-Site": "same-origin"})

        assert check.status_code == 200
        assert (check.json()["ok"], check.json()["state"]) == (True, "Online")
        row = Lookup.objects.get(kind="dev_id")
        assert (row.channel, row.follows, row.reason) == ("embed", listed, "T-3")

    def test_a_check_fetched_from_another_site_is_refused_before_any_lookup(
        self, sidebar_client, sandbox
    ):
        checks = self.checks(sidebar_client.get("/embed/", {"q": str(FAMILY)}))
        url = next(iter(checks.values()))

        response = sidebar_client.get(
            url, headers={"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Site": "cross-site"}
        )

        assert response.status_code == 403
        assert not Lookup.objects.filter(kind="dev_id").exists()

    def test_without_the_sidebars_session_a_check_goes_to_its_sign_in(self, client, staff):
        client.force_login(staff)  # the pages' session only
        response = client.get(f"/embed/users/{FAMILY}/devices/1/check/?list=1")
        assert response.status_code == 302
        assert response["Location"].startswith("/embed/login/")

    def test_refused_fetches_from_another_site_cost_nothing_of_the_persons_limit(
        self, sidebar_client, settings
    ):
        settings.LOOKUP_USER_RATE = "2/h"
        checks = self.checks(sidebar_client.get("/embed/", {"q": str(FAMILY)}))  # the 1st
        url = next(iter(checks.values()))
        cross_site = {"Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Site": "cross-site"}

        refused = [sidebar_client.get(url, headers=cross_site).status_code for _ in range(3)]
        own = sidebar_client.get(url, headers={"Sec-Fetch-Site": "same-origin"})  # the 2nd
        over = sidebar_client.get(url, headers={"Sec-Fetch-Site": "same-origin"})

        assert (refused, own.status_code, over.status_code) == ([403] * 3, 200, 429)
        assert Lookup.objects.filter(outcome="rate_limited").get().channel == "embed"

    def test_a_check_follows_only_a_list_this_person_opened_in_the_sidebar(
        self, sidebar_client, staff, client, outsider
    ):
        dev_id = device_by_key("online-wifi-mains").dev_id
        sidebar_client.force_login(staff)  # the pages' session too
        sidebar_client.get(f"/users/{FAMILY}/devices/")  # a list shown on the pages
        on_the_pages = Lookup.objects.get(kind="user", channel="web")
        url = f"/embed/users/{FAMILY}/devices/{dev_id}/check/?list={on_the_pages.pk}"

        assert sidebar_client.get(url).status_code == 400
        sign_in_to_the_sidebar(client, outsider)
        assert client.get(url).status_code == 403  # no permission to look up at all

    def test_the_lists_audit_row_has_its_verdict_as_the_pages_has(self, sidebar_client):
        sidebar_client.get("/embed/", {"q": str(FAMILY)})
        assert Lookup.objects.get(kind="user").verdict


class TestFooter:
    def test_refresh_from_the_vendor_goes_past_the_cache_in_the_sidebar(
        self, sidebar_client, sandbox
    ):
        sn = device_by_key("offline-hours").sn
        first = sidebar_client.get("/embed/", {"q": sn, "reason": "T-4"})
        sidebar_client.get("/embed/", {"q": sn, "reason": "T-4"})  # from the cache
        assert vendor_requests(sandbox) == 1

        link = re.search(
            r'<a class="button" href="([^"]+)"[^>]*>Refresh from the vendor', first.content.decode()
        )
        assert link and html_unescape(link.group(1)) == f"?q={sn}&reason=T-4&refresh=1"
        again = sidebar_client.get("/embed/" + html_unescape(link.group(1)))

        assert again.status_code == 200
        assert vendor_requests(sandbox) == 2
        assert Lookup.objects.order_by("pk").last().source == "fresh"

    def test_the_escalation_text_is_there_to_copy(self, sidebar_client):
        device = device_by_key("offline-hours")
        html = sidebar_client.get("/embed/", {"q": device.sn}).content.decode()
        text = re.search(r'<textarea id="escalation-text"[^>]*>(.*?)</textarea>', html, re.S)
        assert text and str(device.dev_id) in text.group(1)
        assert 'data-copy-target="escalation-text"' in html
