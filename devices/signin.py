"""Sign-in with failed attempts throttled per username and per address.

Failures only are counted (django-ratelimit, on Django's cache like the per-person lookup
limit): a person who mistypes twice and then signs in is never held up, and someone trying
passwords is slowed down whichever usernames or addresses they rotate.

With company sign-in on (devices/sso/), the page offers it first and local passwords follow
OIDC_LOCAL_LOGIN: break-glass superusers only, everyone, or nobody.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage

from devices.sso import config as sso

RATE_GROUP = "login-failures"
LOCAL_FOR_SUPERUSERS_ONLY = _(
    "Passwords here are for SupportDesk administrators only. Sign in with {provider} instead."
)
LOCAL_OFF = _("Sign-in with a password is switched off. Sign in with {provider} instead.")


def _username(group: str, request: HttpRequest) -> str:
    return request.POST.get("username", "").strip().lower()


def _address(group: str, request: HttpRequest) -> str:
    return getattr(request, "client_ip", None) or request.META.get("REMOTE_ADDR", "")


def _limits() -> list[tuple[object, str]]:
    return [
        (_username, settings.LOGIN_FAILURES_PER_USERNAME),
        (_address, settings.LOGIN_FAILURES_PER_ADDRESS),
    ]


def _usages(request: HttpRequest, *, increment: bool) -> list[dict]:
    usages = []
    for key, rate in _limits():
        usage = get_usage(request, group=RATE_GROUP, key=key, rate=rate, increment=increment)
        if usage:
            usages.append(usage)
    return usages


class LocalPasswordForm(AuthenticationForm):
    """Django's sign-in form, refusing whom OIDC_LOCAL_LOGIN leaves out (after the password
    matched, so it tells nothing about passwords)."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        policy = sso.local_login_policy()
        if policy == sso.LOCAL_OFF:
            raise ValidationError(
                LOCAL_OFF.format(provider=sso.provider_name()), code="local_login_off"
            )
        if policy == sso.LOCAL_FOR_SUPERUSERS and not user.is_superuser:
            raise ValidationError(
                LOCAL_FOR_SUPERUSERS_ONLY.format(provider=sso.provider_name()),
                code="local_login_superusers_only",
            )


class ThrottledLoginView(auth_views.LoginView):
    authentication_form = LocalPasswordForm

    def get_context_data(self, **kwargs) -> dict:
        policy = sso.local_login_policy()
        return super().get_context_data(
            sso_enabled=sso.sso_enabled(),
            provider_name=sso.provider_name(),
            local_login=policy != sso.LOCAL_OFF,
            local_for_superusers_only=sso.sso_enabled() and policy == sso.LOCAL_FOR_SUPERUSERS,
            policy_refusal=self._policy_refusal(kwargs.get("form")),
            **kwargs,
        )

    @staticmethod
    def _policy_refusal(form) -> str:
        if form is None or not form.is_bound:
            return ""
        codes = {"local_login_off", "local_login_superusers_only"}
        for error in form.non_field_errors().as_data():
            if error.code in codes:
                return error.messages[0]
        return ""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        blocked = [u for u in _usages(request, increment=False) if u["count"] >= u["limit"]]
        if blocked:
            wait = max(1, max(int(u["time_left"]) for u in blocked))
            context = self.get_context_data(form=self.get_form(), throttled_minutes=-(-wait // 60))
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form) -> HttpResponse:
        _usages(self.request, increment=True)
        return super().form_invalid(form)
