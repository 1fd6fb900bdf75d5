"""Who may frame the sidebar: the origins of EMBED_FRAME_ANCESTORS, and nobody else.

Every other page keeps `frame-ancestors 'none'` and `X-Frame-Options: DENY` from the settings;
only views wrapped here get the list. X-Frame-Options cannot name an origin, so a framable view
drops it and relies on CSP's frame-ancestors, which every current browser enforces.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.checks import Error, register
from django.http import HttpRequest, HttpResponse
from django.utils.csp import CSP

# An origin (scheme, host, optional port), the host optionally "*." and a domain.
ORIGIN = re.compile(r"^https?://(\*\.)?[a-z0-9.-]+(:\d{1,5})?$", re.IGNORECASE)


def frame_ancestors() -> list[str]:
    return [origin.rstrip("/") for origin in settings.EMBED_FRAME_ANCESTORS if origin.strip()]


def frameable_by_helpdesks(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        origins = frame_ancestors()
        response._csp_config = {
            **settings.SECURE_CSP,
            "frame-ancestors": origins or [CSP.NONE],
        }
        if origins:
            response.xframe_options_exempt = True
        return response

    return wrapped


@register()
def check_frame_ancestors(app_configs, **kwargs) -> list[Error]:
    return [
        Error(
            f"EMBED_FRAME_ANCESTORS: {origin!r} is not an origin.",
            hint="Give origins such as https://chat.example.com or https://*.zendesk.com, "
            "comma-separated.",
            id="devices.E101",
        )
        for origin in frame_ancestors()
        if not ORIGIN.match(origin)
    ]
