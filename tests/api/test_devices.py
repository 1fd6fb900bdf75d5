"""GET /api/v1/devices/sn/<sn>/ and /devices/id/<dev_id>/ against the sandbox vendor."""

import json
import re
from datetime import datetime

import pytest

from devices.models import Lookup
from devices.sandbox.data import FAMILY, PERMANENT_END_TIME, device_by_key
from tests.api.conftest import TOKEN_NAME

pytestmark = pytest.mark.django_db

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")


def sn_path(key: str) -> str:
    return f"/api/v1/devices/sn/{device_by_key(key).sn}/"


def id_path(key: str) -> str:
    return f"/api/v1/devices/id/{device_by_key(key).dev_id}/"


class TestAnswer:
    def test_a_device_by_serial_number_has_the_pages_verdict(self, api):
        response = api.get(sn_path("online-wifi-mains"))

        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        body = response.json()
        assert body["kind"] == "sn"
        assert body["query"] == device_by_key("online-wifi-mains").sn
        assert body["verdict"] == {"text": "Online; nothing looks wrong", "tone": "ok"}

    def test_a_device_by_id_answers_the_same_device(self, api):
        device = device_by_key("offline-days")

        body = api.get(id_path("offline-days")).json()

        assert body["kind"] == "dev_id"
        assert body["device"]["device_id"] == str(device.dev_id)
        assert body["verdict"]["tone"] == "bad"
        assert body["verdict"]["text"].startswith("Offline for 4 days")

    def test_every_64_bit_id_is_a_string(self, api):
        body = api.get(sn_path("sim-active")).json()

        device = device_by_key("sim-active")
        assert body["device"]["device_id"] == str(device.dev_id)
        assert body["device"]["owner_id"] == str(device.owner_id)
        assert isinstance(body["sim"]["sim_id"], str)
        assert isinstance(body["sim"]["order_id"], str)
        assert isinstance(body["provenance"]["lookup_id"], str)

    def test_no_number_in_an_answer_is_past_what_javascript_keeps_exactly(self, api):
        numbers = []
        text = api.get(sn_path("sim-active")).content.decode()

        json.loads(text, parse_int=lambda digits: numbers.append(int(digits)) or 0)

        assert numbers  # battery, signal, codes...
        assert all(abs(number) < 2**53 for number in numbers)
        assert str(device_by_key("sim-active").owner_id) in text

    def test_times_are_iso_8601_with_the_offset_of_time_zone(self, api):
        body = api.get(sn_path("online-wifi-mains")).json()

        times = [
            body["device"]["online_since"],
            body["device"]["bound_at"],
            body["cloud_storage"]["ends_at"],
            body["provenance"]["fetched_at"],
        ]
        for value in times:
            assert ISO_WITH_OFFSET.match(value), value
            assert value.endswith("+08:00")  # TIME_ZONE Asia/Shanghai
        assert datetime.fromisoformat(body["cloud_storage"]["ends_at"]) > datetime.fromisoformat(
            body["provenance"]["fetched_at"]
        )

    def test_the_facts_of_device_cloud_storage_and_sim(self, api):
        body = api.get(sn_path("online-wifi-mains")).json()

        assert body["device"] | {"online_since": None, "bound_at": None} == {
            "device_id": "3435178203944",
            "owner_id": str(FAMILY),
            "bound": True,
            "online": 1,
            "online_since": None,
            "model": "IPC-W2",
            "firmware_version": "13.1.2.47",
            "battery": None,
            "power_mode": 0,
            "power_charging": 0,
            "signal": 92,
            "rssi": -48,
            "notifications": 1,
            "bound_at": None,
        }
        storage = body["cloud_storage"]
        assert storage["status"] == {"text": "In service", "tone": "ok"}
        assert (storage["plan_type"], storage["recordings_days"]) == (0, 7)
        assert (storage["auto_renewal"], storage["problem"]) == (True, False)
        assert storage["order_id"] == "VSS20240611083015"
        assert body["sim"] is None
        assert body["data_bundle"] is None

    def test_a_permanent_sim_plan_ends_in_2095_and_says_permanent(self, api):
        sim = api.get(sn_path("sim-permanent")).json()["sim"]

        assert sim["ends_at"].startswith(datetime.fromtimestamp(PERMANENT_END_TIME).strftime("%Y-"))
        assert sim["status"]["tone"] == "ok"

    def test_a_value_of_zero_for_never_is_null(self, api):
        body = api.get(sn_path("unbound")).json()

        assert body["device"]["bound"] is False
        assert body["device"]["bound_at"] is None

    def test_the_sections_say_what_the_page_says(self, api):
        body = api.get(sn_path("online-battery-low")).json()

        titles = [section["title"] for section in body["sections"]]
        assert titles == ["Device", "Cloud storage", "4G SIM"]
        facts = {fact["label"]: fact for fact in body["sections"][0]["facts"]}
        assert facts["Battery"]["value"] == "8%"
        assert facts["Battery"]["note"] == "Low battery"

    def test_provenance_says_fresh_then_cached_with_the_vendors_request_id(self, api):
        first = api.get(sn_path("online-wifi-mains")).json()["provenance"]
        second = api.get(sn_path("online-wifi-mains")).json()["provenance"]

        assert first["source"] == "fresh"
        assert second["source"] == "cached"
        assert first["vendor_request_id"]
        assert second["fetched_at"] == first["fetched_at"]
        rows = Lookup.objects.order_by("created_at")
        assert [row.request_id for row in rows] == [first["vendor_request_id"]] * 2
        assert first["lookup_id"] == str(rows[0].pk)

    def test_links_page_is_the_deep_link_to_the_same_lookup(self, api):
        sn = device_by_key("online-wifi-mains").sn

        body = api.get(sn_path("online-wifi-mains"), access_id=str(FAMILY), reason="T-9").json()

        assert body["links"]["page"] == (
            f"http://testserver/devices/sn/{sn}/?access_id=%2D9223371981234556044&reason=T-9".replace(
                "%2D", "-"
            )
        )

    def test_the_query_is_the_pages_refresh_skips_the_cache(self, api):
        api.get(sn_path("online-wifi-mains"))

        body = api.get(sn_path("online-wifi-mains"), refresh="1").json()

        assert body["provenance"]["source"] == "fresh"

    def test_the_answer_is_in_the_requests_language(self, api):
        response = api.client.get(
            sn_path("online-wifi-mains"),
            headers={"Authorization": f"Bearer {api.token}", "Accept-Language": "zh-Hans"},
        )

        assert response.json()["verdict"]["text"] == "在线；一切正常"

    def test_the_answer_is_never_cached_by_a_browser_or_proxy(self, api):
        response = api.get(sn_path("online-wifi-mains"))

        assert response["Cache-Control"] == "private, no-store"


