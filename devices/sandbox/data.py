"""The sandbox's devices and users: a fixed set with a case for every quirk of the vendor's
answers (docs/vendor-api.md#quirks).

Times are offsets from "now", turned into Unix seconds when a request is answered, so a plan
that "expires in 3 days" still does next month. Identifiers are Python ints: `json` writes them
exactly (docs/vendor-api.md#identifiers).
"""

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, NamedTuple

MINUTE = 60
HOUR = 3600
DAY = 86400

# How the vendor writes a plan that never ends (year 2095).
PERMANENT_END_TIME = 3972791736

# devList's `relation`.
OWNER = 1
GUEST = 2


class NoPlan(Enum):
    """The three ways the vendor says "no plan here": null, {} or a block of zeros."""

    NULL = "null"
    EMPTY = "{}"
    ZEROS = "zeros"


@dataclass(frozen=True)
class Presence:
    """What a device last reported. Offsets are seconds before now."""

    online: int  # 0 offline, 1 online, 2 asleep (a low-power camera between events)
    changed_ago: int | None  # onlineUpdateTime; None: field absent (as in the vendor's example)
    battery: str  # "" when the device has no battery or the value is unknown
    signal: int | None  # None: field absent (as in the vendor's example)
    rssi: int
    power_mode: str  # "0" no battery, "1" on battery, "2" battery on external power
    power_charging: str  # "0" no, "1" charging, "2" low-voltage, "3" high-voltage charging


@dataclass(frozen=True)
class StoragePlan:
    """storageInfo (devInfo) and vss (devList). Offsets in seconds; None means the field is 0."""

    order_id: str
    pkg_type: int  # 0 continuous, 1 event; 5 is undocumented (the vendor's example has it)
    started_ago: int | None
    ends_in: int | None  # negative: already ended
    storage_days: int
    subscribed: bool
    subscribed_ago: int | None = None
    withheld_ago: int | None = None
    srv_status: int | None = None  # None: 2 while running, 5 once ended

    def status(self) -> int:
        if self.srv_status is not None:
            return self.srv_status
        return 2 if self.ends_in is not None and self.ends_in > 0 else 5


@dataclass(frozen=True)
class SimPlan:
    """flowInfo (devInfo) and fourCard (devList)."""

    sim_id: str
    order_id: int | str  # documented int64; the vendor's example has a string: both occur
    provider: str
    started_ago: int
    ends_in: int | None  # None with permanent=True
    subscribed: bool
    subscribed_ago: int | None = None
    withheld_ago: int | None = None
    permanent: bool = False
    total_flow_mb: int = 0  # data-bundle plans only
    used_flow_mb: int = 0
    # flowInfo fields added by the vendor's revision of 2026-05-20; absent when None, as in
    # older answers. active_region "": never activated; iccids: every ICCID, oldest first.
    lifetime_used_mb: int | None = None
    active_region: str | None = None
    iccids: tuple[str, ...] | None = None

    def status(self) -> int:
        return 1 if self.permanent or (self.ends_in is not None and self.ends_in > 0) else 0


@dataclass(frozen=True)
class SandboxUser:
    user_id: str  # the vendor-cloud user id, a signed 64-bit integer written in decimal
    label: str
    description: str


@dataclass(frozen=True)
class SandboxDevice:
    key: str  # a stable slug naming the case this device stands for
    description: str
    sn: str
    dev_id: int
    owner_id: int  # 0: not bound to anyone
    network: Literal["wifi", "4g"]
    device_type: str
    firmware: str
    bound_ago: int | None  # None: bindTime 0
    presence: Presence | None  # None: offline for months, the online fields are absent
    storage: StoragePlan | NoPlan
    sim: SimPlan | NoPlan
    guests: tuple[int, ...] = ()
    blocks_as_strings: bool = False  # devInfo's three blocks as strings holding JSON
    notice_status: int | None = None  # undocumented; absent when None

    def dev_info_data(self, now: float) -> dict[str, Any]:
        """The `data` object of a devInfo answer at time `now`."""
        base = int(now)
        blocks = {
            "deviceInfo": self._device_info(base),
            "storageInfo": _storage_info(self.storage, base),
            "flowInfo": _flow_info(self.sim, base, self.dev_id),
        }
        if self.blocks_as_strings:
            return {
                name: block
                if block is None
                else json.dumps(block, ensure_ascii=False, separators=(",", ":"))
                for name, block in blocks.items()
            }
        return blocks

    def dev_list_entry(self, now: float, relation: int) -> dict[str, Any]:
        """One item of a devList answer's `data.deviceList` at time `now`."""
        base = int(now)
        return {
            "devId": self.dev_id,
            "relation": relation,
            "vss": _vss(self.storage, base),
            "fourCard": _four_card(self.sim, base),
        }

    def _device_info(self, base: int) -> dict[str, Any]:
        info: dict[str, Any] = {"deviceId": str(self.dev_id), "ownerId": self.owner_id}
        presence = self.presence
        if presence is not None:
            info["online"] = presence.online
            if presence.changed_ago is not None:
                info["onlineUpdateTime"] = base - presence.changed_ago
        info["deviceType"] = self.device_type
        if presence is not None:
            info["battery"] = presence.battery
            if presence.signal is not None:
                info["signal"] = presence.signal
            info["rssi"] = presence.rssi
        info["connectInfo"] = ""
        info["firmwareVer"] = self.firmware
        if presence is not None:
            info["powerMode"] = presence.power_mode
            info["powerCharging"] = presence.power_charging
        info["bindTime"] = _at(base, self.bound_ago)
        if self.notice_status is not None:
            info["noticeStatus"] = self.notice_status
        return info


