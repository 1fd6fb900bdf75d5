"""Company sign-in identities in admin: which provider account each user stands for.

Read-only but deletable: deleting one unlinks the user, so the next company sign-in with that
subject makes a new account (refused while a user of that name exists).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from devices.models import SsoIdentity


class SsoIdentityAdmin(admin.ModelAdmin):
    list_display = ("user", "subject", "issuer", "provider_groups", "last_sign_in_at", "created_at")
    list_select_related = ("user",)
    search_fields = ("user__username__exact", "subject__exact")
    readonly_fields = list_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SsoIdentity | None = None) -> bool:
        return False
