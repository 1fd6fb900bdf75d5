import re
import uuid

from django.http import HttpRequest, HttpResponse

# A proxy's id is reused only when it is short and plain, so it can go into logs safely.
INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,40}$")


class RequestIdMiddleware:
    """Give every request an id that appears in the logs, the audit row and the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if INCOMING_ID.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response
