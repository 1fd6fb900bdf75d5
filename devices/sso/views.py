"""The pages of company sign-in: start, callback, "no access yet", and logout at the provider.

The library's views do the protocol (state, nonce, PKCE verifier in the session); these add a
plain page for each way it can go wrong: the provider is down (local break-glass sign-in still
works), the provider refused, or SupportDesk refused the person it vouched for.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_safe
from django.views.generic import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
    OIDCLogoutView,
)

from devices.sso import provider
from devices.sso.backend import SignInRefused
from devices.sso.config import group_map, provider_name, sso_enabled
from devices.sso.method import used_company_sign_in

log = logging.getLogger("supportdesk.signin")

LOOKUP_PERMISSION = "devices.lookup_devices"


def _unavailable(request: HttpRequest) -> HttpResponse:
    context = {"provider_name": provider_name()}
    return render(request, "registration/sso_unavailable.html", context, status=503)


def _failed(request: HttpRequest, reason: str = "") -> HttpResponse:
    context = {"provider_name": provider_name(), "reason": reason}
    return render(request, "registration/sso_failed.html", context, status=403)


@method_decorator(login_not_required, name="dispatch")
class SsoStartView(OIDCAuthenticationRequestView):
    """Checks the provider answers, then sends the browser to it (code flow, PKCE S256)."""

    def __init__(self, **kwargs) -> None:
        # The library's __init__ reads the endpoint; ours comes from discovery in get().
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider.check_reachable().authorization
        except provider.ProviderUnavailable:
            return _unavailable(request)
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class SsoCallbackView(OIDCAuthenticationCallbackView):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not sso_enabled():
            raise Http404
        try:
            return super().get(request)
        except SignInRefused as refusal:
            return _failed(request, str(refusal))
        except SuspiciousOperation as error:
            # An unknown state (a second tab, the back button) or an ID token that fails a check.
            log.warning("company sign-in refused: %s", error)
            return _failed(request)
        except requests.HTTPError as error:
            # The provider answered, and said no (a used or expired code, a wrong secret).
            status = getattr(error.response, "status_code", None)
            log.warning("company sign-in refused by the provider: HTTP %s", status)
            return _failed(request)
        except (requests.RequestException, provider.ProviderUnavailable):
            return _unavailable(request)

    def login_failure(self) -> HttpResponse:
        if self.request.GET.get("error"):
            log.info("company sign-in: the provider answered %r", self.request.GET["error"][:100])
        return _failed(self.request)

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        if not self.user.has_perm(LOOKUP_PERMISSION) and not self.user.is_staff:
            return redirect("sso_no_access")
        return response


@require_safe
def no_access(request: HttpRequest) -> HttpResponse:
    """Signed in, but in none of the company groups that give access: whom to ask."""
    context = {
        "provider_name": provider_name(),
        "provider_groups": sorted(group_map()),
        "contact": settings.OIDC_ACCESS_CONTACT,
        "can_look_up": request.user.has_perm(LOOKUP_PERMISSION),
    }
    return render(request, "registration/sso_no_access.html", context)


class LogoutView(OIDCLogoutView):
    """Signs out of SupportDesk, and of the provider too when this session came from it."""

    http_method_names = ["post"]


def provider_logout_url(request: HttpRequest) -> str:
    """Where logout sends the browser: the provider's end-session endpoint (RP-initiated logout)
    for a company sign-in when the provider has one, else SupportDesk's sign-in page."""
    back = request.build_absolute_uri(reverse("login"))
    if not (sso_enabled() and used_company_sign_in(request)):
        return reverse("login")
    try:
        end_session = provider.endpoints().end_session
    except provider.ProviderUnavailable:
        end_session = ""
    if not end_session:
        return reverse("login")
    query = {"post_logout_redirect_uri": back, "client_id": settings.OIDC_RP_CLIENT_ID}
    id_token = request.session.get("oidc_id_token")
    if id_token:
        query["id_token_hint"] = id_token
    return f"{end_session}?{urlencode(query)}"
