"""Finding the provider's endpoints: discovery (checked and cached) or explicit settings; and
the ID token's checks that mozilla-django-oidc leaves out."""

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import SuspiciousOperation

from devices.sso import provider
from devices.sso.backend import SsoBackend
from tests.oidc_provider import CLIENT_ID


def test_discovery_finds_every_endpoint(sso):
    found = provider.endpoints(fresh=True)

    assert found.issuer == sso.issuer
    assert found.authorization == f"{sso.issuer}/auth"
    assert found.token == f"{sso.issuer}/token"
    assert found.jwks == f"{sso.issuer}/jwks"
    assert found.end_session == f"{sso.issuer}/session/end"


def test_explicit_endpoints_win_over_discovery(sso, settings):
    settings.OIDC_OP_END_SESSION_ENDPOINT = "https://sso.example.com/logout"

    assert provider.endpoints().end_session == "https://sso.example.com/logout"
    assert provider.endpoints().token == f"{sso.issuer}/token"


def test_fully_explicit_endpoints_need_no_discovery(settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens here
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://sso.example.com/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://sso.example.com/token"
    settings.OIDC_OP_JWKS_ENDPOINT = "https://sso.example.com/keys"

    found = provider.endpoints()

    assert (found.issuer, found.authorization) == (
        "http://127.0.0.1:9",
        "https://sso.example.com/authorize",
    )


def test_a_discovery_document_naming_another_issuer_is_refused(sso, settings):
    settings.OIDC_ISSUER = sso.issuer.replace("127.0.0.1", "localhost")

    with pytest.raises(provider.ProviderUnavailable):
        provider.endpoints(fresh=True)


def test_discovery_is_cached_until_a_sign_in_start_asks_afresh(sso, settings):
    provider.endpoints()
    sso.stop()
    try:
        assert provider.endpoints().token == f"{sso.issuer}/token"
        with pytest.raises(provider.ProviderUnavailable):
            provider.check_reachable()
    finally:
        sso.start()


@pytest.fixture
def signing_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def id_token(key, **claims) -> str:
    now = int(time.time())
    payload = {"sub": "sub-mei", "aud": CLIENT_ID, "iat": now, "exp": now + 300, **claims}
    return jwt.encode(payload, key, algorithm="RS256")


def test_an_id_token_for_this_client_from_this_issuer_is_accepted(sso, signing_key):
    token = id_token(signing_key, iss=sso.issuer)

    payload = SsoBackend()._verify_jws(token, signing_key.public_key())

    assert payload["sub"] == "sub-mei"


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "another-app"},
        {"iss": "https://evil.example"},
        {"exp": int(time.time()) - 3600},
    ],
    ids=["another-audience", "another-issuer", "expired"],
)
def test_an_id_token_for_another_client_or_issuer_is_refused(sso, signing_key, claims):
    token = id_token(signing_key, **{"iss": sso.issuer, **claims})

    with pytest.raises(SuspiciousOperation):
        SsoBackend()._verify_jws(token, signing_key.public_key())


def test_an_id_token_signed_with_another_algorithm_is_refused(sso):
    token = jwt.encode(
        {"sub": "x", "aud": CLIENT_ID, "iss": sso.issuer, "iat": 1, "exp": 2**40},
        "a-shared-secret-someone-guessed-0123456789",
        algorithm="HS256",
    )

    with pytest.raises(SuspiciousOperation):
        SsoBackend()._verify_jws(token, "a-shared-secret-someone-guessed-0123456789")
