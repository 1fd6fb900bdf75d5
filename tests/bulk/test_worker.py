"""Bulk jobs in a real worker process (`manage.py db_worker`) against the sandbox vendor: a job
end to end, and a worker SIGKILLed mid-job whose job another worker finishes, every item once."""

import time

import pytest
from django.db.models import Count

from devices.bulk.models import BulkItem, BulkJob
from devices.models import Lookup
from tests.bulk.conftest import Worker, sandbox_serials
from tests.helpers import vendor_requests

pytestmark = pytest.mark.slow


def wait_for(condition, *, seconds: float, what: str, worker: Worker):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} within {seconds} s; worker log:\n{worker.log()[-3000:]}")


def job_state(job: BulkJob) -> BulkJob:
    job.refresh_from_db()
    return job


def test_a_job_runs_to_the_end_in_a_worker_process(bulk_client, worker, sandbox):
    identifiers = [*sandbox_serials(12), "-9223371981234556044"]
    response = bulk_client.post("/bulk/", {"identifiers": "\n".join(identifiers), "reason": "#77"})
    job = BulkJob.objects.get()
    assert response["Location"] == f"/bulk/{job.pk}/"
    worker.start()
    wait_for(
        lambda: job_state(job).state == "finished", seconds=60, what="job finished", worker=worker
    )
    assert job.done == job.total == 13
    rows = Lookup.objects.filter(channel=Lookup.Channel.BULK)
    assert rows.count() == 13
    assert set(rows.values_list("ticket", flat=True)) == {"77"}
    assert not rows.filter(outcome=Lookup.Outcome.PENDING).exists()
    assert vendor_requests(sandbox) == 13
    progress = bulk_client.get(f"/bulk/{job.pk}/progress/").json()
    assert progress == {**progress, "total": 13, "done": 13, "state": "finished"}


def test_a_worker_killed_mid_job_loses_nothing_and_repeats_nothing(
    bulk_client, worker, sandbox, settings
):
    sandbox.vendor.latency_ms = 150  # slow enough to kill the worker mid-job
    try:
        bulk_client.post("/bulk/", {"identifiers": " ".join(sandbox_serials(40))})
        job = BulkJob.objects.get()
        worker.start()
        wait_for(lambda: job_state(job).done >= 8, seconds=60, what="8 items done", worker=worker)
        worker.kill()
        killed_at = job_state(job).done
        assert killed_at < job.total
        calls_before_restart = vendor_requests(sandbox)

        worker.start()  # the same worker restarted finishes the job
        wait_for(
            lambda: job_state(job).state == "finished", seconds=90, what="finished", worker=worker
        )
    finally:
        sandbox.vendor.latency_ms = 0
    assert job.done == job.total == 40
    assert BulkItem.objects.filter(job=job, state=BulkItem.State.DONE).count() == 40
    # Every item has one completed audit row: none was looked up twice...
    completed = (
        Lookup.objects.filter(channel=Lookup.Channel.BULK)
        .exclude(outcome=Lookup.Outcome.PENDING)
        .values("value")
        .annotate(n=Count("pk"))
    )
    assert sorted(row["value"] for row in completed) == sorted(sandbox_serials(40))
    assert {row["n"] for row in completed} == {1}
    # ...and the vendor was asked once per item, plus at most the one call the kill cut short
    # (its answer never reached us).
    assert 40 <= vendor_requests(sandbox) <= 41
    assert calls_before_restart >= killed_at
    for item in BulkItem.objects.filter(job=job):
        assert item.lookup.value == item.value
