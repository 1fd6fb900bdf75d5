"""devInfo and devList over a socket: lookups, parameter errors, and the exact wire text."""

import json
import re
import uuid

import pytest

from devices.sandbox import data

from .conftest import NOW
from .wire import DEV_INFO, DEV_LIST, dev_info, dev_list, post


def test_dev_info_by_serial_number_returns_the_device(running, app):
    device = data.device_by_key("online-wifi-mains")
    answer = dev_info(running.base_url, app, now=NOW, sn=device.sn).json()
    assert (answer["code"], answer["msg"]) == (0, "ok")
    assert answer["data"] == json.loads(json.dumps(device.dev_info_data(NOW)))
    assert answer["data"]["deviceInfo"]["deviceId"] == str(device.dev_id)


@pytest.mark.parametrize("as_json_int", [False, True], ids=["string", "integer"])
def test_dev_info_by_device_id_returns_the_device(running, app, as_json_int):
    device = data.device_by_key("sim-data-used-up")
    dev_id = device.dev_id if as_json_int else str(device.dev_id)
    answer = dev_info(running.base_url, app, now=NOW, sn="", devId=dev_id).json()
    assert answer["code"] == 0
    assert answer["data"]["deviceInfo"]["deviceId"] == str(device.dev_id)


@pytest.mark.parametrize(
    "fields",
    [{"sn": "876ZZZZZZ9999"}, {"sn": "", "devId": "1234567890123"}],
    ids=["unknown-sn", "unknown-dev-id"],
)
def test_an_unknown_device_is_10012(running, app, fields):
    answer = dev_info(running.base_url, app, now=NOW, **fields).json()
    assert (answer["code"], answer["msg"], answer["data"]) == (10012, "no relevant results", None)


# devInfo's accessId: the full answer for the unknown owner, the owner and a guest; nothing for
# anyone else (the choice is written down in devices/sandbox/vendor.py).


@pytest.mark.parametrize(
    ("key", "access_id"),
    [
        ("online-wifi-mains", "-1"),
        ("online-wifi-mains", -1),
        ("online-wifi-mains", str(data.FAMILY)),
        ("online-wifi-mains", data.FAMILY),
        ("guest-shared", str(data.RELATIVE)),
        ("unbound", str(data.FAMILY)),
        ("unbound", "123"),
    ],
    ids=[
        "unknown-owner",
        "unknown-owner-as-integer",
        "owner",
        "owner-as-integer",
        "guest",
        "unbound-any-user",
        "unbound-unknown-user",
    ],
)
def test_dev_info_answers_the_unknown_owner_the_owner_and_a_guest_in_full(
    running, app, key, access_id
):
    device = data.device_by_key(key)
    answer = dev_info(running.base_url, app, now=NOW, sn=device.sn, accessId=access_id).json()
    assert (answer["code"], answer["msg"]) == (0, "ok")
    assert answer["data"] == json.loads(json.dumps(device.dev_info_data(NOW)))


@pytest.mark.parametrize(
    "access_id",
    [str(data.DOORBELLS), data.SHOP, str(data.NO_DEVICES), "123", "0", "-2", "not-a-number"],
)
@pytest.mark.parametrize("by", ["sn", "devId"])
def test_dev_info_answers_any_other_user_no_record_found(running, app, access_id, by):
    device = data.device_by_key("online-wifi-mains")
    ident = {"sn": device.sn} if by == "sn" else {"sn": "", "devId": str(device.dev_id)}
    answer = dev_info(running.base_url, app, now=NOW, accessId=access_id, **ident).json()
    assert (answer["code"], answer["msg"], answer["data"]) == (10010, "no record found", None)


def test_a_guest_of_one_device_is_a_stranger_to_the_owners_others(running, app):
    other = data.device_by_key("storage-expiring-soon")  # the family's, not shared
    assert data.relation_of(other, data.RELATIVE) is None
    answer = dev_info(running.base_url, app, now=NOW, sn=other.sn, accessId=str(data.RELATIVE))
    assert answer.json()["code"] == 10010


def test_an_unknown_device_is_10012_whoever_asks(running, app):
    answer = dev_info(running.base_url, app, now=NOW, sn="876ZZZZZZ9999", accessId="123").json()
    assert answer["code"] == 10012


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        (DEV_INFO, {"sn": "", "devId": "", "accessId": "1"}),
        (DEV_INFO, {"accessId": "1"}),
        (DEV_INFO, {"sn": "876ABCDEF0347", "devId": ""}),
        (DEV_INFO, {"sn": 876, "devId": "", "accessId": "1"}),
        (DEV_INFO, {"sn": "876ABCDEF0347", "devId": "", "accessId": 1.5}),
        (DEV_LIST, {}),
        (DEV_LIST, {"accessId": None}),
    ],
    ids=[
        "info-sn-and-devid-empty",
        "info-sn-and-devid-missing",
        "info-access-id-missing",
        "info-sn-not-a-string",
        "info-access-id-a-float",
        "list-access-id-missing",
        "list-access-id-null",
    ],
)
def test_missing_or_wrong_parameters_are_a_param_error(running, app, path, fields):
    answer = post(running.base_url, path, app, now=NOW, fields=fields).json()
    assert (answer["code"], answer["msg"]) == (10002, "param error")


