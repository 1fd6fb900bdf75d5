"""/metrics: what it counts (vendor calls, waits, cache hits, bulk queue) and who may read it."""

import os
import subprocess
import sys

import pytest
from prometheus_client.parser import text_string_to_metric_families

from devices.bulk.models import BulkItem, BulkJob
from tests.helpers import sn_url


def samples(client, **headers) -> dict:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_it_counts_vendor_calls_slot_waits_and_cache_hits(staff_client, sandbox):
    before = samples(staff_client)
    assert staff_client.get(sn_url("online-wifi-mains")).status_code == 200
    assert staff_client.get(sn_url("online-wifi-mains")).status_code == 200  # from the cache
    after = samples(staff_client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    calls = "supportdesk_vendor_calls_total"
    assert grew(calls, credential="sandbox", outcome="ok", lane="interactive") == 1
    assert grew("supportdesk_vendor_slot_wait_seconds_count", lane="interactive") == 1
    assert grew("supportdesk_vendor_call_seconds_count", lane="interactive") == 1
    answers = "supportdesk_lookup_answers_total"
    assert grew(answers, source="fresh", lane="interactive") == 1
    assert grew(answers, source="cached", lane="interactive") == 1


def test_a_lookup_of_an_unknown_device_counts_as_a_not_found_call(staff_client, sandbox):
    before = samples(staff_client)
    staff_client.get("/devices/sn/876ZZNOPE0001/")
    after = samples(staff_client)
    labels = {"credential": "sandbox", "outcome": "not_found", "lane": "interactive"}
    name = "supportdesk_vendor_calls_total"
    assert value(after, name, **labels) - value(before, name, **labels) == 1


def test_it_shows_the_bulk_queue_depth(client, staff, db):
    job = BulkJob.objects.create(owner=staff, total=3)
    BulkItem.objects.bulk_create(
        [BulkItem(job=job, position=n, kind="sn", value=f"876ABC{n:04d}") for n in range(3)]
    )
    BulkItem.objects.filter(job=job, position=0).update(state=BulkItem.State.DONE)
    assert value(samples(client), "supportdesk_bulk_queue_depth") == 2
    BulkJob.objects.filter(pk=job.pk).update(state=BulkJob.State.CANCELLED)
    assert value(samples(client), "supportdesk_bulk_queue_depth") == 0


def test_it_needs_no_sign_in_from_an_allowed_address(client, db):
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1


@pytest.mark.parametrize("headers", [{}, {"HTTP_AUTHORIZATION": "Bearer wrong"}])
def test_it_is_refused_to_other_addresses_without_the_token(client, db, settings, headers):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", **headers)
    assert response.status_code == 403
    assert b"supportdesk_" not in response.content


def test_the_token_opens_it_from_any_address(client, db, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    response = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token"
    )
    assert response.status_code == 200
    assert b"supportdesk_bulk_queue_depth" in response.content


def test_without_a_token_configured_an_empty_bearer_opens_nothing(client, db, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 403


MULTIPROCESS_CHILD = """
import django
django.setup()
from devices import metrics
metrics.vendor_call(credential="cn", outcome="ok", lane="bulk")
"""

MULTIPROCESS_READER = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
print(Client().get("/metrics").content.decode())
"""


@pytest.mark.slow
def test_under_gunicorn_every_process_adds_to_the_same_figures(tmp_path):
    """PROMETHEUS_MULTIPROC_DIR: two processes count, a third one's /metrics adds them up."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    for _ in range(2):
        subprocess.run([sys.executable, "-c", MULTIPROCESS_CHILD], env=env, check=True, timeout=60)
    page = subprocess.run(
        [sys.executable, "-c", MULTIPROCESS_READER],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert 'supportdesk_vendor_calls_total{credential="cn",lane="bulk",outcome="ok"} 2.0' in page
