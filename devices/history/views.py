"""The watch's three JSON endpoints (POST, for a signed-in person who may look devices up):
start watching a device page's device, poll it, stop. `static/history/watch.js` drives them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from devices.audit import AuditContext
from devices.history.changes import announcement
from devices.history.watching import (
    WatchRefused,
    watch_of,
    watch_poll,
    watch_start,
    watch_stop,
)
from devices.links import device_url
from devices.presenters.formatting import absolute_time

lookup_required = permission_required("devices.lookup_devices", raise_exception=True)


def _refused(message: str, status: int) -> JsonResponse:
    return JsonResponse({"status": "refused", "message": message}, status=status)


@lookup_required
@require_POST
def start(request: HttpRequest, lookup_id: int) -> JsonResponse:
    device_id = request.POST.get("device_id", "").strip()[:40]
    try:
        watch = watch_start(user=request.user, lookup_id=lookup_id, device_id=device_id)
    except WatchRefused as refused:
        return _refused(refused.message, 409)
    return JsonResponse(
        {
            "status": "watching",
            "poll_url": reverse("watch_poll", args=[watch.pk]),
            "stop_url": reverse("watch_stop", args=[watch.pk]),
            "poll_seconds": settings.WATCH_POLL_SECONDS,
            "max_seconds": settings.WATCH_MAX_SECONDS,
            "message": _("Watching: checking every %(seconds)s seconds for %(minutes)s minutes.")
            % {
                "seconds": f"{settings.WATCH_POLL_SECONDS:g}",
                "minutes": settings.WATCH_MAX_SECONDS // 60,
            },
        }
    )


def polled_url(watch) -> str:
    """The device's page, asked as a poll asks it (by device id, the page's owner, region and
    ticket), so that while the watch runs its answer is the poll's, from the cache; "" when the
    id cannot be a path segment."""
    followed = watch.lookup
    return device_url(
        watch.device_id,
        owner_id=followed.owner_id,
        credential_name=followed.credential_name,
        reason=followed.reason,
    )


@lookup_required
@require_POST
def poll(request: HttpRequest, watch_id: int) -> JsonResponse:
    watch = watch_of(user=request.user, watch_id=watch_id)
    if watch is None:
        return _refused(_("No such watch."), 404)
    result = watch_poll(watch=watch, audit=AuditContext.of_request(request))
    now = timezone.now()
    checked = absolute_time(now)
    if result.status == "ok" and result.changes:
        message = _(
            "Changed at %(time)s. The link beside the verdict shows every fact as it is now."
        )
        message %= {"time": checked}
    elif result.status == "ok":
        message = _("Checked at %(time)s: no change.") % {"time": checked}
    elif result.status == "busy":
        message = _("Not checked at %(time)s: the watches' share of the vendor budget is in use.")
        message %= {"time": checked}
    elif result.status == "failed":
        message = _("Not checked at %(time)s: %(problem)s") % {
            "time": checked,
            "problem": result.message,
        }
    else:
        message = result.message
    return JsonResponse(
        {
            "status": result.status,
            "message": message,
            # The clock time of the check in the person's zone, as the page writes times.
            "time": timezone.localtime(now).strftime("%H:%M:%S"),
            "changes": [
                {
                    "label": change.label,
                    "before": change.before,
                    "after": change.after,
                    "tone": change.tone,
                }
                for change in result.changes
            ],
            "title": announcement(result.changes[0]) if result.changes else "",
            # The page's verdict was written before the change. The device's page as the poll
            # asked it reads the poll's answer from the cache while the watch runs (a 4G
            # camera's owner's list, which polls do not read, may be asked again).
            "outdated": {
                "text": _("This verdict was written before the change at %(time)s.")
                % {"time": checked},
                "link": _("Show the device as it is now"),
                "url": polled_url(watch),
            }
            if result.changes
            else None,
        }
    )


@lookup_required
@require_POST
def stop(request: HttpRequest, watch_id: int) -> JsonResponse:
    watch = watch_of(user=request.user, watch_id=watch_id)
    if watch is None:
        return _refused(_("No such watch."), 404)
    watch_stop(watch=watch)
    return JsonResponse({"status": "over", "message": _("Watching stopped.")})
