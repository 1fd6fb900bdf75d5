"""Reads: what the pages show besides the vendor's answer."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from devices.models import Lookup

# My lookups: rows per page (repeats folded into one), and the most rows one page reads to fill it.
LOOKUPS_PER_PAGE = 50
LOOKUPS_SCANNED = 1000
# Consecutive lookups that agree on these are one lookup repeated (Refresh, a reloaded tab).
REPEAT_FIELDS = ("kind", "value", "owner_id", "credential_name", "outcome", "reason")


@dataclass(frozen=True)
class LookupPage:
    rows: list[Lookup]  # newest first; a run of repeats is never split across pages
    older: int | None  # the `before` of the next page; None: this is the last


def same_lookup(one: Lookup, other: Lookup) -> bool:
    return all(getattr(one, name) == getattr(other, name) for name in REPEAT_FIELDS)


def fold_repeats(lookups: Iterable[Lookup]) -> list[list[Lookup]]:
    """Runs of consecutive repeats of one lookup, in order."""
    runs: list[list[Lookup]] = []
    for lookup in lookups:
        if runs and same_lookup(runs[-1][-1], lookup):
            runs[-1].append(lookup)
        else:
            runs.append([lookup])
    return runs


def lookups_of_user(
    *,
    user,
    search: str = "",
    identifier: str = "",
    before: int | None = None,
    per_page: int = LOOKUPS_PER_PAGE,
    scanned: int = LOOKUPS_SCANNED,
) -> LookupPage:
    """The person's own lookups (not their follow-ups: each row counts its own in
    `follow_up_count`), newest first: `per_page` after folding repeats, older than the
    lookup `before`, and when searching, those whose ticket / reason holds `search` or whose
    value or owner's id holds `identifier` (the same words normalised as identifiers are), in
    any case. Reads in chunks from the (user, created_at) index; usually one query."""
    # A follow-up (an owner's list checking its rows) is counted on the lookup it follows.
    follow_ups = (
        Lookup.objects.filter(follows=OuterRef("pk"))
        .order_by()
        .values("follows")
        .annotate(count=Count("pk"))
        .values("count")
    )
    rows = (
        Lookup.objects.filter(user=user, follows__isnull=True)
        .annotate(follow_up_count=Coalesce(Subquery(follow_ups), 0))
        .order_by("-created_at", "-id")
    )
    if search or identifier:
        matches = Q(reason__icontains=search) if search else Q(pk__in=[])
        if identifier:
            matches |= Q(value__icontains=identifier) | Q(owner_id__icontains=identifier)
        rows = rows.filter(matches)
    if before is not None:
        cursor = Lookup.objects.filter(user=user, pk=before).values_list("created_at", flat=True)
        at = cursor.first()
        if at is not None:
            rows = rows.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=before))
    chunk = per_page * 2 + 1
    kept: list[Lookup] = []
    runs = 0
    offset = 0
    while offset < scanned:
        wanted = min(chunk, scanned - offset)
        batch = list(rows[offset : offset + wanted])
        for row in batch:
            starts_run = not kept or not same_lookup(kept[-1], row)
            if starts_run and runs == per_page:
                return LookupPage(kept, kept[-1].pk)
            runs += starts_run
            kept.append(row)
        if len(batch) < wanted:
            return LookupPage(kept, None)
        offset += len(batch)
    # A very long run of repeats: the page ends in the middle of it, the next goes on.
    return LookupPage(kept, kept[-1].pk if kept else None)


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


def owner_list_lookup(
    *, user, lookup_id: str, user_id: str, channel: str = Lookup.Channel.WEB
) -> Lookup | None:
    """The person's own lookup of `user_id`'s device list that showed the list (`lookup_id`, as
    the page passes it to its row checks), made in `channel` (the pages, or the sidebar), or
    None: a row check follows up only such a lookup, and takes its credential and ticket /
    reason from it."""
    if not lookup_id.isdigit() or len(lookup_id) > 18:
        return None
    showed_list = Q(outcome=Lookup.Outcome.OK) | Q(source=Lookup.Source.LAST_GOOD)
    return (
        Lookup.objects.filter(
            showed_list,
            pk=int(lookup_id),
            user=user,
            kind=Lookup.Kind.USER,
            value=user_id,
            channel=channel,
        )
        .only("pk", "value", "credential_name", "reason")
        .first()
    )
