"""A person's own settings: the time zone every page (admin included) shows times in.

The zone is kept on the person's Profile (empty: the site's TIME_ZONE) and copied into the
session when they sign in, so `TimeZoneMiddleware` activates it on each request without a query.
"""

from __future__ import annotations

import contextlib
import zoneinfo
from datetime import datetime
from functools import cache

from django import forms
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from devices.models import Profile
from devices.presenters.formatting import zone_label

SESSION_KEY = "time_zone"
UNKNOWN_ZONE = _("Choose one of the listed time zones.")


@cache
def zone_names() -> tuple[str, ...]:
    """Every zone of the tz database a person may pick (regions, not legacy aliases)."""
    names = zoneinfo.available_timezones()
    return tuple(sorted(n for n in names if "/" in n and not n.startswith(("Etc/", "SystemV/"))))


def zone_choices(now: datetime | None = None) -> list[tuple[str, str]]:
    """(name, "Asia/Shanghai (UTC+8)"), with the offset as it is today."""
    now = now or timezone.now()
    return [(name, f"{name} ({zone_label(now, zoneinfo.ZoneInfo(name))})") for name in zone_names()]


def time_zone_of(user) -> str:
    """The zone the person chose, or the site's."""
    zone = Profile.objects.filter(user=user).values_list("time_zone", flat=True).first()
    return zone or settings.TIME_ZONE


def remember(request: HttpRequest, zone: str) -> None:
    request.session[SESSION_KEY] = [request.user.pk, zone]


def session_zone(request: HttpRequest) -> str | None:
    """The zone kept in the session for this person, or None when it has none for them."""
    kept = request.session.get(SESSION_KEY)
    if isinstance(kept, list) and len(kept) == 2 and kept[0] == request.user.pk:
        return kept[1]
    return None


@receiver(user_logged_in, dispatch_uid="devices.preferences.remember_time_zone")
def _remember_on_sign_in(sender, request: HttpRequest | None, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = [user.pk, time_zone_of(user)]


class TimeZoneMiddleware:
    """Times on every page follow the signed-in person's zone (after AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        zone = None
        # A database that cannot be used is for the page to answer (its own 503, or /healthz's
        # report), not for a nicety on the way to it: the site's zone is used meanwhile.
        with contextlib.suppress(OperationalError, InterfaceError):
            if request.user.is_authenticated:
                zone = session_zone(request)
                if zone is None:  # a session from before zones were kept in it
                    zone = time_zone_of(request.user)
                    remember(request, zone)
        timezone.deactivate()
        # A zone the tz database no longer has leaves the site's.
        with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
            if zone:
                timezone.activate(zoneinfo.ZoneInfo(zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Every time on the pages and in the admin is shown in this zone."),
        error_messages={"invalid_choice": UNKNOWN_ZONE},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = zone_choices()
