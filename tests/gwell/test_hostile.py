"""The client against a hostile vendor over real sockets (tests/hostile_vendor.py).

Whatever the vendor does, a call ends within its timeout (plus a margin for a loaded machine)
with a clean result or a domain exception, and no secret is left in the result, the exception or
any log record; no vendor text starts a log line of its own.
"""

import json
import logging
import time
from dataclasses import asdict

import pytest

import devices.gwell.transport as transport_module
from devices.gwell import (
    AppCredentials,
    DeviceList,
    DeviceNotFound,
    DeviceReport,
    VendorClient,
    VendorError,
    VendorRateLimited,
    VendorRefused,
    VendorUnavailable,
    errors,
)
from devices.gwell.transport import MAX_BODY_BYTES, new_session
from devices.gwell.untrusted import REDACTED
from tests import hostile_vendor
from tests.hostile_vendor import HostileVendor

from .conftest import APP_ID, APP_KEY, APP_TOKEN

SN = "876ABCDEF0347"
USER_ID = "-9223371981234556044"
TIMEOUT = 1.0
MARGIN = 1.0


@pytest.fixture
def vendor():
    with HostileVendor(app_key=APP_KEY) as running:
        yield running


@pytest.fixture
def logged(caplog):
    """Every log record of the test, from any logger, down to DEBUG."""
    caplog.set_level(logging.DEBUG)
    return caplog


def client_for(vendor: HostileVendor, **options) -> VendorClient:
    app = AppCredentials(
        base_url=vendor.base_url, app_id=APP_ID, app_token=APP_TOKEN, app_key=APP_KEY
    )
    return VendorClient(app, **{"timeout": TIMEOUT, "session": new_session(), **options})


def call(vendor: HostileVendor, mode: str, endpoint: str = "devInfo", **options):
    """(the result or the VendorError raised, seconds taken) of one call in `mode`."""
    vendor.mode = mode
    client = client_for(vendor, **options)
    started = time.monotonic()
    try:
        if endpoint == "devInfo":
            outcome = client.device_info(sn=SN)
        else:
            outcome = client.device_list(user_id=USER_ID)
    except VendorError as error:
        outcome = error
    return outcome, time.monotonic() - started


def shown(outcome) -> str:
    """Everything a result or an error could put on a page, in the cache or in a log."""
    if isinstance(outcome, VendorError):
        parts = [str(outcome), repr(outcome), repr(outcome.args), repr(vars(outcome))]
        return "\n".join([*parts, repr(outcome.__cause__), repr(outcome.__context__)])
    return "\n".join([repr(outcome), repr(asdict(outcome)), json.dumps(outcome.raw, default=str)])


def log_text(caplog) -> str:
    return "\n".join(
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for record in caplog.records
    )


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert APP_TOKEN not in text
        assert APP_KEY not in text


# The echo: every secret the request carried comes back, on every path.


def test_the_echo_sends_the_secrets_back_even_spelled_in_escapes(vendor):
    # The negative control of the vendor: what it sends holds every secret.
    vendor.mode = "echo_ok"
    client_for(vendor).device_info(sn=SN)
    answer = hostile_vendor.MODES["echo_ok"](vendor.received[-1], vendor.scenario)
    sent = json.loads(b"".join(answer.body))

    assert sent["requestId"] == APP_TOKEN
    assert APP_KEY in sent["msg"]
    assert hostile_vendor.escaped(APP_KEY) in sent["data"]["storageInfo"]
    assert APP_KEY in json.loads(sent["data"]["storageInfo"])["note"]


@pytest.mark.parametrize("mode", ["echo_ok", "echo_not_found", "echo_http500", "echo_429"])
def test_without_redaction_these_checks_would_see_the_secrets(vendor, monkeypatch, mode):
    # The negative control of the checks below: they catch a leak when there is one.
    monkeypatch.setattr(transport_module, "redact", lambda value, secrets: value)

    outcome, _ = call(vendor, mode)

    assert APP_TOKEN in shown(outcome)


@pytest.mark.parametrize("endpoint", ["devInfo", "devList"])
def test_an_ok_answer_that_echoes_the_secrets_comes_back_redacted(vendor, logged, endpoint):
    result, took = call(vendor, "echo_ok", endpoint)

    assert isinstance(result, DeviceReport | DeviceList)
    assert result.request_id == REDACTED
    assert result.raw["msg"] == f"bad appToken {REDACTED} / {REDACTED}"
    assert REDACTED in result.raw["data"]["request"]
    assert_no_secret(shown(result), log_text(logged))
    assert took < TIMEOUT + MARGIN


def test_every_field_of_an_echoing_device_report_is_redacted(vendor):
    report, _ = call(vendor, "echo_ok")

    assert report.device.device_id == "5112345615988"
    assert report.device.device_type == REDACTED
    assert report.device.firmware_version == f"{REDACTED} {REDACTED}"
    assert report.device.extra == {REDACTED: f"{REDACTED} {REDACTED}"}
    assert report.sim.card_provider == f"{REDACTED} {REDACTED}"
    # The storage block spelled the secrets in \u escapes inside a string of JSON: dropped.
    assert report.raw["data"]["storageInfo"] == REDACTED
    assert report.storage is None


