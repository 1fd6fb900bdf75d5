"""The audit row as a lead's search finds it: identifiers normalised, the ticket number taken
out of the reason, and the failure kept as a code of the failure table."""

import pytest
from django.test import override_settings
from django.urls import reverse

from devices import failures, gwell, services
from devices.audit import AuditContext, new_lookup, stored_identifier, ticket_of
from devices.credentials import NoCredential, UnknownCredential
from devices.crypto import SecretUnavailable
from devices.models import Lookup
from devices.ratelimit import VendorBusy
from devices.sandbox import FaultPlan, data

SN = data.device_by_key("online-wifi-mains").sn


@pytest.mark.parametrize(
    ("kind", "typed", "stored"),
    [
        ("sn", "876abcdef0347", "876ABCDEF0347"),
        ("sn", "８７６ａｂｃｄｅｆ０３４７", "876ABCDEF0347"),  # full-width, from a Chinese IME
        ("sn", " 876-abc\u200bdef ", "876-ABCDEF"),
        ("sn", "876abc!", "876abc!"),  # not a serial number: kept as typed, to be shown back
        ("dev_id", "٣٤٣٥١٧٨٢٠٣٩٤٤", "3435178203944"),  # Arabic-Indic digits
        ("user", "−9223371981234556044", "-9223371981234556044"),  # a minus sign, not "-"
    ],
)
def test_an_identifier_is_stored_normalised_and_a_serial_number_upper_cased(kind, typed, stored):
    assert stored_identifier(kind, typed) == stored


@pytest.mark.parametrize(
    ("reason", "ticket"),
    [
        ("Zendesk #4821", "4821"),
        ("Chatwoot #1204", "1204"),
        ("ticket # 77: camera offline", "77"),
        ("RMA-20931 swap", "RMA-20931"),
        ("zd-4821", "ZD-4821"),
        ("工单 52190 客户说离线", "52190"),
        ("工单52190", "52190"),
        ("＃４８２１", "4821"),
        ("2 cameras, ticket 4821", "4821"),
        ("customer called back", ""),
        ("", ""),
    ],
)
def test_the_ticket_number_is_taken_out_of_the_reason(reason, ticket):
    assert ticket_of(reason) == ticket


def test_a_new_row_keeps_the_normalised_identifier_and_the_ticket(staff):
    audit = AuditContext(user=staff, reason="Zendesk #4821: no video")

    row = new_lookup(audit=audit, kind="sn", value="876abcdef0347", owner_id="－１２３")

    row.refresh_from_db()
    assert (row.value, row.owner_id) == ("876ABCDEF0347", "-123")
    assert (row.reason, row.ticket) == ("Zendesk #4821: no video", "4821")


def test_a_lookup_typed_in_lower_case_is_audited_in_upper_case(staff, credential):
    audit = AuditContext(user=staff, reason="RMA-20931")

    result = services.lookup_device(audit=audit, kind="sn", value=SN.lower())

    assert result.lookup.value == SN.upper()
    assert Lookup.objects.get().ticket == "RMA-20931"


# Every row of the failure table, the refusals and the internal error: the code is what the
# audit row keeps, so a code must never be shared, renamed or reused.
ROWS = [
    *dict.fromkeys(failures.FAILURES.values()),  # a row two classes share counts once
    failures.INTERNAL,
    failures.INVALID_INPUT,
    failures.PERSON_LIMIT,
]


def test_every_failure_has_a_code_of_its_own():
    codes = [row.code for row in ROWS]
    missing = [str(row.title) for row in ROWS if not row.code]
    assert not missing, f"give these failure rows a code=: {missing}"
    assert len(set(codes)) == len(codes)
    assert all(failures.failure_by_code(row.code) is row for row in ROWS)
    assert failures.failure_by_code("") is None
    assert failures.failure_by_code("no-such-code") is None


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (gwell.DeviceNotFound(code=12001, lookup="sn X"), "not_found"),
        (gwell.SignatureExpired(), "signature_expired"),
        (gwell.VendorUnavailable.timeout(5.0), "vendor_timeout"),
        (gwell.VendorUnavailable.http_status(500), "vendor_http_error"),
        (gwell.VendorUnavailable.connection("refused"), "vendor_unreachable"),
        (gwell.VendorRefused(code=10500, vendor_message="system busy"), "vendor_refused"),
        (VendorBusy(1.5, "app"), "budget_busy"),
        (SecretUnavailable("cannot decrypt"), "secret_unavailable"),
        (NoCredential(), "no_credential"),
        (UnknownCredential("eu"), "unknown_credential"),
        (RuntimeError("a bug of ours"), "internal"),
    ],
)
def test_a_failed_lookup_keeps_the_code_of_its_failure(staff, credential, monkeypatch, error, code):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(services, "vendor_client", fail)

    result = services.lookup_device(audit=AuditContext(user=staff), kind="sn", value=SN)

    assert result.lookup.failure_code == code
    assert Lookup.objects.get().failure_code == code


def test_a_vendor_error_over_the_wire_is_kept_as_its_code(staff, credential, sandbox):
    sandbox.vendor.set_faults(FaultPlan("http502"))

    row = services.lookup_device(audit=AuditContext(user=staff), kind="sn", value=SN).lookup

    assert (row.outcome, row.failure_code) == ("unavailable", "vendor_http_error")


def test_a_good_lookup_keeps_no_failure_code(staff, credential):
    row = services.lookup_device(audit=AuditContext(user=staff), kind="sn", value=SN).lookup

    assert (row.outcome, row.failure_code) == ("ok", "")


def test_refusals_before_the_vendor_keep_their_codes(staff_client):
    staff_client.get(reverse("device_by_sn", args=["no!"]))
    assert Lookup.objects.get().failure_code == "invalid_input"
    Lookup.objects.all().delete()

    with override_settings(LOOKUP_USER_RATE="1/m"):
        staff_client.get(reverse("device_by_sn", args=[SN]))
        staff_client.get(reverse("device_by_sn", args=[SN]))

    refused = Lookup.objects.get(outcome="rate_limited")
    assert refused.failure_code == "person_limit"
