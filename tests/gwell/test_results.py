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