class Membership(NamedTuple):
    device: SandboxDevice
    relation: int  # OWNER or GUEST


def _at(base: int, ago: int | None) -> int:
    return 0 if ago is None else base - ago


def _until(base: int, ends_in: int | None) -> int:
    return 0 if ends_in is None else base + ends_in


def _storage_info(plan: StoragePlan | NoPlan, base: int) -> dict[str, Any] | None:
    if plan is NoPlan.NULL:
        return None
    if plan is NoPlan.EMPTY:
        return {}
    if plan is NoPlan.ZEROS:
        return {
            "orderId": "",
            "pkgType": 0,
            "startTime": 0,
            "endTime": 0,
            "srvStatus": 0,
            "storageDays": 0,
            "subStatus": False,
            "subTime": 0,
            "withholdTime": 0,
        }
    return {
        "orderId": plan.order_id,
        "pkgType": plan.pkg_type,
        "startTime": _at(base, plan.started_ago),
        "endTime": _until(base, plan.ends_in),
        "srvStatus": plan.status(),
        "storageDays": plan.storage_days,
        "subStatus": plan.subscribed,
        "subTime": _at(base, plan.subscribed_ago),
        "withholdTime": _at(base, plan.withheld_ago),
    }


def _flow_info(plan: SimPlan | NoPlan, base: int, dev_id: int = 0) -> dict[str, Any] | None:
    if plan is NoPlan.NULL:
        return None
    if plan is NoPlan.EMPTY:
        return {}
    if plan is NoPlan.ZEROS:
        return {
            "simId": "",
            "orderId": 0,
            "startTime": 0,
            "endTime": 0,
            "srvStatus": 0,
            "cardProvider": "",
            "subStatus": False,
            "subTime": 0,
            "withholdTime": 0,
        }
    return {
        "simId": plan.sim_id,
        "orderId": plan.order_id,
        "startTime": _at(base, plan.started_ago),
        "endTime": _sim_end(plan, base),
        "srvStatus": plan.status(),
        "cardProvider": plan.provider,
        "subStatus": plan.subscribed,
        "subTime": _at(base, plan.subscribed_ago),
        "withholdTime": _at(base, plan.withheld_ago),
        **_later_flow_fields(plan, dev_id),
    }


def _later_flow_fields(plan: SimPlan, dev_id: int) -> dict[str, Any]:
    """usedData, activeRegion and iccids, for a plan that has them (docs/vendor-api.md)."""
    fields: dict[str, Any] = {}
    if plan.lifetime_used_mb is not None:
        fields["usedData"] = plan.lifetime_used_mb
    if plan.active_region is not None:
        fields["activeRegion"] = plan.active_region
    if plan.iccids is not None:
        fields["iccids"] = [{"deviceId": str(dev_id), "iccid": iccid} for iccid in plan.iccids]
    return fields


def _sim_end(plan: SimPlan, base: int) -> int:
    return PERMANENT_END_TIME if plan.permanent else _until(base, plan.ends_in)


def _vss(plan: StoragePlan | NoPlan, base: int) -> dict[str, Any] | None:
    if plan is NoPlan.NULL:
        return None
    if plan is NoPlan.EMPTY:
        return {}
    if plan is NoPlan.ZEROS:
        return {"vssExpireTime": 0, "vssRenew": 0, "type": 0, "storageDuration": 0}
    return {
        "vssExpireTime": _until(base, plan.ends_in),
        "vssRenew": 1 if plan.subscribed else 0,
        "type": plan.pkg_type,
        "storageDuration": plan.storage_days,
    }


def _four_card(plan: SimPlan | NoPlan, base: int) -> dict[str, Any] | None:
    if plan is NoPlan.NULL:
        return None
    if plan is NoPlan.EMPTY:
        return {}
    if plan is NoPlan.ZEROS:
        return {"fgExpireTime": 0, "fgRenew": 0, "surplusFlow": 0, "totalFlow": 0, "useFlow": 0}
    return {
        "fgExpireTime": _sim_end(plan, base),
        "fgRenew": 1 if plan.subscribed else 0,
        "surplusFlow": max(plan.total_flow_mb - plan.used_flow_mb, 0),
        "totalFlow": plan.total_flow_mb,
        "useFlow": plan.used_flow_mb,
    }


# --- Users --------------------------------------------------------------------------------------
# Vendor-cloud user ids sit just above -2^63 (-9223372036854775808).

FAMILY = -9223371981234556044  # the id in the vendor's example and in signing vector 1
DOORBELLS = -9223371994455667788
FARM = -9223372019876543210
SHOP = -9223371967788990011
RELATIVE = -9223372001122334455
LAPSED = -9223371955544433322
DORMANT = -9223372030000000001
NEWCOMER = -9223371948765432101
QUIRKS = -9223371977777777777
NO_DEVICES = -9223372028282828282
NEW_SIMS = -9223371933333333333  # issue 10's 4G cases (below, with their devices)

