import json
import logging
import socket
from decimal import Decimal
from email.utils import formatdate

import pytest
import requests
import responses

import devices.gwell.client as client_module
import devices.gwell.transport as transport_module
from devices.gwell import (
    AppCredentials,
    BodyUnreadable,
    CredentialRejected,
    DeviceNotFound,
    SignatureExpired,
    SignatureInvalid,
    SignatureRejected,
    VendorClient,
    VendorError,
    VendorRateLimited,
    VendorRefused,
    VendorUnavailable,
    errors,
    host_header,
    sign,
)
from devices.gwell.results import loads

from .conftest import (
    APP_ID,
    APP_KEY,
    APP_TOKEN,
    BASE_URL,
    DEV_INFO_URL,
    DEV_LIST_URL,
    NOW,
    data_text,
    envelope_text,
)

OWNER_ID = "-9223371981234556044"
SN = "876ABCDEF0347"


def minimal_device(**fields) -> dict:
    return {"deviceId": "5112345615988", "ownerId": 0, **fields}


def add_dev_info(rsps, body: str, *, status: int = 200, headers: dict | None = None) -> None:
    rsps.add(
        responses.POST,
        DEV_INFO_URL,
        body=body,
        status=status,
        headers=headers,
        content_type="application/json",
    )


def add_dev_info_data(rsps, data) -> None:
    add_dev_info(rsps, envelope_text(data))


def verify_signature(request: requests.PreparedRequest, secret: str = APP_KEY) -> None:
    """The signature the server would recompute from what it received."""
    expected = sign(
        secret=secret,
        host=request.headers["Host"],
        body=request.body,
        signer_id=request.headers["X-IotVideo-AccessID"],
        nonce=request.headers["X-IotVideo-Nonce"],
        timestamp=request.headers["X-IotVideo-Timestamp"],
    )
    assert request.headers["X-IotVideo-Signature"] == expected


class RecordingSession(requests.Session):
    def __init__(self):
        super().__init__()
        self.sent: list[dict] = []

    def send(self, request, **kwargs):
        self.sent.append(kwargs)
        return super().send(request, **kwargs)


# The vendor's own examples (docs/vendor-api.md#device-info, docs/vendor-api.md#device-list).


def test_the_example_carries_the_owner_id_as_a_bare_64_bit_integer():
    assert f'"ownerId": {OWNER_ID},' in data_text("devinfo_example.json")


def test_it_parses_the_vendors_devinfo_example(rsps, client):
    add_dev_info(rsps, data_text("devinfo_example.json"))

    report = client.device_info(sn=SN)

    device = report.device
    assert device.device_id == "5112345615988"
    assert device.owner_id == OWNER_ID
    assert device.is_bound is True
    assert device.online == 1
    assert device.online_update_time is None
    assert device.device_type is None
    assert device.battery is None
    assert device.signal is None
    assert device.rssi == -101
    assert device.firmware_version == "43.0.0.43"
    assert device.power_mode is None
    assert device.power_charging is None
    assert device.bind_time == 1763802936
    assert device.notice_status is None
    assert device.extra == {"connectInfo": ""}
    assert report.request_id == "6029eee2-02a9-4431-99eb-038aefe387ad"
    assert report.raw == loads(data_text("devinfo_example.json"))


def test_it_parses_the_storage_plan_of_the_devinfo_example(rsps, client):
    add_dev_info(rsps, data_text("devinfo_example.json"))

    storage = client.device_info(sn=SN).storage

    assert storage is not None
    assert storage.order_id == "VSS20251122001"
    assert storage.pkg_type == 5  # undocumented value: kept as the number
    assert storage.start_time == 0
    assert storage.end_time == 0
    assert storage.srv_status == 2
    assert storage.storage_days == 7
    assert storage.sub_status is True
    assert storage.sub_time == 1763802936
    assert storage.withhold_time == 1763802936
    assert storage.extra == {}


def test_it_parses_the_sim_plan_of_the_devinfo_example(rsps, client):
    add_dev_info(rsps, data_text("devinfo_example.json"))

    sim = client.device_info(sn=SN).sim

    assert sim is not None
    assert sim.sim_id == "89860312345678901234"
    assert sim.order_id == "FG20251122001"
    assert sim.start_time == 1763802936
    assert sim.end_time == 3972791736
    assert sim.srv_status == 1
    assert sim.card_provider == "中国电信"
    assert sim.sub_status is False
    assert sim.sub_time == 1763802936
    assert sim.withhold_time == 1763802936


def test_the_devlist_example_carries_a_bare_13_digit_dev_id():
    assert '"devId": 3435123453944,' in data_text("devlist_example.json")


