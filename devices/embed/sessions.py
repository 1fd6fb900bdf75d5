"""A session cookie of its own for the sidebar, usable in a helpdesk's third-party frame.

Browsers send a third-party frame only cookies that are `SameSite=None; Secure`, and, as they
phase out third-party cookies, only `Partitioned` ones (kept per top-level site, CHIPS). The
pages' cookie stays as it is (`SameSite=Lax`, path `/`): requests under /embed/ use another
cookie, `EMBED_SESSION_COOKIE_NAME` with path /embed/, and keep their CSRF secret in that
session (a Lax CSRF cookie would not reach the frame either). The README says what this
trades (Integrations, "The sidebar's session").
"""

from __future__ import annotations

import time
from http.cookies import Morsel

from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_SESSION_KEY
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date

PREFIX = "/embed/"


def is_embed(request: HttpRequest) -> bool:
    return request.path_info.startswith(PREFIX)


def embed_cookie_path(request: HttpRequest) -> str:
    return request.META.get("SCRIPT_NAME", "").rstrip("/") + PREFIX


class PartitionedMorsel(Morsel):
    """A cookie with the `Partitioned` attribute (Python's cookies know it from 3.14 only)."""

    def OutputString(self, attrs=None) -> str:
        return super().OutputString(attrs) + "; Partitioned"


def set_partitioned_cookie(response: HttpResponse, name: str, value: str, **options) -> None:
    response.set_cookie(name, value, secure=True, samesite="None", **options)
    morsel = PartitionedMorsel()
    morsel.update(response.cookies[name])
    morsel.set(name, response.cookies[name].value, response.cookies[name].coded_value)
    response.cookies[name] = morsel


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, with the sidebar's own cookie for requests under /embed/."""

    def process_request(self, request: HttpRequest) -> None:
        if not is_embed(request):
            return super().process_request(request)
        request.session = self.SessionStore(request.COOKIES.get(settings.EMBED_SESSION_COOKIE_NAME))
        return None

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if not is_embed(request):
            return super().process_response(request, response)
        session = getattr(request, "session", None)
        if session is None:
            return response
        name = settings.EMBED_SESSION_COOKIE_NAME
        if session.accessed:
            patch_vary_headers(response, ("Cookie",))
        if name in request.COOKIES and session.is_empty():
            # Partitioned too: a browser deletes a partitioned cookie only with one.
            set_partitioned_cookie(
                response,
                name,
                "",
                max_age=0,
                expires="Thu, 01 Jan 1970 00:00:00 GMT",
                path=embed_cookie_path(request),
                httponly=True,
            )
        elif session.modified and not session.is_empty() and response.status_code < 500:
            try:
                session.save()
            except UpdateError:
                raise SessionInterrupted(
                    "The request's session was deleted before the request completed."
                ) from None
            age = None if session.get_expire_at_browser_close() else session.get_expiry_age()
            set_partitioned_cookie(
                response,
                name,
                session.session_key,
                max_age=age,
                expires=None if age is None else http_date(time.time() + age),
                path=embed_cookie_path(request),
                httponly=True,
            )
        return response


class CsrfSecretInSession:
    """Under /embed/, Django's CSRF middleware reads and writes its secret as a cookie that never
    reaches a third-party frame (SameSite=Lax); this keeps it in the sidebar's session instead,
    as CSRF_USE_SESSIONS would. It sits between SessionMiddleware and CsrfViewMiddleware: the
    secret goes in as the request's cookie, and comes back out of the response into the
    session. Elsewhere it does nothing, and the pages keep their CSRF cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_embed(request):
            return self.get_response(request)
        name = settings.CSRF_COOKIE_NAME
        # Only the sidebar's own secret counts here, never a first-party cookie sent along.
        request.COOKIES.pop(name, None)
        secret = request.session.get(CSRF_SESSION_KEY)
        if secret:
            request.COOKIES[name] = secret
        response = self.get_response(request)
        morsel = response.cookies.pop(name, None)
        if morsel is not None and morsel.value and morsel.value != secret:
            request.session[CSRF_SESSION_KEY] = morsel.value
        return response
