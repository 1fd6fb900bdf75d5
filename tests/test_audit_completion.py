"""Completing a lookup's row: a database that is briefly unreachable is waited out, so a lookup
that reached the vendor keeps its completed row; one that stays away is given up on."""

import logging
import time

import pytest
from django.db import OperationalError, transaction

from devices.audit import AuditContext, complete_lookup, new_lookup
from devices.models import Lookup


@pytest.fixture
def row(staff) -> Lookup:
    lookup = new_lookup(audit=AuditContext(user=staff), kind="sn", value="876ABCD1234567")
    lookup.outcome = Lookup.Outcome.OK
    lookup.request_id = "r-1"
    return lookup


def failing_saves(monkeypatch, times: int) -> list[float]:
    """Lookup.save raises OperationalError `times` times, then saves; returns when each ran."""
    real_save = Lookup.save
    calls: list[float] = []

    def save(self, *args, **kwargs):
        calls.append(time.monotonic())
        if len(calls) <= times:
            raise OperationalError("server closed the connection unexpectedly")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Lookup, "save", save)
    return calls


@pytest.mark.django_db(transaction=True)
def test_a_row_is_completed_once_the_database_is_back(row, monkeypatch, caplog):
    calls = failing_saves(monkeypatch, times=3)

    with caplog.at_level(logging.WARNING, "supportdesk.lookups"):
        complete_lookup(row)

    assert Lookup.objects.get(pk=row.pk).outcome == "ok"
    assert len(calls) == 4
    # Backing off: 0.1, 0.2, 0.4 s between the tries.
    assert calls[-1] - calls[0] >= 0.7
    assert caplog.text.count("the database cannot be used (OperationalError)") == 3


@pytest.mark.django_db(transaction=True)
def test_it_gives_up_after_its_patience(row, monkeypatch):
    calls = failing_saves(monkeypatch, times=1000)

    started = time.monotonic()
    with pytest.raises(OperationalError):
        complete_lookup(row, patience=1.0)

    assert time.monotonic() - started <= 1.0
    assert len(calls) >= 3
    assert Lookup.objects.get(pk=row.pk).outcome == "pending"


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_it_does_not_try_again(row, monkeypatch):
    calls = failing_saves(monkeypatch, times=1)

    with pytest.raises(OperationalError), transaction.atomic():
        complete_lookup(row)

    assert len(calls) == 1
