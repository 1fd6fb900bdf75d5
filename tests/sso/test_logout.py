"""Logout ends the SupportDesk session, and the provider's too after a company sign-in
(RP-initiated logout), then comes back to the sign-in page."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.sso.flow import person, sign_in, start

pytestmark = pytest.mark.django_db


def test_logout_after_a_company_sign_in_ends_the_provider_session_too(client, sso):
    mei = person("mei", groups=["support-staff"])
    sso.set_people([mei])
    browser = requests.Session()
    sign_in(client, sso, mei, browser=browser)

    # While the provider's session lasts, a new sign-in needs no password.
    client.logout()
    sign_in(client, sso, mei, browser=browser)
    id_token = client.session["oidc_id_token"]
    response = client.post("/accounts/logout/")

    location = urlsplit(response["Location"])
    query = {key: value[0] for key, value in parse_qs(location.query).items()}
    assert response.status_code == 302
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{sso.issuer}/session/end"
    assert query["id_token_hint"] == id_token
    assert query["post_logout_redirect_uri"] == "http://testserver/accounts/login/"
    assert client.get("/").status_code == 302  # signed out of SupportDesk

    confirm = browser.get(response["Location"], timeout=10)
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm.text))
    action = re.search(r'action="([^"]+)"', confirm.text).group(1)
    done = browser.post(
        requests.compat.urljoin(confirm.url, action),
        data={**form, "logout": "yes"},
        allow_redirects=False,
        timeout=10,
    )
    assert done.headers["Location"] == "http://testserver/accounts/login/"

    # The provider asks for the password again: its session ended.
    asked = browser.get(start(client)["Location"], allow_redirects=False, timeout=10)
    while asked.status_code in (302, 303):
        assert asked.headers["Location"].startswith("/"), "sent back without a password"
        asked = browser.get(sso.issuer + asked.headers["Location"], allow_redirects=False)
    assert 'name="password"' in asked.text


def test_logout_after_a_password_sign_in_stays_in_supportdesk(client, sso, superuser):
    client.post(
        "/accounts/login/", {"username": "root", "password": "correct horse battery staple"}
    )

    response = client.post("/accounts/logout/")

    assert response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_logout_without_company_sign_in_configured_goes_to_the_sign_in_page(staff_client):
    response = staff_client.post("/accounts/logout/")

    assert response["Location"] == "/accounts/login/"
    assert staff_client.get("/").status_code == 302


def test_the_admin_logout_ends_the_provider_session_too(client, sso):
    lan = person("lan", groups=["support-leads"])
    sso.set_people([lan])
    sign_in(client, sso, lan)

    response = client.post("/admin/logout/")

    assert response["Location"].startswith(f"{sso.issuer}/session/end?")


def test_logout_refuses_get(staff_client):
    assert staff_client.get("/accounts/logout/").status_code == 405
