"""Taking a paste apart: labels dropped, several identifiers split, a sticker's groups kept."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.identifiers import split_identifiers, strip_label

SN, SN2, DEV, USER = "876MB8D3L5560", "876DB5SLP40917", "3435178204277", "-9223371981234556044"


@pytest.mark.parametrize(
    "pasted",
    [
        f"SN: {SN}",
        f"sn:{SN}",
        f"S/N {SN}",
        f"S/N: {SN}",
        f"Serial number: {SN}",
        f"序列号：{SN}",
        f"序列号 {SN}",
        f"SN {SN}",
        f"SN: S/N {SN}",
    ],
)
def test_a_label_pasted_with_a_serial_number_goes(pasted):
    assert split_identifiers(pasted) == [SN]


def test_labels_of_ids_go_too():
    assert split_identifiers(f"ID: {DEV}") == [DEV]
    assert split_identifiers(f"Device ID：{DEV}") == [DEV]
    assert split_identifiers(f"用户ID：{USER}") == [USER]


def test_a_serial_that_starts_like_a_label_keeps_its_letters():
    assert split_identifiers("SN8K4A7C2M19") == ["SN8K4A7C2M19"]
    assert split_identifiers("ID4ABCDEF0347") == ["ID4ABCDEF0347"]
    assert strip_label("NO12345678") == "NO12345678"


@pytest.mark.parametrize(
    "pasted",
    [
        f"{SN}\n{SN2}",
        f"{SN}\r\n\r\n{SN2}\n",
        f"{SN}, {SN2}",
        f"{SN}；{SN2}",
        f"{SN}、{SN2}",
        f"{SN} {SN2}",
        f"SN: {SN}\nSN: {SN2}",
    ],
)
def test_several_identifiers_pasted_at_once_stay_several(pasted):
    assert split_identifiers(pasted) == [SN, SN2]


def test_a_serial_typed_in_groups_stays_one():
    assert split_identifiers("876MB 8D3L 5560") == [SN]
    assert split_identifiers("８７６ＭＢ　８Ｄ３Ｌ５５６０") == [SN]


def test_the_same_identifier_twice_is_listed_once_in_order():
    assert split_identifiers(f"{SN2}\n{SN}\n{SN2}") == [SN2, SN]


def test_nothing_but_blanks_and_separators_is_nothing():
    assert split_identifiers(" \n ,; ") == []
    assert split_identifiers("SN:") == []


@given(st.text())
def test_no_piece_is_empty_or_holds_a_blank_or_a_separator(text):
    for piece in split_identifiers(text):
        assert piece
        assert not any(ch.isspace() for ch in piece)
        assert not set(piece) & set(",;\n")
