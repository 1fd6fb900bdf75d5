"""Snapshots are written here: one per change, extended while nothing changes; pruned with the
audit log (`prune_lookups`)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from devices import gwell
from devices.history.facts import facts_of, read, same
from devices.history.models import Snapshot, Watch
from devices.models import Credential

log = logging.getLogger("supportdesk.history")


def record_answer(credential: Credential, data: Any, *, at: datetime | None = None) -> None:
    """After a fresh good answer (`devices.services`): a devInfo report leaves a snapshot;
    anything else (a devList) nothing. Never raises: the lookup matters more than its trace."""
    if not isinstance(data, gwell.DeviceReport) or not data.device.device_id:
        return
    try:
        snapshot_record(credential=credential, report=data, at=at or timezone.now())
    except Exception:
        log.exception("device %s: snapshot not recorded", data.device.device_id)


def snapshot_record(
    *, credential: Credential, report: gwell.DeviceReport, at: datetime
) -> Snapshot:
    """The device's latest snapshot, extended to `at` when it says the same, else a new one."""
    device_id = report.device.device_id or ""
    facts = facts_of(report)
    with transaction.atomic():
        latest = (
            Snapshot.objects.select_for_update()
            .filter(credential=credential, device_id=device_id)
            .order_by("-last_seen_at", "-id")
            .first()
        )
        if latest is not None and same(read(latest.facts), facts):
            if at <= latest.last_seen_at:  # a slower answer of the same state: nothing new
                return latest
            Snapshot.objects.filter(pk=latest.pk).update(
                previously_seen_at=F("last_seen_at"),
                last_seen_at=at,
                times_seen=F("times_seen") + 1,
            )
            # As the row now says (it is locked until the transaction ends).
            latest.previously_seen_at, latest.last_seen_at = latest.last_seen_at, at
            latest.times_seen += 1
            return latest
        return Snapshot.objects.create(
            credential=credential,
            device_id=device_id,
            facts=facts,
            first_seen_at=at,
            last_seen_at=at,
        )


def snapshots_prune(*, before: datetime, batch_size: int = 5000) -> int:
    """Delete snapshots last seen (and watches started) before `before`, a batch of ids at a
    time; how many snapshots went."""
    _delete_in_batches(Watch.objects.filter(started_at__lt=before), batch_size)
    return _delete_in_batches(Snapshot.objects.filter(last_seen_at__lt=before), batch_size)


def _delete_in_batches(old: QuerySet, batch_size: int) -> int:
    # Ids first: no DELETE at all when nothing is old, short ones when much is.
    old = old.order_by()
    removed = 0
    while ids := list(old.values_list("pk", flat=True)[:batch_size]):
        deleted, _by_model = old.model.objects.filter(pk__in=ids).delete()
        removed += deleted
    return removed
