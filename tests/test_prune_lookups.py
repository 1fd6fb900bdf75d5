"""prune_lookups: audit retention, in batches."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devices.models import Lookup


def lookup_aged(days: float) -> Lookup:
    lookup = Lookup.objects.create(username="staff", kind="sn", value=f"SN-{days}")
    Lookup.objects.filter(pk=lookup.pk).update(created_at=timezone.now() - timedelta(days=days))
    return lookup


def prune(*args: str) -> str:
    out = StringIO()
    call_command("prune_lookups", *args, stdout=out)
    return out.getvalue().strip()


def remaining() -> set[int]:
    return set(Lookup.objects.values_list("pk", flat=True))


def test_it_deletes_only_rows_older_than_the_given_days(db):
    old = [lookup_aged(400), lookup_aged(366)]
    kept = [lookup_aged(364), lookup_aged(10), lookup_aged(0)]
    assert prune("--days", "365") == "Removed 2 lookups older than 365 days."
    assert remaining() == {lookup.pk for lookup in kept}
    assert not any(Lookup.objects.filter(pk=lookup.pk).exists() for lookup in old)


def test_the_default_comes_from_the_retention_setting(db, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    kept = lookup_aged(20)
    lookup_aged(40)
    assert prune() == "Removed 1 lookups older than 30 days."
    assert remaining() == {kept.pk}


def test_it_deletes_in_batches(db):
    for days in range(100, 105):
        lookup_aged(days)
    kept = lookup_aged(1)
    with CaptureQueriesContext(connection) as queries:
        output = prune("--days", "30", "--batch-size", "2")
    deletes = [q["sql"] for q in queries if q["sql"].upper().startswith("DELETE")]
    assert len(deletes) == 3  # 2 + 2 + 1
    assert output == "Removed 5 lookups older than 30 days."
    assert remaining() == {kept.pk}


def test_it_reports_zero_when_nothing_is_old(db):
    kept = lookup_aged(1)
    assert prune("--days", "7") == "Removed 0 lookups older than 7 days."
    assert remaining() == {kept.pk}


@pytest.mark.parametrize("days", ["0", "-5"])
def test_it_refuses_fewer_than_one_day(db, days):
    lookup_aged(3)
    with pytest.raises(CommandError, match=r"--days must be at least 1"):
        prune("--days", days)
    assert Lookup.objects.count() == 1