USERS: tuple[SandboxUser, ...] = (
    SandboxUser(str(FAMILY), "Chen family", "WiFi cameras at home; shares one with a relative"),
    SandboxUser(
        str(DOORBELLS), "Battery cameras", "Battery cameras in every power and charging state"
    ),
    SandboxUser(str(FARM), "Farm (4G)", "4G cameras: SIM plans of every kind, one out of data"),
    SandboxUser(str(SHOP), "Corner shop", "Cloud-storage plans, including an unknown plan type"),
    SandboxUser(str(RELATIVE), "Relative (guest only)", "Owns nothing; sees two shared cameras"),
    SandboxUser(str(LAPSED), "Lapsed customer", "Cloud and SIM plans that have expired"),
    SandboxUser(str(DORMANT), "Dormant account", "Devices offline for months: no online fields"),
    SandboxUser(str(NEWCOMER), "Newcomer", "Never bought a plan: null, {} and all-zero blocks"),
    SandboxUser(str(QUIRKS), "Odd answers", "JSON-string blocks and the vendor's example quirks"),
    SandboxUser(str(NO_DEVICES), "No devices", "A valid account with no device: an empty list"),
    SandboxUser(
        str(NEW_SIMS), "New 4G SIMs", "A SIM never activated and a swapped SIM (newer fields)"
    ),
)

# --- Devices ------------------------------------------------------------------------------------


def _online(
    *,
    battery: str = "",
    power_mode: str = "0",
    charging: str = "0",
    signal: int = 80,
    rssi: int = -55,
    since: int = 2 * DAY,
) -> Presence:
    return Presence(1, since, battery, signal, rssi, power_mode, charging)


def _asleep(
    *, battery: str, signal: int = 70, rssi: int = -60, since: int = 20 * MINUTE
) -> Presence:
    """A low-power battery camera resting between events (online 2)."""
    return Presence(2, since, battery, signal, rssi, "1", "0")


def _offline(
    *,
    since: int,
    battery: str = "",
    power_mode: str = "0",
    charging: str = "0",
    signal: int = 0,
    rssi: int = -90,
) -> Presence:
    return Presence(0, since, battery, signal, rssi, power_mode, charging)


def _continuous(order: str, *, ends_in: int, days: int = 7, renew: bool = True) -> StoragePlan:
    return StoragePlan(
        order_id=order,
        pkg_type=0,
        started_ago=10 * DAY,
        ends_in=ends_in,
        storage_days=days,
        subscribed=renew,
        subscribed_ago=200 * DAY if renew else None,
        withheld_ago=10 * DAY if renew else None,
    )


WIFI_CAM, BATTERY_CAM, CAM_4G, DOORBELL = "IPC-W2", "BC-B1", "IPC-4G-S3", "DB-V5"

