"""Bulk jobs: create, run, cancel, rescue. Each item goes through the same services as a page
(devices.services: limiter, coalescing, cache, audit row with channel "bulk"), in the bulk lane.

Durable by rows: an item is claimed (state "calling", `claimed_until`) before its lookup and
marked done in the same statement that links its audit row. A worker that dies leaves claimed
items; once their claim runs out any worker takes them again. The audit row's request id names
the item, so an item whose earlier lookup completed adopts that row instead of calling again.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from devices import gwell, services
from devices.audit import AuditContext
from devices.bulk.models import BulkItem, BulkJob
from devices.bulk.parsing import Parsed
from devices.models import Lookup
from devices.presenters.lookups import device_verdicts, user_verdicts
from devices.ratelimit import Lane, vendor_call_limit

log = logging.getLogger("supportdesk.bulk")

# A worker that has moved no item for this long (seconds, beyond an item's claim) is taken for
# dead, and its job is handed to another worker.
STALL_GRACE = 10.0
# How often a worker with nothing to claim looks again while others' claims run.
IDLE_POLL = 0.5
# A task works its job this long (seconds), then queues the rest as a new task: jobs take
# turns on a worker, and a worker asked to stop (SIGTERM waits for the task) stops soon.
TASK_SLICE = 60.0


def claim_seconds() -> float:
    """How long a claimed item belongs to its worker: the longest a lookup can take."""
    return settings.BULK_MAX_WAIT + vendor_call_limit() + 5


def item_request_id(item: BulkItem) -> str:
    """The audit row's request id of an item's lookup; the prefix finds earlier attempts."""
    return f"{item_request_prefix(item)}{item.attempts}"


def item_request_prefix(item: BulkItem) -> str:
    return f"bulk-{item.job_id}-{item.pk}-"


@transaction.atomic
def job_create(
    *,
    user,
    parsed: Parsed,
    reason: str = "",
    credential_name: str = "",
    client_ip: str | None = None,
    source: str = "",
) -> BulkJob:
    job = BulkJob.objects.create(
        owner=user,
        username=user.get_username(),
        total=len(parsed.identifiers),
        reason=reason,
        credential_name=credential_name,
        client_ip=client_ip,
        source=source[:200],
    )
    BulkItem.objects.bulk_create(
        [
            BulkItem(job=job, position=position, kind=kind, value=value)
            for position, (kind, value) in enumerate(parsed.identifiers)
        ],
        batch_size=1000,
    )
    transaction.on_commit(partial(job_enqueue, job.pk))
    return job


def job_enqueue(job_id: int) -> None:
    from devices.bulk.tasks import run_bulk_job

    result = run_bulk_job.enqueue(job_id)
    BulkJob.objects.filter(pk=job_id).update(task_id=str(result.id)[:64])


def job_cancel(*, job: BulkJob) -> bool:
    """Stop a job: items not yet claimed are cancelled; one under way finishes. False when the
    job was already over."""
    with transaction.atomic():
        stopped = BulkJob.objects.filter(
            pk=job.pk, state__in=[BulkJob.State.QUEUED, BulkJob.State.RUNNING]
        ).update(state=BulkJob.State.CANCELLED, finished_at=timezone.now())
        if stopped:
            BulkItem.objects.filter(job=job, state=BulkItem.State.PENDING).update(
                state=BulkItem.State.CANCELLED
            )
    job.refresh_from_db()
    return bool(stopped)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def job_run(*, job_id: int) -> None:
    """Work a job until no item is left (or for TASK_SLICE, then queue the rest); several
    workers may run the same job at once."""
    job = BulkJob.objects.filter(pk=job_id).select_related("owner").first()
    if job is None or job.is_over:
        return
    if job.owner is None:  # its owner was deleted: nobody to audit the lookups under
        BulkJob.objects.filter(pk=job.pk).update(
            state=BulkJob.State.FAILED, finished_at=timezone.now()
        )
        return
    now = timezone.now()
    BulkJob.objects.filter(pk=job.pk, state=BulkJob.State.QUEUED).update(
        state=BulkJob.State.RUNNING, started_at=now
    )
    BulkJob.objects.filter(pk=job.pk).update(heartbeat_at=now)
    log.info("bulk job %s: worker %s starts", job.pk, worker_name())
    started = time.monotonic()
    while True:
        if BulkJob.objects.filter(pk=job.pk, state=BulkJob.State.CANCELLED).exists():
            return
        item = claim_next(job)
        if item is not None:
            item_run(job, item)
            if time.monotonic() - started > TASK_SLICE:
                job_enqueue(job.pk)
                return
            continue
        unfinished = BulkItem.objects.filter(
            job=job, state__in=[BulkItem.State.PENDING, BulkItem.State.CALLING]
        )
        if not unfinished.exists():
            BulkJob.objects.filter(pk=job.pk, state=BulkJob.State.RUNNING).update(
                state=BulkJob.State.FINISHED, finished_at=timezone.now()
            )
            return
        time.sleep(IDLE_POLL)  # others' claims: they finish them, or their claims run out


def _claimable(now) -> Q:
    return Q(state=BulkItem.State.PENDING) | Q(state=BulkItem.State.CALLING, claimed_until__lt=now)


def claim_next(job: BulkJob) -> BulkItem | None:
    """The next item nobody holds, now this worker's. On PostgreSQL the row is locked and
    skipped by other workers (SKIP LOCKED); on SQLite the database has one writer at a time.
    Either way the conditional update below is the claim: only one worker's matches."""
    for _attempt in range(20):
        now = timezone.now()
        with transaction.atomic():
            candidates = BulkItem.objects.filter(_claimable(now), job=job).order_by("position")
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True)
            item = candidates.first()
            if item is None:
                return None
            claimed = BulkItem.objects.filter(_claimable(now), pk=item.pk).update(
                state=BulkItem.State.CALLING,
                claimed_until=now + timedelta(seconds=claim_seconds()),
                attempts=F("attempts") + 1,
            )
        if claimed:
            item.refresh_from_db()
            return item
    return None