def test_every_field_of_an_echoing_device_list_is_redacted(vendor):
    devices, _ = call(vendor, "echo_ok", "devList")

    first, second = devices.devices
    assert first.extra == {"note": f"{REDACTED} {REDACTED}", REDACTED: f"{REDACTED} {REDACTED}"}
    assert devices.raw["data"]["deviceList"][1]["vss"] == REDACTED
    assert second.vss_renew is None


@pytest.mark.parametrize(
    ("mode", "error_class", "code"),
    [
        ("echo_not_found", DeviceNotFound, hostile_vendor.NOT_FOUND_CODE),
        ("echo_refused", VendorRefused, 20001),
        ("echo_http500", VendorUnavailable, 0),
        ("echo_429", VendorRateLimited, 0),
    ],
)
@pytest.mark.parametrize("endpoint", ["devInfo", "devList"])
def test_an_error_that_echoes_the_secrets_shows_none_of_them(
    vendor, logged, mode, error_class, code, endpoint
):
    error, took = call(vendor, mode, endpoint)

    assert type(error) is error_class
    assert error.code == code
    assert error.request_id == REDACTED
    assert_no_secret(shown(error), log_text(logged))
    assert took < TIMEOUT + MARGIN


def test_an_echoed_refusal_keeps_the_rest_of_the_vendor_message(vendor):
    error, _ = call(vendor, "echo_refused")

    assert error.vendor_message == f"bad appToken {REDACTED} / {REDACTED}"


def test_a_rate_limit_that_echoes_the_secrets_still_says_when_to_retry(vendor):
    error, _ = call(vendor, "echo_429")

    assert error.retry_after == 1.0


# Floods and trickles: one deadline and one size cap per call, nothing retried.


@pytest.mark.parametrize("mode", ["huge", "huge_unsized", "gzip_bomb"])
def test_an_answer_larger_than_the_cap_is_refused_quickly(vendor, logged, mode):
    error, took = call(vendor, mode)

    assert isinstance(error, VendorUnavailable)
    assert error.reason == "bad_response"
    assert str(error) == errors.TOO_LARGE_MESSAGE.format(limit=MAX_BODY_BYTES)
    assert took < TIMEOUT + MARGIN
    assert len(vendor.received) == 1
    assert_no_secret(shown(error), log_text(logged))


def test_a_body_that_is_not_the_encoding_it_claims_is_a_bad_response(vendor):
    error, _ = call(vendor, "bad_gzip")

    assert isinstance(error, VendorUnavailable)
    assert error.reason == "bad_response"
    assert str(error) == errors.NOT_ENVELOPE_MESSAGE.format(detail=errors.UNDECODABLE_BODY)


def test_the_size_cap_is_a_constructor_argument(vendor):
    answer = hostile_vendor.MODES["good"](hostile_vendor.Received("/x", {}, b""), vendor.scenario)
    size = len(b"".join(answer.body))

    exact, _ = call(vendor, "good", max_body_bytes=size)
    error, _ = call(vendor, "good", max_body_bytes=size - 1)

    assert isinstance(exact, DeviceReport)
    assert isinstance(error, VendorUnavailable)
    assert str(error) == errors.TOO_LARGE_MESSAGE.format(limit=size - 1)


def test_the_size_cap_is_one_mib_unless_told_otherwise(vendor):
    assert client_for(vendor).max_body_bytes == MAX_BODY_BYTES == 1 << 20


@pytest.mark.parametrize("limit", [0, -1])
def test_it_refuses_a_size_cap_that_is_not_positive(vendor, limit):
    with pytest.raises(ValueError):
        client_for(vendor, max_body_bytes=limit)


@pytest.mark.parametrize("mode", ["trickle", "trickle_headers"])
@pytest.mark.parametrize("endpoint", ["devInfo", "devList"])
def test_an_answer_trickled_byte_by_byte_times_out_at_the_deadline(vendor, mode, endpoint):
    error, took = call(vendor, mode, endpoint)

    assert isinstance(error, VendorUnavailable)
    assert error.reason == "timeout"
    assert str(error) == f"The vendor did not answer within {TIMEOUT:g} s"
    # Each byte comes well within the timeout; only a deadline over the whole call stops it.
    assert TIMEOUT - 0.1 <= took < TIMEOUT + MARGIN
    assert len(vendor.received) == 1


def test_a_trickle_that_would_finish_within_the_deadline_is_read(vendor):
    vendor.scenario.pace = 0.001

    report, _ = call(vendor, "trickle", timeout=5.0)

    assert isinstance(report, DeviceReport)
    assert report.device.device_id == "5112345615988"


