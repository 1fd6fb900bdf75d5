"""A 4G SIM's data on the device page: the bundle from the owner's list, the newer fields."""

import pytest

from devices import gwell
from devices.presenters.device import sim_section, verdict
from devices.presenters.formatting import BAD, OK, WARN
from devices.presenters.plans import DataBundle, data_bundle, sim_badge, sim_state
from devices.presenters.sim_data import (
    LIST_FAILED,
    NEEDS_REASON,
    NO_FIGURES,
    NOT_ASKED,
    NOT_LISTED,
    DataReading,
    data_fact,
    data_reading,
    newer_sim_facts,
)
from tests.presenters.builders import DAY, HOUR, NOW, T, device, report, sim

DEV = "3435178203944"


def listing(*entries: gwell.DeviceListEntry) -> gwell.DeviceList:
    return gwell.DeviceList(devices=entries, request_id="r", raw={})


def entry(**fields) -> gwell.DeviceListEntry:
    defaults = dict(dev_id=DEV, relation=1, fg_expire_time=T + 18 * DAY, fg_renew=1)
    return gwell.DeviceListEntry(**(defaults | fields))


def used_up() -> DataReading:
    return DataReading(bundle=DataBundle(total=5120, used=5120, left=0))


class TestBundle:
    def test_used_and_left_come_from_the_figures(self):
        assert data_bundle(10240, 3172, 7068) == DataBundle(10240, 3172, 7068)
        assert data_bundle(10240, None, 7068) == DataBundle(10240, 3172, 7068)
        assert data_bundle(10240, 3172, None) == DataBundle(10240, 3172, 7068)

    def test_it_is_used_up_when_nothing_is_left(self):
        assert data_bundle(5120, 5120, 0).used_up
        assert data_bundle(5120, 6000, None).used_up  # more than the bundle: clamped
        assert not data_bundle(5120, 5119, 1).used_up

    def test_a_total_of_zero_on_a_plan_is_unlimited_and_never_used_up(self):
        bundle = data_bundle(0, 0, 0)
        assert bundle.unlimited and not bundle.used_up
        assert data_bundle(0, 0, 0, has_plan=False) is None

    def test_no_figures_is_no_bundle(self):
        assert data_bundle(None, None, None) is None
        assert data_bundle(5120, None, None) is None


class TestReading:
    def test_it_reads_this_devices_entry_from_the_owners_list(self):
        other = entry(dev_id="1", total_flow=100, use_flow=1, surplus_flow=99)
        mine = entry(total_flow=5120, use_flow=5120, surplus_flow=0)
        reading = data_reading(
            device_id=DEV, owner_list=listing(other, mine), failed=False, skipped=""
        )
        assert reading.bundle == DataBundle(5120, 5120, 0)

    @pytest.mark.parametrize(
        ("kwargs", "reason"),
        [
            (dict(owner_list=None, failed=False, skipped=""), NOT_ASKED),
            (dict(owner_list=None, failed=True, skipped=""), LIST_FAILED),
            (dict(owner_list=None, failed=False, skipped="needs_reason"), NEEDS_REASON),
            (dict(owner_list=listing(entry(dev_id="1")), failed=False, skipped=""), NOT_LISTED),
            (
                dict(owner_list=listing(entry(fg_expire_time=0)), failed=False, skipped=""),
                NO_FIGURES,
            ),
        ],
    )
    def test_without_figures_it_says_why(self, kwargs, reason):
        reading = data_reading(device_id=DEV, **kwargs)
        assert (reading.bundle, reading.reason) == (None, reason)
        fact = data_fact(reading)
        assert fact.missing and fact.note


class TestFacts:
    def test_a_used_up_bundle_reads_used_of_total_with_a_red_badge(self):
        fact = data_fact(used_up())
        assert (fact.value, fact.badge.text, fact.badge.tone, fact.note) == (
            "5,120 of 5,120 MB",
            "Used up",
            BAD,
            "0 MB left",
        )

    def test_figures_from_the_last_good_answer_say_so(self):
        reading = DataReading(bundle=DataBundle(5120, 100, 5020), stale=True)
        assert data_fact(reading).note == (
            "5,020 MB left · from the last answer: the vendor is not answering"
        )
        assert data_fact(DataReading(bundle=DataBundle(5120, 100, 5020))).note == "5,020 MB left"

    def test_an_unlimited_plan_is_labelled_as_inferred(self):
        fact = data_fact(DataReading(bundle=DataBundle(unlimited=True)))
        assert fact.value == "Unlimited plan"
        assert fact.note.startswith("inferred:")

    def test_the_newer_fields_are_shown_and_a_swap_is_named(self):
        plan = sim(
            used_data=38912,
            active_region="广东",
            iccids=(gwell.IccidRecord(DEV, "8986A"), gwell.IccidRecord(DEV, "8986B")),
        )
        facts = {f.label: f for f in newer_sim_facts(plan)}
        assert facts["Data used since activation"].value == "38,912 MB"
        assert facts["Activated in"].value == "广东"
        history = facts["ICCID history"]
        assert history.value == "8986A → 8986B"
        assert (history.badge.text, history.badge.tone) == ("SIM swapped", WARN)

    def test_a_sim_never_activated_says_so(self):
        facts = {f.label: f for f in newer_sim_facts(sim(active_region="", iccids=()))}
        assert facts["Activated in"].badge.text == "Never activated"
        assert facts["ICCID history"].value == "none recorded"

    def test_an_older_answer_adds_no_line(self):
        assert newer_sim_facts(sim()) == []


class TestSimBadge:
    def test_it_is_never_green_while_the_data_is_used_up(self):
        state = sim_state(sim(), NOW, bundle=DataBundle(5120, 5120, 0))
        assert (state.badge.text, state.badge.tone, state.problem) == ("Data used up", BAD, True)
        section = sim_section(sim(), NOW, data=used_up())
        assert section.badge.tone == BAD

    def test_nor_while_the_sim_was_never_activated(self):
        state = sim_state(sim(active_region=""), NOW, bundle=None)
        assert (state.badge.text, state.badge.tone) == ("Never activated", BAD)

    def test_a_running_plan_with_data_left_stays_green(self):
        state = sim_state(sim(), NOW, bundle=DataBundle(5120, 100, 5020))
        assert (state.badge.tone, state.problem) == (OK, False)
        assert sim_badge(state.badge, None) is state.badge


class TestVerdict:
    def test_it_names_a_used_up_bundle_with_its_figures(self):
        offline = device(online=0, online_update_time=T - 2 * HOUR)
        result = verdict(report(dev=offline, sim_plan=sim()), NOW, data=used_up())
        assert result.text == "Offline for 2 hours; 4G data used up: 5,120 of 5,120 MB"
        assert result.tone == BAD

    def test_it_names_a_sim_never_activated(self):
        offline = device(online=0, online_update_time=T - 2 * DAY)
        result = verdict(report(dev=offline, sim_plan=sim(active_region="")), NOW)
        assert result.text == "Offline for 2 days; SIM never activated"
        assert result.tone == BAD

    def test_an_expired_plan_is_named_rather_than_its_data(self):
        plan = sim(srv_status=0, end_time=T - 5 * DAY)
        result = verdict(report(sim_plan=plan), NOW, data=used_up())
        assert "4G data used up" not in result.text
        assert "its 4G data plan expired 5 days ago" in result.text
