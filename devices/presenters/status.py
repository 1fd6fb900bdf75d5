"""The banner every page carries while the vendor is failing for everyone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from devices.presenters.formatting import absolute_time
from devices.vendor_status import Degradation


def degraded_notes(degradations: Iterable[Degradation], now: datetime) -> list[str]:
    """ "Vendor degraded since 14:03 (region cn): answers may be old." One per credential."""
    notes = []
    for degradation in degradations:
        local, today = timezone.localtime(degradation.since), timezone.localtime(now)
        when = f"{local:%H:%M}" if local.date() == today.date() else absolute_time(local)
        notes.append(
            _("Vendor degraded since %(time)s (region %(region)s): answers may be old.")
            % {"time": when, "region": degradation.credential_name}
        )
    return notes
