"""Which admin pages need a verified second factor, and who must show one."""

from __future__ import annotations

from django.http import HttpRequest
from django_otp import user_has_device

from devices.sso.method import used_company_sign_in

# Admin URL names: vendor credentials (and the meter under them), and everything that can
# create people or change their rights or second factors, since either leads to the credentials.
PROTECTED_URL_PREFIXES = (
    "devices_credential_",
    "devices_ssoidentity_",
    "auth_",
    "otp_totp_",
    "otp_static_",
)
PROTECTED_APP_LISTS = {"auth", "otp_totp", "otp_static"}


def is_protected(request: HttpRequest) -> bool:
    match = request.resolver_match
    if match is None or "admin" not in match.namespaces:
        return False
    name = match.url_name or ""
    if name == "app_list":
        return match.kwargs.get("app_label") in PROTECTED_APP_LISTS
    return name.startswith(PROTECTED_URL_PREFIXES)


def must_verify(request: HttpRequest) -> bool:
    """A local-password session of someone who could manage credentials or accounts, not yet
    verified with a second factor in this session."""
    user = request.user
    if not user.is_authenticated or used_company_sign_in(request):
        return False
    if not (user.is_superuser or user.has_module_perms("auth")):
        return False
    return not user.is_verified()


def has_second_factor(user) -> bool:
    return user_has_device(user, confirmed=True)