class TestAudit:
    def test_the_audit_row_says_api_and_names_the_token(self, api, staff):
        api.get(sn_path("online-wifi-mains"), reason="T-42")

        row = Lookup.objects.get()
        assert (row.channel, row.token_name, row.user, row.reason) == (
            "api",
            TOKEN_NAME,
            staff,
            "T-42",
        )
        assert (row.kind, row.outcome, row.source) == ("sn", "ok", "fresh")

    def test_a_page_lookup_stays_channel_web_without_a_token(self, staff_client):
        staff_client.get(f"/devices/sn/{device_by_key('online-wifi-mains').sn}/")

        row = Lookup.objects.get()
        assert (row.channel, row.token_name) == ("web", "")


class TestAsThePageSaysIt:
    """The data bundle and the advice, as the device page gives them."""

    def test_a_used_up_bundle_is_in_the_answer_and_the_sim_is_not_green(self, api, sandbox):
        body = api.get(sn_path("sim-data-used-up")).json()

        assert body["verdict"]["text"] == (
            "Offline for 2 hours; 4G data used up: 5,120 of 5,120 MB"
        )
        assert body["data_bundle"] == {
            "used_mb": 5120,
            "total_mb": 5120,
            "left_mb": 0,
            "nearly_used_up": True,
            "label": "5,120 MB of 5,120 MB used",
        }
        assert body["sim"]["status"] == {"text": "Data used up", "tone": "bad"}
        assert body["sim"]["problem"] is True
        assert "data_used_up" in body["advice"]["cases"]
        # The owner's list was read for it, audited as the API's follow-up of the device's row.
        assert sandbox.vendor.stats()["requests"] == 2
        device_row = Lookup.objects.get(endpoint="devInfo")
        list_row = Lookup.objects.get(endpoint="devList")
        assert (list_row.channel, list_row.follows) == ("api", device_row)

    def test_a_wifi_camera_has_no_bundle_and_costs_one_call(self, api, sandbox):
        body = api.get(sn_path("online-wifi-mains")).json()

        assert body["data_bundle"] is None
        assert sandbox.vendor.stats()["requests"] == 1

    def test_a_sim_never_activated_is_not_green_either(self, api):
        body = api.get(sn_path("sim-never-activated")).json()

        assert body["sim"]["status"] == {"text": "Never activated", "tone": "bad"}

    def test_the_advice_has_the_next_step_and_both_replies_whatever_the_language(self, api):
        body = api.client.get(
            sn_path("offline-days"),
            headers={"Authorization": f"Bearer {api.token}", "Accept-Language": "zh-hans"},
        ).json()

        advice = body["advice"]
        assert advice["cases"][0] == "offline"
        assert advice["next_steps"] and all(
            re.search(r"[\u4e00-\u9fff]", step) for step in advice["next_steps"]
        )
        replies = {reply["language"]: reply["text"] for reply in advice["replies"]}
        assert set(replies) == {"en", "zh-hans"}
        assert re.search(r"[\u4e00-\u9fff]", replies["zh-hans"])
        assert not re.search(r"[\u4e00-\u9fff]", replies["en"])

    def test_without_the_reason_the_policy_wants_the_owners_list_is_not_read(
        self, api, sandbox, settings
    ):
        settings.AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS = True

        body = api.get(sn_path("sim-data-used-up")).json()
        with_reason = api.get(sn_path("sim-data-used-up"), reason="T-5").json()

        assert body["data_bundle"] is None
        assert body["verdict"]["text"] == "Offline for 2 hours"
        assert with_reason["data_bundle"]["left_mb"] == 0
        assert list(Lookup.objects.order_by("pk").values_list("endpoint", flat=True)) == [
            "devInfo",
            "devInfo",
            "devList",
        ]
