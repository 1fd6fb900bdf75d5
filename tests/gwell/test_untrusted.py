"""Vendor text as untrusted input: redaction of echoed secrets, and the nesting limit."""

import json
from decimal import Decimal

import pytest
import responses

from devices.gwell import DeviceNotFound, VendorRefused, VendorUnavailable, errors
from devices.gwell.results import MAX_DEPTH, NestedTooDeeply, decode_block, loads
from devices.gwell.untrusted import REDACTED, redact

from .conftest import APP_KEY, APP_TOKEN, DEV_INFO_URL, envelope_text
from .test_client import SN, add_dev_info

SECRETS = (APP_TOKEN, APP_KEY)


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_it_redacts_secrets_in_keys_values_and_lists_at_any_depth():
    answer = {"a": [f"x{APP_TOKEN}y", {APP_KEY: [APP_KEY]}], "n": 5, "d": Decimal("1.5")}

    assert redact(answer, SECRETS) == {
        "a": [f"x{REDACTED}y", {REDACTED: [REDACTED]}],
        "n": 5,
        "d": Decimal("1.5"),
    }


def test_it_redacts_a_secret_sent_as_a_number():
    assert redact({"n": 123456789012, "m": 7}, ["3456789"]) == {"n": REDACTED, "m": 7}


def test_it_drops_a_string_of_json_that_spells_a_secret_in_escapes():
    spelled = "".join(f"\\u{ord(char):04x}" for char in APP_TOKEN)
    block = '{"orderId": "1", "note": "' + spelled + '"}'
    assert APP_TOKEN in json.loads(block)["note"]  # what the page would have shown

    assert redact({"storageInfo": block}, SECRETS) == {"storageInfo": REDACTED}


def test_it_keeps_a_string_of_json_with_escapes_but_no_secret():
    block = '{"note": "caf\\u00e9"}'

    assert redact({"storageInfo": block}, SECRETS) == {"storageInfo": block}


def test_it_leaves_the_answer_alone_without_secrets():
    answer = {"requestId": APP_TOKEN}

    assert redact(answer, ("", "")) is answer


def test_it_redacts_the_request_id_of_an_ok_answer(rsps, client):
    add_dev_info(
        rsps, envelope_text({"deviceInfo": {"deviceId": "1"}}, request_id=APP_TOKEN, msg=APP_KEY)
    )

    report = client.device_info(sn=SN)

    assert report.request_id == REDACTED
    assert report.raw["requestId"] == REDACTED
    assert report.raw["msg"] == REDACTED


def test_it_redacts_a_secret_the_vendor_spells_in_json_escapes(rsps, client):
    spelled = "".join(f"\\u{ord(char):04x}" for char in APP_TOKEN)
    body = '{"code": 20001, "msg": "bad token ' + spelled + '", "requestId": "r"}'
    add_dev_info(rsps, body)

    with pytest.raises(VendorRefused) as caught:
        client.device_info(sn=SN)

    assert caught.value.vendor_message == f"bad token {REDACTED}"


def test_it_redacts_the_echo_of_a_not_found_answer_with_code_0(rsps, client):
    add_dev_info(rsps, envelope_text({"deviceInfo": None}, request_id=APP_TOKEN))

    with pytest.raises(DeviceNotFound) as caught:
        client.device_info(sn=SN)

    assert caught.value.request_id == REDACTED


@pytest.mark.parametrize("status", [429, 500])
def test_it_redacts_the_request_id_of_an_http_error(rsps, client, status):
    body = envelope_text(code=1, request_id=APP_TOKEN)
    rsps.add(responses.POST, DEV_INFO_URL, body=body, status=status)

    with pytest.raises(errors.VendorError) as caught:
        client.device_info(sn=SN)

    assert caught.value.request_id == REDACTED


# Nesting.


def test_it_reads_json_nested_up_to_the_limit():
    assert loads(nested(MAX_DEPTH)) is not None


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 5_000, 100_000])
def test_it_refuses_json_nested_beyond_the_limit_as_a_value_error(levels):
    with pytest.raises(NestedTooDeeply):
        loads(nested(levels))
    with pytest.raises(ValueError):
        decode_block('{"a": ' + nested(levels) + "}")


def test_it_reports_a_deeply_nested_device_block_as_a_bad_response(rsps, client):
    device = '{"deviceId": "1", "x": ' + nested(5000) + "}"
    add_dev_info(rsps, envelope_text({"deviceInfo": device}))

    with pytest.raises(VendorUnavailable) as caught:
        client.device_info(sn=SN)

    assert caught.value.reason == "bad_response"
    assert isinstance(caught.value.__cause__, NestedTooDeeply)


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 100_000])
def test_it_reports_a_deeply_nested_envelope_as_a_bad_response(rsps, client, levels):
    add_dev_info(rsps, '{"code": 0, "data": ' + nested(levels) + "}")

    with pytest.raises(VendorUnavailable) as caught:
        client.device_info(sn=SN)

    assert str(caught.value) == errors.NOT_ENVELOPE_MESSAGE.format(detail=errors.NESTED_TOO_DEEPLY)


def test_format_characters_leave_every_vendor_string_keys_included():
    from devices.gwell.untrusted import without_format_characters

    answer = {
        "requestId": "req-\u202egnp.exe",
        "data": {"deviceInfo": '{"sn":"876\u200bA"}', "na\u2066me": ["中国\u202e电信", 5]},
    }

    assert without_format_characters(answer) == {
        "requestId": "req-gnp.exe",
        "data": {"deviceInfo": '{"sn":"876A"}', "name": ["中国电信", 5]},
    }
