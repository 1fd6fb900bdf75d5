"""The API's failures as `{"error": {"code", "message", ...}}`, with the status of the pages.

A lookup's failure takes its code and status from its row of `devices.failures`; framework
errors (no token, a bad one, no permission, a wrong method) keep REST framework's code.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as framework_handler

from devices import failures
from devices.presenters.failures import ErrorPanel


def error_response(
    failure: failures.Failure,
    *,
    message: str,
    next_step: str = "",
    retry_after: int | None = None,
    lookup_id: int | None = None,
    vendor_request_id: str | None = None,
) -> Response:
    body = {
        "code": str(failure.api_code),
        "message": message,
        "next_step": next_step or str(failure.next_step),
        "retry_after": retry_after if failure.retry else None,
        "lookup_id": None if lookup_id is None else str(lookup_id),
        "vendor_request_id": vendor_request_id or None,
    }
    response = Response({"error": body}, status=failure.status)
    if body["retry_after"] is not None:
        response["Retry-After"] = str(body["retry_after"])
    return response


def failure_response(
    failure: failures.Failure, panel: ErrorPanel, *, lookup_id: int, vendor_request_id: str | None
) -> Response:
    """A failed lookup: the words of its page's panel, the code and status of its row."""
    return error_response(
        failure,
        message=panel.message,
        next_step=panel.next_step,
        retry_after=panel.retry_after,
        lookup_id=lookup_id,
        vendor_request_id=vendor_request_id,
    )


def exception_handler(error: Exception, context: dict) -> Response | None:
    response = framework_handler(error, context)
    if response is None or not isinstance(error, exceptions.APIException):
        return response
    detail = error.detail
    code = getattr(detail, "code", None) or error.default_code
    message = str(detail) if not isinstance(detail, dict | list) else _("The request failed.")
    response.data = {"error": {"code": code, "message": message}}
    return response