@pytest.mark.parametrize("action", ["devList", None, "DEVINFO"])
def test_an_action_that_is_not_the_endpoints_is_a_param_error(running, app, action):
    body = json.dumps(
        {
            "action": action,
            "appId": app.app_id,
            "appToken": app.app_token,
            "sn": "876ABCDEF0347",
            "devId": "",
            "accessId": "1",
        }
    ).encode()
    answer = post(running.base_url, DEV_INFO, app, now=NOW, body=body).json()
    assert answer["code"] == 10002


def test_dev_list_of_a_user_without_devices_is_an_empty_list(running, app):
    answer = dev_list(running.base_url, app, str(data.NO_DEVICES), now=NOW).json()
    assert (answer["code"], answer["data"]) == (0, {"deviceList": []})


def test_dev_list_of_an_unknown_or_odd_user_id_is_an_empty_list(running, app):
    for access_id in ["123", "not-a-number", "0"]:
        answer = dev_list(running.base_url, app, access_id, now=NOW).json()
        assert (answer["code"], answer["data"]) == (0, {"deviceList": []}), access_id


def test_a_guest_sees_shared_devices_with_relation_2(running, app):
    answer = dev_list(running.base_url, app, str(data.RELATIVE), now=NOW).json()
    shared = {
        data.device_by_key("guest-shared").dev_id,
        data.device_by_key("guest-shared-4g").dev_id,
    }
    entries = answer["data"]["deviceList"]
    assert {entry["devId"] for entry in entries} == shared
    assert {entry["relation"] for entry in entries} == {2}


@pytest.mark.parametrize("user", data.USERS, ids=lambda user: user.label)
def test_every_dev_id_in_dev_list_is_a_bare_integer_in_the_raw_text(running, app, user):
    response = dev_list(running.base_url, app, user.user_id, now=NOW)
    text = response.content.decode("utf-8")
    expected = [str(m.device.dev_id) for m in data.devices_of_user(user.user_id)]
    assert re.findall(r'"devId":\s*(-?\d+)\s*[,}]', text) == expected
    assert '"devId":"' not in text


def test_an_owner_id_near_minus_2_to_the_63_is_exact_in_the_raw_text(running, app):
    device = data.device_by_key("online-wifi-mains")
    text = dev_info(running.base_url, app, now=NOW, sn=device.sn).content.decode()
    assert '"ownerId":-9223371981234556044,' in text


def test_json_string_blocks_arrive_as_strings_holding_exact_json(running, app):
    device = data.device_by_key("json-string-blocks-4g")
    response = dev_info(running.base_url, app, now=NOW, sn=device.sn)
    blocks = response.json()["data"]
    assert all(isinstance(blocks[name], str) for name in ("deviceInfo", "storageInfo", "flowInfo"))
    assert json.loads(blocks["deviceInfo"])["ownerId"] == data.QUIRKS
    assert f'\\"ownerId\\":{data.QUIRKS},' in response.content.decode()


def test_an_unbound_device_has_owner_0_and_bind_time_0(running, app):
    device = data.device_by_key("unbound")
    info = dev_info(running.base_url, app, now=NOW, sn=device.sn).json()["data"]["deviceInfo"]
    assert (info["ownerId"], info["bindTime"]) == (0, 0)


def test_chinese_carrier_names_travel_as_utf8(running, app):
    device = data.device_by_key("sim-active")
    response = dev_info(running.base_url, app, now=NOW, sn=device.sn)
    assert "中国移动".encode() in response.content
    assert response.headers["Content-Type"].lower().endswith("charset=utf-8")


def test_every_answer_carries_a_fresh_uuid4_request_id(running, app):
    ok = dev_list(running.base_url, app, "1", now=NOW).json()
    refused = dev_list(running.base_url, app, "1", now=NOW - 3600).json()
    ids = [uuid.UUID(answer["requestId"]) for answer in (ok, refused)]
    assert [request_id.version for request_id in ids] == [4, 4]
    assert ids[0] != ids[1]
    assert list(ok) == ["code", "data", "msg", "requestId"]


def test_times_follow_the_sandbox_clock(running, app, clock):
    device = data.device_by_key("storage-expiring-soon")
    before = dev_info(running.base_url, app, now=clock.now, sn=device.sn).json()["data"]
    clock.advance(86400)
    after = dev_info(running.base_url, app, now=clock.now, sn=device.sn).json()["data"]
    assert after["storageInfo"]["endTime"] - before["storageInfo"]["endTime"] == 86400
