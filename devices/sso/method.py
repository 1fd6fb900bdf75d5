"""How a session signed in (company sign-in or a local password), kept in the session.

Recorded at every sign-in from the backend that let the person in, so no sign-in path can skip
it: the audit row of each lookup copies it, SSO sessions get their own maximum age, and the
second factor is asked of everything but company sign-in.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from devices.models import SignInMethod

SESSION_KEY = "supportdesk_signed_in_via"
SSO_BACKEND = "devices.sso.backend.SsoBackend"

log = logging.getLogger("supportdesk.signin")


def signed_in_via(request: HttpRequest) -> str:
    """SignInMethod.SSO or LOCAL for a signed-in session, "" for anyone else."""
    if not request.user.is_authenticated:
        return ""
    return request.session.get(SESSION_KEY, SignInMethod.LOCAL)


def used_company_sign_in(request: HttpRequest) -> bool:
    return signed_in_via(request) == SignInMethod.SSO


@receiver(user_logged_in, dispatch_uid="supportdesk-sign-in-method")
def record_sign_in_method(sender, request: HttpRequest | None, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    method = (
        SignInMethod.SSO
        if request.session.get(BACKEND_SESSION_KEY) == SSO_BACKEND
        else SignInMethod.LOCAL
    )
    request.session[SESSION_KEY] = str(method)
    if method == SignInMethod.SSO:
        request.session.set_expiry(settings.OIDC_SESSION_MAX_AGE)
    log.info(
        json.dumps(
            {
                "event": "sign_in",
                "user": user.get_username(),
                "method": str(method),
                "request_id": getattr(request, "request_id", ""),
            },
            ensure_ascii=False,
        )
    )
