"""A person's trail of lookups (My lookups: a verdict per row, repeats folded), the verdict each
audit row keeps for it, and the note that a colleague looked up the same thing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from devices import gwell
from devices.links import reopen_url
from devices.models import Lookup
from devices.presenters.device import verdict
from devices.presenters.formatting import (
    NEUTRAL,
    WARN,
    Badge,
    Moment,
    kind_label,
    moment,
    outcome_badge,
    relative_time,
)
from devices.presenters.user import device_rows, user_summary, user_tone
from devices.selectors import fold_repeats

# Each language's verdict is cut to this on the audit row.
VERDICT_LENGTH = 300


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
    verdict: str = ""  # "Offline for 3 days; its 4G data plan expired" / "The vendor was down"
    verdict_tone: str = NEUTRAL
    repeats: int = 1  # consecutive repeats of this lookup, folded into this row
    first: Moment | None = None  # the oldest of them, when there are several
    follow_ups: str = ""  # "then checked 7 of its devices": an owner's list filling its rows


def lookup_rows(lookups: Iterable[Lookup], now: datetime) -> list[LookupRow]:
    """A row per lookup, newest first; consecutive repeats of one lookup fold into one row."""
    rows = []
    for run in fold_repeats(lookups):
        lookup, oldest = run[0], run[-1]
        message = ""
        if lookup.outcome != Lookup.Outcome.OK and lookup.vendor_code is not None:
            # The audit row's own text is English for admins; the person reads the code.
            message = _("Vendor code %(code)s") % {"code": lookup.vendor_code}
        verdict, tone = row_verdict(lookup)
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
                verdict=verdict,
                verdict_tone=tone,
                repeats=len(run),
                first=moment(oldest.created_at, now) if len(run) > 1 else None,
                follow_ups=follow_up_note(lookup),
            )
        )
    return rows


def follow_up_note(lookup: Lookup) -> str:
    """What followed a lookup of a user's list: its rows' checks, one devInfo each."""
    count = getattr(lookup, "follow_up_count", 0)
    if not count or lookup.kind != Lookup.Kind.USER:
        return ""
    return ngettext(
        "then checked the state of %(count)d device",
        "then checked the state of %(count)d devices",
        count,
    ) % {"count": count}


def row_verdict(lookup: Lookup) -> tuple[str, str]:
    """(sentence, tone): what the page concluded (kept on the row in every language), or what
    the failure was."""
    if lookup.outcome == Lookup.Outcome.OK:
        kept = lookup.verdict or {}
        texts = kept.get("text") or {}
        text = texts.get(translation.get_language()) or texts.get(settings.LANGUAGE_CODE) or ""
        return text, kept.get("tone", NEUTRAL) if text else NEUTRAL
    if lookup.source == Lookup.Source.LAST_GOOD:
        return _("The vendor was not answering; its last good answer was shown."), WARN
    words = {
        Lookup.Outcome.NOT_FOUND: _("The vendor has no such device."),
        Lookup.Outcome.UNAVAILABLE: _("The vendor was not answering."),
        Lookup.Outcome.RATE_LIMITED: _("Too many lookups at that moment."),
        Lookup.Outcome.SIGNATURE_ERROR: _("The vendor refused our signature."),
        Lookup.Outcome.CREDENTIAL_ERROR: _("SupportDesk's vendor credential was not working."),
        Lookup.Outcome.VENDOR_ERROR: _("The vendor refused the lookup."),
        Lookup.Outcome.INVALID_INPUT: _("Not a valid identifier: nothing was asked."),
        Lookup.Outcome.PENDING: _("Did not finish."),
    }
    return words.get(lookup.outcome, ""), outcome_badge(lookup.outcome).tone


def verdict_in_every_language(verdict: Callable[[], tuple[str, str]]) -> dict:
    """What the audit row keeps of a page's verdict: {"tone", "text": {language: sentence}}.

    `verdict()` builds (sentence, tone) in the active language."""
    texts = {}
    tone = NEUTRAL
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            text, tone = verdict()
        texts[code] = text[:VERDICT_LENGTH]
    return {"tone": tone, "text": texts}


def device_verdicts(report: gwell.DeviceReport) -> dict:
    """The device page's verdict as the audit row keeps it."""
    now = timezone.now()

    def words() -> tuple[str, str]:
        found = verdict(report, now)
        return found.text, found.tone

    return verdict_in_every_language(words)


def user_verdicts(devices: gwell.DeviceList, *, user_id: str) -> dict:
    """The user's page's summary as the audit row keeps it."""
    now = timezone.now()

    def words() -> tuple[str, str]:
        rows = device_rows(devices.devices, now, user_id=user_id)
        return user_summary(rows, devices.devices), user_tone(rows)

    return verdict_in_every_language(words)


def colleague_notes(lookups: Iterable[Lookup], now: datetime) -> list[str]:
    """ "Also looked up by mei 4 minutes ago": a colleague may already be on this ticket."""
    return [
        _("Also looked up by %(name)s %(ago)s")
        % {"name": row.username, "ago": relative_time(row.created_at, now)}
        for row in lookups
    ]
