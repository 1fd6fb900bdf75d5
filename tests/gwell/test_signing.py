"""The request signer, pinned by the vendor's known-answer vectors and by crafted parameter sets."""

import itertools

import pytest

from devices.gwell import signing
from devices.gwell.signing import (
    compute_signature,
    host_header,
    payload_hash,
    sign,
    signed_headers,
    string_to_sign,
)

# docs/vendor-api.md#known-answer-vectors
VECTOR_1 = {
    "secret": "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    "host": "openapi.example.com",
    "body": (
        b'{"action":"devList","appId":"0000175a370efbbe852dc1cd1b0b877e",'
        b'"appToken":"tok","accessId":"-9223371981234556044"}'
    ),
    "signer_id": "0000175a370efbbe852dc1cd1b0b877e",
    "nonce": "1212",
    "timestamp": "1696757960",
}
VECTOR_1_PAYLOAD = "e21edad5fea3d2097781257f25c7d7a131d8eb02f69e968f751404a05d96a419"
VECTOR_1_STRING_TO_SIGN = (
    "Host:openapi.example.com\n"
    "Payload:e21edad5fea3d2097781257f25c7d7a131d8eb02f69e968f751404a05d96a419\n"
    "X-IotVideo-AccessID:0000175a370efbbe852dc1cd1b0b877e\n"
    "X-IotVideo-Nonce:1212\n"
    "X-IotVideo-Timestamp:1696757960"
)
VECTOR_1_SIGNATURE = "GZKM40FqDOhbNJSMkkT6as/mDsk="

VECTOR_2 = {
    "secret": "secret",
    "host": "localhost:12042",
    "body": (
        b'{"action":"devInfo","appId":"app-1","appToken":"t","sn":"876ABCDEF0347",'
        b'"devId":"","accessId":"-1"}'
    ),
    "signer_id": "app-1",
    "nonce": "246898495",
    "timestamp": "1572348036",
}
VECTOR_2_SIGNATURE = "ELvrRGGRaLUbxlbMTb6QfeTfS9k="


def vector_1_params() -> dict[str, str]:
    return signing.sign_params(
        host=VECTOR_1["host"],
        body=VECTOR_1["body"],
        signer_id=VECTOR_1["signer_id"],
        nonce=VECTOR_1["nonce"],
        timestamp=VECTOR_1["timestamp"],
    )


def test_it_hashes_the_payload_as_lowercase_hex_sha256():
    assert payload_hash(VECTOR_1["body"]) == VECTOR_1_PAYLOAD


def test_it_builds_the_string_to_sign_of_vector_1():
    assert string_to_sign(vector_1_params()) == VECTOR_1_STRING_TO_SIGN


def test_it_reproduces_the_signature_of_vector_1():
    assert sign(**VECTOR_1) == VECTOR_1_SIGNATURE


def test_it_reproduces_the_signature_of_vector_2():
    assert sign(**VECTOR_2) == VECTOR_2_SIGNATURE


def test_it_computes_the_signature_from_the_string_to_sign():
    assert compute_signature(VECTOR_1["secret"], VECTOR_1_STRING_TO_SIGN) == VECTOR_1_SIGNATURE


def test_it_writes_a_padded_28_character_base64_signature():
    signature = sign(**VECTOR_2)
    assert len(signature) == 28
    assert signature.endswith("=")


def flip_last_body_byte(body: bytes) -> bytes:
    return body[:-1] + bytes([body[-1] ^ 0x01])