def test_it_parses_the_vendors_devlist_example(rsps, client):
    rsps.add(responses.POST, DEV_LIST_URL, body=data_text("devlist_example.json"))

    result = client.device_list(user_id=OWNER_ID)

    assert len(result.devices) == 1
    entry = result.devices[0]
    assert entry.dev_id == "3435123453944"
    assert entry.relation == 1
    assert entry.vss_expire_time == 0
    assert entry.vss_renew == 0
    assert entry.vss_type == 0
    assert entry.storage_duration == 0
    assert entry.fg_expire_time == 0
    assert entry.fg_renew == 0
    assert entry.surplus_flow == 0
    assert entry.total_flow == 0
    assert entry.use_flow == 0
    assert entry.extra == {}
    assert result.request_id == "91245e99-b5fa-4e19-a7ae-0d5a99ee406c"
    assert result.raw == loads(data_text("devlist_example.json"))


# Tolerance (docs/vendor-api.md#quirks).


def test_it_reads_blocks_sent_as_strings_holding_json(rsps, client):
    data = {
        "deviceInfo": json.dumps(minimal_device(online=1)),
        "storageInfo": json.dumps({"orderId": "o-1", "pkgType": 1, "srvStatus": 2}),
        "flowInfo": json.dumps({"simId": "8986", "orderId": 77, "srvStatus": 1}),
    }
    add_dev_info_data(rsps, data)

    report = client.device_info(sn=SN)

    assert report.device.online == 1
    assert report.storage.pkg_type == 1
    assert report.sim.order_id == "77"


def test_it_keeps_a_64_bit_owner_id_exact_inside_a_string_block(rsps, client):
    add_dev_info_data(
        rsps, {"deviceInfo": f'{{"deviceId":"d-1","ownerId":{OWNER_ID}}}', "flowInfo": None}
    )

    assert client.device_info(sn=SN).device.owner_id == OWNER_ID


def test_it_shows_the_fields_of_a_device_offline_for_months_as_unknown(rsps, client):
    add_dev_info_data(
        rsps,
        {
            "deviceInfo": {
                "deviceId": "5112345615988",
                "ownerId": 0,
                "deviceType": "IPC",
                "firmwareVer": "43.0.0.43",
                "bindTime": 0,
            }
        },
    )

    device = client.device_info(sn=SN).device

    assert device.online is None
    assert device.online_update_time is None
    assert device.battery is None
    assert device.signal is None
    assert device.rssi is None
    assert device.power_mode is None
    assert device.power_charging is None
    assert device.bind_time == 0
    assert device.is_bound is False
    assert device.device_type == "IPC"


@pytest.mark.parametrize(
    "block",
    [
        None,
        {},
        "",
        "null",
        "{}",
        {"orderId": "", "pkgType": 0, "startTime": 0, "endTime": 0, "srvStatus": 0},
        {"simId": "", "orderId": 0, "subStatus": False, "subTime": 0, "cardProvider": ""},
        {"orderId": "0", "subStatus": None},
    ],
)
def test_it_reports_no_plan_for_an_empty_block(rsps, client, block):
    add_dev_info_data(
        rsps, {"deviceInfo": minimal_device(), "storageInfo": block, "flowInfo": block}
    )

    report = client.device_info(sn=SN)

    assert report.storage is None
    assert report.sim is None


def test_it_reports_no_plan_when_the_blocks_are_missing(rsps, client):
    add_dev_info_data(rsps, {"deviceInfo": minimal_device()})

    report = client.device_info(sn=SN)

    assert report.storage is None
    assert report.sim is None


def test_it_reports_no_plan_for_a_block_that_cannot_be_read(rsps, client):
    add_dev_info_data(
        rsps, {"deviceInfo": minimal_device(), "storageInfo": "not json", "flowInfo": [1]}
    )

    report = client.device_info(sn=SN)

    assert report.storage is None
    assert report.sim is None
    assert report.raw["data"]["storageInfo"] == "not json"


def test_it_keeps_a_plan_that_has_only_zero_times(rsps, client):
    add_dev_info_data(
        rsps,
        {
            "deviceInfo": minimal_device(),
            "storageInfo": {"orderId": "o-1", "startTime": 0, "endTime": 0, "subTime": 0},
        },
    )

    storage = client.device_info(sn=SN).storage

    assert storage.order_id == "o-1"
    assert storage.start_time == 0
    assert storage.sub_time == 0
    assert storage.pkg_type is None


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("9007199254740993", "9007199254740993"),
        ('"FG-9007199254740993"', "FG-9007199254740993"),
        ('"9007199254740993"', "9007199254740993"),
    ],
)
def test_it_keeps_the_sim_order_id_as_an_exact_string_whether_int_or_string(
    rsps, client, wire, expected
):
    # 2**53 + 1: a float would round it to ...992.
    add_dev_info(
        rsps,
        '{"code":0,"msg":"ok","requestId":"r","data":{"deviceInfo":{"deviceId":"d"},'
        f'"flowInfo":{{"orderId":{wire},"srvStatus":1}}}}}}',
    )

    assert client.device_info(sn=SN).sim.order_id == expected


