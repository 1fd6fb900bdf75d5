"""The data set: every quirk present, identifiers well formed, answers deterministic."""

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from devices.sandbox import data
from devices.sandbox.data import DAY, DEVICES, GUEST, HOUR, OWNER, USERS

NOW = 1_760_000_000.0
ONLINE_FIELDS = (
    "online",
    "onlineUpdateTime",
    "battery",
    "signal",
    "rssi",
    "powerMode",
    "powerCharging",
)
INT64_MIN = -(2**63)


def _block(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


class View:
    """One device as the wire shows it at NOW: devInfo blocks decoded, and its devList entry."""

    def __init__(self, device: data.SandboxDevice) -> None:
        self.device = device
        self.raw = device.dev_info_data(NOW)
        self.info = _block(self.raw["deviceInfo"])
        self.storage = _block(self.raw["storageInfo"])
        self.flow = _block(self.raw["flowInfo"])
        self.entry = device.dev_list_entry(NOW, OWNER)

    def since(self, field: str) -> float:
        return NOW - self.info[field]


def _is_zeros(block: Any) -> bool:
    return isinstance(block, dict) and bool(block) and not any(block.values())


def _no_plan(block: Any) -> bool:
    return block is None or block == {} or _is_zeros(block)


def _battery(view: View) -> int | None:
    value = view.info.get("battery", "")
    return int(value) if value.isdigit() else None


def _guest_of_someone(view: View) -> bool:
    return any(
        m.device is view.device and m.relation == GUEST
        for user in USERS
        for m in data.devices_of_user(user.user_id)
    )


# Each case (docs/vendor-api.md#quirks and the states a page must show) and how to recognise it
# in what the wire carries.
CHECKLIST: dict[str, Callable[[View], bool]] = {
    "online": lambda v: v.info.get("online") == 1,
    "offline for hours": lambda v: (
        v.info.get("online") == 0 and HOUR <= v.since("onlineUpdateTime") < DAY
    ),
    "offline for days": lambda v: (
        v.info.get("online") == 0 and DAY <= v.since("onlineUpdateTime") < 30 * DAY
    ),
    "offline for months: online fields absent": lambda v: (
        not any(f in v.info for f in ONLINE_FIELDS)
    ),
    "battery low": lambda v: v.info.get("powerMode") == "1" and (_battery(v) or 100) <= 15,
    "battery high": lambda v: (_battery(v) or 0) >= 90,
    "no battery (powerMode 0)": lambda v: v.info.get("powerMode") == "0",
    "on battery (powerMode 1)": lambda v: v.info.get("powerMode") == "1",
    "external power (powerMode 2)": lambda v: v.info.get("powerMode") == "2",
    "not charging (powerCharging 0)": lambda v: v.info.get("powerCharging") == "0",
    "charging (powerCharging 1)": lambda v: v.info.get("powerCharging") == "1",
    "low-voltage charging (powerCharging 2)": lambda v: v.info.get("powerCharging") == "2",
    "high-voltage charging (powerCharging 3)": lambda v: v.info.get("powerCharging") == "3",
    "WiFi device": lambda v: v.device.network == "wifi" and _no_plan(v.flow),
    "4G device": lambda v: v.device.network == "4g" and bool(v.flow) and bool(v.flow.get("simId")),
    "cloud storage active (srvStatus 2)": lambda v: (
        bool(v.storage) and v.storage.get("srvStatus") == 2 and v.storage["endTime"] > NOW + 7 * DAY
    ),
    "cloud storage expiring within 7 days": lambda v: (
        bool(v.storage)
        and v.storage.get("srvStatus") == 2
        and 0 < v.storage["endTime"] - NOW <= 7 * DAY
    ),
    "cloud storage expired (srvStatus 5)": lambda v: (
        bool(v.storage) and v.storage.get("srvStatus") == 5 and 0 < v.storage["endTime"] < NOW
    ),
    "cloud storage never bought: null": lambda v: v.storage is None,
    "cloud storage never bought: {}": lambda v: v.storage == {},
    "cloud storage never bought: all zeros": lambda v: _is_zeros(v.storage),
    "cloud storage continuous (pkgType 0)": lambda v: (
        bool(v.storage) and v.storage.get("pkgType") == 0 and v.storage.get("srvStatus") == 2
    ),
    "cloud storage event (pkgType 1)": lambda v: bool(v.storage) and v.storage.get("pkgType") == 1,
    "cloud storage unknown pkgType 5": lambda v: bool(v.storage) and v.storage.get("pkgType") == 5,
    "cloud storage auto-renewing": lambda v: (
        bool(v.storage) and v.storage.get("subStatus") is True and v.storage["withholdTime"] > 0
    ),
    "SIM active (srvStatus 1)": lambda v: (
        bool(v.flow) and v.flow.get("srvStatus") == 1 and v.flow["endTime"] - NOW > 7 * DAY
    ),
    "SIM expiring soon": lambda v: (
        bool(v.flow) and v.flow.get("srvStatus") == 1 and 0 < v.flow["endTime"] - NOW <= 7 * DAY
    ),
    "SIM expired (srvStatus 0)": lambda v: (
        bool(v.flow) and v.flow.get("srvStatus") == 0 and 0 < v.flow["endTime"] < NOW
    ),
    "SIM permanent (endTime 3972791736)": lambda v: (
        bool(v.flow) and v.flow.get("endTime") == 3972791736
    ),
    "SIM none": lambda v: _no_plan(v.flow),
    "SIM never bought on a 4G device": lambda v: v.device.network == "4g" and _no_plan(v.flow),
    "unbound (ownerId 0)": lambda v: v.info["ownerId"] == 0 and v.info["bindTime"] == 0,
    "guest-shared (relation 2 in another user's list)": _guest_of_someone,
    "blocks as JSON strings": lambda v: any(isinstance(b, str) for b in v.raw.values()),
    "carrier 中国电信": lambda v: bool(v.flow) and v.flow.get("cardProvider") == "中国电信",
    "carrier 中国移动": lambda v: bool(v.flow) and v.flow.get("cardProvider") == "中国移动",
    "carrier 中国联通": lambda v: bool(v.flow) and v.flow.get("cardProvider") == "中国联通",
    "13-digit device id: string in devInfo, int in devList": lambda v: (
        isinstance(v.info["deviceId"], str)
        and len(v.info["deviceId"]) == 13
        and isinstance(v.entry["devId"], int)
    ),
    "owner id near -2^63": lambda v: INT64_MIN <= v.info["ownerId"] < -9_223_371_000_000_000_000,
    "undocumented connectInfo": lambda v: "connectInfo" in v.info,
    "undocumented noticeStatus 0": lambda v: v.info.get("noticeStatus") == 0,
    "undocumented noticeStatus 1": lambda v: v.info.get("noticeStatus") == 1,
    "no noticeStatus": lambda v: "noticeStatus" not in v.info,
    "undocumented vss.type": lambda v: (
        isinstance(v.entry["vss"], dict) and "type" in v.entry["vss"]
    ),
    "no signal and no onlineUpdateTime while online (vendor example)": lambda v: (
        v.info.get("online") == 1 and "signal" not in v.info and "onlineUpdateTime" not in v.info
    ),
    "flowInfo.orderId an int": lambda v: (
        bool(v.flow) and v.flow.get("simId") and type(v.flow.get("orderId")) is int
    ),
    "flowInfo.orderId a string": lambda v: (
        bool(v.flow) and isinstance(v.flow.get("orderId"), str) and v.flow["orderId"] != ""
    ),
    "data bundle: surplus/total/use in devList": lambda v: (
        bool(v.entry["fourCard"])
        and v.entry["fourCard"]["totalFlow"] > 0
        and v.entry["fourCard"]["surplusFlow"]
        == v.entry["fourCard"]["totalFlow"] - v.entry["fourCard"]["useFlow"]
        > 0
    ),
    "4G data used up": lambda v: (
        bool(v.entry["fourCard"])
        and v.entry["fourCard"]["totalFlow"] > 0
        and v.entry["fourCard"]["surplusFlow"] == 0
    ),
    "devList block null": lambda v: v.entry["vss"] is None or v.entry["fourCard"] is None,
    "devList block {}": lambda v: v.entry["vss"] == {} or v.entry["fourCard"] == {},
    "devList block of zeros": lambda v: _is_zeros(v.entry["vss"]) or _is_zeros(v.entry["fourCard"]),
}


@pytest.mark.parametrize("case", list(CHECKLIST))
def test_the_data_set_has_a_device_for_each_case(case):
    matching = [device.key for device in DEVICES if CHECKLIST[case](View(device))]
    assert matching, f"no device for {case!r}"


def test_the_checklist_can_tell_cases_apart():
    # A predicate true for every device would prove nothing.
    always_true = [
        case for case, holds in CHECKLIST.items() if all(holds(View(d)) for d in DEVICES)
    ]
    assert always_true == [
        "13-digit device id: string in devInfo, int in devList",
        "undocumented connectInfo",
    ]


def test_there_are_at_least_30_devices_and_8_users():
    assert len(DEVICES) >= 30
    assert len(USERS) >= 8


def test_keys_serial_numbers_and_ids_are_unique():
    for attribute in ("key", "sn", "dev_id"):
        values = [getattr(device, attribute) for device in DEVICES]
        assert len(set(values)) == len(values), attribute
    user_ids = [user.user_id for user in USERS]
    assert len(set(user_ids)) == len(user_ids)


def test_every_device_has_a_slug_key_and_a_one_line_description():
    for device in DEVICES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", device.key), device.key
        assert device.description and "\n" not in device.description, device.key


def test_serial_numbers_look_like_the_vendors():
    for device in DEVICES:
        assert re.fullmatch(r"[0-9A-Z]{12,14}", device.sn), device.sn
        assert re.search(r"[A-Z]", device.sn) and re.search(r"[0-9]", device.sn), device.sn


def test_device_ids_have_13_digits():
    assert all(10**12 <= device.dev_id < 10**13 for device in DEVICES)


def test_user_ids_are_int64_near_minus_2_to_the_63():
    for user in USERS:
        assert INT64_MIN <= int(user.user_id) < -9_223_371_000_000_000_000, user.label
        assert str(int(user.user_id)) == user.user_id


def test_every_owner_and_guest_is_a_known_user():
    known = {int(user.user_id) for user in USERS}
    for device in DEVICES:
        assert device.owner_id == 0 or device.owner_id in known, device.key
        assert set(device.guests) <= known - {device.owner_id}, device.key


def test_every_bound_device_is_in_its_owners_list_and_unbound_ones_in_nobodys():
    listed = {
        m.device.key
        for user in USERS
        for m in data.devices_of_user(user.user_id)
        if m.relation == OWNER
    }
    bound = {device.key for device in DEVICES if device.owner_id != 0}
    assert listed == bound


def test_a_devices_relation_to_a_user_is_the_one_that_users_list_shows():
    # devInfo answers a user by relation_of; devList shows the same relations.
    for user in USERS:
        listed = {m.device.key: m.relation for m in data.devices_of_user(user.user_id)}
        related = {
            device.key: data.relation_of(device, user.user_id)
            for device in DEVICES
            if data.relation_of(device, user.user_id) is not None
        }
        assert related == listed, user.label
    assert data.relation_of(data.device_by_key("unbound"), 0) is None


def test_a_user_list_has_owned_devices_then_shared_ones():
    members = data.devices_of_user(str(data.DOORBELLS))
    relations = [m.relation for m in members]
    assert relations == sorted(relations)
    assert relations.count(GUEST) == 1
    assert data.device_by_key("guest-shared") in [m.device for m in members if m.relation == GUEST]


def test_some_users_own_nothing_and_one_has_no_device_at_all():
    assert data.devices_of_user(str(data.NO_DEVICES)) == []
    relations = {m.relation for m in data.devices_of_user(data.RELATIVE)}
    assert relations == {GUEST}


def test_the_same_now_gives_the_same_data():
    first = [(d.dev_info_data(NOW), d.dev_list_entry(NOW, OWNER)) for d in DEVICES]
    again = [(d.dev_info_data(NOW), d.dev_list_entry(NOW, OWNER)) for d in DEVICES]
    assert json.dumps(first, ensure_ascii=False) == json.dumps(again, ensure_ascii=False)


def test_times_move_with_now_so_expiring_in_3_days_stays_true():
    device = data.device_by_key("storage-expiring-soon")
    for now in (NOW, NOW + 365 * DAY, 2_000_000_000.0):
        left = _block(device.dev_info_data(now)["storageInfo"])["endTime"] - now
        assert 3 * DAY <= left < 4 * DAY


def test_the_permanent_end_time_does_not_move_with_now():
    device = data.device_by_key("sim-permanent")
    ends = {_block(device.dev_info_data(now)["flowInfo"])["endTime"] for now in (NOW, NOW + DAY)}
    assert ends == {3972791736}


def test_lookups_find_devices_by_key_serial_and_id():
    device = data.device_by_key("offline-months")
    assert data.device_by_sn(device.sn) is device
    assert data.device_by_id(device.dev_id) is device
    assert data.device_by_id(str(device.dev_id)) is device
    assert data.device_by_sn("876NOSUCHSN00") is None
    assert data.device_by_id("not-a-number") is None
    with pytest.raises(KeyError):
        data.device_by_key("no-such-case")


def test_the_signing_vectors_find_their_data():
    assert data.device_by_sn("876ABCDEF0347") is not None  # vector 2
    assert data.devices_of_user("-9223371981234556044")  # vector 1


def test_demo_samples_are_6_to_8_examples_that_exist():
    samples = data.demo_samples()
    assert 6 <= len(samples) <= 8
    kinds = {kind for kind, _, _ in samples}
    assert kinds == {"sn", "dev_id", "user"}
    for kind, value, description in samples:
        assert description
        if kind == "sn":
            assert data.device_by_sn(value) is not None, value
        elif kind == "dev_id":
            assert data.device_by_id(value) is not None, value
        else:
            assert data.devices_of_user(value), value
