"""Identifiers from pasted text or an uploaded CSV / XLSX: split, normalised, kinds detected like
the search box's, duplicates folded, invalid ones listed with their reason."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from devices.forms import detect_kind, identifier_error, normalise
from devices.models import Lookup

# One identifier per line, or separated by spaces, commas, semicolons or tabs (ASCII or
# full-width: people paste from Chinese spreadsheets and chats).
SEPARATORS = re.compile(r"[\s,;，；、]+")
# A spreadsheet column whose header says it holds identifiers.
HEADER_WORDS = re.compile(r"serial|\bsn\b|dev(ice)?[ _-]?id|user[ _-]?id|序列号|设备|用户", re.I)
UNREADABLE_FILE = _("The file could not be read as CSV or XLSX.")
NO_IDENTIFIERS = _("No identifiers found.")
# Rows read from one file at most (a job is smaller still: BULK_MAX_ITEMS).
MAX_ROWS = 100_000


@dataclass(frozen=True)
class Invalid:
    line: int
    text: str
    message: str


@dataclass
class Parsed:
    """`identifiers`: (kind, value) in first-seen order, each once."""

    identifiers: list[tuple[str, str]] = field(default_factory=list)
    invalid: list[Invalid] = field(default_factory=list)
    duplicates: int = 0


def parse_identifiers(cells: Iterable[tuple[int, str]]) -> Parsed:
    """(line number, text) pairs to identifiers; a cell may hold several (split on separators)."""
    parsed = Parsed()
    seen: set[tuple[str, str]] = set()
    for line, text in cells:
        for word in SEPARATORS.split(text or ""):
            value = normalise(word)
            if not value:
                continue
            kind = detect_kind(value)
            if error := identifier_error(kind, value):
                parsed.invalid.append(Invalid(line, word[:80], str(error)))
                continue
            if kind == Lookup.Kind.SERIAL:
                value = value.upper()  # as on the stickers; the vendor reads either
            if (kind, value) in seen:
                parsed.duplicates += 1
                continue
            seen.add((kind, value))
            parsed.identifiers.append((kind, value))
    return parsed


def parse_text(text: str) -> Parsed:
    return parse_identifiers(enumerate(text.splitlines(), start=1))


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    has_header: bool = False


def read_table(name: str, content: bytes) -> Table:
    """A CSV (UTF-8, with or without BOM, or GB18030) or XLSX file's first sheet as text cells.
    The first row is a header when one of its cells names identifiers; else columns are
    numbered and every row is data. ValueError(UNREADABLE_FILE) when it is neither."""
    if name.lower().endswith(".xlsx") or content[:2] == b"PK":
        rows = _xlsx_rows(content)
    else:
        rows = _csv_rows(content)
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    width = max((len(row) for row in rows), default=0)
    rows = [row + [""] * (width - len(row)) for row in rows]
    if rows and any(HEADER_WORDS.search(cell) for cell in rows[0]):
        return Table(header=rows[0], rows=rows[1:], has_header=True)
    return Table(header=[str(_("Column %(n)s") % {"n": n + 1}) for n in range(width)], rows=rows)


def _csv_rows(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(UNREADABLE_FILE)
    if "\x00" in text:
        raise ValueError(UNREADABLE_FILE)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for row in csv.reader(io.StringIO(text), dialect):
        rows.append(row)
        if len(rows) > MAX_ROWS:
            break
    return rows


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(cell) for cell in row])
            if len(rows) > MAX_ROWS:
                break
        book.close()
    except Exception as error:  # any broken or hostile file is "not readable", never a 500
        raise ValueError(UNREADABLE_FILE) from error
    return rows


def _cell_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a device id typed into a spreadsheet becomes a float
    return str(cell)


def identifier_column(table: Table) -> int:
    """The column that holds identifiers: the one whose header names them, else the one with
    the most cells that read as valid identifiers with a digit in them (names of people also
    pass as serial numbers; every identifier the vendor issues has digits)."""
    if table.has_header:
        for index, cell in enumerate(table.header):
            if HEADER_WORDS.search(cell):
                return index

    def score(index: int) -> int:
        return sum(
            1
            for row in table.rows[:200]
            if (value := normalise(row[index]))
            and any(char.isdigit() for char in value)
            and identifier_error(detect_kind(value), value) is None
        )

    columns = range(len(table.header))
    return max(columns, key=score, default=0)


def parse_table(table: Table, column: int) -> Parsed:
    first = 2 if table.has_header else 1
    return parse_identifiers(
        (number, row[column]) for number, row in enumerate(table.rows, start=first)
    )


def column_choices(table: Table) -> Sequence[tuple[int, str]]:
    return list(enumerate(table.header))
