"""Writing a table as .xlsx or CSV that Excel and LibreOffice open as it was meant: a header of
labels, dates as real spreadsheet dates (day-month-year, as a UK partnership reads them), numbers
as numbers, and no cell that a spreadsheet would run as a formula.

A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is written with a
leading apostrophe (CSV and formula injection, OWASP), and in .xlsx as a text cell: the
spreadsheet shows the text, never evaluates it. The importer removes that apostrophe again, so
a title such as "-1 day drift" survives a round trip.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "dd/mm/yyyy"
TIMESTAMP_FORMAT = "dd/mm/yyyy hh:mm:ss"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = tuple(CONTENT_TYPES)


@dataclass(frozen=True)
class Table:
    """A sheet: its name, the column names (the first row) and the rows of cells."""

    name: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Any]]


def neutralised(value: str) -> str:
    return "'" + value if value.startswith(TRIGGERS) else value


def unneutralised(value: str) -> str:
    """What `neutralised` wrote, as it was."""
    return value[1:] if value.startswith("'") and value[1:2] in TRIGGERS and value[1:] else value


def write(table: Table, format: str) -> bytes:
    if format == "csv":
        return write_csv(table)
    if format == "xlsx":
        return write_xlsx(table)
    raise ValueError(f"unknown format {format!r}")


def write_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads it as UTF-8; dates as YYYY-MM-DD."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralised(c) for c in table.columns])
    writer.writerows(
        [c if type(c) is str and not c.startswith(TRIGGERS) else _csv_cell(c) for c in row]
        for row in table.rows
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return neutralised(value)
    return value


def write_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_name(table.name))
    bold = Font(bold=True)
    header = []
    for name in table.columns:
        cell = WriteOnlyCell(sheet, value=neutralised(name))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    sheet.freeze_panes = "A2"
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, str):
        if value.startswith(TRIGGERS):
            from openpyxl.cell import WriteOnlyCell

            cell = WriteOnlyCell(sheet, value=neutralised(value))
            cell.data_type = "s"  # text, never a formula
            return cell
        return value
    if isinstance(value, datetime):
        return _dated(sheet, value.replace(tzinfo=None), TIMESTAMP_FORMAT)
    if isinstance(value, date):
        return _dated(sheet, value, DATE_FORMAT)
    return value


def _dated(sheet: Any, value: date, number_format: str) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
    cell.number_format = number_format
    return cell


def _sheet_name(name: str) -> str:
    clean = "".join("_" if c in "[]:*?/\\" else c for c in name)
    return clean[:31] or "Sheet1"
