"""The failure panels: what went wrong in words, the next step, and the HTTP status that fits.

The words and the status come from the failure's row of `devices.failures.FAILURES`; this module
fills them in with the lookup's details.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from devices import failures, gwell
from devices.models import Lookup
from devices.presenters.formatting import BAD, Badge, Fact, kind_label, outcome_badge
from devices.presenters.provenance import escalation_text


@dataclass(frozen=True)
class ErrorPanel:
    title: str
    message: str
    next_step: str
    status: int
    badge: Badge = field(default_factory=lambda: Badge("", BAD))
    retry_after: int | None = None
    facts: list[Fact] = field(default_factory=list)
    escalation: str = ""


def _retry_seconds(value: float | None) -> int | None:
    return None if value is None else max(1, math.ceil(value))


def error_panel(
    error: Exception,
    *,
    lookup: Lookup,
    now: datetime,
    retry_after: float | None = None,
) -> ErrorPanel:
    """What went wrong, in words, with the next step and the HTTP status: the failure's row of
    `devices.failures.FAILURES`, filled in with this lookup's details."""
    failure = failures.failure_of(error)
    what = _("%(kind)s %(value)s") % {"kind": kind_label(lookup.kind), "value": lookup.value}
    facts: list[Fact] = []
    if isinstance(error, gwell.VendorError):
        if error.code is not None:
            facts.append(Fact(_("Vendor code"), str(error.code), code=True))
        if error.vendor_message:
            facts.append(Fact(_("Vendor message"), error.vendor_message))
        if error.request_id:
            facts.append(Fact(_("Vendor requestId"), error.request_id, code=True))
    if lookup.http_request_id:
        facts.append(Fact(_("SupportDesk request id"), lookup.http_request_id, code=True))
    seconds = _retry_seconds(retry_after or getattr(error, "retry_after", None))
    return ErrorPanel(
        str(failure.title),
        str(failure.message) % failures.panel_params(error, what=what),
        _retry_words(seconds) if failure.retry else str(failure.next_step),
        failure.status,
        badge=outcome_badge(lookup.outcome),
        retry_after=(seconds or 1) if failure.retry else None,
        facts=facts,
        escalation=escalation_text(lookup=lookup, now=now, error=error),
    )


def _retry_words(seconds: int | None) -> str:
    if seconds is None:
        return _("Try again in a moment.")
    return ngettext(
        "Try again in %(count)d second.", "Try again in %(count)d seconds.", seconds
    ) % {"count": seconds}
