"""Admin: the audit log (read-only, searchable, exportable), vendor credentials, the budget meter.

The audit log is built to stay fast on millions of rows: searches are exact matches on indexed
columns, nothing counts the whole table, and the CSV export streams from a database cursor.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections, transaction
from django.db.models import CharField, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from devices import ratelimit, services
from devices.models import Credential, Lookup

log = logging.getLogger("supportdesk.admin")

SECRET_FIELDS = ("app_token", "app_key")
KEEP_SECRET_HELP = _("Stored and never shown again. Leave empty to keep the stored value.")
NEW_SECRET_HELP = _("Stored encrypted and never shown again.")
KEEP_ONE_DEFAULT = _(
    "This is the default credential. To change the default, tick “default” on another credential."
)
EXPORT_CHUNK_ROWS = 2000
ESTIMATED_COUNT_ABOVE = 100_000
# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# --- The audit log -------------------------------------------------------------------------------


class CredentialListFilter(admin.RelatedFieldListFilter):
    """Credentials by name, without loading (and decrypting) their secrets."""

    def field_choices(self, field, request, model_admin):
        return [
            (credential.pk, str(credential))
            for credential in Credential.objects.only("pk", "name", "region").order_by("name")
        ]


class StaffUserListFilter(admin.RelatedFieldListFilter):
    """People from the user table (a few dozen rows), never a DISTINCT over the audit log."""

    def field_choices(self, field, request, model_admin):
        user_model = field.remote_field.model
        username = user_model.USERNAME_FIELD
        people = user_model._default_manager.only("pk", username).order_by(username)
        return [(person.pk, person.get_username()) for person in people]


class ExportChangeList(ChangeList):
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
    (_("vendor code"), "vendor_code"),
    (_("vendor message"), "vendor_message"),
    (_("vendor requestId"), "request_id"),
    (_("duration (ms)"), "duration_ms"),
    (_("source"), "source"),
    (_("client IP"), "client_ip"),
    (_("ticket / reason"), "reason"),
    (_("request id"), "http_request_id"),
    (_("id"), "id"),
]


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
            if cells[index].startswith(FORMULA_PREFIXES):
                cells[index] = neutralise(cells[index])
        writer.writerow(cells)
        if count % EXPORT_CHUNK_ROWS == 0:
            yield drain()
    if tail := drain():
        yield tail


def planner_row_estimate(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of how many rows a queryset matches; None on other databases."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """Exact counts for small lists; the planner's estimate once a list is huge.

    COUNT(*) on PostgreSQL reads every matching row: most of a second for the unfiltered log at
    a million rows, and it grows with the table. Past ESTIMATED_COUNT_ABOVE rows nobody pages
    to the end, so "about 1,000,000" is as useful and costs a millisecond.
    """

    @cached_property
    def count(self) -> int:
        estimate = planner_row_estimate(self.object_list)
        if estimate is not None and estimate > ESTIMATED_COUNT_ABOVE:
            return estimate
        return super().count


def date_hierarchy_links(changelist: ChangeList) -> dict:
    """What Django's {% date_hierarchy %} tag shows, from a few indexed queries.

    The tag lists the years (months, days) that have rows with SELECT DISTINCT date_trunc(...)
    over the whole filtered list: seconds on a million rows, and on SQLite a Python function
    call per row. Here: the first and last time (two index lookups), then one EXISTS over an
    indexed time range per candidate year, month or day.
    """
    field_name = changelist.date_hierarchy
    field = changelist.model._meta.get_field(field_name)
    queryset = changelist.queryset.order_by()
    params = changelist.params
    year = params.get(f"{field_name}__year")
    month = params.get(f"{field_name}__month")
    day = params.get(f"{field_name}__day")
    try:
        # Only a year, a year and month, or a full date narrows the links; anything else typed
        # into the URL (a month without a year, 2026-02-31) shows the years, as at the start.
        if (month and not year) or (day and not month):
            raise ValueError("incomplete date")
        if year:
            date(int(year), int(month or 1), int(day or 1))
    except (TypeError, ValueError, OverflowError):
        year = month = day = None

    def link(filters: dict) -> str:
        return changelist.get_query_string(filters, [f"{field_name}__"])

    def has_rows(start: date, end: date) -> bool:
        since = timezone.make_aware(datetime.combine(start, time.min))
        until = timezone.make_aware(datetime.combine(end, time.min))
        return queryset.filter(**{f"{field_name}__gte": since, f"{field_name}__lt": until}).exists()

    def links(choices: list[dict], back: dict | None) -> dict:
        return {"show": True, "back": back, "choices": choices, "field_name": field.verbose_name}

    if not (year or month or day):
        times = queryset.values_list(field_name, flat=True)
        first = times.order_by(field_name).first()
        last = times.order_by(f"-{field_name}").first()
        if first is None or last is None:
            return links([], None)
        first, last = timezone.localtime(first), timezone.localtime(last)
        if first.year != last.year:
            years = [
                y
                for y in range(first.year, last.year + 1)
                if has_rows(date(y, 1, 1), date(y + 1, 1, 1))
            ]
            return links(
                [{"link": link({f"{field_name}__year": str(y)}), "title": str(y)} for y in years],
                None,
            )
        year = first.year
        if first.month == last.month:
            month = first.month
    if year and month and day:
        chosen = date(int(year), int(month), int(day))
        return links(
            [{"title": capfirst(formats.date_format(chosen, "MONTH_DAY_FORMAT"))}],
            {
                "link": link({f"{field_name}__year": year, f"{field_name}__month": month}),
                "title": capfirst(formats.date_format(chosen, "YEAR_MONTH_FORMAT")),
            },
        )
    if year and month:
        start = date(int(year), int(month), 1)
        days = [start + timedelta(days=n) for n in range(31)]
        days = [d for d in days if d.month == start.month and has_rows(d, d + timedelta(days=1))]
        return links(
            [
                {
                    "link": link(
                        {
                            f"{field_name}__year": year,
                            f"{field_name}__month": month,
                            f"{field_name}__day": d.day,
                        }
                    ),
                    "title": capfirst(formats.date_format(d, "MONTH_DAY_FORMAT")),
                }
                for d in days
            ],
            {"link": link({f"{field_name}__year": year}), "title": str(year)},
        )
    starts = [date(int(year), m, 1) for m in range(1, 13)]
    months = [m for m in starts if has_rows(m, (m + timedelta(days=32)).replace(day=1))]
    return links(
        [
            {
                "link": link({f"{field_name}__year": year, f"{field_name}__month": m.month}),
                "title": capfirst(formats.date_format(m, "YEAR_MONTH_FORMAT")),
            }
            for m in months
        ],
        {"link": link({}), "title": gettext("All dates")},
    )


@admin.register(Lookup)
class LookupAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the log is evidence."""

    # The row keeps the credential's name; showing the foreign key would load (and decrypt) the
    # credential's secrets for nothing, and fail when they cannot be decrypted.
    exclude = ("credential",)

    list_display = (
        "created_at",
        "username",
        "kind",
        "value",
        "owner_id",
        "credential_name",
        "outcome",
        "vendor_code",
        "request_id",
        "duration_ms",
        "source",
        "reason",
    )
    list_filter = (
        "outcome",
        "kind",
        ("credential", CredentialListFilter),
        ("user", StaffUserListFilter),
        ("created_at", admin.DateFieldListFilter),
    )
    # Exact matches only: `=field` would mean iexact, i.e. UPPER(col) = UPPER(%s) on PostgreSQL
    # and LIKE on SQLite, neither of which uses the plain b-tree indexes on these columns.
    search_fields = (
        "value__exact",
        "owner_id__exact",
        "request_id__exact",
        "username__exact",
    )
    search_help_text = _(
        "Exact match on the value searched, the owner's user id, the vendor requestId or the "
        "username."
    )
    date_hierarchy = "created_at"
    # Counting a million rows per page view (and per filter choice) is what makes admin slow.
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    paginator = EstimatedCountPaginator
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Lookup | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Lookup | None = None) -> bool:
        return False

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request) and request.user.has_perm("devices.export_lookups")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Lookup]:
        queryset = super().get_queryset(request)
        if request.user.has_perm("devices.view_all_lookups"):
            return queryset
        return queryset.filter(user=request.user)

    def get_changelist(self, request: HttpRequest, **kwargs):
        match = request.resolver_match
        if match is not None and match.url_name == "devices_lookup_export":
            return ExportChangeList
        return super().get_changelist(request, **kwargs)

    def get_urls(self):
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name="devices_lookup_export",
        )
        return [export, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {
            **(extra_context or {}),
            "can_export": self.has_export_permission(request),
            "can_see_meter": can_see_meter(request),
        }
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None and changelist.date_hierarchy:
            response.context_data["date_links"] = date_hierarchy_links(changelist)
        return response

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The changelist as the person sees it (same filters, search, order) as a CSV stream."""
        if not self.has_export_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(
                reverse("admin:devices_lookup_changelist") + f"?{ERROR_FLAG}=1"
            )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response = StreamingHttpResponse(
            export_csv_chunks(changelist.queryset), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="lookups-{stamp}.csv"'
        response["Cache-Control"] = "no-store"
        return response


# --- Vendor credentials --------------------------------------------------------------------------


class CredentialForm(forms.ModelForm):
    """appToken and appKey are write-only.

    They are not model fields of this form, so the stored secrets are never read, decrypted or
    rendered by it; a value typed in replaces the stored one, an empty field keeps it.
    """

    app_token = forms.CharField(
        label=_("app token"), widget=forms.PasswordInput(render_value=False), strip=True
    )
    app_key = forms.CharField(
        label=_("app key"), widget=forms.PasswordInput(render_value=False), strip=True
    )

    class Meta:
        model = Credential
        # exclude, not fields: admin builds the form from its fieldsets (which list the secrets)
        # and keeps a form's Meta.exclude, so the secrets stay non-model fields.
        exclude = SECRET_FIELDS  # noqa: DJ006

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        adding = self.instance._state.adding
        for name in SECRET_FIELDS:
            if name in self.fields:
                self.fields[name].required = adding
                self.fields[name].help_text = NEW_SECRET_HELP if adding else KEEP_SECRET_HELP
                self.fields[name].widget.attrs["autocomplete"] = "new-password"

    def clean_is_default(self) -> bool:
        is_default = self.cleaned_data["is_default"]
        if not is_default and self.instance.pk:
            stored = Credential.objects.filter(pk=self.instance.pk, is_default=True).exists()
            if stored:
                raise forms.ValidationError(KEEP_ONE_DEFAULT, code="keep_one_default")
        return is_default

    def validate_constraints(self) -> None:
        # Ticking "default" is how the default changes: saving un-defaults the others first
        # (credential_save_keeping_one_default), so the one-default constraint must not refuse it.
        exclude = self._get_validation_exclusions() | {"is_default"}
        try:
            self.instance.validate_constraints(exclude=exclude)
        except forms.ValidationError as error:
            self._update_errors(error)

    def save(self, commit: bool = True) -> Credential:
        for name in SECRET_FIELDS:
            if self.cleaned_data.get(name):
                setattr(self.instance, name, self.cleaned_data[name])
        return super().save(commit)


def credential_health(credential: Credential) -> str:
    ok_at, error_at = credential.last_ok_at, credential.last_error_at
    if error_at and (ok_at is None or error_at > ok_at):
        return gettext("failing")
    if ok_at:
        return gettext("working")
    return gettext("not used yet")


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    """Superusers only. The list is the health panel: last good and last failed vendor call."""

    @method_decorator(sensitive_post_parameters(*SECRET_FIELDS))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The secrets never reach an error report, even with DEBUG on.
        return super().changeform_view(request, object_id, form_url, extra_context)

    form = CredentialForm
    list_display = (
        "name",
        "region",
        "enabled",
        "is_default",
        "health",
        "last_ok_at",
        "last_error_at",
        "last_error",
    )
    list_filter = ("enabled",)
    readonly_fields = ("last_ok_at", "last_error_at", "last_error", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "region", "base_url", "enabled", "is_default")}),
        (_("Vendor app"), {"fields": ("app_id", "app_token", "app_key", "signer_id")}),
        (
            _("Health"),
            {"fields": ("last_ok_at", "last_error_at", "last_error", "created_at", "updated_at")},
        ),
    )
    actions = ("test_connection",)

    def _allowed(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Credential | None = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Credential | None = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Credential | None = None) -> bool:
        return self._allowed(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Credential]:
        # The secrets stay encrypted in the database unless a vendor call needs them.
        return super().get_queryset(request).defer(*SECRET_FIELDS)

    @admin.display(description=_("health"))
    def health(self, credential: Credential) -> str:
        return credential_health(credential)

    def save_model(self, request, obj, form, change) -> None:
        services.credential_save(obj)

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():
            super().delete_model(request, obj)
            services.credential_ensure_default()

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            services.credential_ensure_default()

    @admin.action(description=_("Test connection (one signed call to the vendor)"))
    def test_connection(self, request: HttpRequest, queryset: QuerySet[Credential]) -> None:
        for credential in queryset:
            self._report_check(request, credential)

    def _report_check(self, request: HttpRequest, credential: Credential) -> None:
        check = services.credential_check(credential=credential)
        level = messages.SUCCESS if check.accepted else messages.ERROR
        self.message_user(request, f"{credential.name}: {check.message}", level)

    def test_connection_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:devices_credential_change", object_id)
        credential = get_object_or_404(self.get_queryset(request), pk=object_id)
        self._report_check(request, credential)
        return redirect("admin:devices_credential_change", credential.pk)

    def meter_view(self, request: HttpRequest) -> HttpResponse:
        if not can_see_meter(request):
            raise PermissionDenied
        minutes = METER_MINUTES
        now = int(timezone.now().timestamp())
        credentials = Credential.objects.filter(enabled=True).only("name", "region", "app_id")
        panels, unreadable = [], []
        for credential in credentials:
            try:
                reading = ratelimit.meter(credential.app_id, minutes=minutes)
            except Exception:  # a monitoring page says the store is down rather than fail
                log.exception("budget meter: no reading for credential %s", credential.name)
                unreadable.append(credential)
            else:
                panels.append(meter_panel(credential, reading, now))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Vendor budget meter"),
            "opts": self.opts,
            "minutes": minutes,
            "limit": vendor_rate_per_second(),
            "panels": panels,
            "unreadable": unreadable,
        }
        return TemplateResponse(request, "admin/devices/meter.html", context)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {**(extra_context or {}), "can_see_meter": can_see_meter(request)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        own = [
            path(
                "meter/",
                self.admin_site.admin_view(self.meter_view),
                name="devices_credential_meter",
            ),
            path(
                "<path:object_id>/test-connection/",
                self.admin_site.admin_view(self.test_connection_view),
                name="devices_credential_test_connection",
            ),
        ]
        return [*own, *super().get_urls()]


# --- The vendor budget meter ---------------------------------------------------------------------

METER_MINUTES = 5
CHART_HEIGHT = 100
BAR_WIDTH = 2


def can_see_meter(request: HttpRequest) -> bool:
    """Superusers and support leads (who may see everyone's lookups)."""
    user = request.user
    return user.is_active and user.is_staff and user.has_perm("devices.view_all_lookups")


def vendor_rate_per_second() -> float:
    """The vendor's budget from VENDOR_RATE ("10/s" -> 10.0, "10/2s" -> 5.0)."""
    count, period = ratelimit.parse_rate(settings.VENDOR_RATE)
    return count / period


@dataclass
class MeterBar:
    x: int
    y: int
    height: int
    calls: int
    time: datetime
    over: bool


@dataclass
class MeterPanel:
    credential: Credential
    bars: list[MeterBar]
    chart_width: int
    chart_height: int
    bar_width: int
    limit_y: int
    total_calls: int
    peak: int
    average: float
    wait_p50_ms: int | None
    wait_p95_ms: int | None
    refusals: int


def meter_panel(credential: Credential, reading: dict, now: int) -> MeterPanel:
    """Turn a limiter reading into SVG geometry and figures; the template only prints them."""
    limit = vendor_rate_per_second()
    seconds = METER_MINUTES * 60
    start = now - seconds
    counts = {
        int(second): int(n)
        for second, n in reading.get("calls_per_second") or []
        if start < int(second) <= now
    }
    # The scale leaves room above the limit so an overshoot is visible.
    top = max(limit * 1.5, max(counts.values(), default=0))
    bars = []
    for second, calls in sorted(counts.items()):
        height = round(calls / top * CHART_HEIGHT)
        bars.append(
            MeterBar(
                x=(second - start - 1) * BAR_WIDTH,
                y=CHART_HEIGHT - height,
                height=height,
                calls=calls,
                time=datetime.fromtimestamp(second, tz=UTC),
                over=calls > limit,
            )
        )
    total = sum(counts.values())
    return MeterPanel(
        credential=credential,
        bars=bars,
        chart_width=seconds * BAR_WIDTH,
        chart_height=CHART_HEIGHT,
        bar_width=BAR_WIDTH,
        limit_y=CHART_HEIGHT - round(limit / top * CHART_HEIGHT),
        total_calls=total,
        peak=max(counts.values(), default=0),
        average=round(total / seconds, 2),
        wait_p50_ms=_milliseconds(reading.get("wait_p50")),
        wait_p95_ms=_milliseconds(reading.get("wait_p95")),
        refusals=int(reading.get("refusals") or 0),
    )


def _milliseconds(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)
