"""Rows written before 0008 as the search now finds them: serial numbers in upper case, and the
ticket number taken out of the reason. Done in batches; on a million rows it takes a minute or so.

It reads the rules from devices.audit, so the rows get the same ones as the rows written from now
on (and the search that looks for them).
"""

from django.db import migrations

BATCH = 2000


def forwards(apps, schema_editor):
    from devices.audit import stored_identifier, ticket_of

    Lookup = apps.get_model("devices", "Lookup")
    serials = Lookup.objects.filter(kind="sn", value__regex=r"[a-z]").only("pk", "kind", "value")
    _update(Lookup, serials, "value", lambda row: stored_identifier(row.kind, row.value))
    reasons = Lookup.objects.exclude(reason="").only("pk", "reason", "ticket")
    _update(Lookup, reasons, "ticket", lambda row: ticket_of(row.reason))


def _update(Lookup, rows, field, compute):
    # Batches by primary key, each read in full before it is written: SQLite does not isolate a
    # cursor from writes to its table on the same connection.
    last = 0
    while batch := list(rows.filter(pk__gt=last).order_by("pk")[:BATCH]):
        last = batch[-1].pk
        changed = []
        for row in batch:
            value = compute(row)
            if value != getattr(row, field):
                setattr(row, field, value)
                changed.append(row)
        Lookup.objects.bulk_update(changed, [field])


class Migration(migrations.Migration):
    dependencies = [
        ("devices", "0008_lookup_ticket_and_failure_code"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
