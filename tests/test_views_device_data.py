"""A 4G camera's data on its page: the owner's device list read alongside devInfo, through the
same cache, limiter and audit, against the sandbox over a real socket."""

import pytest

from devices.models import Lookup
from devices.sandbox.data import FARM, NEW_SIMS, device_by_key
from tests.helpers import id_url, inject, page_text, sn_url, vendor_requests, verdict_text

pytestmark = pytest.mark.django_db


def endpoints() -> list[tuple[str, str]]:
    return list(Lookup.objects.order_by("pk").values_list("endpoint", "value"))


class TestDataBundle:
    def test_a_used_up_bundle_is_named_in_the_verdict_and_the_sim_badge_is_red(
        self, staff_client, sandbox
    ):
        response = staff_client.get(sn_url("sim-data-used-up"))
        assert response.status_code == 200
        assert verdict_text(response) == "Offline for 2 hours; 4G data used up: 5,120 of 5,120 MB"
        text = page_text(response)
        assert "Data this period Used up 5,120 of 5,120 MB 0 MB left" in text
        assert "4G SIM Data used up" in text  # the section's badge
        assert '<span class="badge badge-ok">Active</span>' not in response.content.decode()
        # The owner came from devInfo's ownerId: its list was read after, and audited.
        sn = device_by_key("sim-data-used-up").sn
        assert endpoints() == [("devInfo", sn), ("devList", str(FARM))]
        assert vendor_requests(sandbox) == 2

    def test_the_owners_list_costs_one_call_per_cache_period(self, staff_client, sandbox):
        staff_client.get(sn_url("sim-data-used-up"))
        staff_client.get(sn_url("sim-data-bundle"))  # same owner, another device
        staff_client.get(f"/users/{FARM}/devices/")  # the owner's own page
        assert vendor_requests(sandbox) == 3  # two devInfo, one devList
        page = staff_client.get(sn_url("sim-data-bundle"))
        assert "3,172 of 10,240 MB" in page_text(page)
        assert vendor_requests(sandbox) == 3
        devlists = Lookup.objects.filter(endpoint="devList").order_by("pk")
        sources = devlists.values_list("source", flat=True)
        assert list(sources) == ["fresh", "cached", "cached", "cached"]

    def test_with_the_owner_in_the_link_both_are_asked_and_audited(self, staff_client, sandbox):
        response = staff_client.get(id_url("sim-data-used-up", access_id=str(FARM)))
        assert "4G data used up: 5,120 of 5,120 MB" in verdict_text(response)
        assert vendor_requests(sandbox) == 2
        assert sorted(endpoints()) == [
            ("devInfo", str(device_by_key("sim-data-used-up").dev_id)),
            ("devList", str(FARM)),
        ]
        row = Lookup.objects.get(endpoint="devList")
        assert (row.outcome, row.source) == ("ok", "fresh")
        assert row.follows == Lookup.objects.get(endpoint="devInfo")

    def test_my_lookups_lists_the_device_not_the_list_read_for_it(self, staff_client):
        staff_client.get(sn_url("sim-data-used-up"))
        content = staff_client.get("/lookups/").content.decode()
        assert device_by_key("sim-data-used-up").sn in content
        assert f"/users/{FARM}/devices/" not in content

    def test_a_wifi_camera_costs_no_extra_call(self, staff_client, sandbox):
        response = staff_client.get(sn_url("offline-hours"))
        assert response.status_code == 200
        assert vendor_requests(sandbox) == 1
        assert [e for e, _ in endpoints()] == ["devInfo"]

    def test_an_unlimited_plan_is_labelled_as_inferred(self, staff_client):
        text = page_text(staff_client.get(sn_url("sim-permanent")))
        assert "Data this period Unlimited plan inferred:" in text

    def test_without_the_reason_the_policy_wants_the_list_is_not_read_and_it_says_so(
        self, staff_client, sandbox, settings
    ):
        settings.AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS = True
        response = staff_client.get(sn_url("sim-data-used-up"))
        assert "looking at the owner's devices needs a ticket / reason" in page_text(response)
        assert vendor_requests(sandbox) == 1
        response = staff_client.get(sn_url("sim-data-used-up", reason="T-5"))
        assert "4G data used up" in verdict_text(response)

    def test_a_failing_list_leaves_the_device_page_whole_and_says_so(
        self, staff_client, sandbox, settings
    ):
        settings.AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS = True
        staff_client.get(sn_url("sim-data-used-up"))  # devInfo now cached; the list not read
        settings.AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS = False
        inject(sandbox, "http502")
        response = staff_client.get(sn_url("sim-data-used-up"))
        assert response.status_code == 200
        assert verdict_text(response) == "Offline for 2 hours"
        assert "unknown: the owner's device list could not be fetched" in page_text(response)
        row = Lookup.objects.get(endpoint="devList")
        assert row.outcome == "unavailable"

    def test_figures_from_the_last_good_answer_are_marked(self, staff_client, sandbox):
        staff_client.get(sn_url("sim-data-used-up"))  # both answers kept as the last good
        inject(sandbox, "http502")
        response = staff_client.get(sn_url("sim-data-used-up", refresh="1"))
        text = page_text(response)
        assert "The vendor is not answering." in text
        assert "0 MB left · from the last answer: the vendor is not answering" in text


class TestNewerSimFields:
    def test_a_sim_never_activated_is_named_in_the_verdict(self, staff_client):
        response = staff_client.get(sn_url("sim-never-activated"))
        assert verdict_text(response) == "Offline for 2 days; SIM never activated"
        text = page_text(response)
        assert "Activated in Never activated" in text
        assert "ICCID history none recorded" in text
        assert "Data used since activation 0 MB" in text

    def test_a_swapped_sim_shows_its_iccid_history(self, staff_client):
        response = staff_client.get(sn_url("sim-swapped"))
        text = page_text(response)
        assert "SIM swapped" in text
        assert "89860318700000012345 → 89860121800000000855" in text
        assert "Activated in 广东" in text
        assert "1,024 of 20,480 MB" in text

    def test_in_chinese_too(self, staff_client):
        response = staff_client.get(sn_url("sim-never-activated"), HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert "SIM 未激活" in verdict_text(response)


def test_the_owners_list_shows_a_used_up_sim_badge_red(staff_client):
    response = staff_client.get(f"/users/{FARM}/devices/")
    row = next(
        r
        for r in response.content.decode().split("<tr")
        if str(device_by_key("sim-data-used-up").dev_id) in r
    )
    assert '<span class="badge badge-bad">Data used up</span>' in row


def test_the_new_sim_owner_lists_both_cases(staff_client):
    text = page_text(staff_client.get(f"/users/{NEW_SIMS}/devices/"))
    for key in ("sim-never-activated", "sim-swapped"):
        assert str(device_by_key(key).dev_id) in text
