"""Enrolment (authenticator app by QR code or key, then recovery codes), verification, and new
recovery codes. Tokens are checked by django-otp, which also slows down repeated failures."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from devices.twofactor.policy import has_second_factor

RECOVERY_CODES = 10
AUTHENTICATOR = "authenticator"
RECOVERY = "recovery codes"
WRONG_CODE = _("That code did not match. Check the time on your phone and try the newest code.")


class CodeForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split())


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url("admin:index")


def _page(name: str, *, next_url: str) -> str:
    return f"{resolve_url(name)}?{urlencode({'next': next_url})}"


def _new_recovery_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
@sensitive_post_parameters("token")
@require_http_methods(["GET", "HEAD", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: scan, type its code, keep the recovery codes shown once."""
    if has_second_factor(request.user):
        return redirect(_page("two_factor_verify", next_url=_next(request)))
    # One pending device per person; a reload shows the same key.
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name=AUTHENTICATOR, confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _new_recovery_codes(request.user)
            otp_login(request, device)
            context = {"codes": codes, "next": _next(request), "first_time": True}
            return render(request, "registration/two_factor_recovery_codes.html", context)
        form.add_error("token", WRONG_CODE)
    context = {
        "form": form,
        "next": _next(request),
        "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=4),
        "secret": _grouped(b32encode(device.bin_key).decode()),
    }
    return render(request, "registration/two_factor_enrol.html", context)


@never_cache
@login_required
@sensitive_post_parameters("token")
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """A code from the authenticator app, or one recovery code (each works once)."""
    if not has_second_factor(request.user):
        return redirect(_page("two_factor_enrol", next_url=_next(request)))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("token", WRONG_CODE)
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)}
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """How many recovery codes are left; new ones (the old ones stop working) on request."""
    if not (has_second_factor(request.user) and request.user.is_verified()):
        return redirect(_page("two_factor_verify", next_url=request.path))
    if request.method == "POST":
        codes = _new_recovery_codes(request.user)
        return render(
            request,
            "registration/two_factor_recovery_codes.html",
            {"codes": codes, "next": _next(request)},
        )
    left = StaticToken.objects.filter(device__user=request.user, device__name=RECOVERY).count()
    return render(request, "registration/two_factor_status.html", {"left": left})
