"""Audit rows for admin tests, and readers for the audit log's list and CSV export."""

import csv
import io
from datetime import timedelta

from django.contrib.auth.models import Permission, User
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from devices.audit import AuditContext, new_lookup
from devices.models import Lookup

CHANGELIST = reverse("admin:devices_lookup_changelist")
EXPORT = reverse("admin:devices_lookup_export")
BOM = "\ufeff"


def perm(codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label="devices", codename=codename)


def make_lookup(user: User | None, *, days_ago: float = 0, **fields) -> Lookup:
    fields.setdefault("kind", Lookup.Kind.SERIAL)
    fields.setdefault("value", "876ABCDEF0347")
    fields.setdefault("outcome", Lookup.Outcome.OK)
    fields.setdefault("username", user.get_username() if user else "gone")
    lookup = Lookup.objects.create(user=user, **fields)
    if days_ago:
        Lookup.objects.filter(pk=lookup.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
        lookup.refresh_from_db()
    return lookup


def audited(
    user: User, *, kind: str = "sn", value: str = "876ABCDEF0347", reason: str = "", **fields
):
    """A row written the way the services write it (devices.audit): normalised, ticket kept."""
    fields.setdefault("outcome", Lookup.Outcome.OK)
    return new_lookup(
        audit=AuditContext(user=user, reason=reason), kind=kind, value=value, **fields
    )


def shown(response) -> set[int]:
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def export_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM))))


def exported_ids(response) -> set[int]:
    header, *rows = export_rows(response)
    id_column = header.index("id")
    return {int(row[id_column]) for row in rows}
