"""The search page: the note after a search (what the box was read as), and the region choice."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from devices.models import Credential
from devices.presenters.formatting import kind_label


def search_note(cleaned: dict[str, Any]) -> str:
    """What the box was read as, so a wrong guess is noticed at once."""
    kind = kind_label(cleaned["resolved_kind"])
    if cleaned.get("detected"):
        return _(
            "“%(value)s” was read as a %(kind)s. If that is wrong, search again and choose "
            "the kind."
        ) % {"value": cleaned["q"], "kind": kind}
    return _("Looked up “%(value)s” as a %(kind)s.") % {"value": cleaned["q"], "kind": kind}


def region_label(credential: Credential) -> str:
    """A region in the picker; one whose credential is failing says so, so it is not a surprise."""
    if credential.is_failing:
        return _("%(region)s (not working: tell an admin)") % {"region": credential}
    return str(credential)


@dataclass(frozen=True)
class CandidateLink:
    kind: str  # "serial number", "device id", "user id"
    value: str
    url: str  # "" when it cannot be looked up; `note` says why
    note: str = ""


@dataclass(frozen=True)
class CandidateList:
    """What the search box was read as when it is not one lookup: the links to choose from."""

    title: str
    links: list[CandidateLink]
    # The identifiers a bulk job could look up at once (several pasted, none of them a
    # "did you mean"); empty when there is no such choice.
    bulk_values: list[str] = field(default_factory=list)


def candidate_notes(candidates: list) -> CandidateList:
    """Several identifiers pasted at once, each a link; or "did you mean -…?" for a user id
    typed without its minus (devices.forms.SearchForm._candidates)."""
    first = candidates[0]
    if len(candidates) == 2 and first.value == f"-{candidates[1].value}":
        typed = candidates[1].value
        return CandidateList(
            _(
                "“%(value)s” looks like a user id, but user ids are usually negative: "
                "its leading minus may have been lost."
            )
            % {"value": typed},
            [
                CandidateLink(
                    kind_label(first.kind),
                    first.value,
                    first.url,
                    _("Did you mean %(value)s?") % {"value": first.value},
                ),
                CandidateLink(
                    kind_label(first.kind),
                    typed,
                    candidates[1].url,
                    _("Look up %(value)s as typed") % {"value": typed},
                ),
            ],
        )
    title = ngettext(
        "You pasted %(count)d identifier: open it.",
        "You pasted %(count)d identifiers: open each one.",
        len(candidates),
    ) % {"count": len(candidates)}
    links = [CandidateLink(kind_label(c.kind), c.value, c.url, c.error) for c in candidates]
    return CandidateList(title, links, [c.value for c in candidates if c.url])