DEVICES: tuple[SandboxDevice, ...] = (
    # Chen family: everyday WiFi cameras.
    SandboxDevice(
        key="online-wifi-mains",
        description="Indoor WiFi camera on mains power, online, continuous plan auto-renewing",
        sn="876ABCDEF0347",  # the serial number of signing vector 2
        dev_id=3435178203944,
        owner_id=FAMILY,
        network="wifi",
        device_type=WIFI_CAM,
        firmware="13.1.2.47",
        bound_ago=412 * DAY,
        presence=_online(signal=92, rssi=-48, since=3 * DAY),
        storage=StoragePlan(
            order_id="VSS20240611083015",
            pkg_type=0,
            started_ago=9 * DAY,
            ends_in=21 * DAY,
            storage_days=7,
            subscribed=True,
            subscribed_ago=344 * DAY,
            withheld_ago=9 * DAY,
        ),
        sim=NoPlan.NULL,
        notice_status=1,
    ),
    SandboxDevice(
        key="online-battery-low",
        description="Battery camera online on 8% battery, not charging",
        sn="876KQ2M7T1025",
        dev_id=3435178204021,
        owner_id=FAMILY,
        network="wifi",
        device_type=BATTERY_CAM,
        firmware="21.4.0.12",
        bound_ago=180 * DAY,
        presence=_online(battery="8", power_mode="1", signal=71, rssi=-63, since=6 * HOUR),
        storage=StoragePlan(
            order_id="VSS20250102114502",
            pkg_type=1,
            started_ago=50 * DAY,
            ends_in=40 * DAY,
            storage_days=30,
            subscribed=False,
        ),
        sim=NoPlan.EMPTY,
    ),
    SandboxDevice(
        key="storage-expiring-soon",
        description="Event-recording plan ending in 3 days, not set to renew",
        sn="876PZ4RWX9032",
        dev_id=3435178204188,
        owner_id=FAMILY,
        network="wifi",
        device_type=WIFI_CAM,
        firmware="13.1.2.47",
        bound_ago=90 * DAY,
        presence=_online(rssi=-58, since=11 * HOUR),
        storage=StoragePlan(
            order_id="VSS20250301090000",
            pkg_type=1,
            started_ago=27 * DAY,
            ends_in=3 * DAY + 2 * HOUR,
            storage_days=30,
            subscribed=False,
        ),
        sim=NoPlan.NULL,
    ),
    SandboxDevice(
        key="offline-hours",
        description="Mains WiFi camera offline for 5 hours (lost its WiFi)",
        sn="876MB8D3L5560",
        dev_id=3435178204277,
        owner_id=FAMILY,
        network="wifi",
        device_type=WIFI_CAM,
        firmware="13.0.9.30",
        bound_ago=700 * DAY,
        presence=_offline(since=5 * HOUR, signal=35, rssi=-79),
        storage=NoPlan.ZEROS,
        sim=NoPlan.NULL,
    ),
    SandboxDevice(
        key="guest-shared",
        description="Family camera shared with two other accounts (guest relation 2)",
        sn="876SH7AR3D118",
        dev_id=3435178204359,
        owner_id=FAMILY,
        network="wifi",
        device_type=WIFI_CAM,
        firmware="13.1.2.47",
        bound_ago=300 * DAY,
        presence=_online(rssi=-52, since=20 * DAY),
        storage=_continuous("VSS20241120170233", ends_in=120 * DAY, days=14),
        sim=NoPlan.NULL,
        guests=(RELATIVE, DOORBELLS),
    ),
    # Battery cameras: every power mode and charging state.
    SandboxDevice(
        key="online-battery-high",
        description="Battery camera online on 96% battery, running on battery",
        sn="876DB1HQ7K2204",
        dev_id=5198231615988,
        owner_id=DOORBELLS,
        network="wifi",
        device_type=BATTERY_CAM,
        firmware="21.4.0.12",
        bound_ago=60 * DAY,
        presence=_online(battery="96", power_mode="1", signal=88, rssi=-51, since=40 * MINUTE),
        storage=NoPlan.NULL,
        sim=NoPlan.NULL,
    ),
    SandboxDevice(
        key="asleep",
        description="Low-power battery camera asleep between events (online 2), 64% battery",
        sn="876DB5SLP40917",
        dev_id=5198231616117,
        owner_id=DOORBELLS,
        network="wifi",
        device_type=BATTERY_CAM,
        firmware="21.4.0.12",
        bound_ago=45 * DAY,
        presence=_asleep(battery="64", since=25 * MINUTE),
        storage=NoPlan.NULL,
        sim=NoPlan.NULL,
    ),
    SandboxDevice(
        key="charging",
        description="Battery camera on external power, charging (57%)",
        sn="876DB2JN4W6631",
        dev_id=5198231616043,
        owner_id=DOORBELLS,
        network="wifi",
        device_type=DOORBELL,
        firmware="22.0.1.3",
        bound_ago=61 * DAY,
        presence=_online(battery="57", power_mode="2", charging="1", signal=77, rssi=-60),
        storage=NoPlan.NULL,
        sim=NoPlan.NULL,
    ),
    SandboxDevice(
        key="charging-low-voltage",
        description="Battery camera charging at low voltage (23%), e.g. a weak solar panel",
        sn="876DB3KV8Z0917",
        dev_id=5198231616127,
        owner_id=DOORBELLS,
        network="wifi",
        device_type=BATTERY_CAM,
        firmware="21.4.0.12",
        bound_ago=62 * DAY,
        presence=_online(battery="23", power_mode="2", charging="2", signal=66, rssi=-67),
        storage=NoPlan.NULL,
        sim=NoPlan.NULL,
    ),
    SandboxDevice(
        key="charging-high-voltage",
        description="Battery camera charging at high voltage (71%)",
        sn="876DB4MT2Y5548",
        dev_id=5198231616208,
        owner_id=DOORBELLS,
        network="wifi",
        device_type=DOORBELL,
        firmware="22.0.1.3",
        bound_ago=63 * DAY,
        presence=_online(battery="71", power_mode="2", charging="3", signal=81, rssi=-57),
        storage=NoPlan.NULL,
        sim=NoPlan.NULL,
    ),
    SandboxDevice(
        key="external-power-full",
        description="Battery camera on external power, full (100%), not charging",
        sn="876DB5PX6R3379",
        dev_id=5198231616390,
        owner_id=DOORBELLS,
        network="wifi",
        device_type=BATTERY_CAM,
        firmware="21.4.0.12",
        bound_ago=64 * DAY,
        presence=_online(battery="100", power_mode="2", signal=90, rssi=-45),
        storage=NoPlan.NULL,
        sim=NoPlan.NULL,
    ),
    # Farm: 4G cameras and their SIM plans.
    SandboxDevice(
        key="sim-active",
        description="4G camera online, China Mobile SIM plan active and auto-renewing",
        sn="8764GA7C2M19",
        dev_id=6021907431126,
        owner_id=FARM,
        network="4g",
        device_type=CAM_4G,
        firmware="31.2.5.8",
        bound_ago=240 * DAY,
        presence=_online(battery="100", power_mode="2", signal=64, rssi=-83, since=4 * DAY),
        storage=StoragePlan(
            order_id="VSS20240901101010",
            pkg_type=1,
            started_ago=65 * DAY,
            ends_in=300 * DAY,
            storage_days=7,
            subscribed=True,
            subscribed_ago=240 * DAY,
            withheld_ago=65 * DAY,
        ),
        sim=SimPlan(
            sim_id="89860021180000123456",
            order_id=2024051712345678901,  # an int64 order id, beyond a float's exact range
            provider="中国移动",
            started_ago=65 * DAY,
            ends_in=300 * DAY,
            subscribed=True,
            subscribed_ago=240 * DAY,
            withheld_ago=65 * DAY,
        ),
    ),
    SandboxDevice(
        key="sim-expiring-soon",
        description="4G camera whose China Unicom SIM plan ends in 5 days, no auto-renewal",
        sn="8764GB3F8Q27",
        dev_id=6021907431207,
        owner_id=FARM,
        network="4g",
        device_type=CAM_4G,
        firmware="31.2.5.8",
        bound_ago=200 * DAY,
        presence=_online(signal=58, rssi=-88, since=9 * HOUR),
        storage=NoPlan.NULL,
        sim=SimPlan(
            sim_id="89860121801234567890",
            order_id="FL20241103000712",
            provider="中国联通",
            started_ago=25 * DAY,
            ends_in=5 * DAY + 3 * HOUR,
            subscribed=False,
        ),
    ),
    SandboxDevice(
        key="sim-permanent",
        description="4G camera with a permanent China Telecom SIM plan (endTime 3972791736)",
        sn="8764GC9H1T35",
        dev_id=6021907431385,
        owner_id=FARM,
        network="4g",
        device_type=CAM_4G,
        firmware="31.2.5.8",
        bound_ago=400 * DAY,
        presence=_online(signal=70, rssi=-79, since=12 * DAY),
        storage=NoPlan.NULL,
        sim=SimPlan(
            sim_id="89861122334455667788",
            order_id="FL20231020000031",
            provider="中国电信",
            started_ago=400 * DAY,
            ends_in=None,
            permanent=True,
            subscribed=False,
            subscribed_ago=400 * DAY,
            withheld_ago=400 * DAY,
        ),
    ),
    SandboxDevice(
        key="sim-data-bundle",
        description="4G camera on a 10 GB China Mobile data bundle, 3172 MB used",
        sn="8764GD5K6V43",
        dev_id=6021907431466,
        owner_id=FARM,
        network="4g",
        device_type=CAM_4G,
        firmware="31.2.6.1",
        bound_ago=150 * DAY,
        presence=_online(signal=61, rssi=-86, since=2 * DAY),
        storage=NoPlan.NULL,
        sim=SimPlan(
            sim_id="89860021180000654321",
            order_id=2025010300000456,
            provider="中国移动",
            started_ago=5 * DAY,
            ends_in=25 * DAY,
            subscribed=True,
            subscribed_ago=150 * DAY,
            withheld_ago=5 * DAY,
            total_flow_mb=10240,
            used_flow_mb=3172,
        ),
    ),
    SandboxDevice(
        key="sim-data-used-up",
        description="4G camera whose 5 GB data bundle is used up: plan active, device offline",
        sn="8764GE1N3X51",
        dev_id=6021907431547,
        owner_id=FARM,
        network="4g",
        device_type=CAM_4G,
        firmware="31.2.6.1",
        bound_ago=130 * DAY,
        presence=_offline(since=2 * HOUR, signal=40, rssi=-97),
        storage=NoPlan.NULL,
        sim=SimPlan(
            sim_id="89860121809876543210",
            order_id="FL20250110000099",
            provider="中国联通",
            started_ago=12 * DAY,
            ends_in=18 * DAY,
            subscribed=True,
            subscribed_ago=130 * DAY,
            withheld_ago=12 * DAY,
            total_flow_mb=5120,
            used_flow_mb=5120,
        ),
    ),
    SandboxDevice(
        key="4g-weak-signal",
        description="4G camera online with a very weak signal (rssi -109)",
        sn="8764GF7R9Z68",
        dev_id=6021907431628,
        owner_id=FARM,
        network="4g",
        device_type=CAM_4G,
        firmware="31.2.5.8",
        bound_ago=100 * DAY,
        presence=_online(signal=12, rssi=-109, since=30 * MINUTE),
        storage=NoPlan.NULL,
        sim=SimPlan(
            sim_id="89861199887766554433",
            order_id=2025020800000777,
            provider="中国电信",
            started_ago=20 * DAY,
            ends_in=345 * DAY,
            subscribed=False,
        ),
    ),
    SandboxDevice(
        key="guest-shared-4g",
        description="4G camera of the farm shared with a relative (guest relation 2)",
        sn="8764GG2S4B76",
        dev_id=6021907431709,
        owner_id=FARM,
        network="4g",
        device_type=CAM_4G,
        firmware="31.2.6.1",
        bound_ago=90 * DAY,
        presence=_online(signal=69, rssi=-81, since=6 * DAY),
        storage=NoPlan.NULL,
        sim=SimPlan(
            sim_id="89860021181111222233",
            order_id=2025030100000188,
            provider="中国移动",
            started_ago=10 * DAY,
            ends_in=80 * DAY,
            subscribed=True,
            subscribed_ago=90 * DAY,
            withheld_ago=10 * DAY,
        ),
        guests=(RELATIVE,),
    ),
    # Corner shop: cloud-storage plans.
    SandboxDevice(
        key="storage-active-event",
        description="Event-recording plan, 30 days kept, 200 days left, auto-renewing",
        sn="876SP1AB4C0051",
        dev_id=3435178305012,
        owner_id=SHOP,
        network="wifi",
        device_type=WIFI_CAM,
        firmware="13.1.2.47",
        bound_ago=500 * DAY,
        presence=_online(rssi=-50, since=15 * DAY),
        storage=StoragePlan(
            order_id="VSS20240515120000",
            pkg_type=1,
            started_ago=165 * DAY,
            ends_in=200 * DAY,
            storage_days=30,
            subscribed=True,
            subscribed_ago=500 * DAY,
            withheld_ago=165 * DAY,
        ),
        sim=NoPlan.NULL,
    ),
    SandboxDevice(
        key="storage-pkgtype-unknown",
        description="Active cloud plan of undocumented type 5 (show the number, not a label)",
        sn="876SP2CD6E0062",
        dev_id=3435178305093,
        owner_id=SHOP,
        network="wifi",
        device_type=WIFI_CAM,
        firmware="13.1.2.47",
        bound_ago=480 * DAY,
        presence=_online(rssi=-56, since=15 * DAY),
        storage=StoragePlan(
            order_id="VSS20250201000123",
            pkg_type=5,
            started_ago=30 * DAY,
            ends_in=90 * DAY,
            storage_days=14,
            subscribed=False,
        ),
        sim=NoPlan.NULL,
        notice_status=0,
    ),
    SandboxDevice(
        key="wifi-weak-signal",
        description="WiFi camera online with a weak signal (rssi -82), plan not renewing",
        sn="876SP3EF8G0073",
        dev_id=3435178305174,
        owner_id=SHOP,
        network="wifi",
        device_type=WIFI_CAM,
        firmware="13.0.9.30",
        bound_ago=460 * DAY,
        presence=_online(signal=18, rssi=-82, since=50 * MINUTE),
        storage=_continuous("VSS20250110093000", ends_in=60 * DAY, days=30, renew=False),
        sim=NoPlan.NULL,
    ),
    # Lapsed customer: plans that ended.
    SandboxDevice(
        key="storage-expired",
        description="Cloud plan expired 12 days ago (srvStatus 5); renewal was cancelled",
        sn="876LP1GH2J0084",
        dev_id=3435178405035,
        owner_id=LAPSED,
        network="wifi",
        device_type=WIFI_CAM,
        firmware="13.0.9.30",
        bound_ago=800 * DAY,
        presence=_online(rssi=-61, since=8 * DAY),
        storage=StoragePlan(
            order_id="VSS20231201080000",
            pkg_type=0,
            started_ago=377 * DAY,
            ends_in=-12 * DAY,
            storage_days=7,
            subscribed=False,
            subscribed_ago=742 * DAY,
            withheld_ago=377 * DAY,
        ),
        sim=NoPlan.NULL,
    ),
    SandboxDevice(
        key="sim-expired",
        description="4G camera whose China Telecom SIM plan expired 20 days ago; offline since",
        sn="8764GL3K5M92",
        dev_id=6021907532018,
        owner_id=LAPSED,
        network="4g",
        device_type=CAM_4G,
        firmware="31.1.0.2",
        bound_ago=420 * DAY,
        presence=_offline(since=20 * DAY, battery="64", power_mode="1", signal=0, rssi=-113),
        storage=NoPlan.ZEROS,
        sim=SimPlan(
            sim_id="89861100000011112222",
            order_id="FL20240101000555",
            provider="中国电信",
            started_ago=385 * DAY,
            ends_in=-20 * DAY,
            subscribed=False,
            subscribed_ago=None,
            withheld_ago=None,
        ),
    ),
    SandboxDevice(
        key="offline-days",
        description="WiFi camera offline for 4 days; its cloud plan expired 40 days ago",
        sn="876LP2LM4N0095",
        dev_id=3435178405116,
        owner_id=LAPSED,
        network="wifi",
        device_type=WIFI_CAM,
        firmware="13.0.9.30",
        bound_ago=810 * DAY,
        presence=_offline(since=4 * DAY + 3 * HOUR, signal=22, rssi=-85),
        storage=StoragePlan(
            order_id="VSS20240301000001",
            pkg_type=1,
            started_ago=405 * DAY,
            ends_in=-40 * DAY,
            storage_days=7,
            subscribed=False,
        ),
        sim=NoPlan.NULL,
    ),
    # Dormant account: nothing heard for months.
    SandboxDevice(
        key="offline-months",
        description="WiFi camera silent for months: online, battery, signal etc. all absent",
        sn="876DM1NP6Q0106",
        dev_id=3435178505027,
        owner_id=DORMANT,
        network="wifi",
        device_type=WIFI_CAM,
        firmware="12.8.0.4",
        bound_ago=1100 * DAY,
        presence=None,
        storage=StoragePlan(
            order_id="VSS20230801000222",
            pkg_type=0,
            started_ago=515 * DAY,
            ends_in=-150 * DAY,
            storage_days=7,
            subscribed=False,
        ),
        sim=NoPlan.NULL,
    ),
    SandboxDevice(
        key="offline-months-4g",
        description="4G camera silent for months, its China Mobile SIM expired 200 days ago",
        sn="8764GM7P9R08",
        dev_id=6021907633019,
        owner_id=DORMANT,
        network="4g",
        device_type=CAM_4G,
        firmware="30.9.1.0",
        bound_ago=900 * DAY,
        presence=None,
        storage=NoPlan.NULL,
        sim=SimPlan(
            sim_id="89860021170000999888",
            order_id=2023060100000042,
            provider="中国移动",
            started_ago=565 * DAY,
            ends_in=-200 * DAY,
            subscribed=False,
        ),
    ),
    # Newcomer: never bought anything, in each of the vendor's three spellings of "nothing".
    SandboxDevice(
        key="storage-never-null",
        description="Never bought a plan: storageInfo and flowInfo are null",
        sn="876NW1QR8S0117",
        dev_id=3435178605048,
        owner_id=NEWCOMER,
        network="wifi",
        device_type=WIFI_CAM,
        firmware="13.1.3.2",
        bound_ago=2 * DAY,
        presence=_online(rssi=-49, since=2 * DAY),
        storage=NoPlan.NULL,
        sim=NoPlan.NULL,
    ),
    SandboxDevice(
        key="storage-never-empty",
        description="Never bought a plan: storageInfo and flowInfo are {}",
        sn="876NW2ST1U0128",
        dev_id=3435178605129,
        owner_id=NEWCOMER,
        network="wifi",
        device_type=WIFI_CAM,
        firmware="13.1.3.2",
        bound_ago=DAY,
        presence=_online(rssi=-53, since=DAY),
        storage=NoPlan.EMPTY,
        sim=NoPlan.EMPTY,
    ),
    SandboxDevice(
        key="storage-never-zeros",
        description="Never bought a plan: storageInfo and flowInfo are all zeros",
        sn="876NW3UV3W0139",
        dev_id=3435178605200,
        owner_id=NEWCOMER,
        network="wifi",
        device_type=BATTERY_CAM,
        firmware="21.4.1.0",
        bound_ago=3 * HOUR,
        presence=_online(battery="88", power_mode="1", rssi=-59, since=3 * HOUR),
        storage=NoPlan.ZEROS,
        sim=NoPlan.ZEROS,
    ),
    SandboxDevice(
        key="sim-never-bought",
        description="New 4G camera whose SIM plan was never bought ({}); offline since setup",
        sn="8764GN5T2V14",
        dev_id=6021907734020,
        owner_id=NEWCOMER,
        network="4g",
        device_type=CAM_4G,
        firmware="31.2.6.1",
        bound_ago=26 * HOUR,
        presence=_offline(since=26 * HOUR, signal=0, rssi=-115),
        storage=NoPlan.ZEROS,
        sim=NoPlan.EMPTY,
    ),
    # Odd answers: blocks as JSON strings, the vendor's own example.
    SandboxDevice(
        key="json-string-blocks",
        description="devInfo blocks arrive as strings holding JSON (flowInfo null)",
        sn="876QK1WX5Y0140",
        dev_id=3435178705061,
        owner_id=QUIRKS,
        network="wifi",
        device_type=WIFI_CAM,
        firmware="13.1.2.47",
        bound_ago=220 * DAY,
        presence=_online(rssi=-62, since=7 * HOUR),
        storage=_continuous("VSS20241201000777", ends_in=45 * DAY),
        sim=NoPlan.NULL,
        blocks_as_strings=True,
        notice_status=0,
    ),
    SandboxDevice(
        key="json-string-blocks-4g",
        description="4G camera whose three devInfo blocks are strings holding JSON",
        sn="8764GQ9W4X22",
        dev_id=6021907835031,
        owner_id=QUIRKS,
        network="4g",
        device_type=CAM_4G,
        firmware="31.2.5.8",
        bound_ago=210 * DAY,
        presence=_online(battery="45", power_mode="1", signal=55, rssi=-91, since=HOUR),
        storage=StoragePlan(
            order_id="VSS20240701000888",
            pkg_type=0,
            started_ago=395 * DAY,
            ends_in=-30 * DAY,
            storage_days=7,
            subscribed=False,
        ),
        sim=SimPlan(
            sim_id="89861133332222111100",
            order_id=2025021400000321,
            provider="中国电信",
            started_ago=15 * DAY,
            ends_in=350 * DAY,
            subscribed=True,
            subscribed_ago=210 * DAY,
            withheld_ago=15 * DAY,
        ),
        blocks_as_strings=True,
        notice_status=1,
    ),
    SandboxDevice(
        key="vendor-example",
        description="Shaped like the vendor's own example: empty strings, no signal, type 5",
        sn="876QK2YZ7A0151",
        dev_id=5106231715988,
        owner_id=QUIRKS,
        network="4g",
        device_type="",
        firmware="43.0.0.43",
        bound_ago=100 * DAY,
        presence=Presence(1, None, "", None, -101, "", ""),
        storage=StoragePlan(
            order_id="VSS20250101000001",
            pkg_type=5,
            started_ago=None,
            ends_in=None,
            storage_days=7,
            subscribed=True,
            subscribed_ago=100 * DAY,
            withheld_ago=100 * DAY,
            srv_status=2,
        ),
        sim=SimPlan(
            sim_id="89861155556666777788",
            order_id="FL20250101000002",
            provider="中国电信",
            started_ago=100 * DAY,
            ends_in=None,
            permanent=True,
            subscribed=False,
            subscribed_ago=100 * DAY,
            withheld_ago=100 * DAY,
        ),
    ),
    SandboxDevice(
        key="bound-today",
        description="WiFi camera set up 10 minutes ago, online, no plan yet (null blocks)",
        sn="876QK3AB9C0162",
        dev_id=3435178705142,
        owner_id=QUIRKS,
        network="wifi",
        device_type=DOORBELL,
        firmware="22.0.1.3",
        bound_ago=10 * MINUTE,
        presence=_online(battery="100", power_mode="2", rssi=-47, since=9 * MINUTE),
        storage=NoPlan.NULL,
        sim=NoPlan.NULL,
    ),
    # Issue 10: the SIM fields of the vendor's revision of 2026-05-20 (usedData, activeRegion,
    # iccids). A new 4G camera whose SIM was never activated (empty region, no ICCID yet) never
    # connects; a camera whose SIM card was changed lists two ICCIDs. Its owner: NEW_SIMS.
    SandboxDevice(
        key="sim-never-activated",
        description="New 4G camera whose SIM was never activated: never came online",
        sn="8764GN0ACT7731",
        dev_id=6021907431733,
        owner_id=NEW_SIMS,
        network="4g",
        device_type=CAM_4G,
        firmware="31.2.6.1",
        bound_ago=2 * DAY,
        presence=_offline(since=2 * DAY, signal=0, rssi=-113),
        storage=NoPlan.NULL,
        sim=SimPlan(
            sim_id="89860324100000007731",
            order_id="FL20261128000131",
            provider="中国电信",
            started_ago=2 * DAY,
            ends_in=363 * DAY,
            subscribed=False,
            total_flow_mb=10240,
            used_flow_mb=0,
            lifetime_used_mb=0,
            active_region="",
            iccids=(),
        ),
    ),
    SandboxDevice(
        key="sim-swapped",
        description="4G camera online whose SIM card was changed (two ICCIDs), 1 GB of 20 used",
        sn="8764GSWP2B0855",
        dev_id=6021907431855,
        owner_id=NEW_SIMS,
        network="4g",
        device_type=CAM_4G,
        firmware="31.2.6.1",
        bound_ago=200 * DAY,
        presence=_online(signal=72, rssi=-83, since=3 * DAY),
        storage=NoPlan.NULL,
        sim=SimPlan(
            sim_id="89860121800000000855",
            order_id="FL20261020000855",
            provider="中国联通",
            started_ago=40 * DAY,
            ends_in=325 * DAY,
            subscribed=True,
            subscribed_ago=200 * DAY,
            withheld_ago=40 * DAY,
            total_flow_mb=20480,
            used_flow_mb=1024,
            lifetime_used_mb=38912,
            active_region="广东",
            iccids=("89860318700000012345", "89860121800000000855"),
        ),
    ),
    # Not bound to anyone: ownerId 0, in no user's list.
    SandboxDevice(
        key="unbound",
        description="Reset camera not bound to anyone (ownerId 0), offline for 2 days",
        sn="876UB1CD2E0173",
        dev_id=3435178805053,
        owner_id=0,
        network="wifi",
        device_type=WIFI_CAM,
        firmware="13.0.9.30",
        bound_ago=None,
        presence=_offline(since=2 * DAY, rssi=-70),
        storage=NoPlan.NULL,
        sim=NoPlan.NULL,
    ),
    SandboxDevice(
        key="unbound-with-plan",
        description="Unbound camera (ownerId 0) whose cloud plan is still running",
        sn="876UB2EF4G0184",
        dev_id=3435178805134,
        owner_id=0,
        network="wifi",
        device_type=WIFI_CAM,
        firmware="13.1.2.47",
        bound_ago=None,
        presence=_online(rssi=-54, since=5 * HOUR),
        storage=_continuous("VSS20241015000444", ends_in=100 * DAY, renew=False),
        sim=NoPlan.NULL,
    ),
    # Battery cameras: one gone offline, its battery flat at its last report, so the owner's list
    # mixes online, asleep and offline devices (the list at a glance finds it among seven).
    SandboxDevice(
        key="offline-battery-flat",
        description="Battery camera offline for 5 hours; its last report said 4% on battery",
        sn="876DB6FL2291",
        dev_id=5198231616455,
        owner_id=DOORBELLS,
        network="wifi",
        device_type=BATTERY_CAM,
        firmware="21.4.0.12",
        bound_ago=58 * DAY,
        presence=_offline(since=5 * HOUR, battery="4", power_mode="1", signal=35, rssi=-78),
        storage=NoPlan.NULL,
        sim=NoPlan.NULL,
    ),
    # --- States that change over time (devices/sandbox/timeline.py) ---------------------------
    # Offline until some seconds after it is first asked, then online again, charging: the
    # customer power-cycles it while the agent watches the page (devices/history).
    SandboxDevice(
        key="comes-back-online",
        description="Battery camera offline for 2 hours that comes back online (charging) "
        "45 s after it is first asked, as when the customer power-cycles it",
        sn="876DB7PWR0C4L1",
        dev_id=5198231616250,
        owner_id=NEWCOMER,
        network="wifi",
        device_type=BATTERY_CAM,
        firmware="21.4.0.12",
        bound_ago=90 * DAY,
        presence=_offline(since=2 * HOUR, battery="4", power_mode="1", rssi=-88),
        storage=NoPlan.NULL,
        sim=NoPlan.NULL,
    ),
)

