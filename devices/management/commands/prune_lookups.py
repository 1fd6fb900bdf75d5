"""Audit retention: delete lookups older than N days, a batch of ids at a time.

Small batches keep each DELETE short, so a nightly prune of a large backlog never holds a long
lock on the table that lookups are being written to.
"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from devices.history.recording import snapshots_prune
from devices.models import Lookup

BATCH_SIZE = 5000
DAYS_TOO_SMALL = "--days must be at least 1 (got {days})."
BATCH_TOO_SMALL = "--batch-size must be at least 1 (got {size})."
REMOVED = "Removed {count} lookups older than {days} days."
SNAPSHOTS_REMOVED = "Removed {count} device snapshots last seen more than {days} days ago."


class Command(BaseCommand):
    help = "Delete audit rows (lookups) older than --days (default: AUDIT_RETENTION_DAYS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Keep this many days of lookups (default: the AUDIT_RETENTION_DAYS setting).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Rows per DELETE statement (default {BATCH_SIZE}).",
        )

    def handle(self, *args, days: int | None, batch_size: int, **options) -> None:
        if days is None:
            days = settings.AUDIT_RETENTION_DAYS
        if days < 1:
            raise CommandError(DAYS_TOO_SMALL.format(days=days))
        if batch_size < 1:
            raise CommandError(BATCH_TOO_SMALL.format(size=batch_size))
        cutoff = timezone.now() - timedelta(days=days)
        old = Lookup.objects.filter(created_at__lt=cutoff).order_by()
        removed = 0
        while ids := list(old.values_list("pk", flat=True)[:batch_size]):
            deleted, _by_model = Lookup.objects.filter(pk__in=ids).delete()
            removed += deleted
        self.stdout.write(REMOVED.format(count=removed, days=days))
        # A device's history (devices.history) is kept as long as the audit log.
        if snapshots := snapshots_prune(before=cutoff, batch_size=batch_size):
            self.stdout.write(SNAPSHOTS_REMOVED.format(count=snapshots, days=days))
