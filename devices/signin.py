"""Sign-in with failed attempts throttled per username and per address.

Failures only are counted (django-ratelimit, on Django's cache like the per-person lookup
limit): a person who mistypes twice and then signs in is never held up, and someone trying
passwords is slowed down whichever usernames or addresses they rotate.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import get_usage

RATE_GROUP = "login-failures"


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


class ThrottledLoginView(auth_views.LoginView):
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
