"""What support staff type, cleaned: identifiers normalised, their kind detected, checked.

Customers read numbers off stickers and apps, staff type them through Chinese input methods:
full-width digits and letters, ideographic spaces and stray blanks are all normal here, so every
identifier goes through `normalise()` before anything else looks at it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from devices.identifiers import normalise, split_identifiers
from devices.links import lookup_url
from devices.models import Lookup
from devices.presenters.search import region_label

DETECT = "detect"

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
SERIAL_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{3,39}$")
DIGITS = re.compile(r"^[0-9]+$")
SIGNED_DIGITS = re.compile(r"^-?[0-9]+$")

REQUIRED = _("Type the serial number, device id or user id the customer gave.")
INVALID_SERIAL = _(
    "A serial number is 4 to 40 letters, digits, '-' or '_', e.g. 876ABCDEF0347 (on the sticker)."
)
INVALID_DEVICE_ID = _("A device id is a whole number, e.g. 3435178203944 (10 to 14 digits).")
INVALID_USER_ID = _(
    "A user id is a whole number, usually negative, e.g. -9223371981234556044 (up to 19 digits)."
)
INVALID_OWNER = _("The owner's user id must be a whole number, e.g. -9223371981234556044.")
REASON_REQUIRED = _("Give the ticket number or the reason: it is required to look up a user.")
REASON_TOO_LONG = _("Keep the ticket / reason under 200 characters.")
UNKNOWN_CREDENTIAL = _("Choose one of the listed regions.")
# One identifier is at most 100 characters; a paste of several may be longer.
MAX_PASTE = 2000


@dataclass(frozen=True)
class Candidate:
    """One identifier the search box was read as, when it holds several or a likely slip."""

    kind: str
    value: str
    url: str  # "" when the value cannot be looked up (then `error` says why)
    error: str = ""


KIND_CHOICES = [
    (DETECT, _("Detect")),
    (Lookup.Kind.SERIAL, _("Serial number")),
    (Lookup.Kind.DEVICE_ID, _("Device id")),
    (Lookup.Kind.USER, _("User id")),
]


def normalise_reason(text: str) -> str:
    """Free text: NFKC, no format characters (bidi overrides such as U+202E, zero-width
    spaces), and runs of blanks (including ideographic spaces) become one space."""
    text = unicodedata.normalize("NFKC", text or "")
    return " ".join("".join(ch for ch in text if unicodedata.category(ch) != "Cf").split())


def clean_reason(raw: str) -> str:
    """The ticket / reason as the audit log keeps it; a form error when it is too long."""
    reason = normalise_reason(raw)
    if len(reason) > 200:
        raise forms.ValidationError(REASON_TOO_LONG)
    return reason


def detect_kind(value: str) -> str:
    """A leading "-" or 17+ digits: a user id; 10-14 digits: a device id; else a serial number."""
    if SIGNED_DIGITS.match(value) and (value.startswith("-") or len(value) >= 17):
        return Lookup.Kind.USER
    if DIGITS.match(value) and 10 <= len(value) <= 14:
        return Lookup.Kind.DEVICE_ID
    return Lookup.Kind.SERIAL


def canonical(kind: str, value: str) -> str:
    """The identifier as the vendor knows it. Serial numbers are upper case on every sticker and
    in every vendor example, and the vendor matches them exactly: "876mb8d3l5560" is not found,
    "876MB8D3L5560" is."""
    if kind == Lookup.Kind.SERIAL and SERIAL_PATTERN.match(value):
        return value.upper()
    return value  # anything else as typed, so that a refusal shows what was typed


def _int64(value: str, *, signed: bool) -> bool:
    if not (SIGNED_DIGITS if signed else DIGITS).match(value) or len(value.lstrip("-")) > 19:
        return False
    number = int(value)
    return number != 0 and INT64_MIN <= number <= INT64_MAX


def identifier_error(kind: str, value: str):
    """The message for an identifier that cannot be of this kind, or None when it can."""
    if kind == Lookup.Kind.SERIAL:
        return None if SERIAL_PATTERN.match(value) else INVALID_SERIAL
    if kind == Lookup.Kind.DEVICE_ID:
        return None if _int64(value, signed=False) else INVALID_DEVICE_ID
    if kind == Lookup.Kind.USER:
        return None if _int64(value, signed=True) else INVALID_USER_ID
    raise ValueError(f"unknown kind {kind!r}")


class SearchForm(forms.Form):
    """The search box: one identifier, its kind (detected by default), and the audit context."""

    q = forms.CharField(
        label=_("Serial number, device id or user id"),
        max_length=MAX_PASTE,
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "spellcheck": "false",
                "placeholder": "876ABCDEF0347",
            }
        ),
    )
    kind = forms.ChoiceField(
        label=_("It is a"),
        choices=KIND_CHOICES,
        initial=DETECT,
        required=False,
        widget=forms.RadioSelect,
    )
    owner = forms.CharField(
        label=_("Owner's user id"),
        help_text=_("Optional, for device lookups: some devices only answer for their owner."),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    reason = forms.CharField(
        label=_("Ticket / reason"),
        help_text=_("Kept in the audit log with the lookup."),
        required=False,
        max_length=400,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    credential = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args, credentials=(), link=lookup_url, suggest_minus=True, **kwargs):
        """`link(kind, value, owner=, credential=, reason=)` makes a candidate's link (the pages'
        by default); `suggest_minus` False reads a positive user id as typed."""
        super().__init__(*args, **kwargs)
        self._link = link
        self._suggest_minus = suggest_minus
        names = [(c.name, region_label(c)) for c in credentials]
        self.fields["credential"].choices = names
        self.fields["credential"].error_messages["invalid_choice"] = UNKNOWN_CREDENTIAL
        # One region (or none) needs no choice; the default credential is used.
        self.choose_credential = len(names) > 1
        if not self.choose_credential:
            del self.fields["credential"]
        if settings.AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS:
            self.fields["reason"].help_text = _(
                "Kept in the audit log with the lookup; required to look up a user."
            )

    def clean_q(self) -> str:
        """The first identifier pasted (labels such as "SN:" dropped); `clean` lists the rest."""
        self.pasted = split_identifiers(self.cleaned_data["q"])
        if not self.pasted:
            raise forms.ValidationError(REQUIRED)
        return self.pasted[0]

    def clean_owner(self) -> str:
        owner = normalise(self.cleaned_data["owner"])
        if owner and not _int64(owner, signed=True):
            raise forms.ValidationError(INVALID_OWNER)
        return owner

    def clean_reason(self) -> str:
        return clean_reason(self.cleaned_data["reason"])

    def clean(self):
        cleaned = super().clean()
        value = cleaned.get("q")
        if not value:
            return cleaned
        chosen = cleaned.get("kind") or DETECT
        kind = detect_kind(value) if chosen == DETECT else chosen
        cleaned["detected"] = chosen == DETECT
        cleaned["resolved_kind"] = kind
        cleaned["q"] = value = canonical(kind, value)
        cleaned["candidates"] = self._candidates(chosen)
        if cleaned["candidates"]:
            return cleaned  # nothing is looked up yet: the person picks from the list
        error = identifier_error(kind, value)
        if error:
            self.add_error("q", error)
        if (
            kind == Lookup.Kind.USER
            and settings.AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS
            and not cleaned.get("reason")
            and "reason" not in self.errors
        ):
            self.add_error("reason", REASON_REQUIRED)
        return cleaned

    def _candidates(self, chosen: str) -> list[Candidate]:
        """Several identifiers pasted at once, or a user id that lost its minus: the links to
        choose from. [] for one identifier read as it stands."""
        values = self.pasted
        if len(values) == 1:
            kind = detect_kind(values[0]) if chosen == DETECT else chosen
            if kind != Lookup.Kind.USER or not DIGITS.match(values[0]):
                return []
            if not self._suggest_minus:
                return []
            if identifier_error(kind, f"-{values[0]}"):
                return []  # not a user id with or without a minus: the box says why
            values = [f"-{values[0]}", values[0]]  # "did you mean -…?" first
        found = []
        for value in values:
            kind = detect_kind(value) if chosen == DETECT else chosen
            value = canonical(kind, value)
            error = identifier_error(kind, value)
            url = "" if error else self._url(kind, value)
            found.append(Candidate(kind, value, url, str(error or "")))
        return found

    def _url(self, kind: str, value: str) -> str:
        data = self.cleaned_data
        return self._link(
            kind,
            value,
            owner=data.get("owner", ""),
            credential=data.get("credential", "") if self.choose_credential else "",
            reason=data.get("reason", ""),
        )

    @property
    def candidates(self) -> list[Candidate]:
        return self.cleaned_data.get("candidates", []) if hasattr(self, "cleaned_data") else []

    @property
    def attempted_kind(self) -> str:
        """The kind this input was read as, even when invalid (for the audit row)."""
        if hasattr(self, "cleaned_data") and "resolved_kind" in self.cleaned_data:
            return self.cleaned_data["resolved_kind"]
        chosen = self.data.get("kind") or DETECT
        if chosen in (Lookup.Kind.SERIAL, Lookup.Kind.DEVICE_ID, Lookup.Kind.USER):
            return chosen
        return detect_kind(normalise(self.data.get("q", "")))

    @property
    def attempted_value(self) -> str:
        return normalise(self.data.get("q", ""))[:200]

    def target_url(self) -> str:
        return self._url(self.cleaned_data["resolved_kind"], self.cleaned_data["q"])

    def error_summary(self) -> str:
        """The messages, in English, for the audit row (read by admins in any language)."""
        with translation.override("en"):
            return " ".join(
                f"{name}: {' '.join(str(m) for m in messages)}"
                for name, messages in self.errors.items()
            )


class LookupForm(forms.Form):
    """A device or user page: the identifier in its path and its query.

    The query is ?access_id= (the owner's user id, for device lookups), ?credential= (a region's
    credential name), ?refresh=1 (skip the cache) and ?reason= (kept in the audit log).
    """

    access_id = forms.CharField(required=False, max_length=40)
    credential = forms.SlugField(required=False, max_length=50)
    refresh = forms.BooleanField(required=False)
    reason = forms.CharField(required=False, max_length=400)

    def __init__(self, data, *, kind: str, value: str):
        super().__init__(data)
        self.kind = kind
        self.value = canonical(kind, normalise(value))

    def clean_access_id(self) -> str:
        access_id = normalise(self.cleaned_data["access_id"])
        if access_id and not _int64(access_id, signed=True):
            raise forms.ValidationError(INVALID_OWNER)
        return access_id

    def clean_reason(self) -> str:
        return clean_reason(self.cleaned_data["reason"])

    def clean(self):
        cleaned = super().clean()
        error = identifier_error(self.kind, self.value)
        if error:
            raise forms.ValidationError(error)
        cleaned["value"] = self.value
        return cleaned

    def problems(self) -> list[str]:
        """Every message, the identifier's first, in the active language."""
        errors = self.errors
        first = sorted(errors, key=lambda name: name != NON_FIELD_ERRORS)
        return [str(message) for name in first for message in errors[name]]

    def audit(self) -> dict[str, str]:
        """What was asked for, cleaned as far as it goes, for an audit row of a refused lookup."""
        with translation.override("en"):
            message = " ".join(self.problems())
        return {
            "kind": self.kind,
            "value": self.value[:200] or "-",
            "owner_id": normalise(self.data.get("access_id", ""))[:40],
            "reason": normalise_reason(self.data.get("reason", ""))[:200],
            "message": message,
        }


class ReasonForm(forms.Form):
    """Asked on a user's page when the audit policy wants a reason and the link carried none."""

    reason = forms.CharField(
        label=_("Ticket / reason"),
        max_length=200,
        error_messages={"required": REASON_REQUIRED},
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    credential = forms.CharField(required=False, widget=forms.HiddenInput)
