"""The sidebar (/embed/?q=…): the search box's detection, the page's verdict, compact."""

import re

import pytest

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
    assert f'href="/embed/?q={dev_id}&amp;kind=dev_id&amp;owner={FAMILY}"' in (
        response.content.decode()
    )


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