_BY_KEY = {device.key: device for device in DEVICES}
_BY_SN = {device.sn: device for device in DEVICES}
_BY_ID = {device.dev_id: device for device in DEVICES}


def device_by_key(key: str) -> SandboxDevice:
    """The device standing for a case; KeyError for an unknown key (keys are ours, not input)."""
    return _BY_KEY[key]


def device_by_sn(sn: str) -> SandboxDevice | None:
    return _BY_SN.get(sn)


def device_by_id(dev_id: int | str) -> SandboxDevice | None:
    number = _as_int(dev_id)
    return None if number is None else _BY_ID.get(number)


def user_by_id(user_id: int | str) -> SandboxUser | None:
    number = _as_int(user_id)
    return next((user for user in USERS if int(user.user_id) == number), None)


def devices_of_user(user_id: int | str) -> list[Membership]:
    """Every device the user owns (relation 1) or is a guest of (relation 2), in a fixed order."""
    number = _as_int(user_id)
    if not number:  # 0 is "bound to nobody", not a user
        return []
    owned = [Membership(d, OWNER) for d in DEVICES if d.owner_id == number]
    shared = [Membership(d, GUEST) for d in DEVICES if number in d.guests]
    return owned + shared


def relation_of(device: SandboxDevice, user_id: int | str) -> int | None:
    """OWNER or GUEST when the device is on that user's account (as devList shows it), else None."""
    number = _as_int(user_id)
    if not number:
        return None
    if device.owner_id == number:
        return OWNER
    return GUEST if number in device.guests else None


def demo_samples() -> list[tuple[str, str, str]]:
    """(kind, value, description) for the demo's search page; kind is "sn", "dev_id" or "user"."""
    return [
        ("sn", device_by_key("online-wifi-mains").sn, "Online camera, cloud plan auto-renewing"),
        ("sn", device_by_key("storage-expired").sn, "Cloud recordings stopped: plan expired"),
        ("sn", device_by_key("offline-months").sn, "Offline for months: no live status"),
        (
            "dev_id",
            str(device_by_key("sim-data-used-up").dev_id),
            "4G camera out of data: bundle used up",
        ),
        ("dev_id", str(device_by_key("online-battery-low").dev_id), "Battery almost empty"),
        ("sn", device_by_key("unbound").sn, "Not bound to any account"),
        ("user", str(FAMILY), "Family account: several cameras, one shared"),
        ("user", str(RELATIVE), "Guest-only account: sees cameras shared with it"),
    ]


def _as_int(value: int | str) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None
