"""The reads behind My lookups: repeats folded, pages cut between runs, a bounded scan."""

from datetime import timedelta

import pytest
from django.utils import timezone

from devices import selectors
from devices.models import Lookup

pytestmark = pytest.mark.django_db


def make(user, minutes_ago: int, value: str) -> Lookup:
    row = Lookup.objects.create(
        user=user, username=user.get_username(), kind="sn", value=value, outcome="ok"
    )
    Lookup.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return row


def test_fold_repeats_keeps_runs_in_order(staff):
    rows = [Lookup(kind="sn", value=value) for value in ("A", "A", "B", "A")]
    assert [len(run) for run in selectors.fold_repeats(rows)] == [2, 1, 1]


def test_a_page_reads_past_its_first_chunk_to_fill_itself(staff):
    for minute in range(20):
        make(staff, minute, "REPEATED")
    for minute in range(20, 24):
        make(staff, minute, f"OTHER{minute}")

    page = selectors.lookups_of_user(user=staff, per_page=3)

    assert [row.value for row in page.rows] == ["REPEATED"] * 20 + ["OTHER20", "OTHER21"]
    assert page.older == page.rows[-1].pk


def test_a_run_longer_than_the_scan_goes_on_on_the_next_page(staff):
    for minute in range(15):
        make(staff, minute, "REPEATED")
    make(staff, 30, "LAST")

    first = selectors.lookups_of_user(user=staff, per_page=3, scanned=10)
    second = selectors.lookups_of_user(user=staff, per_page=3, scanned=10, before=first.older)

    assert len(first.rows) == 10
    assert [row.value for row in second.rows] == ["REPEATED"] * 5 + ["LAST"]
    assert second.older is None
