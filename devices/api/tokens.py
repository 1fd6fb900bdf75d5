"""API tokens: create one (shown once), recognise one, revoke one.

A token is 32 random bytes, so a plain SHA-256 of it is enough to store: nothing can be
guessed from the digest, and a lookup by digest needs no slow hash per request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from devices.api.models import ApiToken

# Recognisable in a leaked config file or a secret scanner's rules.
PREFIX = "sdk_"
HINT_LENGTH = len(PREFIX) + 4
# Last use is noted at most this often: a busy integration must not rewrite the row per call.
NOTE_USE_EVERY = timedelta(seconds=60)


class TokenNameTaken(ValueError):
    pass


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, name: str, user: AbstractBaseUser) -> tuple[ApiToken, str]:
    """A new token for `user`: the row, and the token itself (not kept anywhere)."""
    token = PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            row = ApiToken.objects.create(
                name=name, user=user, digest=digest_of(token), hint=token[:HINT_LENGTH]
            )
    except IntegrityError:
        raise TokenNameTaken(name) from None
    return row, token


def token_authenticate(token: str) -> ApiToken | None:
    """The live token of an active user that `token` is, its last use noted; None otherwise."""
    if not token.startswith(PREFIX):
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest_of(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or row.last_used_at < now - NOTE_USE_EVERY:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row


def token_revoke(*, tokens) -> int:
    """Revoke the live ones among `tokens` (a queryset); how many were revoked."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
