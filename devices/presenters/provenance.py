"""Where an answer came from, and how to pass it on: the page footer and the escalation text.

Shared by the device page, the user's page and the failure panels.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from devices.models import Lookup
from devices.presenters.formatting import (
    Moment,
    absolute_time,
    kind_label,
    moment,
    relative_time,
    source_label,
)


@dataclass(frozen=True)
class Provenance:
    request_id: str
    fetched: Moment | None
    age: str  # "data from 12 seconds ago, cached"; "" when fresh
    source: str
    # The vendor failed and this is its last good answer: "The vendor is not answering. Showing
    # what it said at 14:02, 6 minutes ago." ("" for any other answer).
    stale: str = ""


def provenance(lookup: Lookup, fetched_at: datetime | None, now: datetime) -> Provenance:
    fetched = moment(fetched_at, now) if fetched_at else None
    age = ""
    stale = ""
    if fetched_at and lookup.source in (
        Lookup.Source.CACHED,
        Lookup.Source.SHARED,
        Lookup.Source.LAST_GOOD,
    ):
        age = _("data from %(ago)s, %(source)s") % {
            "ago": relative_time(fetched_at, now),
            "source": source_label(lookup.source),
        }
    if fetched_at and lookup.source == Lookup.Source.LAST_GOOD:
        stale = stale_notice(fetched_at, now)
    return Provenance(
        request_id=lookup.request_id,
        fetched=fetched,
        age=age,
        source=source_label(lookup.source) if lookup.source else "",
        stale=stale,
    )


def stale_notice(fetched_at: datetime, now: datetime) -> str:
    """What the page says above a last good answer: never let it pass for a fresh one."""
    local, today = timezone.localtime(fetched_at), timezone.localtime(now)
    when = f"{local:%H:%M}" if local.date() == today.date() else absolute_time(fetched_at)
    return _("The vendor is not answering. Showing what it said at %(time)s, %(ago)s.") % {
        "time": when,
        "ago": relative_time(fetched_at, now),
    }


def raw_json(raw: dict[str, Any] | None) -> str:
    if raw is None:
        return ""
    return json.dumps(raw, ensure_ascii=False, indent=2, sort_keys=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


def escalation_text(
    *,
    lookup: Lookup,
    now: datetime,
    device_id: str | None = None,
    owner_id: str | None = None,
    raw: dict[str, Any] | None = None,
    error: Exception | None = None,
    verdict: str = "",
    identifiers: list[tuple[str, str]] = (),
) -> str:
    """One block to paste into a ticket to the vendor: who, what, when, the verdict, the ticket,
    every identifier asked and returned, codes, requestId, JSON."""
    when = lookup.created_at or now
    lines = [
        _("SupportDesk lookup at %(time)s") % {"time": absolute_time(when)},
        _("Looked up: %(kind)s %(value)s")
        % {"kind": kind_label(lookup.kind), "value": lookup.value},
    ]
    if verdict:
        lines.append(_("Verdict: %(value)s") % {"value": verdict})
    if lookup.reason:
        lines.append(_("Ticket / reason: %(value)s") % {"value": lookup.reason})
    if lookup.owner_id and owner_id and lookup.owner_id != owner_id:
        lines.append(_("Asked for owner: %(value)s") % {"value": lookup.owner_id})
    if device_id:
        lines.append(_("Device id: %(value)s") % {"value": device_id})
    owner = owner_id or lookup.owner_id
    if owner:
        lines.append(_("Owner's user id: %(value)s") % {"value": owner})
    for label, value in identifiers:
        lines.append(f"{label}: {value}")
    if lookup.credential_name:
        lines.append(_("Credential: %(value)s") % {"value": lookup.credential_name})
    lines.append(
        _("Endpoint: %(value)s") % {"value": lookup.endpoint or "-"},
    )
    code = getattr(error, "code", None) if error else (raw or {}).get("code")
    message = getattr(error, "vendor_message", None) if error else (raw or {}).get("msg")
    if code is not None:
        lines.append(_("Vendor code: %(value)s") % {"value": code})
    if message:
        lines.append(_("Vendor message: %(value)s") % {"value": message})
    if error is not None:
        lines.append(_("Error: %(value)s") % {"value": lookup.vendor_message or str(error)})
    request_id = lookup.request_id or (getattr(error, "request_id", None) if error else None)
    lines.append(_("Vendor requestId: %(value)s") % {"value": request_id or "-"})
    if lookup.http_request_id:
        lines.append(_("SupportDesk request id: %(value)s") % {"value": lookup.http_request_id})
    if raw is not None:
        lines.append(_("Raw answer:"))
        lines.append(raw_json(raw))
    return "\n".join(lines)