def item_run(job: BulkJob, item: BulkItem) -> None:
    earlier = _completed_earlier(item)
    if earlier is not None:
        # Its lookup completed before its worker died: the answer is in the audit log, and the
        # vendor is not asked twice.
        _item_done(job, item, earlier, facts=_facts_of_row(earlier))
        return
    audit = AuditContext(
        user=job.owner,
        client_ip=job.client_ip,
        request_id=item_request_id(item),
        reason=job.reason,
        channel=Lookup.Channel.BULK,
    )
    credential = job.credential_name or None
    if item.kind == Lookup.Kind.USER:
        result = services.list_user_devices(
            audit=audit,
            user_id=item.value,
            credential_name=credential,
            summarise=partial(user_verdicts, user_id=item.value),
            lane=Lane.BULK,
        )
    else:
        result = services.lookup_device(
            audit=audit,
            kind=item.kind,
            value=item.value,
            credential_name=credential,
            summarise=device_verdicts,
            lane=Lane.BULK,
        )
    _item_done(job, item, result.lookup, facts=facts_of(result))


def _completed_earlier(item: BulkItem) -> Lookup | None:
    if item.attempts <= 1:
        return None
    return (
        Lookup.objects.filter(
            channel=Lookup.Channel.BULK, http_request_id__startswith=item_request_prefix(item)
        )
        .exclude(outcome=Lookup.Outcome.PENDING)
        .order_by("-created_at")
        .first()
    )


def _item_done(job: BulkJob, item: BulkItem, lookup: Lookup, *, facts: dict) -> None:
    now = timezone.now()
    with transaction.atomic():
        updated = BulkItem.objects.filter(pk=item.pk, state=BulkItem.State.CALLING).update(
            state=BulkItem.State.DONE,
            lookup=lookup,
            outcome=lookup.outcome,
            problem=is_problem(lookup),
            facts=facts,
            done_at=now,
        )
        if updated:
            BulkJob.objects.filter(pk=job.pk).update(done=F("done") + 1, heartbeat_at=now)


