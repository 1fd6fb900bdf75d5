"""The browser's part of a company sign-in, played with the Django test client (SupportDesk's
side) and requests (the provider's side, over HTTP). No tests here."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import requests

from tests.oidc_provider import OidcProvider, Person


def person(login: str, *, groups: list[str] | None = None, sub: str = "", **claims) -> Person:
    """Someone at the provider, with the password "pw-<login>"."""
    return Person(
        login=login,
        password=f"pw-{login}",
        sub=sub or f"sub-{login}",
        claims={
            "preferred_username": login,
            "email": f"{login}@example.com",
            "given_name": login.title(),
            "family_name": "Example",
            "groups": groups or [],
            **claims,
        },
    )


def start(client, next_url: str = ""):
    """SupportDesk's start page: where it sends the browser."""
    return client.get("/accounts/sso/start/" + (f"?next={next_url}" if next_url else ""))


def at_provider(
    browser: requests.Session, authorize_url: str, who: Person | None
) -> requests.Response:
    """Follow the provider's pages (its password form when asked) until it sends the browser
    back to SupportDesk; return that redirect."""
    answer = browser.get(authorize_url, allow_redirects=False, timeout=10)
    for _ in range(10):
        location = answer.headers.get("Location", "")
        if answer.status_code in (302, 303) and location.startswith("http://testserver/"):
            return answer
        if answer.status_code in (302, 303):
            answer = browser.get(
                requests.compat.urljoin(answer.url, location), allow_redirects=False, timeout=10
            )
            continue
        form = re.search(r'<form method="post" action="([^"]+)"', answer.text)
        assert form and who is not None, f"unexpected provider page: {answer.status_code}"
        answer = browser.post(
            requests.compat.urljoin(answer.url, form.group(1)),
            data={"login": who.login, "password": who.password},
            allow_redirects=False,
            timeout=10,
        )
    raise AssertionError("the provider never sent the browser back")


def sign_in(client, provider: OidcProvider, who: Person, *, browser=None, next_url: str = ""):
    """The whole sign-in; returns SupportDesk's answer to the callback."""
    provider_browser = browser or requests.Session()
    sent = start(client, next_url)
    assert sent.status_code == 302, sent
    back = at_provider(provider_browser, sent["Location"], who)
    parts = urlsplit(back.headers["Location"])
    return client.get(parts.path, parse_qs(parts.query))
