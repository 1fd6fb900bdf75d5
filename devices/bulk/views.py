"""Bulk lookups: the form (with My bulk jobs), a job's page, its progress JSON, cancel, export.

Every view needs the `bulk.run_bulk_lookups` permission; a job is its owner's (superusers see
every job here; leads see them all in admin).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from devices.bulk import exports, jobs
from devices.bulk.forms import BulkForm
from devices.bulk.models import BulkItem, BulkJob
from devices.bulk.presenters import progress, result_rows

BULK_PERMISSION = "bulk.run_bulk_lookups"
# Rows of results the page and the progress JSON carry (the export has them all).
SHOWN_RESULTS = 500

bulk_required = permission_required(BULK_PERMISSION, raise_exception=True)


def _own_job(request: HttpRequest, job_id: int) -> BulkJob:
    job = get_object_or_404(BulkJob, pk=job_id)
    if job.owner_id != request.user.pk and not request.user.is_superuser:
        raise Http404
    return job


@bulk_required
@require_http_methods(["GET", "POST"])
def bulk_new(request: HttpRequest) -> HttpResponse:
    # A GET may bring identifiers to fill in (the search box's "look all up at once"); the
    # person still reads them and starts the job.
    prefill = {name: request.GET.get(name, "") for name in ("identifiers", "reason")}
    form = BulkForm(request.POST or None, request.FILES or None, initial=prefill)
    invalid, parsed = [], None
    if request.method == "POST" and form.is_valid():
        if form.needs_confirmation:
            invalid, parsed = form.parsed.invalid, form.parsed
            form = BulkForm(
                initial={
                    "identifiers": form.valid_text(),
                    "reason": form.cleaned_data["reason"],
                    "credential": form.cleaned_data["credential"],
                    "confirm": True,
                }
            )
        else:
            job = jobs.job_create(
                user=request.user,
                parsed=form.parsed,
                reason=form.cleaned_data["reason"],
                credential_name=form.cleaned_data["credential"],
                client_ip=getattr(request, "client_ip", None),
                source=form.source,
            )
            return redirect("bulk:job", job_id=job.pk)
    my_jobs = BulkJob.objects.filter(owner=request.user)[:20]
    return render(
        request,
        "bulk/new.html",
        {
            "form": form,
            "invalid": invalid,
            "parsed": parsed,
            "jobs": [(job, progress(job)) for job in my_jobs],
        },
    )


@bulk_required
@require_safe
def bulk_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _own_job(request, job_id)
    items = job.items.filter(state=BulkItem.State.DONE).select_related("lookup")
    return render(
        request,
        "bulk/job.html",
        {
            "job": job,
            "progress": progress(job),
            "rows": result_rows(items[:SHOWN_RESULTS]),
            "shown_results": SHOWN_RESULTS,
        },
    )


@bulk_required
@require_safe
def bulk_progress(request: HttpRequest, job_id: int) -> JsonResponse:
    job = _own_job(request, job_id)
    if not job.is_over:
        jobs.rescue_stalled_jobs()
        job.refresh_from_db()
    answer = progress(job)
    if request.GET.get("rows"):
        items = job.items.filter(state=BulkItem.State.DONE).select_related("lookup")
        answer["rows"] = [row.as_dict() for row in result_rows(items[:SHOWN_RESULTS])]
    return JsonResponse(answer)


@bulk_required
@require_POST
def bulk_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _own_job(request, job_id)
    if jobs.job_cancel(job=job):
        messages.success(request, _("The job was cancelled."))
    return redirect("bulk:job", job_id=job.pk)


@bulk_required
@require_safe
def bulk_export_csv(request: HttpRequest, job_id: int) -> HttpResponse:
    return exports.csv_response(_own_job(request, job_id))


@bulk_required
@require_safe
def bulk_export_xlsx(request: HttpRequest, job_id: int) -> HttpResponse:
    return exports.xlsx_response(_own_job(request, job_id))