def test_it_keeps_unknown_fields_in_extra(rsps, client):
    add_dev_info_data(
        rsps,
        {
            "deviceInfo": minimal_device(connectInfo={"wifi": "home"}, noticeStatus=1, newOne=3),
            "storageInfo": {"orderId": "o-1", "planName": "7 days"},
            "flowInfo": {"simId": "8986", "iccid": "8986X"},
        },
    )

    report = client.device_info(sn=SN)

    assert report.device.notice_status == 1
    assert report.device.extra == {"connectInfo": {"wifi": "home"}, "newOne": 3}
    assert report.storage.extra == {"planName": "7 days"}
    assert report.sim.extra == {"iccid": "8986X"}


@pytest.mark.parametrize(
    ("wire", "expected"),
    [("85", 85), (" 7 ", 7), ("", None), ("unknown", None), (60, 60), ("1.5", None), (None, None)],
)
def test_it_reads_battery_from_a_string_or_a_number(rsps, client, wire, expected):
    add_dev_info_data(rsps, {"deviceInfo": minimal_device(battery=wire)})

    assert client.device_info(sn=SN).device.battery == expected


def test_it_reads_power_fields_sent_as_numeric_strings(rsps, client):
    add_dev_info_data(
        rsps, {"deviceInfo": minimal_device(powerMode="2", powerCharging="3", online="1")}
    )

    device = client.device_info(sn=SN).device

    assert device.power_mode == 2
    assert device.power_charging == 3
    assert device.online == 1


def test_it_keeps_an_unknown_enum_value_as_its_number(rsps, client):
    add_dev_info_data(rsps, {"deviceInfo": minimal_device(powerMode="9", online=4)})

    device = client.device_info(sn=SN).device

    assert device.power_mode == 9
    assert device.online == 4


def test_it_never_turns_a_json_number_into_a_float(rsps, client):
    add_dev_info(
        rsps,
        '{"code":0,"msg":"ok","requestId":"r","data":{"deviceInfo":'
        '{"deviceId":"d","ownerId":-9223371981234556044,"rssi":-101.0,"weird":1e400}}}',
    )

    report = client.device_info(sn=SN)

    assert report.device.rssi == -101
    assert report.device.extra["weird"] == Decimal("1e400")
    assert report.raw["data"]["deviceInfo"]["ownerId"] == int(OWNER_ID)


def test_it_reads_a_devlist_with_a_string_block_and_unknown_fields(rsps, client):
    body = envelope_text(
        {
            "deviceList": [
                {
                    "devId": "3435123453944",
                    "relation": 2,
                    "vss": json.dumps({"vssExpireTime": 1763802936, "vssRenew": 1, "type": 3}),
                    "fourCard": {"surplusFlow": "512", "totalFlow": 1024, "carrier": "x"},
                    "nickname": "Porch",
                },
                {"devId": 3435123453945, "relation": 1},
            ]
        }
    )
    rsps.add(responses.POST, DEV_LIST_URL, body=body)

    first, second = client.device_list(user_id=OWNER_ID).devices

    assert first.dev_id == "3435123453944"
    assert first.relation == 2
    assert first.vss_expire_time == 1763802936
    assert first.vss_renew == 1
    assert first.vss_type == 3
    assert first.surplus_flow == 512
    assert first.total_flow == 1024
    assert first.use_flow is None
    assert first.extra == {"fourCard.carrier": "x", "nickname": "Porch"}
    assert second.dev_id == "3435123453945"
    assert second.vss_type is None


def test_it_skips_a_devlist_item_without_a_device_id(rsps, client):
    body = envelope_text({"deviceList": [{"relation": 1}, "junk", {"devId": 3435123453944}]})
    rsps.add(responses.POST, DEV_LIST_URL, body=body)

    result = client.device_list(user_id=OWNER_ID)

    assert [entry.dev_id for entry in result.devices] == ["3435123453944"]
    assert len(result.raw["data"]["deviceList"]) == 3


@pytest.mark.parametrize("data", [None, {}, {"deviceList": None}, {"deviceList": []}])
def test_it_returns_no_devices_when_the_user_has_none(rsps, client, data):
    rsps.add(responses.POST, DEV_LIST_URL, body=envelope_text(data))

    assert client.device_list(user_id=OWNER_ID).devices == ()


def test_it_reads_a_devlist_given_as_a_string_holding_json(rsps, client):
    rsps.add(
        responses.POST,
        DEV_LIST_URL,
        body=envelope_text({"deviceList": '[{"devId":3435123453944,"relation":1}]'}),
    )

    assert client.device_list(user_id=OWNER_ID).devices[0].dev_id == "3435123453944"


# The request as sent.


def test_it_sends_the_devinfo_body_with_keys_in_the_documented_order(rsps, client):
    add_dev_info(rsps, data_text("devinfo_example.json"))

    client.device_info(sn=SN)

    assert (
        rsps.calls[0].request.body
        == (
            f'{{"action":"devInfo","appId":"{APP_ID}","appToken":"{APP_TOKEN}",'
            f'"sn":"{SN}","devId":"","accessId":"-1"}}'
        ).encode()
    )


