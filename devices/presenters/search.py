"""The search page: the note after a search (what the box was read as), and the region choice."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

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
