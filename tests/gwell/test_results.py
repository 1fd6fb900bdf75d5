from decimal import Decimal

import pytest

from devices.gwell import DeviceInfo
from devices.gwell.results import decode_block, to_bool, to_id, to_int


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7, 7),
        ("7", 7),
        ("-101", -101),
        (Decimal("3.0"), 3),
        ("3.0", 3),
        ("3.5", None),
        (Decimal("1e999999999"), None),
        ("1e999999999", None),
        ("", None),
        ("n/a", None),
        ([], None),
        (True, 1),
    ],
)
def test_it_reads_an_int_tolerantly(value, expected):
    assert to_int(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-9223371981234556044, "-9223371981234556044"),
        (18446744073709551615, "18446744073709551615"),
        ("5112345615988", "5112345615988"),
        (Decimal("3435123453944"), "3435123453944"),
        (Decimal("1.5"), None),
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_it_keeps_an_id_as_an_exact_decimal_string(value, expected):
    assert to_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), (1, True), (0, False), ("true", True), ("x", None), (2, None)],
)
def test_it_reads_a_bool_tolerantly(value, expected):
    assert to_bool(value) is expected


def test_it_raises_for_a_block_that_is_there_but_not_an_object():
    with pytest.raises(ValueError):
        decode_block("[1, 2]")


def test_it_keeps_an_all_zero_block_when_zeros_are_values():
    assert decode_block({"vssRenew": 0}, all_zero_is_empty=False) == {"vssRenew": 0}
    assert decode_block({"vssRenew": 0}) is None


@pytest.mark.parametrize(("owner_id", "bound"), [("0", False), ("-92233", True), (None, None)])
def test_it_tells_whether_the_device_is_bound(owner_id, bound):
    assert DeviceInfo(owner_id=owner_id).is_bound is bound


class TestNewerFlowInfoFields:
    """usedData, activeRegion and iccids (the vendor's revision of 2026-05-20)."""

    def test_they_are_read_when_sent(self):
        from devices.gwell import IccidRecord, SimPlan

        plan = SimPlan.from_wire(
            {
                "simId": "8986",
                "usedData": "38912",
                "activeRegion": "广东",
                "iccids": [
                    {"deviceId": "6021907431855", "iccid": "89860318700000012345"},
                    {"deviceId": 6021907431855, "iccid": 89860121800000000855},
                ],
            }
        )
        assert plan.used_data == 38912
        assert plan.active_region == "广东"
        assert plan.iccids == (
            IccidRecord("6021907431855", "89860318700000012345"),
            IccidRecord("6021907431855", "89860121800000000855"),
        )
        assert plan.swapped and not plan.never_activated
        assert plan.extra == {}

    def test_an_empty_region_is_a_sim_never_activated(self):
        from devices.gwell import SimPlan

        plan = SimPlan.from_wire({"simId": "8986", "activeRegion": "", "iccids": []})
        assert plan.never_activated
        assert plan.iccids == ()
        assert not plan.swapped

    def test_an_older_answer_without_them_still_parses(self):
        from devices.gwell import SimPlan

        plan = SimPlan.from_wire({"simId": "8986", "srvStatus": 1})
        assert (plan.used_data, plan.active_region, plan.iccids) == (None, None, None)
        assert not plan.never_activated and not plan.swapped

    def test_the_same_iccid_twice_is_no_swap_and_junk_items_are_left_out(self):
        from devices.gwell import SimPlan

        plan = SimPlan.from_wire(
            {"iccids": [{"iccid": "8986A"}, {"iccid": "8986A"}, {"deviceId": "1"}, 7, None]}
        )
        assert [r.iccid for r in plan.iccids] == ["8986A", "8986A"]
        assert not plan.swapped
        assert SimPlan.from_wire({"iccids": "not a list"}).iccids is None
