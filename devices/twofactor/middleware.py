"""Sends an unverified local-password admin to enrolment or verification before a protected
admin page (devices.twofactor.policy), then back to it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from devices.twofactor.policy import has_second_factor, is_protected, must_verify


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not (is_protected(request) and must_verify(request)):
            return None
        page = "two_factor_verify" if has_second_factor(request.user) else "two_factor_enrol"
        return redirect(f"{reverse(page)}?{urlencode({'next': request.get_full_path()})}")
