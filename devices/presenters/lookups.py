"""A person's trail of lookups, and the note that a colleague looked up the same thing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from devices.links import reopen_url
from devices.models import Lookup
from devices.presenters.formatting import (
    Badge,
    Moment,
    kind_label,
    moment,
    outcome_badge,
    relative_time,
)


@dataclass(frozen=True)
class LookupRow:
    when: Moment
    kind: str
    value: str
    owner: str
    outcome: Badge
    message: str
    reason: str
    url: str
    credential: str


def lookup_rows(lookups: Iterable[Lookup], now: datetime) -> list[LookupRow]:
    rows = []
    for lookup in lookups:
        message = ""
        if lookup.outcome != Lookup.Outcome.OK and lookup.vendor_code is not None:
            # The audit row's own text is English for admins; the person reads the code.
            message = _("Vendor code %(code)s") % {"code": lookup.vendor_code}
        rows.append(
            LookupRow(
                when=moment(lookup.created_at, now),
                kind=kind_label(lookup.kind),
                value=lookup.value,
                owner=lookup.owner_id,
                outcome=outcome_badge(lookup.outcome),
                message=message,
                reason=lookup.reason,
                url=reopen_url(lookup),
                credential=lookup.credential_name,
            )
        )
    return rows


def colleague_notes(lookups: Iterable[Lookup], now: datetime) -> list[str]:
    """ "Also looked up by mei 4 minutes ago": a colleague may already be on this ticket."""
    return [
        _("Also looked up by %(name)s %(ago)s")
        % {"name": row.username, "ago": relative_time(row.created_at, now)}
        for row in lookups
    ]
