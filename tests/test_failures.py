"""The failure table: every failure has one row, and shared failures travel as plain dicts."""

import json

import pytest
from django.db import InterfaceError, OperationalError
from django.utils import translation

from devices import failures, gwell
from devices.credentials import NoCredential, UnknownCredential
from devices.crypto import SecretUnavailable
from devices.models import Lookup
from devices.ratelimit import LimiterUnavailable, VendorBusy

SHARED_FAILURES = [
    gwell.SignatureExpired.from_vendor("signature validate fail:-2", request_id="r-1"),
    gwell.VendorUnavailable.timeout(5.0),
    gwell.VendorRefused(code=10500, vendor_message="system busy", request_id="r-2"),
    gwell.CredentialRejected(code=10003, vendor_message="appToken invalid", request_id="r-3"),
    gwell.DeviceNotFound(code=12001, lookup="sn X", vendor_message="device not exist"),
    gwell.VendorRateLimited(retry_after=1.0, code=10029, vendor_message="too frequent"),
    VendorBusy(1.5, "app"),
]


@pytest.mark.parametrize("error", SHARED_FAILURES, ids=lambda e: type(e).__name__)
def test_a_shared_failure_arrives_as_the_same_error(error):
    description = failures.describe(error)

    revived = failures.revive(json.loads(json.dumps(description)))

    assert type(revived) is type(error)
    assert str(revived) == str(error)
    assert vars(revived) == vars(error)


def test_unknown_errors_are_not_shared_and_unknown_classes_not_revived():
    assert failures.describe(RuntimeError("bug")) is None
    with pytest.raises(KeyError):
        failures.revive({"class": "os.system", "args": [], "state": {}})


EVERY_FAILURE = [
    gwell.DeviceNotFound(code=12001, lookup="sn X"),
    gwell.SignatureExpired(),
    gwell.SignatureInvalid(),
    gwell.BodyUnreadable(),
    gwell.SignatureRejected(),
    gwell.VendorRateLimited(retry_after=2.0),
    gwell.VendorUnavailable.timeout(5.0),
    gwell.VendorUnavailable.http_status(500),
    gwell.VendorUnavailable.not_json(),
    gwell.VendorUnavailable.connection("connection refused"),
    gwell.VendorRefused(code=10500, vendor_message="system busy"),
    gwell.CredentialRejected(code=10003, vendor_message="appToken invalid"),
    VendorBusy(1.5, "app"),
    LimiterUnavailable(5.0, "app"),
    SecretUnavailable("cannot decrypt"),
    NoCredential(),
    UnknownCredential("eu"),
]


@pytest.mark.parametrize("error", EVERY_FAILURE, ids=lambda e: type(e).__name__)
def test_every_known_failure_has_its_own_row_with_a_status_that_is_not_500(error):
    failure = failures.failure_of(error)

    assert failure is not failures.INTERNAL
    assert failure.status in {404, 502, 503, 504}
    assert failure.outcome in Lookup.Outcome.values


def test_a_bug_of_ours_falls_to_the_internal_row_and_its_audit_text():
    assert failures.failure_of(KeyError("x")) is failures.INTERNAL
    assert failures.audit_text(KeyError("secret detail")) == failures.INTERNAL_AUDIT_TEXT


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (gwell.VendorUnavailable.timeout(5.0), 504),
        (gwell.VendorUnavailable.http_status(500), 502),
    ],
)
def test_a_reason_row_wins_over_its_class_row(error, status):
    assert failures.failure_of(error).status == status


def test_a_subclass_without_a_row_of_its_own_takes_its_parents():
    assert failures.failure_of(gwell.BodyUnreadable()) is failures.FAILURES[gwell.SignatureRejected]


@pytest.mark.parametrize("error", EVERY_FAILURE, ids=lambda e: type(e).__name__)
def test_the_audit_keeps_english_whatever_the_readers_language(error):
    with translation.override("zh-hans"):
        text = failures.audit_text(error)

    assert text == str(error)
    assert text.isascii()


@pytest.mark.parametrize("key", list(failures.FAILURES), ids=str)
def test_every_panel_text_reads_in_chinese(key):
    failure = failures.FAILURES[key]
    with translation.override("zh-hans"):
        texts = [str(failure.title), str(failure.message), str(failure.next_step)]

    for text in texts:
        assert not text.isascii(), text


