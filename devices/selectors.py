"""Reads: what the pages show besides the vendor's answer."""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from devices.models import Lookup


def lookups_of_user(*, user, limit: int = 50) -> QuerySet[Lookup]:
    """The person's own recent lookups, newest first."""
    return (
        Lookup.objects.filter(user=user).select_related(None).order_by("-created_at", "-id")[:limit]
    )


def recent_colleague_lookups(*, user, kind: str, value: str, minutes: int = 30) -> list[Lookup]:
    """Other people's lookups of the same thing in the last minutes (newest first, one each)."""
    since = timezone.now() - timedelta(minutes=minutes)
    rows = (
        Lookup.objects.filter(kind=kind, value=value, created_at__gte=since)
        .exclude(Q(user=user) | Q(user__isnull=True))
        .order_by("-created_at")
        .only("username", "created_at", "user_id")[:20]
    )
    seen: set[str] = set()
    latest: list[Lookup] = []
    for row in rows:
        if row.username not in seen:
            seen.add(row.username)
            latest.append(row)
    return latest
