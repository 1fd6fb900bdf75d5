"""The bulk form: pasted identifiers or a CSV / XLSX file, a ticket / reason, a credential."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from devices import credential_services
from devices.bulk import parsing
from devices.forms import clean_reason

NOTHING_GIVEN = _("Paste identifiers or choose a CSV or XLSX file.")
TOO_MANY = _("A bulk job takes at most %(max)s identifiers; this one has %(count)s.")
FILE_TOO_LARGE = _("The file is larger than %(mb)s MB.")
UNKNOWN_CREDENTIAL = _("Choose one of the listed regions.")
BAD_COLUMN = _("That file has no column %(column)s.")
MAX_FILE_BYTES = 10 * 1024 * 1024


class BulkForm(forms.Form):
    identifiers = forms.CharField(
        label=_("Identifiers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_(
            "Serial numbers, device ids or user ids: one per line, or separated by spaces, "
            "commas or tabs."
        ),
    )
    file = forms.FileField(
        label=_("Or a CSV / XLSX file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    column = forms.IntegerField(
        label=_("Column (number; empty: detected)"), required=False, min_value=1, max_value=500
    )
    reason = forms.CharField(label=_("Ticket / reason"), required=False, max_length=400)
    credential = forms.ChoiceField(label=_("Region"), required=False)
    # Set after a first look listed invalid identifiers: start with the valid ones.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.credentials = credential_services.credential_choices()
        choices = [("", _("Default"))] + [(c.name, c.name) for c in self.credentials]
        self.fields["credential"].choices = choices
        self.parsed: parsing.Parsed | None = None
        self.source = ""

    def clean_reason(self) -> str:
        return clean_reason(self.cleaned_data.get("reason", ""))

    def clean_credential(self) -> str:
        name = self.cleaned_data.get("credential") or ""
        if name and name not in {c.name for c in self.credentials}:
            raise forms.ValidationError(UNKNOWN_CREDENTIAL)
        return name

    def clean(self) -> dict:
        data = super().clean()
        upload = data.get("file")
        text = data.get("identifiers") or ""
        if upload:
            if upload.size > MAX_FILE_BYTES:
                raise forms.ValidationError(FILE_TOO_LARGE % {"mb": MAX_FILE_BYTES // 2**20})
            try:
                table = parsing.read_table(upload.name, upload.read())
            except ValueError:
                raise forms.ValidationError(parsing.UNREADABLE_FILE) from None
            column = data.get("column")
            if column is not None and column > len(table.header):
                raise forms.ValidationError(BAD_COLUMN % {"column": column})
            index = column - 1 if column else parsing.identifier_column(table)
            self.parsed = parsing.parse_table(table, index)
            self.source = upload.name
        elif text.strip():
            self.parsed = parsing.parse_text(text)
        else:
            raise forms.ValidationError(NOTHING_GIVEN)
        count = len(self.parsed.identifiers)
        if count == 0:
            raise forms.ValidationError(parsing.NO_IDENTIFIERS)
        if count > settings.BULK_MAX_ITEMS:
            raise forms.ValidationError(TOO_MANY % {"max": settings.BULK_MAX_ITEMS, "count": count})
        return data

    @property
    def needs_confirmation(self) -> bool:
        """Invalid identifiers were found and not yet shown to the person."""
        return bool(self.parsed and self.parsed.invalid and not self.cleaned_data.get("confirm"))

    def valid_text(self) -> str:
        return "\n".join(value for _kind, value in self.parsed.identifiers)
