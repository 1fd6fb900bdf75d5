"""The authentication backend for company sign-in, on mozilla-django-oidc.

What it adds to the library: endpoints from discovery (looked up only when someone signs in,
never per request), the ID token's issuer and audience checked, the person found by the
provider's subject (never by email or username), and SupportDesk groups set from the provider's
groups at every sign-in.
"""

from __future__ import annotations

import logging

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from devices.models import SsoIdentity
from devices.sso import claims as claims_
from devices.sso import provider
from devices.sso.config import group_map, sso_enabled

log = logging.getLogger("supportdesk.signin")

NO_USERNAME = _(
    "Your company account did not tell SupportDesk a usable username (the “{claim}” claim). "
    "Ask whoever manages company sign-in to send it."
)
NAME_TAKEN = _(
    "SupportDesk already has an account named “{username}” that is not linked to your company "
    "account, so it was not used. Ask a SupportDesk administrator to rename or remove it."
)
SUBJECT_MISMATCH = "userinfo subject differs from the ID token's"


class SignInRefused(Exception):
    """The provider vouched for someone SupportDesk will not sign in; the message says why."""


class SsoBackend(OIDCAuthenticationBackend):
    def __init__(self, *args, **kwargs) -> None:
        # Django makes a backend for every request of a signed-in person (get_user), so nothing
        # here may reach the provider: the endpoints are looked up when they are used.
        self.UserModel = get_user_model()
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    # The library reads these attributes; they come from settings or discovery when used.
    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return provider.endpoints().token

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:
        return provider.endpoints().userinfo

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return provider.endpoints().jwks

    def authenticate(self, request, **kwargs):
        # Only the callback passes a nonce; a password sign-in must never reach the provider.
        if not sso_enabled() or "nonce" not in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id):
        # The library's get_user skips the is_active check: a deactivated person would keep
        # their session.
        return ModelBackend.get_user(self, user_id)

    def _verify_jws(self, payload, key):
        """The signature, expiry, issuer and audience of the ID token (the library checks only
        the first two)."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("ID token signed with an unexpected algorithm")
        issuer = provider.endpoints().issuer or None
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=issuer,
                options={"require": ["exp", "iat", "sub", "aud"]},
                leeway=30,
            )
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(f"ID token refused: {type(error).__name__}") from error

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            # OpenID Connect Core 1.0, 5.3.2: the userinfo answer must be about the same person.
            raise SuspiciousOperation(SUBJECT_MISMATCH)
        # Some providers (Entra ID) put groups in the ID token only; userinfo wins otherwise.
        person = {**payload, **userinfo}
        return self.sign_in(issuer=str(payload.get("iss", "")), claims=person)

    @transaction.atomic
    def sign_in(self, *, issuer: str, claims: dict) -> AbstractUser:
        subject = str(claims["sub"])
        identity = (
            SsoIdentity.objects.select_related("user")
            .select_for_update()
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        if identity is None:
            user = self._create_user(claims)
            identity = SsoIdentity.objects.create(user=user, issuer=issuer, subject=subject)
        user = identity.user
        for field, value in claims_.profile_from(claims).items():
            if value:
                setattr(user, field, value)
        provider_groups = claims_.groups_from(claims, claim_name=settings.OIDC_GROUPS_CLAIM)
        self._apply_groups(user, provider_groups)
        identity.last_sign_in_at = timezone.now()
        identity.provider_groups = ", ".join(sorted(provider_groups))[:500]
        identity.save(update_fields=["last_sign_in_at", "provider_groups"])
        return user

    def _create_user(self, claims: dict) -> AbstractUser:
        claim_name = settings.OIDC_USERNAME_CLAIM
        username = claims_.username_from(claims, claim_name=claim_name)
        if username is None:
            raise SignInRefused(NO_USERNAME.format(claim=claim_name))
        if self.UserModel._default_manager.filter(username__iexact=username).exists():
            log.warning("company sign-in refused: local account %r exists", username)
            raise SignInRefused(NAME_TAKEN.format(username=username))
        return self.UserModel._default_manager.create_user(username)  # no usable password

    def _apply_groups(self, user: AbstractUser, provider_groups: set[str]) -> None:
        """The groups named in OIDC_GROUP_MAP follow the provider; any other group is left as
        an admin set it."""
        mapping = group_map()
        wanted = claims_.mapped_groups(provider_groups, mapping=mapping)
        managed = Group.objects.filter(name__in=set(mapping.values()))
        missing = set(mapping.values()) - {group.name for group in managed}
        if missing:
            log.error("OIDC_GROUP_MAP names groups that do not exist: %s", sorted(missing))
        user.groups.remove(*[group for group in managed if group.name not in wanted])
        user.groups.add(*[group for group in managed if group.name in wanted])
        if not user.is_superuser:
            user.is_staff = bool(wanted & set(settings.OIDC_STAFF_GROUPS))
        user.save()
