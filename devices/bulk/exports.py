"""A job's results as CSV or XLSX: one row per distinct identifier, in the order given, cells
that a spreadsheet would run as formulas made text (the audit export's guard)."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from django.utils import timezone

from devices.admin.export import neutralise
from devices.bulk.models import BulkJob
from devices.bulk.presenters import EXPORT_COLUMNS, result_row

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_rows(job: BulkJob) -> list[list[str]]:
    now = timezone.now()
    header = [str(title) for title, _key in EXPORT_COLUMNS]
    rows = [header]
    for item in job.items.select_related("lookup").order_by("position").iterator(chunk_size=500):
        row = result_row(item, now).as_dict()
        rows.append([neutralise(str(row[key])) for _title, key in EXPORT_COLUMNS])
    return rows


def _filename(job: BulkJob, extension: str) -> str:
    return f"bulk-{job.pk}.{extension}"


def csv_response(job: BulkJob) -> HttpResponse:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(export_rows(job))
    # A BOM, so that Excel reads the UTF-8 (Chinese verdicts) as such.
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(job, "csv")}"'
    return response


def xlsx_response(job: BulkJob) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"bulk-{job.pk}")
    for row in export_rows(job):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(job, "xlsx")}"'
    return response
