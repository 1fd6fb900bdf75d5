"""Who may open which page: anonymous people sign in first, outsiders get a 403, and neither
causes a vendor call or an audit row."""

import pytest

from devices.models import Lookup
from devices.sandbox.data import FAMILY
from tests.helpers import id_url, sn_url, vendor_requests

pytestmark = pytest.mark.django_db

LOOKUP_PAGES = [
    pytest.param(lambda: sn_url("online-wifi-mains"), id="device by sn"),
    pytest.param(lambda: id_url("online-wifi-mains"), id="device by id"),
    pytest.param(lambda: f"/users/{FAMILY}/devices/", id="user devices"),
    pytest.param(lambda: "/", id="search"),
]


@pytest.mark.parametrize("url", LOOKUP_PAGES)
def test_anonymous_people_are_sent_to_sign_in_and_nothing_is_looked_up(
    client, credential, sandbox, url
):
    response = client.get(url())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert vendor_requests(sandbox) == 0
    assert not Lookup.objects.exists()


def test_an_anonymous_search_is_not_recorded(client, credential):
    response = client.post("/", {"q": "876/ABC"})
    assert response.status_code == 302
    assert not Lookup.objects.exists()


@pytest.mark.parametrize("url", LOOKUP_PAGES)
def test_people_without_the_lookup_permission_get_a_403_and_nothing_is_looked_up(
    client, outsider, credential, sandbox, url
):
    client.force_login(outsider)
    response = client.get(url())
    assert response.status_code == 403
    assert "You are not allowed to look up devices" in response.content.decode()
    assert vendor_requests(sandbox) == 0
    assert not Lookup.objects.exists()


def test_the_login_page_renders_with_the_language_switch(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="username"' in content
    assert 'action="/i18n/setlang/"' in content


def test_the_header_links_to_admin_only_for_staff_users(client, staff, lead):
    client.force_login(staff)
    assert 'href="/admin/"' not in client.get("/lookups/").content.decode()
    client.force_login(lead)
    assert 'href="/admin/"' in client.get("/lookups/").content.decode()


def test_logging_out_is_a_post_form(client, staff):
    client.force_login(staff)
    content = client.get("/lookups/").content.decode()
    assert '<form method="post" action="/accounts/logout/">' in content


def test_pages_carry_no_inline_script_or_style(client, staff, credential):
    client.force_login(staff)
    for url in ("/", sn_url("online-wifi-mains"), f"/users/{FAMILY}/devices/", "/lookups/"):
        content = client.get(url).content.decode()
        assert "<script>" not in content, url
        assert "style=" not in content, url
        assert "<style" not in content, url
        assert "onclick" not in content, url


def test_switching_language_keeps_the_page(client, staff):
    client.force_login(staff)
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/lookups/"})
    assert response.status_code == 302
    assert response["Location"] == "/lookups/"
    assert '<html lang="zh-hans">' in client.get("/lookups/").content.decode()
