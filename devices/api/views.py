"""The API's views: a device by serial number or id, a user's devices; the schema and its docs.

Each lookup view is the page's flow with JSON at the end: the token's user and permission, the
per-person limit (the pages' budget), the form, one service call, an answer or a failure from
the failure table. Every lookup, refused or not, leaves its audit row with channel "api" and the
token's name.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from devices import failures, forms, page_lookups, services
from devices.api.answers import device_answer, user_answer
from devices.api.errors import error_response, failure_response
from devices.api.serializers import (
    DeviceAnswerSerializer,
    ErrorEnvelopeSerializer,
    UserAnswerSerializer,
)
from devices.audit import AuditContext
from devices.models import Lookup
from devices.presenters.failures import error_panel
from devices.presenters.sim_data import reading_of
from devices.views import LOOKUP_PERMISSION, RATE_GROUP, RATE_LIMITED

# The pages' permission and budget: one django-ratelimit group keyed by user, so a person's API
# calls and page views add up.


def _user_rate(group: str, request) -> str:
    return settings.LOOKUP_USER_RATE


class MayLookUp(BasePermission):
    message = _("This token's user may not look up devices.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.user.has_perm(LOOKUP_PERMISSION)


def _parameter(name: str, description: str, kind=str) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description)


ACCESS_ID = _parameter("access_id", "The owner's user id: some devices answer only for it.")
CREDENTIAL = _parameter("credential", "A region's credential name; the default one when absent.")
REASON = _parameter("reason", "The ticket or reason, kept in the audit log.")
REFRESH = _parameter("refresh", "1: skip the cache and ask the vendor.", bool)
ERRORS = {
    status: OpenApiResponse(ErrorEnvelopeSerializer, description=description)
    for status, description in [
        (400, "invalid_input"),
        (401, "No token, or an unknown or revoked one."),
        (403, "The token's user may not look up devices."),
        (404, "not_found"),
        (429, "rate_limited: the person's lookup limit; Retry-After says when."),
        (502, "vendor_unavailable, vendor_refused, credential_failing"),
        (503, "vendor_busy (Retry-After), credential_failing, vendor_unavailable"),
        (504, "vendor_timeout"),
    ]
}


class LookupView(APIView):
    permission_classes = [IsAuthenticated, MayLookUp]
    kind = ""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"  # customers' data
        return response

    def audit(self, request: Request, reason: str) -> AuditContext:
        return AuditContext.of_request(
            request, reason=reason, channel=Lookup.Channel.API, token_name=request.auth.name
        )

    def refusal(self, request: Request, form: forms.LookupForm) -> Response | None:
        """The answer to a lookup that must not reach the vendor (over the limit, bad input)."""
        usage = get_usage(request, group=RATE_GROUP, key="user", rate=_user_rate, increment=True)
        asked = None
        if usage and usage["should_limit"]:
            asked = form.audit()
            row = services.record_over_limit(
                audit=self.audit(request, asked["reason"]),
                kind=asked["kind"],
                value=asked["value"],
                owner_id=asked["owner_id"],
                message=RATE_LIMITED.format(rate=settings.LOOKUP_USER_RATE),
            )
            limit = failures.PERSON_LIMIT
            return error_response(
                limit,
                message=str(limit.message),
                retry_after=max(1, math.ceil(usage["time_left"])),
                lookup_id=row.pk,
            )
        if not form.is_valid():
            return self.invalid(request, form, " ".join(form.problems()))
        return None

    def invalid(self, request: Request, form: forms.LookupForm, message: str) -> Response:
        asked = form.audit()
        row = services.record_refused_lookup(
            audit=self.audit(request, asked["reason"]),
            kind=asked["kind"],
            value=asked["value"],
            owner_id=asked["owner_id"],
            outcome=Lookup.Outcome.INVALID_INPUT,
            message=asked["message"] or failures.in_english(message),
        )
        return error_response(failures.INVALID_INPUT, message=message, lookup_id=row.pk)

    def failed(self, result: services.LookupResult) -> Response:
        panel = error_panel(
            result.error, lookup=result.lookup, now=timezone.now(), retry_after=result.retry_after
        )
        return failure_response(
            failures.failure_of(result.error),
            panel,
            lookup_id=result.lookup.pk,
            vendor_request_id=result.lookup.request_id,
        )

    def device(self, request: Request, value: str) -> Response:
        form = forms.LookupForm(request.query_params, kind=self.kind, value=value)
        if refused := self.refusal(request, form):
            return refused
        data = form.cleaned_data
        # As the page does: the owner's list too, for the data left on the SIM.
        lookups = page_lookups.lookup_device_and_owner_list(
            audit=self.audit(request, data["reason"]),
            kind=self.kind,
            value=data["value"],
            owner_id=data["access_id"],
            credential_name=data["credential"] or None,
            refresh=data["refresh"],
        )
        result = lookups.device
        if not result.ok:
            return self.failed(result)
        now = timezone.now()
        reading = reading_of(lookups)
        answer = device_answer(
            request=request,
            form=form,
            report=result.data,
            lookup=result.lookup,
            fetched_at=result.fetched_at,
            now=now,
            data=reading,
        )
        context = {"now": now, "bundle": reading.bundle if reading else None}
        return Response(DeviceAnswerSerializer(answer, context=context).data)


DEVICE_SCHEMA = extend_schema(
    parameters=[ACCESS_ID, CREDENTIAL, REASON, REFRESH],
    responses={200: DeviceAnswerSerializer, **ERRORS},
)


class DeviceBySerial(LookupView):
    kind = Lookup.Kind.SERIAL

    @extend_schema(operation_id="device_by_sn", summary="A device by its serial number")
    @DEVICE_SCHEMA
    def get(self, request: Request, sn: str) -> Response:
        return self.device(request, sn)


class DeviceById(LookupView):
    kind = Lookup.Kind.DEVICE_ID

    @extend_schema(operation_id="device_by_id", summary="A device by its vendor device id")
    @DEVICE_SCHEMA
    def get(self, request: Request, dev_id: str) -> Response:
        return self.device(request, dev_id)


class UserDevices(LookupView):
    kind = Lookup.Kind.USER

    @extend_schema(
        operation_id="user_devices",
        summary="Every device on a vendor-cloud user's account",
        parameters=[CREDENTIAL, REASON, REFRESH],
        responses={200: UserAnswerSerializer, **ERRORS},
    )
    def get(self, request: Request, access_id: str) -> Response:
        form = forms.LookupForm(request.query_params, kind=self.kind, value=access_id)
        if refused := self.refusal(request, form):
            return refused
        data = form.cleaned_data
        if settings.AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS and not data["reason"]:
            return self.invalid(request, form, str(forms.REASON_REQUIRED))
        result = services.list_user_devices(
            audit=self.audit(request, data["reason"]),
            user_id=data["value"],
            credential_name=data["credential"] or None,
            refresh=data["refresh"],
        )
        if not result.ok:
            return self.failed(result)
        now = timezone.now()
        answer = user_answer(
            request=request,
            form=form,
            devices=result.data,
            lookup=result.lookup,
            fetched_at=result.fetched_at,
            now=now,
        )
        return Response(UserAnswerSerializer(answer, context={"now": now}).data)


class Schema(SpectacularAPIView):
    """The OpenAPI 3.1 schema, for a token holder or a signed-in person (SERVE_PERMISSIONS)."""


class Docs(SpectacularSwaggerSplitView):
    """Swagger UI from our own static files, its start-up script a file of its own (the CSP
    allows no inline script or style)."""

    url_name = "api:schema"
    template_name = "api/docs.html"
    title = "SupportDesk API"
