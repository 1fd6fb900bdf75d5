"""The provider's endpoints: explicit settings, or its discovery document (cached a while).

Sign-in is the only time SupportDesk talks to the provider, so it checks the provider is there
before sending anyone to it (`check_reachable`), and says so plainly when it is not.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import requests
from django.conf import settings

log = logging.getLogger("supportdesk.signin")

DISCOVERY_PATH = "/.well-known/openid-configuration"
# A provider's endpoints rarely change; refetched after this, or at the next sign-in start.
DISCOVERY_SECONDS = 300


class ProviderUnavailable(Exception):
    """The provider did not answer, or answered something that is not OpenID Connect."""


@dataclass(frozen=True)
class Endpoints:
    issuer: str
    authorization: str
    token: str
    userinfo: str
    jwks: str
    end_session: str


_lock = threading.Lock()
_cache: dict[str, tuple[float, dict]] = {}


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        log.warning("identity provider unavailable: %s: %s", url, type(error).__name__)
        raise ProviderUnavailable(str(url)) from error
    if not isinstance(document, dict):
        raise ProviderUnavailable(str(url))
    return document


def _discovery(*, fresh: bool) -> dict:
    issuer = settings.OIDC_ISSUER.rstrip("/")
    url = issuer + DISCOVERY_PATH
    with _lock:
        cached = _cache.get(url)
    if cached and not fresh and time.monotonic() - cached[0] < DISCOVERY_SECONDS:
        return cached[1]
    document = _get_json(url)
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        # OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer asked.
        log.warning("discovery at %s names another issuer", url)
        raise ProviderUnavailable(url)
    with _lock:
        _cache[url] = (time.monotonic(), document)
    return document


def _explicit() -> dict[str, str]:
    return {
        "authorization": settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
        "token": settings.OIDC_OP_TOKEN_ENDPOINT,
        "userinfo": settings.OIDC_OP_USER_ENDPOINT,
        "jwks": settings.OIDC_OP_JWKS_ENDPOINT,
        "end_session": settings.OIDC_OP_END_SESSION_ENDPOINT,
    }


def _fully_explicit(explicit: dict[str, str]) -> bool:
    return all(explicit[name] for name in ("authorization", "token", "jwks"))


def endpoints(*, fresh: bool = False) -> Endpoints:
    """Explicit settings win; what they leave out comes from the issuer's discovery document."""
    explicit = _explicit()
    if _fully_explicit(explicit):
        return Endpoints(issuer=settings.OIDC_ISSUER, **explicit)
    found = _discovery(fresh=fresh)
    names = {
        "authorization": "authorization_endpoint",
        "token": "token_endpoint",
        "userinfo": "userinfo_endpoint",
        "jwks": "jwks_uri",
        "end_session": "end_session_endpoint",
    }
    resolved = {key: explicit[key] or str(found.get(name) or "") for key, name in names.items()}
    # The ID token's `iss` must equal the document's own spelling of it.
    return Endpoints(issuer=str(found["issuer"]), **resolved)


def check_reachable() -> Endpoints:
    """The endpoints, having just heard from the provider (discovery, or its keys)."""
    found = endpoints(fresh=True)
    if _fully_explicit(_explicit()):
        _get_json(found.jwks)
    return found


def forget() -> None:
    """Drop cached discovery documents (tests start providers on new ports)."""
    with _lock:
        _cache.clear()
