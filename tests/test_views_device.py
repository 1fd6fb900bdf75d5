"""The device page, against the sandbox vendor over a real socket, in every state it can show."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from devices.models import Lookup
from devices.sandbox.data import DOORBELLS, FAMILY, device_by_key
from tests.helpers import id_url, page_text, sn_url, vendor_requests, verdict_text

pytestmark = pytest.mark.django_db


class TestStates:
    def test_an_online_camera_with_an_active_plan_says_nothing_is_wrong(self, staff_client):
        response = staff_client.get(sn_url("online-wifi-mains"))
        assert response.status_code == 200
        assert verdict_text(response) == "Online; nothing looks wrong"
        text = page_text(response)
        assert "Online for 3 days" in text
        assert "Continuous recording" in text
        assert "Recordings kept 7 days" in text
        assert "Auto-renewal on" in text
        assert "On: the owner is notified" in text
        assert "Firmware 13.1.2.47" in text
        assert "Model IPC-W2" in text
        assert "No SIM plan" in text

    def test_the_owner_links_to_their_devices(self, staff_client):
        response = staff_client.get(sn_url("online-wifi-mains"))
        assert f'href="/users/{FAMILY}/devices/?credential=sandbox"' in response.content.decode()

    def test_the_owner_link_keeps_the_ticket_so_the_next_lookup_is_audited_alike(
        self, staff_client
    ):
        response = staff_client.get(sn_url("online-wifi-mains", reason="T-7"))
        expected = f'href="/users/{FAMILY}/devices/?credential=sandbox&amp;reason=T-7"'
        assert expected in response.content.decode()

    def test_a_sleeping_battery_camera_is_asleep_not_a_problem(self, staff_client):
        response = staff_client.get(sn_url("asleep"))
        assert verdict_text(response).startswith("Asleep (a low-power camera resting between")
        assert "Asleep (low-power)" in page_text(response)
        assert "unknown to SupportDesk" not in page_text(response)

    def test_a_camera_offline_for_hours_says_for_how_long(self, staff_client):
        response = staff_client.get(sn_url("offline-hours"))
        assert verdict_text(response) == "Offline for 5 hours"
        assert "Offline for 5 hours since" in page_text(response)

    def test_a_camera_offline_for_days_with_an_expired_plan_says_both(self, staff_client):
        response = staff_client.get(sn_url("offline-days"))
        assert verdict_text(response) == "Offline for 4 days; its cloud storage expired 40 days ago"
        assert 'class="verdict verdict-bad"' in response.content.decode()

    def test_a_camera_silent_for_months_shows_not_reported_for_live_values(self, staff_client):
        response = staff_client.get(sn_url("offline-months"))
        assert verdict_text(response) == (
            "No online status reported (usual after months offline); "
            "its cloud storage expired 150 days ago"
        )
        text = page_text(response)
        for label in ("Battery", "Power source", "Charging status", "Signal"):
            assert f"{label} not reported" in text

    def test_an_unbound_camera_says_so_and_links_to_no_owner(self, staff_client):
        response = staff_client.get(sn_url("unbound"))
        assert verdict_text(response) == "Not bound to any account; offline for 2 days"
        text = page_text(response)
        assert "Owner Not bound" in text
        assert "Bound since never bound" in text
        assert "/users/0/" not in response.content.decode()

    def test_a_camera_on_a_low_battery_says_so(self, staff_client):
        response = staff_client.get(sn_url("online-battery-low"))
        assert verdict_text(response) == "Online; running on battery at 8%"
        assert "Battery 8% Low battery" in page_text(response)
        assert 'class="verdict verdict-warn"' in response.content.decode()

    def test_a_weak_signal_is_called_weak(self, staff_client):
        response = staff_client.get(sn_url("wifi-weak-signal"))
        assert verdict_text(response) == "Online; weak signal"
        assert "Signal quality 18, RSSI -82 dBm Weak signal" in page_text(response)

    @pytest.mark.parametrize(
        ("key", "power", "charging"),
        [
            ("charging", "External power (battery fitted)", "Charging"),
            ("charging-low-voltage", "External power (battery fitted)", "Charging (low voltage)"),
            ("charging-high-voltage", "External power (battery fitted)", "Charging (high voltage)"),
            ("external-power-full", "External power (battery fitted)", "Not charging"),
            ("online-battery-high", "On battery", "Not charging"),
            ("online-wifi-mains", "Mains power (no battery)", "Not charging"),
        ],
    )
    def test_power_and_charging_are_in_words(self, staff_client, key, power, charging):
        text = page_text(staff_client.get(sn_url(key)))
        assert f"Power source {power} Charging status {charging} " in text

    def test_an_active_event_plan_is_in_service(self, staff_client):
        text = page_text(staff_client.get(sn_url("storage-active-event")))
        assert "Cloud storage In service" in text
        assert "Plan Event recording" in text
        assert "Recordings kept 30 days" in text

    def test_a_plan_ending_in_three_days_is_a_warning(self, staff_client):
        response = staff_client.get(sn_url("storage-expiring-soon"))
        assert verdict_text(response) == "Online; its cloud storage expires in 3 days"
        assert 'class="note note-warn">Expires in 3 days<' in response.content.decode()

    def test_an_expired_plan_says_how_long_ago(self, staff_client):
        response = staff_client.get(sn_url("storage-expired"))
        assert verdict_text(response) == "Online; its cloud storage expired 12 days ago"
        assert 'class="badge badge-bad">Expired<' in response.content.decode()

    @pytest.mark.parametrize(
        "key", ["storage-never-null", "storage-never-empty", "storage-never-zeros"]
    )
    def test_a_plan_never_bought_reads_no_plan_however_the_vendor_spells_it(
        self, staff_client, key
    ):
        response = staff_client.get(sn_url(key))
        text = page_text(response)
        assert "No cloud storage plan" in text
        assert "No SIM plan:" in text
        assert "expire" not in verdict_text(response)

    def test_an_unknown_plan_type_shows_its_number_not_a_label(self, staff_client):
        text = page_text(staff_client.get(sn_url("storage-pkgtype-unknown")))
        assert "Plan code 5 (unknown to SupportDesk)" in text
        assert "Continuous recording" not in text
        assert "Event recording" not in text
        assert "Off: the owner is not notified" in text

    def test_an_active_sim_plan_shows_card_carrier_and_renewal(self, staff_client):
        text = page_text(staff_client.get(sn_url("sim-active")))
        assert "4G SIM Active" in text
        assert "Card number 89860021180000123456" in text
        assert "Carrier 中国移动" in text
        # An int64 order id beyond a float's precision stays exact.
        assert "2024051712345678901" in text

    def test_a_sim_plan_ending_within_a_week_is_in_the_verdict(self, staff_client):
        response = staff_client.get(sn_url("sim-expiring-soon"))
        assert verdict_text(response) == "Online; its 4G data plan expires in 5 days"

    def test_an_expired_sim_plan_explains_an_offline_camera(self, staff_client):
        response = staff_client.get(sn_url("sim-expired"))
        assert verdict_text(response) == "Offline for 20 days; its 4G data plan expired 20 days ago"

    def test_a_permanent_sim_plan_reads_permanent(self, staff_client):
        response = staff_client.get(sn_url("sim-permanent"))
        assert "Expires Permanent" in page_text(response)
        assert "2095" not in page_text(response).split("Raw answer")[0]
        assert verdict_text(response) == "Online; nothing looks wrong"

    def test_blocks_sent_as_json_strings_read_the_same(self, staff_client):
        response = staff_client.get(sn_url("json-string-blocks-4g"))
        assert response.status_code == 200
        text = page_text(response)
        assert "Carrier 中国电信" in text
        assert verdict_text(response) == (
            "Online; running on battery at 45%; its cloud storage expired 30 days ago"
        )

    def test_the_vendors_own_example_shape_reads_without_wrong_labels(self, staff_client):
        text = page_text(staff_client.get(sn_url("vendor-example")))
        assert "Model not reported" in text
        assert "Plan code 5 (unknown to SupportDesk)" in text
        assert "Online since when: not reported" in text

    def test_a_device_can_be_opened_by_its_device_id(self, staff_client):
        response = staff_client.get(id_url("charging", access_id=str(DOORBELLS)))
        assert response.status_code == 200
        assert "Device id" in page_text(response)
        assert f"Asked for owner {DOORBELLS}" in page_text(response)
        row = Lookup.objects.get(endpoint="devInfo")
        assert (row.kind, row.value, row.owner_id) == (
            "dev_id",
            str(device_by_key("charging").dev_id),
            str(DOORBELLS),
        )


class TestFooter:
    def test_the_footer_has_the_request_id_fetch_time_refresh_raw_json_and_copy(self, staff_client):
        response = staff_client.get(sn_url("online-wifi-mains"))
        html = response.content.decode()
        row = Lookup.objects.get()
        assert row.request_id and f"<code>{row.request_id}</code>" in html
        assert "Fetched" in html and "UTC+8" in html
        assert 'href="?refresh=1"' in html
        assert '<details class="raw">' in html
        assert "&quot;requestId&quot;" in html
        assert 'data-copy-target="escalation-text"' in html
        assert "Looked up: serial number 876ABCDEF0347" in html

    def test_a_second_look_within_the_cache_time_says_cached_and_how_old(
        self, staff_client, sandbox
    ):
        staff_client.get(sn_url("online-wifi-mains"))
        response = staff_client.get(sn_url("online-wifi-mains"))
        assert vendor_requests(sandbox) == 1
        assert re.search(r"data from (just now|\d+ seconds? ago), cached", page_text(response))
        assert Lookup.objects.first().source == "cached"

    def test_refresh_asks_the_vendor_again(self, staff_client, sandbox):
        staff_client.get(sn_url("online-wifi-mains"))
        response = staff_client.get(sn_url("online-wifi-mains", refresh="1"))
        assert vendor_requests(sandbox) == 2
        assert "fresh from the vendor" in page_text(response)
        assert 'href="?refresh=1"' in response.content.decode()

    def test_colleagues_who_looked_it_up_recently_are_named(self, staff_client, lead):
        sn = device_by_key("online-wifi-mains").sn
        Lookup.objects.create(user=lead, username="lead", kind="sn", value=sn, outcome="ok")
        Lookup.objects.filter(user=lead).update(created_at=timezone.now() - timedelta(minutes=4))
        response = staff_client.get(sn_url("online-wifi-mains"))
        assert "Also looked up by lead 4 minutes ago" in page_text(response)

    def test_no_secret_of_the_credential_is_ever_on_the_page(self, staff_client, sandbox_app):
        content = staff_client.get(sn_url("online-wifi-mains")).content.decode()
        assert sandbox_app.app_token not in content
        assert sandbox_app.app_key not in content


class TestAudit:
    def test_each_lookup_writes_one_audit_row_with_its_context(self, staff_client, staff):
        response = staff_client.get(
            sn_url("online-wifi-mains", reason="T-4711 no recordings"),
            REMOTE_ADDR="10.1.2.3",
        )
        row = Lookup.objects.get()
        assert (row.user, row.kind, row.outcome, row.source) == (staff, "sn", "ok", "fresh")
        assert row.reason == "T-4711 no recordings"
        assert row.client_ip == "10.1.2.3"
        assert row.http_request_id == response["X-Request-ID"]
        assert row.credential_name == "sandbox"


class TestLanguage:
    def test_the_page_follows_the_browsers_language(self, client, staff, credential):
        client.force_login(staff)
        response = client.get(sn_url("sim-expired"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
        content = response.content.decode()
        assert '<html lang="zh-hans">' in content
        assert "离线" in verdict_text(response)
        assert "我的查询" in content

    def test_every_page_has_the_language_switch(self, staff_client):
        content = staff_client.get(sn_url("online-wifi-mains")).content.decode()
        assert 'action="/i18n/setlang/"' in content
        assert 'name="language" value="zh-hans"' in content
        assert 'name="language" value="en"' in content


class TestInput:
    def test_a_serial_number_with_full_width_characters_is_normalised(self, staff_client):
        sn = device_by_key("online-wifi-mains").sn
        full_width = "".join(chr(ord(c) + 0xFEE0) for c in sn)
        response = staff_client.get(f"/devices/sn/{full_width}/")
        assert response.status_code == 200
        assert Lookup.objects.get().value == sn

    def test_an_invalid_serial_number_is_refused_without_a_vendor_call(self, staff_client, sandbox):
        response = staff_client.get("/devices/sn/%3Cscript%3Ealert(1)%3C%5Cscript%3E/")
        assert response.status_code == 400
        content = response.content.decode()
        assert "&lt;script&gt;alert(1)" in content
        assert "<script>alert" not in content
        assert vendor_requests(sandbox) == 0
        row = Lookup.objects.get()
        assert row.outcome == "invalid_input"
        assert row.vendor_message.startswith("A serial number is 4 to 40")

    def test_an_invalid_owner_is_refused_without_a_vendor_call(self, staff_client, sandbox):
        response = staff_client.get(sn_url("online-wifi-mains", access_id="bob"))
        assert response.status_code == 400
        assert "The owner's user id must be a whole number" in page_text(response)
        assert vendor_requests(sandbox) == 0
        assert Lookup.objects.get().outcome == "invalid_input"

    def test_a_short_device_id_is_refused(self, staff_client, sandbox):
        response = staff_client.get("/devices/id/abc/")
        assert response.status_code == 400
        assert "A device id is a whole number" in page_text(response)
        assert vendor_requests(sandbox) == 0