@pytest.mark.parametrize(
    ("name", "tampered"),
    [
        ("host", "openapi.example.com:8443"),
        ("body", flip_last_body_byte(VECTOR_1["body"])),
        ("signer_id", "0000175a370efbbe852dc1cd1b0b877f"),
        ("nonce", "1213"),
        ("timestamp", "1696757961"),
        ("secret", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLf"),
    ],
)
def test_it_changes_the_signature_when_any_single_input_changes(name, tampered):
    assert VECTOR_1[name] != tampered
    assert sign(**{**VECTOR_1, name: tampered}) != VECTOR_1_SIGNATURE


def test_it_leaves_out_a_parameter_whose_value_is_empty():
    params = {**vector_1_params(), "X-IotVideo-AccessID": ""}
    assert string_to_sign(params) == (
        "Host:openapi.example.com\n"
        f"Payload:{VECTOR_1_PAYLOAD}\n"
        "X-IotVideo-Nonce:1212\n"
        "X-IotVideo-Timestamp:1696757960"
    )


def test_it_signs_without_the_empty_signer_id_line():
    expected = compute_signature(
        VECTOR_1["secret"],
        "Host:openapi.example.com\n"
        f"Payload:{VECTOR_1_PAYLOAD}\n"
        "X-IotVideo-Nonce:1212\n"
        "X-IotVideo-Timestamp:1696757960",
    )
    assert sign(**{**VECTOR_1, "signer_id": ""}) == expected


def test_it_sorts_names_in_plain_ascii_order_upper_case_first():
    assert string_to_sign({"b": "3", "a": "2", "B": "1"}) == "B:1\na:2\nb:3"


# The sort order. The five POST parameters come out of sign_params() already in order, and
# all their names start upper case, so the vectors alone cannot tell plain ASCII order from a
# case-insensitive one or from no sorting at all: the tests below can.


def vector_2_params() -> dict[str, str]:
    return signing.sign_params(
        host=VECTOR_2["host"],
        body=VECTOR_2["body"],
        signer_id=VECTOR_2["signer_id"],
        nonce=VECTOR_2["nonce"],
        timestamp=VECTOR_2["timestamp"],
    )


@pytest.mark.parametrize(
    ("params", "secret", "signature"),
    [
        (vector_1_params(), VECTOR_1["secret"], VECTOR_1_SIGNATURE),
        (vector_2_params(), VECTOR_2["secret"], VECTOR_2_SIGNATURE),
    ],
    ids=["vector-1", "vector-2"],
)
def test_the_vectors_sign_alike_whatever_order_their_parameters_arrive_in(
    params, secret, signature
):
    for order in itertools.permutations(params.items()):
        assert compute_signature(secret, string_to_sign(dict(order))) == signature, order


def test_vector_1_lines_are_in_name_order_not_value_order():
    names = [line.split(":", 1)[0] for line in string_to_sign(vector_1_params()).split("\n")]
    values = list(vector_1_params().values())
    assert names == sorted(names)
    assert sorted(values) != values  # so a sort by value would give another string


# What a GET would sign (docs/vendor-api.md#string-to-sign: its query parameters join the same
# sorted list), given in an order that is neither sorted nor reversed. Lower-case names sort
# after every upper-case one.
GET_PARAMS = {
    "appId": "0000175a370efbbe852dc1cd1b0b877e",
    "X-IotVideo-Nonce": "1212",
    "Host": "openapi.example.com",
    "action": "devList",
    "X-IotVideo-Timestamp": "1696757960",
    "accessId": "-9223371981234556044",
    "X-IotVideo-AccessID": "0000175a370efbbe852dc1cd1b0b877e",
}
GET_STRING_TO_SIGN = (
    "Host:openapi.example.com\n"
    "X-IotVideo-AccessID:0000175a370efbbe852dc1cd1b0b877e\n"
    "X-IotVideo-Nonce:1212\n"
    "X-IotVideo-Timestamp:1696757960\n"
    "accessId:-9223371981234556044\n"
    "action:devList\n"
    "appId:0000175a370efbbe852dc1cd1b0b877e"
)


def test_it_sorts_lower_case_names_after_every_upper_case_one():
    assert string_to_sign(GET_PARAMS) == GET_STRING_TO_SIGN


@pytest.mark.parametrize(
    "wrong_order",
    [
        pytest.param(lambda items: sorted(items, key=lambda i: i[0].lower()), id="ignoring-case"),
        pytest.param(lambda items: sorted(items, key=lambda i: i[0].upper()), id="upper-cased"),
        pytest.param(lambda items: sorted(items, key=lambda i: i[1]), id="by-value"),
        pytest.param(lambda items: list(items), id="as-given"),
        pytest.param(lambda items: sorted(items, reverse=True), id="reversed"),
    ],
)
def test_the_crafted_set_tells_ascii_order_from_each_wrong_one(wrong_order):
    # Guards the guard: each wrong order really gives another string for GET_PARAMS.
    wrong = "\n".join(f"{name}:{value}" for name, value in wrong_order(GET_PARAMS.items()))
    assert wrong != GET_STRING_TO_SIGN


def test_it_sorts_by_name_not_by_the_whole_line():
    # "-" and digits sort before ":", so sorting "Name:value" lines would put these first.
    params = {"Host-Alias": "b", "a1": "d", "Host": "a", "a": "c"}
    assert string_to_sign(params) == "Host:a\nHost-Alias:b\na:c\na1:d"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://openapi.example.com/openapi", "openapi.example.com"),
        ("http://openapi.example.com:80/openapi", "openapi.example.com"),
        ("https://openapi.example.com:443/openapi", "openapi.example.com"),
        ("https://openapi.example.com/prefix/openapi/custCloud/oss/devInfo", "openapi.example.com"),
        ("http://localhost:12042/openapi/custCloud/oss/devInfo", "localhost:12042"),
        ("https://openapi.example.com:80/", "openapi.example.com:80"),
        ("http://openapi.example.com:443/", "openapi.example.com:443"),
        ("http://[::1]:8080/", "[::1]:8080"),
    ],
)
def test_it_builds_the_host_header_with_the_port_only_when_not_the_default(url, expected):
    assert host_header(url) == expected