def test_a_call_after_a_timed_out_one_has_its_own_deadline(vendor):
    client = client_for(vendor)
    vendor.mode = "trickle"
    with pytest.raises(VendorUnavailable):
        client.device_info(sn=SN)
    vendor.mode = "good"

    assert client.device_info(sn=SN).request_id == "req-1"


# Deep nesting: a parse failure of that block, never a RecursionError.


@pytest.mark.parametrize("levels", [100_000, 5_000])
@pytest.mark.parametrize(
    ("endpoint", "block"), [("devInfo", "deviceInfo"), ("devList", "deviceList")]
)
def test_a_deeply_nested_device_block_is_a_bad_response(vendor, levels, endpoint, block):
    # 5,000 levels parse in C, then would overflow any Python code that walks them.
    vendor.scenario.deep_levels = levels

    error, _ = call(vendor, "deep_block", endpoint)

    assert isinstance(error, VendorUnavailable)
    assert error.reason == "bad_response"
    assert str(error) == errors.NOT_ENVELOPE_MESSAGE.format(detail=f"unreadable {block}") + (
        " (requestId req-1)"
    )


@pytest.mark.parametrize("levels", [100_000, 5_000])
def test_a_deeply_nested_optional_block_is_treated_as_absent(vendor, levels):
    vendor.scenario.deep_levels = levels

    report, _ = call(vendor, "deep_storage")

    assert isinstance(report, DeviceReport)
    assert report.storage is None
    assert report.device.device_id == "5112345615988"


@pytest.mark.parametrize("levels", [100_000, 5_000])
@pytest.mark.parametrize("endpoint", ["devInfo", "devList"])
def test_a_deeply_nested_envelope_is_a_bad_response(vendor, levels, endpoint):
    vendor.scenario.deep_levels = levels

    error, _ = call(vendor, "deep_envelope", endpoint)

    assert isinstance(error, VendorUnavailable)
    assert error.reason == "bad_response"
    assert str(error) == errors.NOT_ENVELOPE_MESSAGE.format(detail=errors.NESTED_TOO_DEEPLY)


# Odd envelope values: passed on faithfully, logged harmlessly.


@pytest.mark.parametrize(
    ("mode", "request_id"),
    [
        ("long_request_id", hostile_vendor.LONG_REQUEST_ID),
        ("nul_request_id", hostile_vendor.NUL_REQUEST_ID),
        ("newline_request_id", hostile_vendor.NEWLINE_REQUEST_ID),
        # Format characters are the one thing taken out: they could make it read otherwise.
        ("bidi_request_id", hostile_vendor.BIDI_REQUEST_ID.replace("\u202e", "")),
    ],
)
@pytest.mark.parametrize("endpoint", ["devInfo", "devList"])
def test_an_odd_request_id_is_kept_as_sent_and_logged_as_a_repr(
    vendor, logged, mode, request_id, endpoint
):
    result, _ = call(vendor, mode, endpoint)

    assert result.request_id == request_id
    [line] = [r.getMessage() for r in logged.records if r.name == "devices.gwell"]
    assert repr(request_id) in line
    for character in "\n\r\x00\u202e":
        assert character not in line


def test_a_code_beyond_32_bits_is_reported_as_a_refusal_with_that_code(vendor):
    error, _ = call(vendor, "huge_code")

    assert isinstance(error, VendorRefused)
    assert error.code == hostile_vendor.HUGE_CODE == 99999999999


def test_a_vendor_message_with_newlines_cannot_forge_a_log_line(vendor, logged):
    error, _ = call(vendor, "newline_msg")

    assert isinstance(error, VendorRefused)
    assert "\n" in error.vendor_message  # the error keeps it; the log line must not
    gwell_lines = [r.getMessage() for r in logged.records if r.name == "devices.gwell"]
    assert gwell_lines
    for line in gwell_lines:
        assert "\n" not in line
        assert "\r" not in line
        assert not line.startswith(hostile_vendor.FORGED_LINE)


# The same over TLS, as in production: the deadline holds on TLS sockets too.


@pytest.fixture
def tls_vendor(tmp_path):
    context, certificate = hostile_vendor.self_signed_tls(tmp_path)
    with HostileVendor(app_key=APP_KEY, tls=context) as running:
        session = new_session()
        session.trust_env = False  # a CA bundle named in the environment would win over verify
        session.verify = str(certificate)
        yield running, session


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("trickle", "timeout"), ("trickle_headers", "timeout"), ("huge_unsized", "bad_response")],
)
def test_over_tls_a_trickle_or_a_flood_ends_at_the_deadline_or_the_cap(tls_vendor, mode, reason):
    vendor, session = tls_vendor

    error, took = call(vendor, mode, session=session)

    assert vendor.base_url.startswith("https://")
    assert isinstance(error, VendorUnavailable)
    assert error.reason == reason
    assert took < TIMEOUT + MARGIN


def test_over_tls_an_echo_comes_back_redacted(tls_vendor):
    vendor, session = tls_vendor

    report, _ = call(vendor, "echo_ok", session=session)

    assert report.request_id == REDACTED
    assert_no_secret(shown(report))
