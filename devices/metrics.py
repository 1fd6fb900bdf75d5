"""Prometheus metrics (`/metrics`), with the official prometheus_client.

Under gunicorn, set PROMETHEUS_MULTIPROC_DIR to an empty folder shared by the workers (and the
task workers of the same host): every process writes its samples there and `/metrics` adds them
up. Without it, each process answers with its own. The page is not public: only addresses in
METRICS_ALLOWED_IPS, or a request with `Authorization: Bearer <METRICS_TOKEN>`.

The hooks (`vendor_call`, `slot_taken`, `lookup_answered`) are one line at each place that
knows the figure: the limiter (waits, call durations) and the lookup service (outcomes).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

VENDOR_CALLS = Counter(
    "supportdesk_vendor_calls",
    "Vendor calls made, by credential, outcome and lane.",
    ["credential", "outcome", "lane"],
)
VENDOR_LATENCY = Histogram(
    "supportdesk_vendor_call_seconds",
    "How long a vendor call held its slot, from admission to its answer, by lane.",
    ["lane"],
    buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10),
)
SLOT_WAIT = Histogram(
    "supportdesk_vendor_slot_wait_seconds",
    "How long a vendor call waited for a slot of the shared budget, by lane.",
    ["lane"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)
LOOKUP_ANSWERS = Counter(
    "supportdesk_lookup_answers",
    "Lookups answered, by where the answer came from (fresh, cached, shared, last_good, none).",
    ["source", "lane"],
)


def slot_taken(lane: str, waited: float, finish: Callable[[], None]) -> Callable[[], None]:
    """A slot was admitted after `waited` s; the returned `finish` also times the call."""
    SLOT_WAIT.labels(lane).observe(waited)
    admitted = time.monotonic()

    def finished() -> None:
        VENDOR_LATENCY.labels(lane).observe(time.monotonic() - admitted)
        finish()

    return finished


def vendor_call(*, credential: str, outcome: str, lane: str) -> None:
    VENDOR_CALLS.labels(credential or "-", outcome, lane).inc()


def lookup_answered(*, source: str, lane: str) -> None:
    LOOKUP_ANSWERS.labels(source or "none", lane).inc()


class BulkQueue:
    """The bulk items still to look up, read from the database at each scrape."""

    def collect(self):
        from devices.bulk.models import BulkItem, BulkJob

        depth = BulkItem.objects.filter(
            state__in=[BulkItem.State.PENDING, BulkItem.State.CALLING],
            job__state__in=[BulkJob.State.QUEUED, BulkJob.State.RUNNING],
        ).count()
        yield GaugeMetricFamily(
            "supportdesk_bulk_queue_depth", "Bulk items waiting or under way.", value=depth
        )


def allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    return getattr(request, "client_ip", None) in settings.METRICS_ALLOWED_IPS


@login_not_required
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in (VENDOR_CALLS, VENDOR_LATENCY, SLOT_WAIT, LOOKUP_ANSWERS):
            registry.register(collector)
    registry.register(BulkQueue())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
