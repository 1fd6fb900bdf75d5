"""Vendor results and audit rows for the presenter tests, built in code with sensible defaults.

Each builder takes the fields a test cares about; the rest describe a healthy device.
"""

from datetime import UTC, datetime

from devices import gwell
from devices.coalescing import Source
from devices.models import Lookup

NOW = datetime(2025, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai
T = int(NOW.timestamp())
DAY = 86400
HOUR = 3600
USER_ID = "-9223371981234556044"


def device(**fields) -> gwell.DeviceInfo:
    defaults = dict(
        device_id="3435178203944",
        owner_id=USER_ID,
        online=1,
        online_update_time=T - 2 * DAY,
        battery=None,
        signal=80,
        rssi=-55,
        power_mode=0,
        power_charging=0,
        bind_time=T - 100 * DAY,
        device_type="IPC-W2",
        firmware_version="13.1.2.47",
    )
    return gwell.DeviceInfo(**(defaults | fields))


def storage(**fields) -> gwell.StoragePlan:
    defaults = dict(
        order_id="VSS1",
        pkg_type=0,
        start_time=T - 10 * DAY,
        end_time=T + 100 * DAY,
        srv_status=2,
        storage_days=7,
        sub_status=True,
        sub_time=T - 200 * DAY,
        withhold_time=T - 10 * DAY,
    )
    return gwell.StoragePlan(**(defaults | fields))


def sim(**fields) -> gwell.SimPlan:
    defaults = dict(
        sim_id="89860021180000123456",
        order_id="FL1",
        start_time=T - 10 * DAY,
        end_time=T + 100 * DAY,
        srv_status=1,
        card_provider="中国移动",
        sub_status=True,
        sub_time=T - 200 * DAY,
        withhold_time=T - 10 * DAY,
    )
    return gwell.SimPlan(**(defaults | fields))


def report(dev=None, storage_plan=None, sim_plan=None) -> gwell.DeviceReport:
    return gwell.DeviceReport(
        device=dev or device(),
        storage=storage_plan,
        sim=sim_plan,
        request_id="req-1",
        raw={"code": 0, "msg": "ok", "requestId": "req-1", "data": {}},
    )


def lookup(**fields) -> Lookup:
    defaults = dict(
        kind=Lookup.Kind.SERIAL,
        value="876ABCDEF0347",
        outcome=Lookup.Outcome.OK,
        credential_name="sandbox",
        endpoint="devInfo",
        created_at=NOW,
        request_id="req-1",
        http_request_id="http-1",
        source=Source.FRESH,
    )
    return Lookup(**(defaults | fields))