def test_it_refuses_a_url_without_a_host():
    with pytest.raises(ValueError):
        host_header("/openapi/custCloud/oss/devInfo")


def test_it_returns_every_header_a_signed_post_needs():
    headers = signed_headers(
        secret=VECTOR_2["secret"],
        host=VECTOR_2["host"],
        body=VECTOR_2["body"],
        signer_id=VECTOR_2["signer_id"],
        nonce=246898495,
        timestamp=1572348036,
    )
    assert headers == {
        "Content-Type": "application/json",
        "Host": "localhost:12042",
        "X-IotVideo-AccessID": "app-1",
        "X-IotVideo-Nonce": "246898495",
        "X-IotVideo-Timestamp": "1572348036",
        "X-IotVideo-Signature": VECTOR_2_SIGNATURE,
    }


def test_it_uses_the_current_time_when_no_timestamp_is_given(monkeypatch):
    monkeypatch.setattr(signing.time, "time", lambda: 1572348036.9)
    headers = signed_headers(
        secret="s", host="h", body=b"{}", signer_id="a", nonce=1, timestamp=None
    )
    assert headers["X-IotVideo-Timestamp"] == "1572348036"


def test_it_draws_a_fresh_nonce_for_every_set_of_headers():
    nonces = {
        signed_headers(secret="s", host="h", body=b"{}", signer_id="a")["X-IotVideo-Nonce"]
        for _ in range(20)
    }
    assert len(nonces) > 1


@pytest.mark.parametrize(("drawn", "expected"), [(0, "1"), (2**31 - 2, str(2**31 - 1))])
def test_it_keeps_the_random_nonce_between_1_and_2_to_the_31_minus_1(monkeypatch, drawn, expected):
    def randbelow(bound):
        assert bound == 2**31 - 1
        return drawn

    monkeypatch.setattr(signing.secrets, "randbelow", randbelow)
    headers = signed_headers(secret="s", host="h", body=b"{}", signer_id="a")
    assert headers["X-IotVideo-Nonce"] == expected
