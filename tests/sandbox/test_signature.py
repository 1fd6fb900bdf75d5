"""Signature checks: the known-answer vectors, and each refusal in the sandbox's order.

See docs/vendor-api.md#known-answer-vectors and docs/vendor-api.md#sandbox.
"""

import pytest
import requests

from devices.sandbox import SandboxApp, SandboxVendor, start_in_thread
from devices.sandbox.signature import SignatureFault, check_signature

from .conftest import NOW, FakeClock, make_app
from .wire import DEV_INFO, DEV_LIST, body_for, new_nonce, post, sign

VECTORS = [
    pytest.param(
        {
            "path": DEV_LIST,
            "host": "openapi.example.com",
            "body": b'{"action":"devList","appId":"0000175a370efbbe852dc1cd1b0b877e",'
            b'"appToken":"tok","accessId":"-9223371981234556044"}',
            "app": SandboxApp(
                "0000175a370efbbe852dc1cd1b0b877e", "tok", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
            ),
            "signer_id": "0000175a370efbbe852dc1cd1b0b877e",
            "nonce": "1212",
            "timestamp": "1696757960",
            "signature": "GZKM40FqDOhbNJSMkkT6as/mDsk=",
        },
        id="vector-1",
    ),
    pytest.param(
        {
            "path": DEV_INFO,
            "host": "localhost:12042",
            "body": b'{"action":"devInfo","appId":"app-1","appToken":"t","sn":"876ABCDEF0347",'
            b'"devId":"","accessId":"-1"}',
            "app": SandboxApp("app-1", "t", "secret"),
            "signer_id": "app-1",
            "nonce": "246898495",
            "timestamp": "1572348036",
            "signature": "ELvrRGGRaLUbxlbMTb6QfeTfS9k=",
        },
        id="vector-2",
    ),
]


def _vector_headers(vector: dict) -> dict[str, str]:
    return {
        "Host": vector["host"],
        "X-IotVideo-AccessID": vector["signer_id"],
        "X-IotVideo-Nonce": vector["nonce"],
        "X-IotVideo-Timestamp": vector["timestamp"],
        "X-IotVideo-Signature": vector["signature"],
        "Content-Type": "application/json",
    }


@pytest.mark.parametrize("vector", VECTORS)
def test_the_verifier_accepts_the_vector_at_its_timestamp(vector):
    fault = check_signature(
        headers=_vector_headers(vector),
        body=vector["body"],
        secret=vector["app"].app_key,
        now=float(vector["timestamp"]),
    )
    assert fault is None


@pytest.mark.parametrize("vector", VECTORS)
def test_the_verifier_refuses_the_vector_with_one_byte_of_the_body_changed(vector):
    body = vector["body"].replace(b'"action"', b'"Action"')
    fault = check_signature(
        headers=_vector_headers(vector),
        body=body,
        secret=vector["app"].app_key,
        now=float(vector["timestamp"]),
    )
    assert fault is SignatureFault.MISMATCH


@pytest.mark.parametrize("vector", VECTORS)
def test_the_tests_own_signer_reproduces_the_vector(vector):
    assert (
        sign(
            secret=vector["app"].app_key,
            host=vector["host"],
            body=vector["body"],
            signer_id=vector["signer_id"],
            nonce=vector["nonce"],
            timestamp=vector["timestamp"],
        )
        == vector["signature"]
    )


@pytest.mark.parametrize("vector", VECTORS)
def test_the_sandbox_answers_the_vector_request_over_http(vector):
    vendor = SandboxVendor([vector["app"]], clock=lambda: float(vector["timestamp"]))
    with start_in_thread(vendor) as sandbox:
        # The Host header is sent as in the vector, whatever address the socket has.
        response = requests.post(
            sandbox.base_url + vector["path"],
            data=vector["body"],
            headers=_vector_headers(vector),
            timeout=5,
        )
    answer = response.json()
    assert (answer["code"], answer["msg"]) == (0, "ok")
    assert answer["data"]  # vector 1's user and vector 2's serial number are in the data set