def test_it_sends_the_devid_and_owner_id_when_asked_by_devid(rsps, client):
    add_dev_info(rsps, data_text("devinfo_example.json"))

    client.device_info(dev_id="5112345615988", owner_id=OWNER_ID)

    body = json.loads(rsps.calls[0].request.body)
    assert body["sn"] == ""
    assert body["devId"] == "5112345615988"
    assert body["accessId"] == OWNER_ID


def test_it_sends_the_devlist_body_with_keys_in_the_documented_order(rsps, client):
    rsps.add(responses.POST, DEV_LIST_URL, body=data_text("devlist_example.json"))

    client.device_list(user_id=OWNER_ID)

    assert (
        rsps.calls[0].request.body
        == (
            f'{{"action":"devList","appId":"{APP_ID}","appToken":"{APP_TOKEN}",'
            f'"accessId":"{OWNER_ID}"}}'
        ).encode()
    )


def test_it_sends_non_ascii_as_utf8_bytes_and_signs_those_bytes(rsps, client):
    add_dev_info(rsps, data_text("devinfo_example.json"))

    client.device_info(sn="摄像头-1")

    request = rsps.calls[0].request
    assert '"sn":"摄像头-1"'.encode() in request.body
    verify_signature(request)


@pytest.mark.parametrize("method", ["device_info", "device_list"])
def test_the_signature_of_the_sent_request_verifies_against_the_sent_bytes(rsps, client, method):
    if method == "device_info":
        add_dev_info(rsps, data_text("devinfo_example.json"))
        client.device_info(sn=SN)
    else:
        rsps.add(responses.POST, DEV_LIST_URL, body=data_text("devlist_example.json"))
        client.device_list(user_id=OWNER_ID)

    request = rsps.calls[0].request
    verify_signature(request)
    assert request.headers["Host"] == host_header(request.url) == "openapi.example.com"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-IotVideo-AccessID"] == APP_ID
    assert request.headers["X-IotVideo-Timestamp"] == str(int(NOW))
    assert 1 <= int(request.headers["X-IotVideo-Nonce"]) <= 2**31 - 1


def test_it_does_not_sign_with_the_app_token(rsps, client):
    add_dev_info(rsps, data_text("devinfo_example.json"))

    client.device_info(sn=SN)

    with pytest.raises(AssertionError):
        verify_signature(rsps.calls[0].request, secret=APP_TOKEN)


def test_it_signs_with_a_configured_signer_id_instead_of_the_app_id(rsps):
    app = AppCredentials(
        base_url=BASE_URL, app_id=APP_ID, app_token=APP_TOKEN, app_key=APP_KEY, signer_id="signer"
    )
    add_dev_info(rsps, data_text("devinfo_example.json"))

    VendorClient(app).device_info(sn=SN)

    request = rsps.calls[0].request
    assert request.headers["X-IotVideo-AccessID"] == "signer"
    assert json.loads(request.body)["appId"] == APP_ID
    verify_signature(request)


def test_it_draws_a_new_nonce_for_every_call(rsps, client):
    add_dev_info(rsps, data_text("devinfo_example.json"))
    add_dev_info(rsps, data_text("devinfo_example.json"))

    client.device_info(sn=SN)
    client.device_info(sn=SN)

    first, second = (call.request.headers["X-IotVideo-Nonce"] for call in rsps.calls)
    assert first != second


@pytest.mark.parametrize(
    ("base_url", "expected_url"),
    [
        ("https://openapi.example.com/", DEV_INFO_URL),
        (
            "https://openapi.example.com/gw/",
            "https://openapi.example.com/gw/openapi/custCloud/oss/devInfo",
        ),
        (
            "https://openapi.example.com/gw",
            "https://openapi.example.com/gw/openapi/custCloud/oss/devInfo",
        ),
        ("http://localhost:12042", "http://localhost:12042/openapi/custCloud/oss/devInfo"),
    ],
)
def test_it_joins_the_path_to_a_base_url_with_a_slash_or_a_prefix(rsps, base_url, expected_url):
    app = AppCredentials(base_url=base_url, app_id=APP_ID, app_token=APP_TOKEN, app_key=APP_KEY)
    rsps.add(responses.POST, expected_url, body=data_text("devinfo_example.json"))

    VendorClient(app).device_info(sn=SN)

    request = rsps.calls[0].request
    assert request.url == expected_url
    assert request.headers["Host"] == host_header(expected_url)
    verify_signature(request)


def test_it_refuses_a_base_url_without_a_scheme():
    with pytest.raises(ValueError):
        AppCredentials(base_url="openapi.example.com", app_id="a", app_token="t", app_key="k")


@pytest.mark.parametrize(
    "lookup", [{}, {"sn": SN, "dev_id": "5112345615988"}, {"sn": "", "dev_id": ""}]
)
def test_it_needs_exactly_one_of_sn_and_dev_id(rsps, client, lookup):
    with pytest.raises(ValueError):
        client.device_info(**lookup)
    assert len(rsps.calls) == 0


