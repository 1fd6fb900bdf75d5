"""Vendor credentials in admin: superusers only, write-only secrets, health, one default.

The list is the health panel (last good and last failed vendor call); "Test connection" makes
one signed call through the same service as `manage.py check_credential`.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from devices import credential_services
from devices.admin.meter import can_see_meter, meter_page
from devices.models import Credential

SECRET_FIELDS = ("app_token", "app_key")
KEEP_SECRET_HELP = _("Stored and never shown again. Leave empty to keep the stored value.")
NEW_SECRET_HELP = _("Stored encrypted and never shown again.")
KEEP_ONE_DEFAULT = _(
    "This is the default credential. To change the default, tick “default” on another credential."
)


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
        # (credential_services.credential_save), so the one-default constraint must not refuse it.
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
    if credential.is_failing:
        return gettext("failing")
    if credential.last_ok_at:
        return gettext("working")
    return gettext("not used yet")


class CredentialAdmin(admin.ModelAdmin):
    """Superusers only. The list is the health panel: last good and last failed vendor call."""

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

    @method_decorator(sensitive_post_parameters(*SECRET_FIELDS))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The secrets never reach an error report, even with DEBUG on.
        return super().changeform_view(request, object_id, form_url, extra_context)

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
        credential_services.credential_save(obj)

    def delete_model(self, request, obj) -> None:
        with transaction.atomic():
            super().delete_model(request, obj)
            credential_services.credential_ensure_default()

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            credential_services.credential_ensure_default()

    @admin.action(description=_("Test connection (one signed call to the vendor)"))
    def test_connection(self, request: HttpRequest, queryset: QuerySet[Credential]) -> None:
        for credential in queryset:
            self._report_check(request, credential)

    def _report_check(self, request: HttpRequest, credential: Credential) -> None:
        check = credential_services.credential_check(credential=credential)
        level = messages.SUCCESS if check.accepted else messages.ERROR
        self.message_user(request, f"{credential.name}: {check.text()}", level)

    def test_connection_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:devices_credential_change", object_id)
        credential = get_object_or_404(self.get_queryset(request), pk=object_id)
        self._report_check(request, credential)
        return redirect("admin:devices_credential_change", credential.pk)

    def meter_view(self, request: HttpRequest) -> TemplateResponse:
        return meter_page(request, self)

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
