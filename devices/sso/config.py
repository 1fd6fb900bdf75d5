"""What the settings say about company sign-in, read at call time (tests change settings)."""

from __future__ import annotations

from django.conf import settings

LOCAL_FOR_SUPERUSERS = "superusers"
LOCAL_FOR_ALL = "all"
LOCAL_OFF = "off"


def sso_enabled() -> bool:
    """On when a client id and a way to find the endpoints (issuer or explicit) are set."""
    has_endpoints = bool(settings.OIDC_ISSUER) or bool(
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT
        and settings.OIDC_OP_TOKEN_ENDPOINT
        and settings.OIDC_OP_JWKS_ENDPOINT
    )
    return bool(settings.OIDC_RP_CLIENT_ID) and has_endpoints


def local_login_policy() -> str:
    """Who may sign in with a local password: everyone while company sign-in is off."""
    return settings.OIDC_LOCAL_LOGIN if sso_enabled() else LOCAL_FOR_ALL


def provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME


def group_map() -> dict[str, str]:
    """Provider group (a claim value) -> SupportDesk group name."""
    return {key.strip(): value.strip() for key, value in settings.OIDC_GROUP_MAP.items()}
