"""What every page's template needs besides the view's context: the vendor-status banner."""

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from devices import vendor_status
from devices.presenters.status import degraded_notes


def vendor_degraded(request: HttpRequest) -> dict:
    """`vendor_degraded`: the banner's lines, read only when a template shows them."""
    user = getattr(request, "user", None)  # None: a request that never passed the middleware
    if user is None or not user.is_authenticated:
        return {"vendor_degraded": []}
    return {
        "vendor_degraded": SimpleLazyObject(
            lambda: degraded_notes(vendor_status.degraded(), timezone.now())
        )
    }
