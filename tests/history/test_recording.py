"""Snapshots: one per fresh good devInfo answer, unchanged answers folded into one row with a
"seen until" time, nothing for cached answers or failures, pruned with the audit log."""

from dataclasses import replace
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from devices import gwell, services
from devices.audit import AuditContext
from devices.history.facts import KEYS, facts_of
from devices.history.models import Snapshot
from devices.history.recording import snapshot_record
from devices.sandbox import FaultPlan, data
from tests.helpers import sn_url

DEVICE = data.device_by_key("sim-active")


def lookup(user, key="sim-active", **options):
    return services.lookup_device(
        audit=AuditContext(user=user), kind="sn", value=data.device_by_key(key).sn, **options
    )


def report(**device_fields) -> gwell.DeviceReport:
    device = gwell.DeviceInfo(
        device_id="3435178000001",
        owner_id="-1000",
        online=gwell.ONLINE,
        online_update_time=1_700_000_000,
        battery=80,
        firmware_version="31.2.6.1",
    )
    return gwell.DeviceReport(
        device=replace(device, **device_fields), storage=None, sim=None, request_id="r", raw={}
    )


def test_a_fresh_answer_leaves_a_snapshot_of_the_facts_a_person_reads(staff, credential):
    lookup(staff)

    snapshot = Snapshot.objects.get()
    assert snapshot.credential == credential
    assert snapshot.device_id == str(DEVICE.dev_id)
    assert set(snapshot.facts) == set(KEYS)
    assert snapshot.facts["online"] == 1
    assert snapshot.facts["firmware"] == DEVICE.firmware
    assert snapshot.facts["iccid"] == DEVICE.sim.sim_id
    assert snapshot.facts["sim_status"] == 1
    assert snapshot.first_seen_at == snapshot.last_seen_at
    assert snapshot.times_seen == 1


def test_no_secret_and_no_raw_answer_is_kept(staff, credential, sandbox_app):
    lookup(staff)

    stored = str(Snapshot.objects.values().get())
    assert sandbox_app.app_token not in stored
    assert sandbox_app.app_key not in stored
    assert "requestId" not in stored and "deviceInfo" not in stored


def test_unchanged_answers_are_one_row_seen_until_the_last(staff, credential):
    for _ in range(3):
        lookup(staff, refresh=True)

    snapshot = Snapshot.objects.get()
    assert snapshot.times_seen == 3
    assert snapshot.last_seen_at > snapshot.first_seen_at
    assert snapshot.first_seen_at < snapshot.previously_seen_at < snapshot.last_seen_at


def test_a_change_starts_a_new_row_and_a_return_to_the_old_state_another(staff, credential):
    start = timezone.now()
    for minutes, battery in ((0, 80), (1, 80), (2, 8), (3, 80)):
        snapshot_record(
            credential=credential,
            report=report(battery=battery),
            at=start + timedelta(minutes=minutes),
        )

    rows = list(Snapshot.objects.order_by("first_seen_at"))
    assert [row.facts["battery"] for row in rows] == [80, 8, 80]
    assert [row.times_seen for row in rows] == [2, 1, 1]
    assert rows[0].last_seen_at == start + timedelta(minutes=1)


def test_devices_and_credentials_each_have_their_own_history(staff, credential):
    other = type(credential).objects.create(
        name="other", base_url=credential.base_url, app_id="x", app_token="t", app_key="k"
    )
    now = timezone.now()
    snapshot_record(credential=credential, report=report(), at=now)
    snapshot_record(credential=other, report=report(), at=now)
    snapshot_record(credential=credential, report=report(device_id="3435178000002"), at=now)

    assert Snapshot.objects.count() == 3


def test_a_late_answer_of_the_same_state_does_not_move_seen_until_back(credential):
    now = timezone.now()
    snapshot_record(credential=credential, report=report(), at=now)
    snapshot_record(credential=credential, report=report(), at=now - timedelta(seconds=5))

    snapshot = Snapshot.objects.get()
    assert snapshot.last_seen_at == now
    assert snapshot.times_seen == 1


def test_cached_answers_and_failures_leave_no_snapshot(staff, credential, sandbox):
    lookup(staff)
    lookup(staff)  # cached
    assert Snapshot.objects.get().times_seen == 1

    sandbox.vendor.set_faults(FaultPlan("http500"))
    lookup(staff, refresh=True)
    lookup(staff, key="offline-hours")
    assert Snapshot.objects.get().times_seen == 1


def test_a_user_list_leaves_no_snapshot(staff, credential):
    services.list_user_devices(audit=AuditContext(user=staff), user_id=str(data.FAMILY))

    assert not Snapshot.objects.exists()


def test_a_device_page_records_one(staff_client):
    assert staff_client.get(sn_url("offline-hours")).status_code == 200

    assert Snapshot.objects.get().facts["online"] == 0


def test_a_failing_snapshot_store_does_not_fail_the_lookup(staff, credential, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("devices.history.recording.snapshot_record", broken)

    result = lookup(staff)

    assert result.ok
    assert result.lookup.outcome == "ok"


def test_facts_of_an_answer_without_plans_say_none(credential):
    facts = facts_of(report())
    assert facts["storage_status"] is None and facts["sim_end"] is None and facts["iccid"] is None


def prune(*args: str) -> str:
    out = StringIO()
    call_command("prune_lookups", *args, stdout=out)
    return out.getvalue()


def test_snapshots_are_pruned_with_the_audit_log(credential, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    now = timezone.now()
    old = snapshot_record(credential=credential, report=report(), at=now - timedelta(days=40))
    # First seen long ago but still seen lately: kept whole.
    long_lived = snapshot_record(
        credential=credential, report=report(device_id="2"), at=now - timedelta(days=40)
    )
    snapshot_record(credential=credential, report=report(device_id="2"), at=now)
    recent = snapshot_record(credential=credential, report=report(device_id="3"), at=now)

    output = prune()

    assert "Removed 1 device snapshots last seen more than 30 days ago." in output
    assert set(Snapshot.objects.values_list("pk", flat=True)) == {long_lived.pk, recent.pk}
    assert not Snapshot.objects.filter(pk=old.pk).exists()


def test_an_online_since_that_moved_by_seconds_is_the_same_answer(credential):
    now = timezone.now()
    snapshot_record(credential=credential, report=report(), at=now)
    snapshot_record(
        credential=credential,
        report=report(online_update_time=1_700_000_030),
        at=now + timedelta(seconds=1),
    )
    snapshot_record(
        credential=credential,
        report=report(online_update_time=1_700_000_600),
        at=now + timedelta(seconds=2),
    )

    assert list(Snapshot.objects.order_by("pk").values_list("times_seen", flat=True)) == [2, 1]


def test_an_api_lookup_records_one_too(client, staff, credential):
    from devices.api.tokens import token_create

    token = token_create(name="helpdesk", user=staff)[1]
    sn = data.device_by_key("charging").sn

    answer = client.get(f"/api/v1/devices/sn/{sn}/", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 200
    assert Snapshot.objects.get().device_id == str(data.device_by_key("charging").dev_id)


def test_an_extended_snapshot_is_returned_as_the_row_now_says(credential):
    first_seen = timezone.now() - timedelta(minutes=5)
    snapshot_record(credential=credential, report=report(), at=first_seen)

    returned = snapshot_record(credential=credential, report=report(), at=timezone.now())

    stored = Snapshot.objects.get()
    fields = ("first_seen_at", "previously_seen_at", "last_seen_at", "times_seen")
    assert [getattr(returned, name) for name in fields] == [getattr(stored, n) for n in fields]
    assert stored.previously_seen_at == first_seen
