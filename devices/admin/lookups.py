"""The audit log in admin: read-only for everyone, searchable, filterable, exportable as CSV.

Built to stay fast on millions of rows: searches are exact matches on indexed columns, nothing
counts the whole table, and the CSV export streams from a database cursor.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from devices.admin.changelist import CheckedChangeList
from devices.admin.date_hierarchy import date_hierarchy_links
from devices.admin.export import ExportChangeList, csv_download
from devices.admin.meter import can_see_meter
from devices.admin.paging import EstimatedCountPaginator
from devices.models import Credential, Lookup


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

    list_display = (
        "created_at",
        "username",
        "signed_in_via",
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
        "signed_in_via",
        "channel",
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
