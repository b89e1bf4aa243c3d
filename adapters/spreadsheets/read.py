"""Reading a table from a file as Excel and LibreOffice write it: the first sheet of an .xlsx,
.xlsm, .ods or legacy .xls workbook (python-calamine), or a CSV file in UTF-8, with or without a
byte-order mark, comma-, semicolon- or tab-separated. A CSV in Windows-1252 (Excel's plain "CSV")
is refused with the advice to save it as "CSV UTF-8": guessing an 8-bit encoding would put
wrong letters in the record without a word.

Rows are numbered as a spreadsheet numbers them (the first row is 1); blank rows are skipped and
trailing blank cells dropped. Cells are text, numbers, booleans, dates or date-times, or None.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

Cell = str | int | float | bool | date | datetime | None
Row = tuple[int, list[Cell]]

WORKBOOKS = (".xlsx", ".xlsm", ".ods", ".xls")
SUFFIXES = (".csv", *WORKBOOKS)
UTF8_ADVICE = (
    'save it again as "CSV UTF-8 (Comma delimited)" (Excel: File > Save As; LibreOffice:'
    ' Save As > Text CSV with character set "Unicode (UTF-8)"), or as .xlsx'
)


class Unreadable(Exception):
    """The file cannot be read as a table; the message says why, and what to do."""


def read_rows(path: Path) -> list[Row]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return list(csv_rows(path.read_bytes(), path.name))
    if suffix in WORKBOOKS:
        return list(_workbook_rows(path))
    raise Unreadable(f"{path.name}: expected one of {', '.join(SUFFIXES)}")


def csv_rows(data: bytes, name: str) -> Iterator[Row]:
    text = _decoded(data, name)
    dialect = _dialect(text)
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), dialect), 1):
            found = _trimmed(cells)
            if found:
                yield number, found
    except csv.Error as error:
        raise Unreadable(f"{name} is not a readable CSV file: {error}") from None


def _decoded(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            raise Unreadable(f"{name} is not UTF-8 text (line {line}): {UTF8_ADVICE}") from None
        raise Unreadable(
            f"{name} is not UTF-8: line {line} looks like Windows-1252, what Excel's plain"
            f' "CSV" writes; {UTF8_ADVICE}'
        ) from None


def _dialect(text: str) -> type[csv.Dialect]:
    """Excel's CSV, separated by what the header line is separated by (a comma, or the
    semicolon or tab of some locales)."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in ",;\t"}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","

    class Dialect(csv.excel):
        pass

    Dialect.delimiter = delimiter
    return Dialect


def _workbook_rows(path: Path) -> Iterator[Row]:
    from python_calamine import CalamineError, load_workbook

    try:
        workbook = load_workbook(str(path))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except (CalamineError, OSError, ValueError) as error:
        raise Unreadable(f"{path.name} is not a readable workbook: {error}") from None
    except Exception as error:  # calamine's own errors (ZipError, XmlError) share no base
        raise Unreadable(f"{path.name} is not a readable workbook: {error}") from None
    # Calamine names no first row when the sheet starts lower down; its range starts there.
    start = sheet.start[0] + 1 if sheet.start else 1
    for number, cells in enumerate(rows, start=start):
        found = _trimmed(_cell(c) for c in cells)
        if found:
            yield number, found


def _cell(value: Any) -> Cell:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, time | timedelta):
        return str(value)
    return value


def _trimmed(cells: Iterable[Cell]) -> list[Cell]:
    found = [None if blank(c) else c for c in cells]
    while found and found[-1] is None:
        found.pop()
    return found


def blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())
