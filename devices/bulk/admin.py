"""Bulk jobs in admin: leads see every job (read-only), with its items' outcomes."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from devices.bulk.models import BulkJob


@admin.register(BulkJob)
class BulkJobAdmin(admin.ModelAdmin):
    list_display = ["id", "username", "created_at", "state", "done", "total", "reason"]
    list_filter = ["state"]
    search_fields = ["username", "reason", "items__value"]
    readonly_fields = [*(f.name for f in BulkJob._meta.fields), "outcomes"]
    date_hierarchy = "created_at"

    @admin.display(description=_("outcomes"))
    def outcomes(self, job: BulkJob) -> str:
        counts = job.items.values("outcome").annotate(n=Count("pk")).order_by("-n")
        return ", ".join(f"{row['outcome'] or '-'}: {row['n']}" for row in counts)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
