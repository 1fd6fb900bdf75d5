"""Typed results of devInfo and devList, parsed tolerantly.

The vendor's examples disagree with its tables; what is tolerated, and how, is in
docs/vendor-api.md#quirks.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

logger = logging.getLogger("devices.gwell")


# A real answer nests about 5 deep. Anything deeper is refused before code that recurses (the
# redaction, json.dumps for the cache and the page, templates) can hit the recursion limit.
MAX_DEPTH = 32


class NestedTooDeeply(ValueError):
    """JSON nested deeper than MAX_DEPTH."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads(text: str | bytes) -> Any:
    """json.loads where no number becomes a float: ints stay exact, the rest are Decimal.

    Raises ValueError for anything that is not JSON, NestedTooDeeply beyond MAX_DEPTH.
    """
    try:
        value = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except RecursionError:
        raise NestedTooDeeply(f"JSON nested more than {MAX_DEPTH} deep") from None
    if _deeper_than(value, MAX_DEPTH):
        raise NestedTooDeeply(f"JSON nested more than {MAX_DEPTH} deep")
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    # A loop, not recursion: the value may be nested thousands deep.
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def decode_block(value: Any, *, all_zero_is_empty: bool = True) -> dict[str, Any] | None:
    """An object, or a string holding one; None when absent or empty.

    With `all_zero_is_empty`, an object holding only zeros and empty values is empty too (how a
    device with no plan looks). Raises ValueError when the value is there but is not an object.
    """
    if isinstance(value, str):
        if not value.strip():
            return None
        value = loads(value)
    if not isinstance(value, dict) and _is_empty_value(value):
        return None
    if not isinstance(value, dict):
        raise ValueError(f"expected an object, got {type(value).__name__}")
    if not value or (all_zero_is_empty and is_empty_block(value)):
        return None
    return value


def is_empty_block(block: dict[str, Any]) -> bool:
    return all(_is_empty_value(value) for value in block.values())


def _is_empty_value(value: Any) -> bool:
    """None, "", "0", 0, false, {} or []: what a block holds when there is no plan."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() in ("", "0")
    if isinstance(value, dict | list):
        return not value
    if isinstance(value, bool | int | float | Decimal):
        return value == 0
    return False


def _optional_block(
    value: Any, name: str, *, all_zero_is_empty: bool = True
) -> dict[str, Any] | None:
    try:
        return decode_block(value, all_zero_is_empty=all_zero_is_empty)
    except ValueError:
        logger.warning("vendor block %s unreadable, treated as absent", name)
        return None


def to_int(value: Any) -> int | None:
    """An int from an int, an integral number or a numeric string; None otherwise."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            pass
        try:
            value = Decimal(value)
        except InvalidOperation:
            return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, Decimal):
        # adjusted() bounds the size: "1e999999999" must not become a billion-digit int.
        if not value.is_finite() or value.adjusted() > 40:
            return None
        return int(value) if value == value.to_integral_value() else None
    return None


def to_id(value: Any) -> str | None:
    """A 64-bit identifier as an exact decimal string (or the vendor's own string)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, Decimal):
        # Only a whole number is an id; json never made it a float, so it is still exact.
        number = to_int(value)
        return None if number is None else str(number)
    return None


def to_str(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return str(value)
    return None


def to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
    return None


Converter = Callable[[Any], Any]


def _read(
    block: dict[str, Any], fields: dict[str, tuple[str, Converter]], prefix: str = ""
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a wire block into known attributes (converted) and the rest (kept as is)."""
    known = {attr: convert(block.get(wire)) for wire, (attr, convert) in fields.items()}
    extra = {f"{prefix}{key}": value for key, value in block.items() if key not in fields}
    return known, extra


_DEVICE_FIELDS: dict[str, tuple[str, Converter]] = {
    "deviceId": ("device_id", to_id),
    "ownerId": ("owner_id", to_id),
    "online": ("online", to_int),
    "onlineUpdateTime": ("online_update_time", to_int),
    "deviceType": ("device_type", to_str),
    "battery": ("battery", to_int),
    "signal": ("signal", to_int),
    "rssi": ("rssi", to_int),
    "firmwareVer": ("firmware_version", to_str),
    "powerMode": ("power_mode", to_int),
    "powerCharging": ("power_charging", to_int),
    "bindTime": ("bind_time", to_int),
    "noticeStatus": ("notice_status", to_int),
}

_STORAGE_FIELDS: dict[str, tuple[str, Converter]] = {
    "orderId": ("order_id", to_id),
    "pkgType": ("pkg_type", to_int),
    "startTime": ("start_time", to_int),
    "endTime": ("end_time", to_int),
    "srvStatus": ("srv_status", to_int),
    "storageDays": ("storage_days", to_int),
    "subStatus": ("sub_status", to_bool),
    "subTime": ("sub_time", to_int),
    "withholdTime": ("withhold_time", to_int),
}


