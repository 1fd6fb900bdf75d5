"""The failure panels: what went wrong in words, the next step, and the HTTP status that fits.

The words and the status come from the failure's row of `devices.failures.FAILURES`; this module
fills them in with the lookup's details.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.urls import NoReverseMatch
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from devices import failures, gwell
from devices.links import lookup_url
from devices.models import Credential, Lookup
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
    # "Searched serial number 876MB8D3L5560 with credential cn."
    searched: str = ""
    # The same lookup through each other enabled credential (a region may know the device).
    retries: list[Retry] = field(default_factory=list)


@dataclass(frozen=True)
class Retry:
    label: str
    url: str


def _retry_seconds(value: float | None) -> int | None:
    return None if value is None else max(1, math.ceil(value))


def error_panel(
    error: Exception,
    *,
    lookup: Lookup,
    now: datetime,
    retry_after: float | None = None,
    credentials: Iterable[Credential] = (),
    link: Callable[..., str] = lookup_url,
) -> ErrorPanel:
    """What went wrong, in words, with the next step and the HTTP status: the failure's row of
    `devices.failures.FAILURES`, filled in with this lookup's details. `link` makes the retries'
    links (the pages' by default)."""
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
        searched=searched_words(lookup),
        retries=_retries(lookup, credentials, link) if failure.try_elsewhere else [],
    )


def searched_words(lookup: Lookup) -> str:
    """Exactly what was asked, and where: so a typo or the wrong region is seen at once."""
    params = {
        "kind": kind_label(lookup.kind),
        "value": lookup.value,
        "credential": lookup.credential_name or "-",
        "owner": lookup.owner_id,
    }
    if lookup.owner_id and lookup.kind != Lookup.Kind.USER:
        return (
            _("Searched %(kind)s %(value)s for owner %(owner)s with credential %(credential)s.")
            % params
        )
    return _("Searched %(kind)s %(value)s with credential %(credential)s.") % params


def _retries(
    lookup: Lookup, credentials: Iterable[Credential], link: Callable[..., str]
) -> list[Retry]:
    retries = []
    for credential in credentials:
        if credential.name == lookup.credential_name:
            continue
        try:
            url = link(
                lookup.kind,
                lookup.value,
                owner=lookup.owner_id,
                credential=credential.name,
                reason=lookup.reason,
            )
        except NoReverseMatch:
            continue
        retries.append(Retry(_("Try with credential %(name)s") % {"name": credential}, url))
    return retries


def _retry_words(seconds: int | None) -> str:
    if seconds is None:
        return _("Try again in a moment.")
    return ngettext(
        "Try again in %(count)d second.", "Try again in %(count)d seconds.", seconds
    ) % {"count": seconds}