def test_a_vector_is_expired_five_minutes_and_one_second_later():
    vector = VECTORS[0].values[0]
    fault = check_signature(
        headers=_vector_headers(vector),
        body=vector["body"],
        secret=vector["app"].app_key,
        now=float(vector["timestamp"]) + 301,
    )
    assert fault is SignatureFault.EXPIRED


def _code_and_msg(response: requests.Response) -> tuple[int, str]:
    answer = response.json()
    return answer["code"], answer["msg"]


def test_a_correctly_signed_request_is_answered(running, app):
    response = post(running.base_url, DEV_LIST, app, now=NOW, fields={"accessId": "1"})
    assert response.status_code == 200
    assert _code_and_msg(response) == (0, "ok")


def test_an_unknown_app_id_is_refused_with_10001(running):
    stranger = make_app("no-such-app")
    response = post(running.base_url, DEV_LIST, stranger, now=NOW, fields={"accessId": "1"})
    assert response.status_code == 200
    assert _code_and_msg(response) == (10001, "appId not exist")


def test_the_app_is_checked_before_the_signature_headers(running):
    stranger = make_app("no-such-app")
    omit = ["X-IotVideo-Signature", "X-IotVideo-Nonce"]
    response = post(
        running.base_url, DEV_LIST, stranger, now=NOW, fields={"accessId": "1"}, omit=omit
    )
    assert _code_and_msg(response) == (10001, "appId not exist")


def test_a_wrong_app_token_is_refused_with_10003(running, app):
    wrong = SandboxApp(app.app_id, "not-the-token", app.app_key)
    response = post(running.base_url, DEV_LIST, wrong, now=NOW, fields={"accessId": "1"})
    assert _code_and_msg(response) == (10003, "appToken invalid")


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[1, 2]", b'{"action": "devList", "accessId": "1"}', b"\xff\xfe{"],
    ids=["empty", "not-json", "a-list", "no-app-id", "not-utf8"],
)
def test_a_body_without_a_readable_app_id_is_refused_as_unreadable(running, app, body):
    response = post(running.base_url, DEV_LIST, app, now=NOW, body=body)
    assert _code_and_msg(response) == (10007, "signature validate fail:-1")


@pytest.mark.parametrize(
    "header",
    ["X-IotVideo-AccessID", "X-IotVideo-Nonce", "X-IotVideo-Timestamp", "X-IotVideo-Signature"],
)
def test_a_missing_signature_header_is_refused_as_unreadable(running, app, header):
    response = post(
        running.base_url, DEV_LIST, app, now=NOW, fields={"accessId": "1"}, omit=[header]
    )
    assert _code_and_msg(response) == (10007, "signature validate fail:-1")


@pytest.mark.parametrize("skew", [-301, 301, -86400], ids=["behind", "ahead", "a-day-behind"])
def test_a_timestamp_more_than_300_seconds_off_is_refused_as_expired(running, app, skew):
    response = post(running.base_url, DEV_LIST, app, now=NOW + skew, fields={"accessId": "1"})
    assert _code_and_msg(response) == (10007, "signature validate fail:-2")


@pytest.mark.parametrize("skew", [-300, 300], ids=["behind", "ahead"])
def test_a_timestamp_exactly_300_seconds_off_is_still_accepted(running, app, skew):
    response = post(running.base_url, DEV_LIST, app, now=NOW + skew, fields={"accessId": "1"})
    assert _code_and_msg(response) == (0, "ok")


def test_a_signature_made_with_another_key_is_refused_as_wrong(running, app):
    response = post(
        running.base_url, DEV_LIST, app, now=NOW, fields={"accessId": "1"}, key="another-key"
    )
    assert _code_and_msg(response) == (10007, "signature validate fail:-3")


def test_a_replayed_nonce_is_refused_as_wrong(running, app):
    nonce = new_nonce()
    first = post(running.base_url, DEV_LIST, app, now=NOW, fields={"accessId": "1"}, nonce=nonce)
    again = post(running.base_url, DEV_LIST, app, now=NOW, fields={"accessId": "1"}, nonce=nonce)
    assert _code_and_msg(first) == (0, "ok")
    assert _code_and_msg(again) == (10007, "signature validate fail:-3")


