"""The bulk pages: permission, the form, a job's page, its progress JSON, cancel, exports.
Jobs here are worked in this process (`jobs.job_run`), through the real services and sandbox;
test_worker.py runs them in a real worker process."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from openpyxl import load_workbook

from devices import services
from devices.audit import AuditContext
from devices.bulk import jobs
from devices.bulk.models import BulkItem, BulkJob
from devices.models import Lookup
from devices.sandbox.data import device_by_key
from tests.bulk.conftest import bulk_permission, sandbox_serials
from tests.conftest import PASSWORD
from tests.helpers import page_text, vendor_requests


def start(client, text: str, **fields) -> BulkJob:
    response = client.post("/bulk/", {"identifiers": text, **fields})
    assert response.status_code == 302, page_text(response)
    job = BulkJob.objects.latest("pk")
    assert response["Location"] == f"/bulk/{job.pk}/"
    return job


def test_every_bulk_page_needs_the_bulk_permission(client, staff, credential, bulk_lead):
    job = BulkJob.objects.create(owner=bulk_lead, total=0)
    client.force_login(staff)  # may look up devices, not run bulk jobs
    for url in [
        "/bulk/",
        f"/bulk/{job.pk}/",
        f"/bulk/{job.pk}/progress/",
        f"/bulk/{job.pk}/export.csv",
    ]:
        assert client.get(url).status_code == 403, url
    client.logout()
    assert client.get("/bulk/").status_code == 302  # to the login page


def test_the_top_bar_links_bulk_lookups_for_whoever_may_run_them(client, staff, bulk_lead):
    """Not only for admins: a lead who may run bulk jobs finds them from every page."""
    link = 'href="/bulk/"'
    client.force_login(bulk_lead)
    assert not bulk_lead.is_staff and link in client.get("/").text
    client.force_login(staff)
    assert link not in client.get("/").text


def test_a_job_is_its_owners_alone(client, bulk_lead, credential):
    other = User.objects.create_user("wang", password=PASSWORD)
    other.user_permissions.add(bulk_permission())
    job = BulkJob.objects.create(owner=bulk_lead, total=0)
    client.force_login(other)
    assert client.get(f"/bulk/{job.pk}/").status_code == 404
    assert client.get(f"/bulk/{job.pk}/progress/").status_code == 404


def test_pasting_creates_a_job_with_one_item_per_distinct_identifier(
    bulk_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = start(bulk_client, "876ABCDEF0347\n876abcdef0347, 3435178204188", reason="RMA-2231")
    job.refresh_from_db()
    assert job.total == 2
    assert list(job.items.values_list("kind", "value")) == [
        ("sn", "876ABCDEF0347"),
        ("dev_id", "3435178204188"),
    ]
    assert job.reason == "RMA-2231"
    assert job.task_id  # queued for a worker
    progress = bulk_client.get(f"/bulk/{job.pk}/progress/").json()
    assert {k: progress[k] for k in ("total", "done", "state")} == {
        "total": 2,
        "done": 0,
        "state": "queued",
    }


def test_invalid_lines_are_listed_before_anything_starts(bulk_client):
    response = bulk_client.post("/bulk/", {"identifiers": "876ABCDEF0347\nab!\n876ABCDEF0347"})
    assert response.status_code == 200
    text = page_text(response)
    assert "line 2" in text and "ab!" in text
    assert "1 duplicate was folded" in text
    assert not BulkJob.objects.exists()
    # The form now holds the valid identifiers; confirming starts with them.
    job = start(bulk_client, "876ABCDEF0347", confirm="True")
    assert job.total == 1


def test_an_empty_form_and_an_unreadable_file_get_a_clear_message(bulk_client):
    assert "Paste identifiers or choose a CSV or XLSX file." in page_text(
        bulk_client.post("/bulk/", {"identifiers": "  "})
    )
    upload = io.BytesIO(b"PK\x03\x04garbage")
    upload.name = "batch.xlsx"
    response = bulk_client.post("/bulk/", {"file": upload})
    assert response.status_code == 200
    assert "could not be read as CSV or XLSX" in page_text(response)


def test_a_job_larger_than_the_limit_is_refused(bulk_client, settings):
    settings.BULK_MAX_ITEMS = 3
    response = bulk_client.post("/bulk/", {"identifiers": " ".join(sandbox_serials(4))})
    assert "at most 3 identifiers; this one has 4" in page_text(response)
    assert not BulkJob.objects.exists()


def test_a_csv_upload_starts_a_job_from_its_identifier_column(bulk_client):
    upload = io.BytesIO(b"name,serial\nChen,876ABCDEF0347\nLi,876KQ2M7T1025\n")
    upload.name = "batch.csv"
    job = start(bulk_client, "", file=upload)
    assert list(job.items.values_list("value", flat=True)) == ["876ABCDEF0347", "876KQ2M7T1025"]
    assert job.source == "batch.csv"


def test_a_job_worked_to_the_end_writes_one_bulk_audit_row_per_item(
    bulk_client, bulk_lead, sandbox
):
    job = start(bulk_client, "876ABCDEF0347 876ZZNOPE0001 -9223371981234556044", reason="RMA-1")
    jobs.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == ("finished", 3, 3)
    rows = Lookup.objects.filter(channel=Lookup.Channel.BULK).order_by("pk")
    assert [(r.value, r.outcome, r.user_id, r.ticket) for r in rows] == [
        ("876ABCDEF0347", "ok", bulk_lead.pk, "RMA-1"),
        ("876ZZNOPE0001", "not_found", bulk_lead.pk, "RMA-1"),
        ("-9223371981234556044", "ok", bulk_lead.pk, "RMA-1"),
    ]
    assert set(job.items.values_list("lookup_id", flat=True)) == {r.pk for r in rows}
    assert vendor_requests(sandbox) == 3
    progress = bulk_client.get(f"/bulk/{job.pk}/progress/?rows=1").json()
    assert (progress["done"], progress["state"]) == (3, "finished")
    # Problems first: the serial the vendor does not know.
    assert progress["rows"][0]["identifier"] == "876ZZNOPE0001"
    page = page_text(bulk_client.get(f"/bulk/{job.pk}/"))
    assert "The vendor has no such device." in page


def test_a_cached_answer_is_reused_by_a_bulk_item(bulk_client, bulk_lead, sandbox):
    # A page looked it up a moment ago.
    services.lookup_device(audit=AuditContext(user=bulk_lead), kind="sn", value="876ABCDEF0347")
    before = vendor_requests(sandbox)
    job = start(bulk_client, "876ABCDEF0347")
    jobs.job_run(job_id=job.pk)
    assert vendor_requests(sandbox) == before
    assert Lookup.objects.filter(channel="bulk").get().source == Lookup.Source.CACHED


def test_cancel_stops_the_items_not_yet_looked_up(bulk_client, sandbox):
    job = start(bulk_client, " ".join(sandbox_serials(5)))
    first = jobs.claim_next(job)
    jobs.item_run(job, first)
    response = bulk_client.post(f"/bulk/{job.pk}/cancel/")
    assert response.status_code == 302
    jobs.job_run(job_id=job.pk)  # a worker picking it up afterwards does nothing
    job.refresh_from_db()
    assert (job.state, job.done) == ("cancelled", 1)
    assert job.items.filter(state=BulkItem.State.CANCELLED).count() == 4
    assert vendor_requests(sandbox) == 1
    assert bulk_client.get(f"/bulk/{job.pk}/progress/").json()["state"] == "cancelled"


def test_cancel_needs_a_post(bulk_client):
    job = start(bulk_client, "876ABCDEF0347")
    assert bulk_client.get(f"/bulk/{job.pk}/cancel/").status_code == 405


def test_an_expired_claim_is_taken_again_and_a_completed_lookup_is_not_repeated(
    bulk_client, sandbox
):
    job = start(bulk_client, "876ABCDEF0347 876KQ2M7T1025")
    # A worker claimed both, looked the first up, and died before marking it done.
    first = jobs.claim_next(job)
    second = jobs.claim_next(job)
    jobs.item_run(job, first)
    BulkItem.objects.filter(pk=first.pk).update(state=BulkItem.State.CALLING)
    BulkJob.objects.filter(pk=job.pk).update(done=0)
    assert jobs.claim_next(job) is None  # their claims still run
    BulkItem.objects.filter(job=job).update(claimed_until="2000-01-01T00:00:00Z")
    jobs.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.done) == ("finished", 2)
    assert vendor_requests(sandbox) == 2  # the first one adopted its completed audit row
    assert Lookup.objects.filter(value=first.value).count() == 1
    assert BulkItem.objects.get(pk=second.pk).lookup.value == second.value


def test_exports_have_one_row_per_identifier_with_formula_cells_made_text(bulk_client, sandbox):
    job = start(bulk_client, "876ABCDEF0347 8764GL3K5M92 -9223371981234556044")
    jobs.job_run(job_id=job.pk)
    response = bulk_client.get(f"/bulk/{job.pk}/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["identifier", "kind", "outcome", "verdict"]
    assert [row[0] for row in rows[1:]] == [
        "876ABCDEF0347",
        "8764GL3K5M92",
        "'-9223371981234556044",
    ]
    sim_expired = rows[2]
    assert sim_expired[rows[0].index("SIM plan")] == "Expired"
    # A device that answered without a plan has "No plan", as its page says; a user's list
    # has no plan to speak of.
    assert rows[1][rows[0].index("SIM plan")] == "No plan"
    assert rows[3][rows[0].index("SIM plan")] == ""
    assert sim_expired[rows[0].index("vendor requestId")]
    response = bulk_client.get(f"/bulk/{job.pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "identifier" and values[3][0] == "'-9223371981234556044"


def test_the_exports_speak_chinese_to_a_chinese_reader(bulk_client, sandbox):
    job = start(bulk_client, "8764GL3K5M92")
    jobs.job_run(job_id=job.pk)
    response = bulk_client.get(f"/bulk/{job.pk}/export.csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[0] == "标识"


@pytest.mark.parametrize("url", ["/bulk/", "/bulk/{job}/"])
def test_the_pages_render_in_chinese(bulk_client, url):
    job = start(bulk_client, "876ABCDEF0347")
    response = bulk_client.get(url.format(job=job.pk), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "批量查询" in page_text(response)


def test_my_bulk_jobs_lists_only_mine(bulk_client, bulk_lead):
    other = User.objects.create_user("wang", password=PASSWORD)
    BulkJob.objects.create(owner=other, total=1, reason="NOT-MINE-1")
    start(bulk_client, "876ABCDEF0347", reason="MINE-7")
    text = page_text(bulk_client.get("/bulk/"))
    assert "MINE-7" in text and "NOT-MINE-1" not in text


def test_a_task_hands_the_rest_of_a_long_job_to_a_new_task(bulk_client, sandbox, monkeypatch):
    job = start(bulk_client, " ".join(sandbox_serials(3)))
    queued = []
    monkeypatch.setattr(jobs, "TASK_SLICE", 0.0)
    monkeypatch.setattr(jobs, "job_enqueue", queued.append)
    jobs.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.done) == ("running", 1)
    assert queued == [job.pk]


def test_a_job_whose_worker_stopped_moving_is_queued_again_once(bulk_client, monkeypatch):
    job = start(bulk_client, "876ABCDEF0347")
    long_ago = timezone.now() - timedelta(seconds=jobs.claim_seconds() + jobs.STALL_GRACE + 1)
    BulkJob.objects.filter(pk=job.pk).update(state="running", heartbeat_at=long_ago)
    queued = []
    monkeypatch.setattr(jobs, "job_enqueue", queued.append)
    assert jobs.rescue_stalled_jobs() == [job.pk]
    assert jobs.rescue_stalled_jobs() == []  # its heartbeat moved: not twice
    assert queued == [job.pk]
    # The job page's polling does the same for a job nobody else rescues.
    BulkJob.objects.filter(pk=job.pk).update(heartbeat_at=long_ago)
    bulk_client.get(f"/bulk/{job.pk}/progress/")
    assert queued == [job.pk, job.pk]


def test_a_sim_never_activated_is_not_active_in_the_results(bulk_client, sandbox):
    never, active = device_by_key("sim-never-activated").sn, device_by_key("sim-active").sn
    job = start(bulk_client, f"{never} {active}")
    jobs.job_run(job_id=job.pk)
    response = bulk_client.get(f"/bulk/{job.pk}/export.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sim = {row[0]: row[rows[0].index("SIM plan")] for row in rows[1:]}
    assert sim == {never: "Never activated", active: "Active"}
