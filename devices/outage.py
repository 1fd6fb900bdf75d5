"""What a page says when the database cannot be used: a translated 503, never Django's 500.

`server_error` is the project's handler500 (supportdesk/urls.py). Django calls it for an
exception that no view handled, from inside the `except` that caught it, so it can tell which:
a database that cannot be used (OperationalError, InterfaceError: down, unreachable, locked for
too long) gets the database row of `devices.failures` as a 503 with Retry-After, rendered
without touching the database or the session (so the page names no signed-in person), or as
the API's JSON error under its paths; anything else gets Django's own 500 page. With DEBUG on,
Django shows its debug page instead of either. README (Deployment, "When a store fails") has the
long story.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.views import defaults

from devices import failures

log = logging.getLogger("supportdesk.outage")

DATABASE_ERRORS = (OperationalError, InterfaceError)
# What the page asks browsers and proxies to wait before trying again, in seconds.
DATABASE_RETRY_AFTER = 5


def server_error(request: HttpRequest) -> HttpResponse:
    error = sys.exception()
    if isinstance(error, DATABASE_ERRORS):
        log.warning("database unavailable: %s", type(error).__name__)
        return database_unavailable(request)
    return defaults.server_error(request)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 of a database that cannot be used, in the reader's language: a page, or the
    API's error for a request to the API."""
    failure = failures.DATABASE_UNAVAILABLE
    # From the cookie or Accept-Language, as LocaleMiddleware does: never from the session.
    with translation.override(translation.get_language_from_request(request)):
        if request.path_info.startswith(_api_prefix()):
            response = _api_error(failure)
        else:
            response = _page(request, failure)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def _page(request: HttpRequest, failure: failures.Failure) -> HttpResponse:
    context = {
        "failure": failure,
        "request": request,
        "request_id": getattr(request, "request_id", ""),
        "csrf_token": get_token(request),  # the language buttons post a form
    }
    body = loader.render_to_string("database_unavailable.html", context)
    return HttpResponse(body, status=failure.status)


def _api_error(failure: failures.Failure) -> JsonResponse:
    """The shape of devices.api.errors, without REST framework (no view is running)."""
    error = {
        "code": str(failure.api_code),
        "message": str(failure.message),
        "next_step": str(failure.next_step),
        "retry_after": DATABASE_RETRY_AFTER,
        "lookup_id": None,
        "vendor_request_id": None,
    }
    return JsonResponse({"error": error}, status=failure.status)


def _api_prefix() -> str:
    # "/api/v1/schema/" -> "/api/v1/"
    return reverse("api:schema").removesuffix("schema/")