def to_text(value: Any) -> str | None:
    """A string kept as sent, "" included (where "" is a value: "not activated"); None when
    absent or not a string."""
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class IccidRecord:
    """One entry of `flowInfo.iccids`: an ICCID the device has had."""

    device_id: str | None
    iccid: str


def to_iccids(value: Any) -> tuple[IccidRecord, ...] | None:
    """`flowInfo.iccids`, in the order sent; None when absent (older answers), () when empty.
    Items that hold no ICCID are left out (they stay in the raw answer)."""
    if isinstance(value, str):
        try:
            value = loads(value) if value.strip() else []
        except ValueError:
            return None
    if not isinstance(value, list):
        return None
    records = []
    for item in value:
        if isinstance(item, dict) and (iccid := to_id(item.get("iccid"))):
            records.append(IccidRecord(to_id(item.get("deviceId")), iccid))
        elif isinstance(item, str) and item.strip():
            records.append(IccidRecord(None, item.strip()))
    return tuple(records)


_SIM_FIELDS: dict[str, tuple[str, Converter]] = {
    "simId": ("sim_id", to_id),
    "orderId": ("order_id", to_id),
    "startTime": ("start_time", to_int),
    "endTime": ("end_time", to_int),
    "srvStatus": ("srv_status", to_int),
    "cardProvider": ("card_provider", to_str),
    "subStatus": ("sub_status", to_bool),
    "subTime": ("sub_time", to_int),
    "withholdTime": ("withhold_time", to_int),
    # Added by the revision of 2026-05-20 (docs/vendor-api.md#later-additions).
    "usedData": ("used_data", to_int),
    "activeRegion": ("active_region", to_text),
    "iccids": ("iccids", to_iccids),
}

_LIST_ENTRY_FIELDS: dict[str, tuple[str, Converter]] = {
    "devId": ("dev_id", to_id),
    "relation": ("relation", to_int),
}

_VSS_FIELDS: dict[str, tuple[str, Converter]] = {
    "vssExpireTime": ("vss_expire_time", to_int),
    "vssRenew": ("vss_renew", to_int),
    "type": ("vss_type", to_int),
    "storageDuration": ("storage_duration", to_int),
}

_FOUR_CARD_FIELDS: dict[str, tuple[str, Converter]] = {
    "fgExpireTime": ("fg_expire_time", to_int),
    "fgRenew": ("fg_renew", to_int),
    "surplusFlow": ("surplus_flow", to_int),
    "totalFlow": ("total_flow", to_int),
    "useFlow": ("use_flow", to_int),
}


# `online` values: the table's 0 and 1, and the SDK device model's 2 for a low-power camera
# asleep between events (docs/vendor-api.md#later-additions).
OFFLINE, ONLINE, ASLEEP = 0, 1, 2


@dataclass(frozen=True)
class DeviceInfo:
    """`data.deviceInfo` of devInfo (docs/vendor-api.md#deviceinfo)."""

    device_id: str | None = None
    owner_id: str | None = None  # "0": not bound to anyone
    online: int | None = None  # OFFLINE, ONLINE or ASLEEP (below); None: not reported
    online_update_time: int | None = None
    device_type: str | None = None
    battery: int | None = None
    signal: int | None = None
    rssi: int | None = None
    firmware_version: str | None = None
    power_mode: int | None = None
    power_charging: int | None = None
    bind_time: int | None = None
    notice_status: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_bound(self) -> bool | None:
        """Whether someone owns the device; None when the vendor did not say."""
        if self.owner_id is None:
            return None
        return self.owner_id != "0"

    @classmethod
    def from_wire(cls, block: dict[str, Any]) -> "DeviceInfo":
        known, extra = _read(block, _DEVICE_FIELDS)
        return cls(**known, extra=extra)


@dataclass(frozen=True)
class StoragePlan:
    """`data.storageInfo` of devInfo: the cloud storage plan (docs/vendor-api.md#storageinfo)."""

    order_id: str | None = None
    pkg_type: int | None = None  # 0 continuous, 1 event; others kept as the raw number
    start_time: int | None = None
    end_time: int | None = None
    srv_status: int | None = None  # 2 in service, 5 expired and closed
    storage_days: int | None = None
    sub_status: bool | None = None
    sub_time: int | None = None
    withhold_time: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, block: dict[str, Any]) -> "StoragePlan":
        known, extra = _read(block, _STORAGE_FIELDS)
        return cls(**known, extra=extra)


