"""`Authorization: Bearer <token>` for Django REST framework, and its OpenAPI description."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from devices.api.models import ApiToken
from devices.api.tokens import token_authenticate

BAD_HEADER = _("Send the token as “Authorization: Bearer <token>”.")
BAD_TOKEN = _("This token is unknown or revoked, or its user is inactive.")


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """The token's user, with the token as `request.auth` (its name goes into the audit row).

    No header: not authenticated (401 through the permission check). A malformed header, or a
    token that is unknown, revoked or of an inactive user: 401 at once.
    """

    keyword = "Bearer"

    def authenticate(self, request: Request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(BAD_HEADER)
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(BAD_TOKEN) from None
        row: ApiToken | None = token_authenticate(token)
        if row is None:
            raise exceptions.AuthenticationFailed(BAD_TOKEN)
        return row.user, row

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `manage.py create_api_token NAME --user USERNAME`.",
        }
