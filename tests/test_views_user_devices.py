"""A user's devices: every device owned or shared, problems first, plans at a glance."""

import re

import pytest

from devices.models import Lookup
from devices.sandbox.data import FAMILY, FARM, LAPSED, NO_DEVICES, RELATIVE, device_by_key
from tests.helpers import inject, vendor_requests, verdict_text, words

pytestmark = pytest.mark.django_db


def rows(response) -> list[str]:
    """Each table row's words, in page order."""
    body = response.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    found = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [words(row) for row in found]


def test_every_device_of_the_account_is_listed_with_a_link_to_its_page(staff_client):
    response = staff_client.get(f"/users/{FAMILY}/devices/")
    assert response.status_code == 200
    assert verdict_text(response) == "5 devices, all owned by this user; 1 needs attention"
    content = response.content.decode()
    dev_id = device_by_key("online-wifi-mains").dev_id
    assert f'href="/devices/id/{dev_id}/?access_id={FAMILY}&amp;credential=sandbox"' in content
    assert len(rows(response)) == 5


def test_problems_come_first(staff_client):
    listed = rows(staff_client.get(f"/users/{FAMILY}/devices/"))
    assert str(device_by_key("storage-expiring-soon").dev_id) in listed[0]
    assert "Expires in 3 days" in listed[0]


def test_expired_plans_come_before_expiring_ones(staff_client):
    response = staff_client.get(f"/users/{LAPSED}/devices/")
    listed = rows(response)
    assert all("Expired" in row for row in listed)
    assert 'class="verdict verdict-bad"' in response.content.decode()


def test_a_guest_sees_the_devices_shared_with_them(staff_client):
    response = staff_client.get(f"/users/{RELATIVE}/devices/")
    assert verdict_text(response) == "2 devices, all shared with this user by their owners"
    assert all("Guest" in row for row in rows(response))


def test_sim_plans_show_expiry_renewal_and_data_used_as_a_bar(staff_client):
    response = staff_client.get(f"/users/{FARM}/devices/")
    content = response.content.decode()
    bundle = next(
        row for row in rows(response) if str(device_by_key("sim-data-bundle").dev_id) in row
    )
    assert "3,172 MB of 10,240 MB used" in bundle
    assert "Auto-renewal on" in bundle
    assert '<meter min="0" max="10240" value="3172"' in content
    used_up = next(
        row for row in rows(response) if str(device_by_key("sim-data-used-up").dev_id) in row
    )
    assert "5,120 MB of 5,120 MB used" in used_up
    assert 'class="cell-note note-bad"' in content


def test_a_permanent_sim_plan_reads_permanent(staff_client):
    listed = rows(staff_client.get(f"/users/{FARM}/devices/"))
    permanent = next(row for row in listed if str(device_by_key("sim-permanent").dev_id) in row)
    assert "Permanent" in permanent


def test_an_account_without_devices_says_so(staff_client):
    response = staff_client.get(f"/users/{NO_DEVICES}/devices/")
    assert response.status_code == 200
    assert verdict_text(response) == "No device on this account."
    assert "<table" not in response.content.decode()


def test_the_lookup_is_audited_once(staff_client, staff):
    staff_client.get(f"/users/{FAMILY}/devices/?reason=T-9")
    row = Lookup.objects.get()
    assert (row.user, row.kind, row.value, row.endpoint, row.outcome, row.reason) == (
        staff,
        "user",
        str(FAMILY),
        "devList",
        "ok",
        "T-9",
    )


def test_a_vendor_failure_is_a_panel_not_a_500(staff_client, sandbox):
    inject(sandbox, "http500")
    response = staff_client.get(f"/users/{FAMILY}/devices/")
    assert response.status_code == 502
    assert "The vendor is unavailable" in response.content.decode()


def test_an_invalid_user_id_is_refused_without_a_vendor_call(staff_client, sandbox):
    response = staff_client.get("/users/alice/devices/")
    assert response.status_code == 400
    assert vendor_requests(sandbox) == 0
    assert Lookup.objects.get().outcome == "invalid_input"


class TestReasonPolicy:
    def test_without_a_reason_it_asks_for_one_and_calls_no_one(
        self, staff_client, sandbox, settings
    ):
        settings.AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS = True
        response = staff_client.get(f"/users/{FAMILY}/devices/")
        assert response.status_code == 200
        assert "A ticket or reason is required" in response.content.decode()
        assert 'name="reason"' in response.content.decode()
        assert vendor_requests(sandbox) == 0
        assert not Lookup.objects.exists()

    def test_with_a_reason_it_looks_up(self, staff_client, sandbox, settings):
        settings.AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS = True
        response = staff_client.get(f"/users/{FAMILY}/devices/?reason=T-1&credential=")
        assert response.status_code == 200
        assert vendor_requests(sandbox) == 1
        assert Lookup.objects.get().reason == "T-1"
