"""Fixtures for company sign-in: a real OpenID provider process (tests/oidc_provider) and the
settings that point SupportDesk at it. tests/conftest.py makes them available everywhere."""

import pytest

from devices.sso import provider as sso_provider
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider

CALLBACK = "http://testserver/accounts/sso/callback/"
AFTER_LOGOUT = "http://testserver/accounts/login/"
GROUP_MAP = {"support-staff": "Support staff", "support-leads": "Support lead"}


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    running = OidcProvider(
        tmp_path_factory.mktemp("oidc"), redirect_uris=[CALLBACK], logout_uris=[AFTER_LOGOUT]
    ).start()
    yield running
    running.stop()


@pytest.fixture
def sso(settings, oidc_provider):
    """SupportDesk signs in with the test provider; break-glass passwords for superusers."""
    if oidc_provider.process is None:
        oidc_provider.start()
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.OIDC_GROUP_MAP = GROUP_MAP
    settings.OIDC_PROVIDER_NAME = "Example SSO"
    settings.OIDC_ACCESS_CONTACT = "the IT helpdesk (it@example.com)"
    settings.OIDC_LOCAL_LOGIN = "superusers"
    sso_provider.forget()
    oidc_provider.set_people([])
    yield oidc_provider
    sso_provider.forget()
