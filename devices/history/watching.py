"""Watching a device page: start, poll, stop. Each poll is a refresh of the device, audited as
a follow-up of the page's lookup (channel "watch"), inside the watches' own budget
(`budget`); a person watches at most WATCH_MAX_DEVICES devices at once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from devices import failures, gwell, services
from devices.audit import AuditContext, auditable, log_lookup, new_lookup
from devices.history.budget import acquire_watch_slot
from devices.history.changes import Change, compare
from devices.history.facts import facts_of, read
from devices.history.models import Snapshot, Watch
from devices.models import Lookup
from devices.ratelimit import VendorBusy

log = logging.getLogger("supportdesk.history")

TOO_MANY = gettext_lazy(
    "You are already watching %(count)s devices. Stop one of them to watch this one."
)
NOT_WATCHABLE = gettext_lazy(
    "This device cannot be watched from this page. Look it up again, then watch it."
)
WATCH_ENDED = gettext_lazy("Watching stopped after %(minutes)s minutes.")
WATCH_STOPPED = gettext_lazy("Watching stopped.")
# Audit texts of a skipped poll (English, as the audit log keeps them).
BUDGET_IN_USE = "Watch budget (WATCH_RATE) in use: poll skipped."
TOO_EARLY = "Poll sooner than WATCH_POLL_SECONDS after the last: skipped."
# The soonest a poll may follow the last one, as a share of WATCH_POLL_SECONDS.
EARLIEST_POLL = 0.5
# A page polls every WATCH_POLL_SECONDS; one silent for this many polls, and at least
# SILENT_SECONDS (a browser may slow the timers of a tab in the background to one a minute),
# has closed without saying so.
MISSED_POLLS = 3
SILENT_SECONDS = 120


class WatchRefused(Exception):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass
class PollResult:
    """What one poll found: "ok" (with the changes since the last poll), "busy" (skipped: the
    watches' budget is in use), "failed" (the vendor's failure, in words) or "over"."""

    status: str
    changes: list[Change] = field(default_factory=list)
    message: str = ""
    lookup: Lookup | None = None


def active_watches(*, user, now: datetime | None = None) -> QuerySet[Watch]:
    now = now or timezone.now()
    return Watch.objects.filter(
        user=user,
        stopped_at__isnull=True,
        started_at__gt=now - timedelta(seconds=settings.WATCH_MAX_SECONDS),
        last_poll_at__gt=now - timedelta(seconds=silent_seconds()),
    )


def silent_seconds() -> float:
    return max(MISSED_POLLS * settings.WATCH_POLL_SECONDS, SILENT_SECONDS)


def watch_start(*, user, lookup_id: int, device_id: str) -> Watch:
    """Start watching the device a page of `user` showed (its lookup `lookup_id`). The person's
    earlier watch of the same device stops (a page opened again); a fourth device is refused."""
    lookup = Lookup.objects.filter(
        pk=lookup_id,
        user=user,
        kind__in=(Lookup.Kind.SERIAL, Lookup.Kind.DEVICE_ID),
        credential__isnull=False,
    ).first()
    latest = None
    if lookup is not None and device_id:
        latest = (
            Snapshot.objects.filter(credential_id=lookup.credential_id, device_id=device_id)
            .order_by("-last_seen_at", "-id")
            .first()
        )
    if latest is None:  # not a device this person's page showed through that credential
        raise WatchRefused(str(NOT_WATCHABLE))
    now = timezone.now()
    with transaction.atomic():
        # One person's starts queue here, so two at once cannot both take the last place.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        watching = active_watches(user=user, now=now)
        watching.filter(device_id=device_id).update(stopped_at=now)
        others = watching.exclude(device_id=device_id).values("device_id").distinct().count()
        if others >= settings.WATCH_MAX_DEVICES:
            raise WatchRefused(str(TOO_MANY % {"count": others}))
        return Watch.objects.create(
            user=user,
            lookup=lookup,
            device_id=device_id,
            last_poll_at=now,
            last_facts=read(latest.facts),
        )


def watch_stop(*, watch: Watch) -> None:
    Watch.objects.filter(pk=watch.pk, stopped_at__isnull=True).update(stopped_at=timezone.now())


def watch_poll(*, watch: Watch, audit: AuditContext) -> PollResult:
    """Refresh the watched device once, as a follow-up of the page's lookup."""
    now = timezone.now()
    if not active_watches(user=watch.user, now=now).filter(pk=watch.pk).exists():
        watch_stop(watch=watch)
        over = now - watch.started_at >= timedelta(seconds=settings.WATCH_MAX_SECONDS)
        minutes = settings.WATCH_MAX_SECONDS // 60
        return PollResult(
            "over", message=str(WATCH_ENDED % {"minutes": minutes} if over else WATCH_STOPPED)
        )
    followed = watch.lookup
    audit = replace(
        audit, channel=Lookup.Channel.WATCH, follows_id=followed.pk, reason=followed.reason
    )
    # A page polls every WATCH_POLL_SECONDS; a client asking faster would only eat the budget
    # every watch shares, so its extra polls are skipped.
    early = now - timedelta(seconds=settings.WATCH_POLL_SECONDS * EARLIEST_POLL)
    if not Watch.objects.filter(Q(polls=0) | Q(last_poll_at__lte=early), pk=watch.pk).update(
        last_poll_at=now, polls=F("polls") + 1
    ):
        return PollResult("busy", lookup=_skipped(audit, watch, TOO_EARLY))
    try:
        finish = acquire_watch_slot(followed.credential.app_id)
    except VendorBusy as busy:
        return PollResult("busy", lookup=_skipped(audit, watch, BUDGET_IN_USE, busy))
    try:
        result = services.lookup_device(
            audit=audit,
            kind=Lookup.Kind.DEVICE_ID,
            value=watch.device_id,
            owner_id=followed.owner_id,
            credential_name=followed.credential_name,
            refresh=True,
        )
    finally:
        finish()
    if not result.ok or not isinstance(result.data, gwell.DeviceReport):
        failure = failures.failure_of(result.error) if result.error else failures.INTERNAL
        return PollResult("failed", message=str(failure.title), lookup=result.lookup)
    facts = facts_of(result.data)
    changes = compare(read(watch.last_facts), facts) if watch.last_facts else []
    Watch.objects.filter(pk=watch.pk).update(last_facts=facts)
    return PollResult("ok", changes=changes, lookup=result.lookup)


def _skipped(audit: AuditContext, watch: Watch, why: str, busy: VendorBusy | None = None) -> Lookup:
    """The audit row of a poll skipped (too early, or the watches' budget in use): never sent
    to the vendor."""
    busy = busy or VendorBusy(settings.WATCH_POLL_SECONDS, f"watch:{watch.pk}")
    lookup = new_lookup(
        audit=audit,
        kind=Lookup.Kind.DEVICE_ID,
        value=watch.device_id,
        owner_id=watch.lookup.owner_id,
        endpoint=Lookup.Endpoint.DEV_INFO,
        credential=watch.lookup.credential,
        credential_name=watch.lookup.credential_name,
        outcome=Lookup.Outcome.RATE_LIMITED,
        failure_code=failures.failure_of(busy).code,
        vendor_message=auditable(why, 300),
        duration_ms=0,
    )
    log_lookup(lookup)
    return lookup


def watch_of(*, user, watch_id: int) -> Watch | None:
    return Watch.objects.select_related("lookup__credential").filter(pk=watch_id, user=user).first()
