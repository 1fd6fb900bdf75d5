"""What the provider says about a person, as SupportDesk needs it: pure functions.

Claims are untrusted input like any other: a username must fit Django's rules, names and email
are cut to their columns, and a groups claim may be a list, one string, or nested
(`realm_access.roles` in Keycloak).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

USERNAME_MAX = 150


def claim(claims: Mapping[str, Any], path: str) -> Any:
    """A claim by name, or by a dotted path into nested objects; None when absent."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def username_from(claims: Mapping[str, Any], *, claim_name: str) -> str | None:
    """The username the claim gives, or None when it is missing or not a valid username."""
    value = claim(claims, claim_name)
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > USERNAME_MAX:
        return None
    try:
        UnicodeUsernameValidator()(value)
    except ValidationError:
        return None
    return value


def groups_from(claims: Mapping[str, Any], *, claim_name: str) -> set[str]:
    """The provider's groups for this person: a list of strings, or one string."""
    value = claim(claims, claim_name)
    if isinstance(value, str):
        return {value}
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return {item for item in value if isinstance(item, str)}
    return set()


def mapped_groups(provider_groups: Iterable[str], *, mapping: Mapping[str, str]) -> set[str]:
    """The SupportDesk groups that the provider's groups map to."""
    return {mapping[name] for name in provider_groups if name in mapping}


def profile_from(claims: Mapping[str, Any]) -> dict[str, str]:
    """email, first and last name, each fitted to Django's user columns ("" when unusable)."""
    email = claim(claims, "email")
    if isinstance(email, str) and len(email) <= 254:
        try:
            validate_email(email)
        except ValidationError:
            email = ""
    else:
        email = ""
    first, last = claim(claims, "given_name"), claim(claims, "family_name")
    if not isinstance(first, str) and not isinstance(last, str):
        first, last = claim(claims, "name"), ""
    return {
        "email": email,
        "first_name": first[:150] if isinstance(first, str) else "",
        "last_name": last[:150] if isinstance(last, str) else "",
    }