def test_it_needs_a_user_id_for_the_device_list(rsps, client):
    with pytest.raises(ValueError):
        client.device_list(user_id="")
    assert len(rsps.calls) == 0


@pytest.mark.parametrize(("timeout", "expected"), [(None, 5.0), (1.5, 1.5)])
def test_it_passes_the_timeout_to_the_session(rsps, app, timeout, expected):
    session = RecordingSession()
    kwargs = {} if timeout is None else {"timeout": timeout}
    add_dev_info(rsps, data_text("devinfo_example.json"))

    VendorClient(app, session=session, **kwargs).device_info(sn=SN)

    assert len(session.sent) == 1
    assert session.sent[0]["timeout"] == expected


def test_it_does_not_follow_redirects(rsps, client):
    add_dev_info(rsps, "", status=302, headers={"Location": f"{BASE_URL}/elsewhere"})

    with pytest.raises(VendorUnavailable) as caught:
        client.device_info(sn=SN)

    assert caught.value.status == 302
    assert len(rsps.calls) == 1


def test_it_refuses_a_timeout_that_is_not_positive(app):
    with pytest.raises(ValueError):
        VendorClient(app, timeout=0)


# before_send: the shared rate limiter.


def test_it_calls_before_send_once_per_call_before_sending(rsps, app):
    seen_calls = []
    add_dev_info(rsps, data_text("devinfo_example.json"))
    rsps.add(responses.POST, DEV_LIST_URL, body=data_text("devlist_example.json"))
    client = VendorClient(app, before_send=lambda: seen_calls.append(len(rsps.calls)))

    client.device_info(sn=SN)
    client.device_list(user_id=OWNER_ID)

    assert seen_calls == [0, 1]


def test_it_signs_after_before_send_so_a_wait_does_not_age_the_timestamp(rsps, app):
    now = [1000.0]

    def wait_in_limiter():
        now[0] += 30

    add_dev_info(rsps, data_text("devinfo_example.json"))
    client = VendorClient(app, before_send=wait_in_limiter, clock=lambda: now[0])

    client.device_info(sn=SN)

    assert rsps.calls[0].request.headers["X-IotVideo-Timestamp"] == "1030"


def test_it_sends_nothing_when_before_send_raises(rsps, app):
    class LimiterSaysNo(Exception):
        pass

    def refuse():
        raise LimiterSaysNo

    client = VendorClient(app, before_send=refuse)

    with pytest.raises(LimiterSaysNo):
        client.device_info(sn=SN)
    assert len(rsps.calls) == 0


def test_it_tells_the_limiter_when_a_call_is_over_after_the_answer(rsps, app):
    events = []
    add_dev_info(rsps, data_text("devinfo_example.json"))

    def take_slot():
        events.append("admitted")
        return lambda: events.append(f"finished after {len(rsps.calls)} request(s)")

    VendorClient(app, before_send=take_slot).device_info(sn=SN)

    assert events == ["admitted", "finished after 1 request(s)"]


@pytest.mark.parametrize("failure", ["http500", "connection", "refused_code"])
def test_it_tells_the_limiter_a_failed_call_is_over_too(rsps, app, failure):
    finished = []
    if failure == "http500":
        rsps.add(responses.POST, DEV_INFO_URL, status=500, body="<html>")
    elif failure == "connection":
        rsps.add(responses.POST, DEV_INFO_URL, body=requests.ConnectionError("reset"))
    else:
        add_dev_info(rsps, envelope_text(code=20001, msg="app disabled"))
    client = VendorClient(app, before_send=lambda: lambda: finished.append(True))

    with pytest.raises(VendorError):
        client.device_info(sn=SN)

    assert finished == [True]


# Errors from the envelope.


@pytest.mark.parametrize(
    ("msg", "error_class", "reason", "message"),
    [
        ("signature validate fail:-1", BodyUnreadable, -1, errors.BODY_UNREADABLE_MESSAGE),
        ("signature validate fail:-2", SignatureExpired, -2, errors.SIGNATURE_EXPIRED_MESSAGE),
        ("signature validate fail:-3", SignatureInvalid, -3, errors.SIGNATURE_INVALID_MESSAGE),
        (
            "signature validate fail",
            SignatureRejected,
            None,
            "The vendor refused the request signature (signature validate fail)",
        ),
        (
            "signature validate fail:-9",
            SignatureRejected,
            -9,
            "The vendor refused the request signature (signature validate fail:-9)",
        ),
    ],
)
def test_it_explains_each_signature_failure(rsps, client, msg, error_class, reason, message):
    add_dev_info(rsps, envelope_text(code=10007, msg=msg, request_id="r-7"))

    with pytest.raises(SignatureRejected) as caught:
        client.device_info(sn=SN)

    error = caught.value
    assert type(error) is error_class
    assert error.reason == reason
    assert error.code == 10007
    assert error.vendor_message == msg
    assert error.request_id == "r-7"
    assert str(error) == message + " (requestId r-7)"


