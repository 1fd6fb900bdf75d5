"""The sidebar's own session cookie (SameSite=None; Secure; Partitioned, path /embed/), and the
pages' cookie unchanged beside it."""

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

EMBED = settings.EMBED_SESSION_COOKIE_NAME


def csrf_token_of(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def sign_in_inside_the_frame(client: Client, username: str = "staff"):
    form = client.get("/embed/login/", {"next": "/embed/?q=876ABCDEF0347"})
    return client.post(
        "/embed/login/",
        {
            "username": username,
            "password": PASSWORD,
            "next": "/embed/?q=876ABCDEF0347",
            "csrfmiddlewaretoken": csrf_token_of(form),
        },
    )


def test_signing_in_inside_the_frame_sets_only_the_sidebars_cookie(staff, credential):
    client = Client(enforce_csrf_checks=True)

    response = sign_in_inside_the_frame(client)

    assert response.status_code == 302
    assert response["Location"] == "/embed/?q=876ABCDEF0347"
    cookie = response.cookies[EMBED].OutputString()
    for attribute in ("SameSite=None", "Secure", "HttpOnly", "Path=/embed/", "Partitioned"):
        assert attribute in cookie
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert settings.CSRF_COOKIE_NAME not in client.cookies  # the secret is in the session
    assert client.get("/embed/", {"q": "876ABCDEF0347"}).status_code == 200


def test_the_sidebars_session_does_not_open_the_pages(staff, credential):
    client = Client(enforce_csrf_checks=True)
    sign_in_inside_the_frame(client)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_pages_session_does_not_open_the_sidebar(staff_client):
    response = staff_client.get("/embed/")

    assert response.status_code == 302
    assert response["Location"].startswith("/embed/login/")


def test_the_pages_cookie_keeps_its_own_attributes(staff):
    client = Client()

    response = client.post("/accounts/login/", {"username": "staff", "password": PASSWORD})

    cookie = response.cookies[settings.SESSION_COOKIE_NAME].OutputString()
    assert "SameSite=Lax" in cookie
    assert "Partitioned" not in cookie
    assert "Path=/;" in cookie or cookie.endswith("Path=/")


def test_a_sign_in_without_the_csrf_token_is_refused(staff):
    client = Client(enforce_csrf_checks=True)
    client.get("/embed/login/")

    response = client.post("/embed/login/", {"username": "staff", "password": PASSWORD})

    assert response.status_code == 403
    assert EMBED not in response.cookies or not response.cookies[EMBED].value


def test_a_token_from_another_session_is_refused(staff):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    token = csrf_token_of(first.get("/embed/login/"))
    second.get("/embed/login/")

    response = second.post(
        "/embed/login/",
        {"username": "staff", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 403


def test_signing_out_of_the_sidebar_leaves_the_pages_signed_in(staff, credential):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)  # the pages' session
    sign_in_inside_the_frame(client)
    page = client.get("/embed/")

    response = client.post("/embed/logout/", {"csrfmiddlewaretoken": csrf_token_of(page)})

    assert response.status_code == 302
    removed = response.cookies[EMBED]
    assert removed.value == "" and "Partitioned" in removed.OutputString()
    assert client.get("/embed/").status_code == 302
    assert client.get("/").status_code == 200