def is_problem(lookup: Lookup) -> bool:
    if lookup.outcome != Lookup.Outcome.OK:
        return True
    return (lookup.verdict or {}).get("tone") in ("bad", "warn")


@dataclass(frozen=True)
class _Plan:
    status: int | None
    end: int | None


def facts_of(result: services.LookupResult) -> dict:
    """What the results table and the export show of an answer, as the vendor's numbers."""
    lookup = result.lookup
    facts: dict = {"vendor_code": lookup.vendor_code, "request_id": lookup.request_id}
    if result.fetched_at is not None:
        facts["fetched_at"] = result.fetched_at.timestamp()
    data = result.data
    if isinstance(data, gwell.DeviceReport):
        facts["online"] = data.device.online
        facts["battery"] = data.device.battery
        if data.storage is not None:
            facts["storage"] = [data.storage.srv_status, data.storage.end_time]
        if data.sim is not None:
            # The SIM's activation region too ("" never activated; None not reported), so its
            # state reads as on the page.
            facts["sim"] = [data.sim.srv_status, data.sim.end_time, data.sim.active_region]
            left = data.sim.extra.get("surplusFlow")
            if isinstance(left, int | float):
                facts["data_left"] = left
    elif isinstance(data, gwell.DeviceList):
        facts["devices"] = len(data.devices)
    return facts


def _facts_of_row(lookup: Lookup) -> dict:
    return {
        "vendor_code": lookup.vendor_code,
        "request_id": lookup.request_id,
        "fetched_at": lookup.created_at.timestamp() + (lookup.duration_ms or 0) / 1000,
    }


def rescue_stalled_jobs() -> list[int]:
    """Hand jobs whose workers stopped moving to a worker again (a new task each). Running the
    same job twice is harmless: items are claimed one by one."""
    cutoff = timezone.now() - timedelta(seconds=claim_seconds() + STALL_GRACE)
    stalled = BulkJob.objects.filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff),
        state__in=[BulkJob.State.QUEUED, BulkJob.State.RUNNING],
    )
    rescued = []
    for job_id in stalled.values_list("pk", flat=True):
        # Whoever moves the heartbeat first rescues it; the others leave it.
        if BulkJob.objects.filter(pk=job_id, **_unchanged(job_id)).update(
            heartbeat_at=timezone.now()
        ):
            job_enqueue(job_id)
            rescued.append(job_id)
    return rescued


def _unchanged(job_id: int) -> dict:
    beat = BulkJob.objects.filter(pk=job_id).values_list("heartbeat_at", flat=True).first()
    return {"heartbeat_at": beat} if beat is not None else {"heartbeat_at__isnull": True}


def release_claims_of_dead_workers() -> int:
    """Items claimed by a worker of this host that is no longer running are free at once (a
    worker on another host is judged by its claim's end)."""
    host = socket.gethostname()
    claimed = BulkItem.objects.filter(
        state=BulkItem.State.CALLING, claimed_by__startswith=f"{host}:"
    ).values_list("claimed_by", flat=True)
    dead = {name for name in set(claimed) if not _alive(int(name.rsplit(":", 1)[1]))}
    if not dead:
        return 0
    return BulkItem.objects.filter(state=BulkItem.State.CALLING, claimed_by__in=dead).update(
        claimed_until=timezone.now()
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def rescue_on_start() -> list[int]:
    """When a worker starts: claims of this host's dead workers are released, and every
    unfinished job without a waiting task gets one. A worker restarted after a crash does not
    wait out STALL_GRACE or the claims' end."""
    from django_tasks_db.models import DBTaskResult

    release_claims_of_dead_workers()
    waiting = DBTaskResult.objects.filter(status="READY").values_list("id", flat=True)
    waiting_ids = {str(task_id) for task_id in waiting}
    rescued = []
    unfinished = BulkJob.objects.filter(state__in=[BulkJob.State.QUEUED, BulkJob.State.RUNNING])
    for job_id, task_id in unfinished.values_list("pk", "task_id"):
        if task_id not in waiting_ids:
            job_enqueue(job_id)
            rescued.append(job_id)
    return rescued