def test_it_reports_any_other_code_with_the_code_message_and_request_id(rsps, client):
    add_dev_info(rsps, envelope_text(code=20001, msg="app disabled", request_id="r-9"))

    with pytest.raises(VendorRefused) as caught:
        client.device_info(sn=SN)

    error = caught.value
    assert type(error) is VendorRefused
    assert (error.code, error.vendor_message, error.request_id) == (20001, "app disabled", "r-9")
    assert str(error) == "The vendor answered code 20001: app disabled (requestId r-9)"


def test_it_reports_a_not_found_code_as_device_not_found(rsps, client):
    add_dev_info(rsps, envelope_text(code=10010, msg="no record found", request_id="r-2"))

    with pytest.raises(DeviceNotFound) as caught:
        client.device_info(sn=SN)

    error = caught.value
    assert error.code == 10010
    assert error.vendor_message == "no record found"
    assert error.lookup == f"sn {SN}"
    assert str(error) == f"The vendor found no device with sn {SN} (requestId r-2)"


def test_it_uses_the_configured_not_found_codes(rsps, app):
    add_dev_info(rsps, envelope_text(code=12001, msg="device not exist"))
    add_dev_info(rsps, envelope_text(code=404, msg="no such device"))
    client = VendorClient(app, not_found_codes={404})

    with pytest.raises(VendorRefused) as first:
        client.device_info(sn=SN)
    with pytest.raises(DeviceNotFound) as second:
        client.device_info(dev_id="d-1")

    assert type(first.value) is VendorRefused
    assert str(second.value) == "The vendor found no device with devId d-1 (requestId req-1)"


@pytest.mark.parametrize(
    "device_info", [None, {}, "", "{}", {"deviceId": "", "ownerId": 0}, "missing"]
)
def test_it_reports_code_0_without_device_info_as_device_not_found(rsps, client, device_info):
    data = {"storageInfo": None} if device_info == "missing" else {"deviceInfo": device_info}
    add_dev_info_data(rsps, data)

    with pytest.raises(DeviceNotFound) as caught:
        client.device_info(sn=SN)

    assert caught.value.code == 0


def test_it_reports_code_0_without_data_as_device_not_found(rsps, client):
    add_dev_info(rsps, '{"code":0,"msg":"ok"}')

    with pytest.raises(DeviceNotFound) as caught:
        client.device_info(dev_id="5112345615988")

    assert str(caught.value) == "The vendor found no device with devId 5112345615988"


def test_it_reports_a_device_info_that_is_not_an_object_as_a_bad_response(rsps, client):
    add_dev_info_data(rsps, {"deviceInfo": "<html>"})

    with pytest.raises(VendorUnavailable) as caught:
        client.device_info(sn=SN)

    assert caught.value.reason == "bad_response"


def test_it_reports_a_rate_limit_code_as_rate_limited(rsps, client):
    add_dev_info(rsps, envelope_text(code=10015, msg="frequent access denied", request_id="r-3"))

    with pytest.raises(VendorRateLimited) as caught:
        client.device_info(sn=SN)

    error = caught.value
    assert error.code == 10015
    assert error.retry_after is None
    assert str(error) == errors.RATE_LIMITED_SHORTLY_MESSAGE + " (requestId r-3)"


def test_it_honours_retry_after_on_a_rate_limit_code(rsps, app):
    add_dev_info(rsps, envelope_text(code=42, msg="slow down"), headers={"Retry-After": "2"})

    with pytest.raises(VendorRateLimited) as caught:
        VendorClient(app, rate_limit_codes=[42]).device_info(sn=SN)

    assert caught.value.retry_after == 2.0


# Errors from HTTP and the network.


def test_it_reports_http_429_with_retry_after_seconds(rsps, client):
    add_dev_info(rsps, "Too Many Requests", status=429, headers={"Retry-After": "7"})

    with pytest.raises(VendorRateLimited) as caught:
        client.device_info(sn=SN)

    assert caught.value.retry_after == 7.0
    assert str(caught.value) == "The vendor refuses requests as too frequent; try again in 7 s"


def test_it_reports_http_429_with_retry_after_as_a_date(rsps, client):
    add_dev_info(rsps, "", status=429, headers={"Retry-After": formatdate(NOW + 90, usegmt=True)})

    with pytest.raises(VendorRateLimited) as caught:
        client.device_info(sn=SN)

    assert caught.value.retry_after == 90.0


def test_it_reports_http_429_without_retry_after(rsps, client):
    add_dev_info(rsps, "", status=429)

    with pytest.raises(VendorRateLimited) as caught:
        client.device_info(sn=SN)

    assert caught.value.retry_after is None
    assert str(caught.value) == errors.RATE_LIMITED_SHORTLY_MESSAGE


@pytest.mark.parametrize("status", [500, 502, 503, 404, 401])
def test_it_reports_an_http_error_status_as_unavailable_without_retrying(rsps, client, status):
    add_dev_info(rsps, "<html>Bad Gateway</html>", status=status)

    with pytest.raises(VendorUnavailable) as caught:
        client.device_info(sn=SN)

    error = caught.value
    assert error.reason == "http_status"
    assert error.status == status
    assert str(error) == f"The vendor answered HTTP {status}"
    assert len(rsps.calls) == 1