def test_a_nonce_is_accepted_again_after_15_minutes(running, app, clock):
    nonce = new_nonce()
    post(running.base_url, DEV_LIST, app, now=clock.now, fields={"accessId": "1"}, nonce=nonce)
    clock.advance(14 * 60 + 59)
    early = post(
        running.base_url, DEV_LIST, app, now=clock.now, fields={"accessId": "1"}, nonce=nonce
    )
    clock.advance(1)
    later = post(
        running.base_url, DEV_LIST, app, now=clock.now, fields={"accessId": "1"}, nonce=nonce
    )
    assert _code_and_msg(early) == (10007, "signature validate fail:-3")
    assert _code_and_msg(later) == (0, "ok")


def test_the_same_nonce_from_another_app_is_not_a_replay(app, clock):
    other = make_app("other-app")
    nonce = new_nonce()
    with start_in_thread(SandboxVendor([app, other], clock=clock)) as sandbox:
        first = post(
            sandbox.base_url, DEV_LIST, app, now=NOW, fields={"accessId": "1"}, nonce=nonce
        )
        second = post(
            sandbox.base_url, DEV_LIST, other, now=NOW, fields={"accessId": "1"}, nonce=nonce
        )
    assert _code_and_msg(first) == (0, "ok")
    assert _code_and_msg(second) == (0, "ok")


def test_a_tampered_body_is_refused_as_wrong(running, app):
    signed = body_for(app, "devList", accessId="-9223371981234556044")
    sent = body_for(app, "devList", accessId="-9223371981234556045")
    response = post(running.base_url, DEV_LIST, app, now=NOW, body=sent, signed_body=signed)
    assert _code_and_msg(response) == (10007, "signature validate fail:-3")


def test_a_body_reserialised_after_signing_is_refused_as_wrong(running, app):
    signed = body_for(app, "devList", accessId="1")
    spaced = signed.replace(b",", b", ")  # the same JSON, other bytes
    response = post(running.base_url, DEV_LIST, app, now=NOW, body=spaced, signed_body=signed)
    assert _code_and_msg(response) == (10007, "signature validate fail:-3")


@pytest.mark.parametrize("signed_host", ["localhost:12042", "127.0.0.1", "openapi.example.com"])
def test_a_host_other_than_the_one_received_is_refused_as_wrong(running, app, signed_host):
    response = post(
        running.base_url, DEV_LIST, app, now=NOW, fields={"accessId": "1"}, sign_host=signed_host
    )
    assert _code_and_msg(response) == (10007, "signature validate fail:-3")


@pytest.mark.parametrize("signer_id", ["someone-else", "0000175a370efbbe852dc1cd1b0b877e"])
def test_the_access_id_header_may_be_any_value_it_is_signed(running, app, signer_id):
    ok = post(
        running.base_url, DEV_LIST, app, now=NOW, fields={"accessId": "1"}, signer_id=signer_id
    )
    assert _code_and_msg(ok) == (0, "ok")


def test_refused_signatures_are_counted_in_the_stats(running, app):
    post(running.base_url, DEV_LIST, app, now=NOW + 999, fields={"accessId": "1"})
    post(running.base_url, DEV_LIST, app, now=NOW, fields={"accessId": "1"}, key="wrong")
    post(running.base_url, DEV_LIST, app, now=NOW, fields={"accessId": "1"})
    stats = requests.get(running.base_url + "/_stats", timeout=5).json()
    assert stats["refused_signature"] == 2
    assert stats["errors_by_code"] == {"10007": 2}
    assert (stats["requests"], stats["served"]) == (3, 1)
    assert stats["per_app"][app.app_id]["refused_signature"] == 2


def test_a_clock_that_is_not_the_vector_time_refuses_the_vector():
    vector = VECTORS[1].values[0]
    clock = FakeClock(float(vector["timestamp"]) - 301)
    with start_in_thread(SandboxVendor([vector["app"]], clock=clock)) as sandbox:
        response = requests.post(
            sandbox.base_url + vector["path"],
            data=vector["body"],
            headers=_vector_headers(vector),
            timeout=5,
        )
    assert _code_and_msg(response) == (10007, "signature validate fail:-2")
