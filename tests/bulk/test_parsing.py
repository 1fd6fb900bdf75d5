"""Identifiers from pasted text, CSV and XLSX: split, kinds detected, duplicates folded,
invalid ones listed."""

import io

import pytest
from openpyxl import Workbook

from devices.bulk import parsing


def test_pasted_text_splits_on_lines_spaces_commas_and_tabs():
    parsed = parsing.parse_text("876ABCDEF0347\n876KQ2M7T1025, 3435178204188\t-9223371981234556044")
    assert parsed.identifiers == [
        ("sn", "876ABCDEF0347"),
        ("sn", "876KQ2M7T1025"),
        ("dev_id", "3435178204188"),
        ("user", "-9223371981234556044"),
    ]
    assert parsed.invalid == []


def test_duplicates_are_folded_whatever_their_case_or_width():
    parsed = parsing.parse_text("876abcdef0347\n876ABCDEF0347\n８７６ＡＢＣＤＥＦ０３４７")
    assert parsed.identifiers == [("sn", "876ABCDEF0347")]
    assert parsed.duplicates == 2


def test_invalid_lines_are_listed_with_their_line_and_reason():
    parsed = parsing.parse_text("876ABCDEF0347\nab\n\n0000000000000")
    assert parsed.identifiers == [("sn", "876ABCDEF0347")]
    assert [(bad.line, bad.text) for bad in parsed.invalid] == [(2, "ab"), (4, "0000000000000")]
    assert all(bad.message for bad in parsed.invalid)


def test_full_width_separators_from_chinese_text_split_too():
    parsed = parsing.parse_text("876ABCDEF0347，876KQ2M7T1025；3435178204188")
    assert len(parsed.identifiers) == 3


def test_a_csv_column_named_serial_is_detected():
    content = b"customer,serial number,note\nChen,876ABCDEF0347,x\nLi,876KQ2M7T1025,y\n"
    table = parsing.read_table("batch.csv", content)
    column = parsing.identifier_column(table)
    assert table.header[column] == "serial number"
    parsed = parsing.parse_table(table, column)
    assert parsed.identifiers == [("sn", "876ABCDEF0347"), ("sn", "876KQ2M7T1025")]


def test_a_csv_without_header_uses_the_column_with_identifiers_and_counts_lines_from_one():
    content = b"Chen;876ABCDEF0347\nLi;nope!\n"
    table = parsing.read_table("batch.csv", content)
    assert not table.has_header
    assert parsing.identifier_column(table) == 1
    parsed = parsing.parse_table(table, 1)
    assert parsed.identifiers == [("sn", "876ABCDEF0347")]
    assert [bad.line for bad in parsed.invalid] == [2]


def test_a_gb18030_csv_is_read():
    content = "序列号\n876ABCDEF0347\n".encode("gb18030")
    table = parsing.read_table("batch.csv", content)
    assert parsing.parse_table(table, 0).identifiers == [("sn", "876ABCDEF0347")]


def test_an_xlsx_sheet_is_read_and_numeric_device_ids_stay_whole():
    book = Workbook()
    sheet = book.active
    sheet.append(["device id", "note"])
    sheet.append([3435178204188, "float in Excel"])
    sheet.append(["876ABCDEF0347", None])
    buffer = io.BytesIO()
    book.save(buffer)
    table = parsing.read_table("batch.xlsx", buffer.getvalue())
    parsed = parsing.parse_table(table, parsing.identifier_column(table))
    assert parsed.identifiers == [("dev_id", "3435178204188"), ("sn", "876ABCDEF0347")]


@pytest.mark.parametrize("content", [b"PK\x03\x04 broken zip", b"\x00\x01\x02binary"])
def test_a_file_that_is_neither_csv_nor_xlsx_is_refused_plainly(content):
    with pytest.raises(ValueError) as error:
        parsing.read_table("upload.xlsx" if content.startswith(b"PK") else "x.csv", content)
    assert str(error.value.args[0]) == str(parsing.UNREADABLE_FILE)