def test_it_keeps_the_envelope_details_of_an_http_error(rsps, client):
    add_dev_info(rsps, envelope_text(code=10007, msg="x", request_id="r-5"), status=401)

    with pytest.raises(VendorUnavailable) as caught:
        client.device_info(sn=SN)

    assert caught.value.code == 10007
    assert caught.value.request_id == "r-5"
    assert str(caught.value) == "The vendor answered HTTP 401 (requestId r-5)"


@pytest.mark.parametrize(
    ("raised", "reason", "message"),
    [
        (requests.exceptions.ReadTimeout(), "timeout", "The vendor did not answer within 5 s"),
        (
            requests.exceptions.ConnectTimeout(),
            "timeout",
            "Could not connect to the vendor within 5 s",
        ),
        (
            requests.exceptions.SSLError(),
            "connection",
            "Could not connect to the vendor (TLS handshake failed)",
        ),
        (
            requests.exceptions.ConnectionError(ConnectionRefusedError(111, "refused")),
            "connection",
            "Could not connect to the vendor (connection refused)",
        ),
        (
            requests.exceptions.ConnectionError(socket.gaierror(-2, "Name or service not known")),
            "connection",
            "Could not connect to the vendor (host name not found)",
        ),
        (
            requests.exceptions.ConnectionError(ConnectionResetError(104, "reset by peer")),
            "connection",
            "The connection to the vendor was dropped before it answered",
        ),
        (
            requests.exceptions.ConnectionError(),
            "connection",
            "Could not connect to the vendor (network error)",
        ),
    ],
)
def test_it_reports_network_failures_readably_without_retrying(
    rsps, client, raised, reason, message
):
    rsps.add(responses.POST, DEV_INFO_URL, body=raised)

    with pytest.raises(VendorUnavailable) as caught:
        client.device_info(sn=SN)

    assert caught.value.reason == reason
    assert caught.value.status is None
    assert str(caught.value) == message
    assert caught.value.__cause__ is raised
    assert len(rsps.calls) == 1


@pytest.mark.parametrize("body", ["<html>oops</html>", "", '{"code": 0', "NaN", b"\xff\xfe\x00"])
def test_it_reports_an_answer_that_is_not_json_as_a_bad_response(rsps, client, body):
    add_dev_info(rsps, body)

    with pytest.raises(VendorUnavailable) as caught:
        client.device_info(sn=SN)

    assert caught.value.reason == "bad_response"
    assert caught.value.status == 200
    assert str(caught.value) == "The vendor's answer was not valid JSON"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ('[{"code":0}]', "a JSON list instead of an object"),
        ('"ok"', "a JSON str instead of an object"),
        ('{"msg":"ok","data":{}}', "no integer code"),
        ('{"code":"0","msg":"ok"}', "no integer code"),
        ('{"code":true}', "no integer code"),
        ('{"code":null}', "no integer code"),
    ],
)
def test_it_reports_json_that_is_not_an_envelope_as_a_bad_response(rsps, client, body, detail):
    add_dev_info(rsps, body)

    with pytest.raises(VendorUnavailable) as caught:
        client.device_info(sn=SN)

    assert caught.value.reason == "bad_response"
    assert str(caught.value) == errors.NOT_ENVELOPE_MESSAGE.format(detail=detail)


# Secrets.


ERROR_ANSWERS = [
    {"body": envelope_text(code=10007, msg="signature validate fail:-1")},
    {"body": envelope_text(code=10007, msg="signature validate fail:-2")},
    {"body": envelope_text(code=10007, msg="signature validate fail:-3")},
    {"body": envelope_text(code=10007, msg=f"signature validate fail, key {APP_KEY}")},
    {"body": envelope_text(code=20001, msg=f"bad appToken {APP_TOKEN}")},
    {"body": envelope_text(code=10010, msg=f"{APP_TOKEN} has no such device")},
    {"body": envelope_text(code=10015, msg=f"limit for {APP_TOKEN}")},
    {"body": envelope_text({"deviceInfo": None}, msg=APP_KEY)},
    {"body": "", "status": 429, "headers": {"Retry-After": "3"}},
    {"body": f"{APP_TOKEN} {APP_KEY}", "status": 502},
    {"body": f"{APP_TOKEN} {APP_KEY}"},
    {"body": json.dumps([APP_TOKEN, APP_KEY])},
    {"body": requests.exceptions.ReadTimeout(APP_TOKEN)},
    {"body": requests.exceptions.ConnectionError(APP_KEY)},
    {"body": requests.exceptions.SSLError(APP_TOKEN)},
]