@dataclass(frozen=True)
class SimPlan:
    """`data.flowInfo` of devInfo: the SIM data plan (docs/vendor-api.md#flowinfo)."""

    sim_id: str | None = None
    order_id: str | None = None
    start_time: int | None = None
    end_time: int | None = None
    srv_status: int | None = None  # 0 expired, 1 active
    card_provider: str | None = None
    sub_status: bool | None = None
    sub_time: int | None = None
    withhold_time: int | None = None
    # Later additions; None when the answer predates them.
    used_data: int | None = None  # MB the SIM has ever used
    active_region: str | None = None  # "": never activated
    iccids: tuple[IccidRecord, ...] | None = None  # every ICCID the device has had
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def never_activated(self) -> bool:
        """The vendor says the SIM was never activated (an empty `activeRegion`)."""
        return self.active_region is not None and not self.active_region.strip()

    @property
    def swapped(self) -> bool:
        """The device has had more than one ICCID: its SIM was changed."""
        return len({record.iccid for record in self.iccids or ()}) > 1

    @classmethod
    def from_wire(cls, block: dict[str, Any]) -> "SimPlan":
        known, extra = _read(block, _SIM_FIELDS)
        return cls(**known, extra=extra)


@dataclass(frozen=True)
class DeviceReport:
    """Everything devInfo says about one device."""

    device: DeviceInfo
    storage: StoragePlan | None
    sim: SimPlan | None
    request_id: str | None
    raw: dict[str, Any] = field(repr=False)  # the whole envelope, for escalation


@dataclass(frozen=True)
class DeviceListEntry:
    """One item of devList's `data.deviceList` (docs/vendor-api.md#device-list)."""

    dev_id: str
    relation: int | None = None  # 1 owner, 2 guest
    vss_expire_time: int | None = None
    vss_renew: int | None = None
    vss_type: int | None = None
    storage_duration: int | None = None
    fg_expire_time: int | None = None
    fg_renew: int | None = None
    surplus_flow: int | None = None
    total_flow: int | None = None
    use_flow: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, item: dict[str, Any]) -> "DeviceListEntry | None":
        """None when the item names no device (it stays in the raw envelope)."""
        known, extra = _read(item, _LIST_ENTRY_FIELDS)
        if known["dev_id"] is None:
            return None
        for name, fields in (("vss", _VSS_FIELDS), ("fourCard", _FOUR_CARD_FIELDS)):
            extra.pop(name, None)
            # Here zeros are values: 0 = not renewing, 0 MB left.
            block = _optional_block(item.get(name), name, all_zero_is_empty=False) or {}
            nested, nested_extra = _read(block, fields, prefix=f"{name}.")
            known.update(nested)
            extra.update(nested_extra)
        return cls(**known, extra=extra)


@dataclass(frozen=True)
class DeviceList:
    """What devList says about one vendor-cloud user's devices."""

    devices: tuple[DeviceListEntry, ...]
    request_id: str | None
    raw: dict[str, Any] = field(repr=False)


def envelope_data(envelope: dict[str, Any]) -> dict[str, Any]:
    """`data` of a successful envelope; {} when absent. ValueError when it is not an object."""
    return decode_block(envelope.get("data")) or {}


def request_id_of(envelope: dict[str, Any]) -> str | None:
    return to_str(envelope.get("requestId"))


def parse_device_report(envelope: dict[str, Any]) -> DeviceReport | None:
    """The report in a code-0 devInfo envelope; None when it holds no deviceInfo.

    Raises ValueError when `data` or `deviceInfo` is there but is not an object.
    """
    data = envelope_data(envelope)
    device_block = decode_block(data.get("deviceInfo"))
    if device_block is None:
        return None
    storage_block = _optional_block(data.get("storageInfo"), "storageInfo")
    sim_block = _optional_block(data.get("flowInfo"), "flowInfo")
    return DeviceReport(
        device=DeviceInfo.from_wire(device_block),
        storage=StoragePlan.from_wire(storage_block) if storage_block else None,
        sim=SimPlan.from_wire(sim_block) if sim_block else None,
        request_id=request_id_of(envelope),
        raw=envelope,
    )


def parse_device_list(envelope: dict[str, Any]) -> DeviceList:
    """The devices in a code-0 devList envelope (none when `deviceList` is absent or null).

    Raises ValueError when `data` or `deviceList` is there but is not what it should be.
    """
    data = envelope_data(envelope)
    items = data.get("deviceList")
    if isinstance(items, str):
        items = loads(items) if items.strip() else None
    if items is None:
        items = []
    if not isinstance(items, list):
        raise ValueError(f"deviceList: expected a list, got {type(items).__name__}")
    devices = []
    for item in items:
        entry = DeviceListEntry.from_wire(item) if isinstance(item, dict) else None
        if entry is None:
            logger.warning("vendor devList item without a device id skipped")
            continue
        devices.append(entry)
    return DeviceList(devices=tuple(devices), request_id=request_id_of(envelope), raw=envelope)
