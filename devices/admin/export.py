"""The audit log as CSV: streamed from a database cursor, with formula-like cells made text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db.models import CharField, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devices.admin.changelist import CheckedChangeList
from devices.models import Lookup

EXPORT_CHUNK_ROWS = 2000
# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# (column header, field) in export order; the header goes through gettext when exported.
EXPORT_COLUMNS: list[tuple[str, str]] = [
    (_("time"), "created_at"),
    (_("username"), "username"),
    (_("kind"), "kind"),
    (_("value searched"), "value"),
    (_("owner's user id"), "owner_id"),
    (_("credential"), "credential_name"),
    (_("endpoint"), "endpoint"),
    (_("outcome"), "outcome"),
    (_("failure code"), "failure_code"),
    (_("vendor code"), "vendor_code"),
    (_("vendor message"), "vendor_message"),
    (_("vendor requestId"), "request_id"),
    (_("duration (ms)"), "duration_ms"),
    (_("source"), "source"),
    (_("client IP"), "client_ip"),
    (_("ticket / reason"), "reason"),
    (_("ticket number"), "ticket"),
    (_("request id"), "http_request_id"),
    (_("channel"), "channel"),
    (_("API token"), "token_name"),
    (_("attempts"), "attempts"),
    (_("signed in with"), "signed_in_via"),
    (_("follow-up of"), "follows"),
    (_("id"), "id"),
]


class ExportChangeList(CheckedChangeList):
    """The changelist's filtered, searched, ordered queryset, without counting or paging it."""

    def get_results(self, request: HttpRequest) -> None:
        self.result_count = self.full_result_count = None
        self.result_list = self.queryset.none()
        self.can_show_all = self.multi_page = False
        self.show_full_result_count = False
        self.show_admin_actions = False
        self.paginator = None


def neutralise(cell: str) -> str:
    """A leading apostrophe makes Excel / LibreOffice show the cell as text, not run it.

    Negative vendor user ids ("-9223371981234556044") get one too, which also keeps spreadsheets
    from rounding these 19-digit ids to a float.
    """
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def export_csv_chunks(queryset: QuerySet[Lookup]) -> Iterator[str]:
    """The CSV text of a queryset, a few thousand rows at a time, at constant memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def drain() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    fields = [field for _header, field in EXPORT_COLUMNS]
    # Free text (what people typed, what the vendor said); choices, numbers and IPs cannot
    # start a formula, and skipping them halves the time of a million-row export.
    text = [
        index
        for index, name in enumerate(fields)
        if isinstance(Lookup._meta.get_field(name), CharField)
        and not Lookup._meta.get_field(name).choices
    ]
    zone = timezone.get_current_timezone()
    writer.writerow([str(header) for header, _field in EXPORT_COLUMNS])
    # A byte order mark, so Excel reads the file as UTF-8 (Chinese names and reasons).
    yield "\ufeff" + drain()
    rows = queryset.values_list(*fields).iterator(chunk_size=EXPORT_CHUNK_ROWS)
    for count, row in enumerate(rows, 1):
        cells = list(row)
        cells[0] = cells[0].astimezone(zone).isoformat()
        for index in text:
            cells[index] = neutralise(cells[index])
        writer.writerow(cells)
        if count % EXPORT_CHUNK_ROWS == 0:
            yield drain()
    if tail := drain():
        yield tail


def csv_download(queryset: QuerySet[Lookup]) -> StreamingHttpResponse:
    """The rows as a CSV attachment named after the local time, never kept by a cache."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(
        export_csv_chunks(queryset), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="lookups-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
