import ipaddress
import re
import time
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# A proxy's id is reused only when it is short and plain, so it can go into logs safely.
INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,40}$")


class RequestIdMiddleware:
    """Give every request an id and a client address for the logs and the audit row.

    Behind a proxy (BEHIND_PROXY), the proxy's X-Request-ID is reused and the client is the last
    address of X-Forwarded-For, the one the proxy itself saw; otherwise a caller could write
    whatever it likes into the audit log, so both headers are ignored.

    The response says how long the application took (`Server-Timing: app;dur=<ms>`): browsers'
    developer tools show it, and the page benchmark reads it (bench/device_page.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request.request_id = uuid.uuid4().hex
        request.client_ip = valid_ip(request.META.get("REMOTE_ADDR", ""))
        if settings.BEHIND_PROXY:
            incoming = request.headers.get("X-Request-ID", "")
            if INCOMING_ID.match(incoming):
                request.request_id = incoming
            forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
            request.client_ip = valid_ip(forwarded) or request.client_ip
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response


def valid_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