@pytest.mark.parametrize("answer", ERROR_ANSWERS)
def test_no_error_ever_shows_the_app_token_or_the_app_key(rsps, client, answer):
    rsps.add(responses.POST, DEV_INFO_URL, **answer)

    with pytest.raises(VendorError) as caught:
        client.device_info(sn=SN)

    shown = f"{caught.value} {caught.value!r} {caught.value.vendor_message}"
    assert APP_TOKEN not in shown
    assert APP_KEY not in shown


def test_it_redacts_secrets_the_vendor_echoes_back(rsps, client):
    add_dev_info(rsps, envelope_text(code=20001, msg=f"bad appToken {APP_TOKEN}"))

    with pytest.raises(VendorRefused) as caught:
        client.device_info(sn=SN)

    assert caught.value.vendor_message == "bad appToken [redacted]"


def test_the_endpoint_and_client_reprs_hide_the_secrets(app, client):
    for shown in (repr(app), str(app), repr(client), str(client)):
        assert APP_ID in shown
        assert APP_TOKEN not in shown
        assert APP_KEY not in shown


def test_it_never_logs_the_body_or_the_signature(rsps, client, caplog):
    add_dev_info(rsps, data_text("devinfo_example.json"))
    add_dev_info(rsps, envelope_text(code=10007, msg="signature validate fail:-3"))
    rsps.add(responses.POST, DEV_INFO_URL, body=requests.exceptions.ConnectionError())
    caplog.set_level(logging.DEBUG, logger="devices.gwell")

    client.device_info(sn=SN)
    for _ in range(2):
        with pytest.raises(VendorError):
            client.device_info(sn=SN)

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "6029eee2-02a9-4431-99eb-038aefe387ad" in logged  # the requestId is there
    signatures = [call.request.headers["X-IotVideo-Signature"] for call in rsps.calls]
    for secret in (APP_TOKEN, APP_KEY, *signatures):
        assert secret not in logged


# The shared session.


def test_it_shares_one_session_per_process():
    assert transport_module.shared_session() is transport_module.shared_session()


def test_it_makes_a_new_session_in_a_forked_process(monkeypatch):
    parent_session = transport_module.shared_session()
    monkeypatch.setattr(transport_module.os, "getpid", lambda: -1)

    child_session = transport_module.shared_session()

    assert child_session is not parent_session
    assert transport_module.shared_session() is child_session


@pytest.mark.parametrize("scheme", ["https://", "http://"])
def test_the_shared_session_pools_connections_and_never_retries(scheme):
    adapter = transport_module.shared_session().get_adapter(f"{scheme}openapi.example.com/")

    assert adapter.max_retries.total == 0
    assert adapter.poolmanager.connection_pool_kw["maxsize"] == 32


def test_the_client_uses_the_shared_session_when_given_none(rsps, client, monkeypatch):
    session = RecordingSession()
    monkeypatch.setattr(client_module, "shared_session", lambda: session)
    add_dev_info(rsps, data_text("devinfo_example.json"))

    client.device_info(sn=SN)

    assert len(session.sent) == 1


# The codes that say our own app's credentials were refused (docs/vendor-api.md#error-codes).


@pytest.mark.parametrize(
    ("code", "msg"),
    [(10001, "appId not exist"), (10003, "appToken invalid"), (10026, "token expired")],
)
def test_it_reports_a_credential_code_as_credential_rejected(rsps, client, code, msg):
    add_dev_info(rsps, envelope_text(code=code, msg=msg, request_id="r-7"))

    with pytest.raises(CredentialRejected) as caught:
        client.device_info(sn=SN)

    error = caught.value
    assert type(error) is CredentialRejected
    assert (error.code, error.vendor_message, error.request_id) == (code, msg, "r-7")
    assert str(error) == (
        f"The vendor refused this app's credentials with code {code}: {msg} (requestId r-7)"
    )


def test_a_signature_refusal_is_a_credential_rejection_too(rsps, client):
    add_dev_info(rsps, envelope_text(code=10007, msg="signature validate fail:-3"))

    with pytest.raises(CredentialRejected) as caught:
        client.device_info(sn=SN)

    assert type(caught.value) is SignatureInvalid


def test_it_uses_the_configured_credential_codes(rsps, app):
    add_dev_info(rsps, envelope_text(code=10003, msg="appToken invalid"))
    add_dev_info(rsps, envelope_text(code=20002, msg="app disabled"))
    client = VendorClient(app, credential_codes={20002})

    with pytest.raises(VendorRefused) as first:
        client.device_info(sn=SN)
    with pytest.raises(CredentialRejected) as second:
        client.device_info(sn=SN)

    assert type(first.value) is VendorRefused
    assert second.value.code == 20002


@pytest.mark.parametrize(
    ("code", "error_class"),
    [(10010, DeviceNotFound), (10012, DeviceNotFound), (10015, VendorRateLimited)],
)
def test_the_default_codes_are_those_of_the_vendors_apps(rsps, client, code, error_class):
    add_dev_info(rsps, envelope_text(code=code, msg="from the apps' table"))

    with pytest.raises(error_class):
        client.device_info(sn=SN)