@pytest.mark.parametrize(
    "error",
    [SecretUnavailable("x"), NoCredential(), UnknownCredential("eu"), KeyError("x")],
    ids=lambda e: type(e).__name__,
)
def test_failures_that_belong_to_one_lookup_are_not_shared(error):
    assert failures.describe(error) is None


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (gwell.DeviceNotFound(code=12001, lookup="sn X"), "not_found", 404),
        (gwell.SignatureExpired(), "credential_failing", 502),
        (gwell.BodyUnreadable(), "credential_failing", 502),
        (SecretUnavailable("cannot decrypt"), "credential_failing", 502),
        (NoCredential(), "credential_failing", 503),
        (UnknownCredential("eu"), "credential_failing", 503),
        (gwell.VendorRateLimited(retry_after=2.0), "vendor_busy", 503),
        (VendorBusy(1.5, "app"), "vendor_busy", 503),
        (gwell.VendorUnavailable.timeout(5.0), "vendor_timeout", 504),
        (gwell.VendorUnavailable.http_status(500), "vendor_unavailable", 502),
        (gwell.VendorUnavailable.connection("refused"), "vendor_unavailable", 502),
        (gwell.VendorRefused(code=10500, vendor_message="busy"), "vendor_refused", 502),
        (gwell.CredentialRejected(code=10003), "credential_failing", 502),
        (KeyError("a bug of ours"), "vendor_unavailable", 503),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_each_failure_has_its_api_code_beside_its_status(error, code, status):
    failure = failures.failure_of(error)

    assert (failure.api_code, failure.status) == (code, status)


def test_the_refusals_before_the_vendor_have_rows_of_their_own():
    assert (failures.INVALID_INPUT.api_code, failures.INVALID_INPUT.status) == (
        "invalid_input",
        400,
    )
    assert (failures.PERSON_LIMIT.api_code, failures.PERSON_LIMIT.status) == ("rate_limited", 429)
    assert failures.PERSON_LIMIT.retry


def test_every_api_code_is_used_by_some_row():
    rows = [*failures.FAILURES.values(), failures.INVALID_INPUT, failures.PERSON_LIMIT]

    assert {row.api_code for row in rows} == set(failures.ApiCode)


def test_the_last_good_answer_stands_in_only_while_the_vendor_is_not_answering():
    stale_ok = {
        type(error).__name__ for error in EVERY_FAILURE if failures.failure_of(error).stale_ok
    }

    assert stale_ok == {
        "VendorUnavailable",
        "VendorRateLimited",
        "VendorBusy",
        "LimiterUnavailable",
    }


def test_a_limiter_store_that_fails_has_its_own_panel_not_the_busy_budgets():
    store = failures.failure_of(LimiterUnavailable(5.0, "app"))
    busy = failures.failure_of(VendorBusy(1.5, "app"))

    assert store is not busy
    assert (store.status, store.retry, store.outcome) == (503, True, "rate_limited")
    assert store.api_code == busy.api_code == "vendor_busy"
    assert failures.in_english(store.title) == "Lookups are paused for a moment"


@pytest.mark.parametrize(
    "error",
    [
        gwell.CredentialRejected(code=10003, vendor_message="appToken invalid"),
        gwell.SignatureInvalid(),
        gwell.SignatureRejected(),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_refused_credential_tells_the_agent_to_tell_an_admin_not_the_vendor(error):
    failure = failures.failure_of(error)

    assert failure.next_step == failures.TELL_ADMIN_CREDENTIAL
    assert failure.check == failures.CheckReading.REJECTED
    assert failure.credential == failures.CredentialSign.FAILING


def test_a_refused_credential_has_an_outcome_of_its_own():
    error = gwell.CredentialRejected(code=10026, vendor_message="token expired")

    assert failures.failure_of(error).outcome == Lookup.Outcome.CREDENTIAL_ERROR
    assert failures.in_english(failures.failure_of(error).title) == (
        "SupportDesk's vendor credential is not working: tell an admin"
    )


@pytest.mark.parametrize(
    "error",
    [OperationalError("connection refused"), InterfaceError("connection already closed")],
    ids=lambda e: type(e).__name__,
)
def test_a_database_that_cannot_be_used_is_the_database_row_and_not_shared(error):
    assert failures.failure_of(error) is failures.DATABASE_UNAVAILABLE
    assert failures.DATABASE_UNAVAILABLE.status == 503
    assert failures.DATABASE_UNAVAILABLE.api_code == "vendor_unavailable"
    assert failures.describe(error) is None
