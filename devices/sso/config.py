"""What the settings say about company sign-in, read at call time (tests change settings)."""

from __future__ import annotations

from django.conf import settings

LOCAL_FOR_SUPERUSERS = "superusers"
LOCAL_FOR_ALL = "all"
LOCAL_OFF = "off"


def sso_enabled() -> bool:
    """On when the issuer and a client id are set (endpoints: explicit, or discovered)."""
    return bool(settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


def local_login_policy() -> str:
    """Who may sign in with a local password: everyone while company sign-in is off."""
    return settings.OIDC_LOCAL_LOGIN if sso_enabled() else LOCAL_FOR_ALL


def provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME


def group_map() -> dict[str, str]:
    """Provider group (a claim value) -> SupportDesk group name."""
    return {key.strip(): value.strip() for key, value in settings.OIDC_GROUP_MAP.items()}
