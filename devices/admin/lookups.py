"""The audit log in admin: read-only for everyone, searchable, filterable, exportable as CSV.

Built to stay fast on millions of rows: searches are exact matches on indexed columns (`search`),
nothing counts the whole table, and the CSV export streams from a database cursor. The list fits
a 1280 px screen (devices/static/devices/admin.css); each row links back to its lookup's page,
and says what failed in the reader's language, from the failure table's code the row keeps.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from devices import failures
from devices.admin.changelist import CheckedChangeList
from devices.admin.date_hierarchy import date_hierarchy_links
from devices.admin.export import ExportChangeList, csv_download
from devices.admin.meter import can_see_meter
from devices.admin.paging import EstimatedCountPaginator
from devices.admin.search import audit_search
from devices.links import reopen_url
from devices.models import Credential, Lookup

NOT_FAILED = (Lookup.Outcome.OK, Lookup.Outcome.PENDING)


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


class LookupAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the log is evidence."""

    # The row keeps the credential's name; showing the foreign key would load (and decrypt) the
    # credential's secrets for nothing, and fail when they cannot be decrypted.
    exclude = ("credential",)

    # What a lead scans for, narrow enough for 1280 px beside the filters: when, who, what, how
    # it went and why. The kind shows in the value's shape and, like the credential, is a filter;
    # the rest of the row (owner, requestId, duration, source, channel...) is on its own page.
    list_display = ("when", "username", "looked_up", "outcome", "failure", "reason")
    list_display_links = ("when",)
    readonly_fields = ("reopen", "failure")
    list_filter = (
        "outcome",
        "signed_in_via",
        "channel",
        "kind",
        ("credential", CredentialListFilter),
        ("user", StaffUserListFilter),
        ("created_at", admin.DateFieldListFilter),
    )
    # The search is ours (devices.admin.search): exact matches only, on indexed columns. Django's
    # `=field` would mean iexact, i.e. UPPER(col) = UPPER(%s) on PostgreSQL and LIKE on SQLite,
    # neither of which uses the plain b-tree indexes on these columns.
    search_fields = ("value", "owner_id", "request_id", "username", "ticket")
    search_help_text = _(
        "Whole values: a serial number (in any case), device id or user id, the owner's user id, "
        "the vendor requestId, a username, or a ticket number (“Zendesk #4821” or 4821)."
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

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Lookup], search_term: str
    ) -> tuple[QuerySet[Lookup], bool]:
        found = audit_search(search_term)
        return (queryset if found is None else queryset.filter(found)), False

    def get_list_display(self, request: HttpRequest):
        if may_reopen(request):
            return self.list_display
        return tuple("value" if name == "looked_up" else name for name in self.list_display)

    def get_fields(self, request: HttpRequest, obj: Lookup | None = None):
        """The row's page: the link to open it again first, the failure's words after outcome."""
        fields = [
            name for name in super().get_fields(request, obj) if name not in self.readonly_fields
        ]
        at = fields.index("outcome") + 1
        first = ["reopen"] if may_reopen(request) else []
        return [*first, *fields[:at], "failure", *fields[at:]]

    @admin.display(description=_("time"), ordering="created_at")
    def when(self, lookup: Lookup) -> str:
        """In the reader's time zone, to the minute: the full time is on the row's page."""
        local = timezone.localtime(lookup.created_at)
        return format_html(
            '<time datetime="{}">{}</time>', local.isoformat(), local.strftime("%Y-%m-%d %H:%M")
        )

    @admin.display(description=_("value searched"), ordering="value")
    def looked_up(self, lookup: Lookup) -> str:
        return format_html(
            '<a href="{}" class="reopen" title="{}">{}</a>',
            reopen_url(lookup),
            gettext("Open this lookup again"),
            lookup.value,
        )

    @admin.display(description=_("open again"))
    def reopen(self, lookup: Lookup) -> str:
        return format_html(
            '<a href="{}" class="reopen">{}</a>',
            reopen_url(lookup),
            gettext("Open this lookup again"),
        )

    @admin.display(description=_("failure"))
    def failure(self, lookup: Lookup) -> str | None:
        """The failure's words in the reader's language; rows written before the code was kept
        show the English text they stored."""
        row = failures.failure_by_code(lookup.failure_code)
        if row is None:
            return None if lookup.outcome in NOT_FAILED else lookup.vendor_message or None
        words = str(failures.audit_words(row))
        if lookup.vendor_code is None:
            return words
        return gettext("%(failure)s (vendor code %(code)s)") % {
            "failure": words,
            "code": lookup.vendor_code,
        }

    def get_queryset(self, request: HttpRequest) -> QuerySet[Lookup]:
        queryset = super().get_queryset(request)
        if request.user.has_perm("devices.view_all_lookups"):
            return queryset
        return queryset.filter(user=request.user)

    def get_changelist(self, request: HttpRequest, **kwargs):
        match = request.resolver_match
        if match is not None and match.url_name == "devices_lookup_export":
            return ExportChangeList
        return CheckedChangeList

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
            # The list needs the width; the breadcrumbs lead back.
            "is_nav_sidebar_enabled": False,
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
        return csv_download(changelist.queryset)


def may_reopen(request: HttpRequest) -> bool:
    """Re-opening a lookup looks it up again: only for people who may look things up."""
    return request.user.has_perm("devices.lookup_devices")
