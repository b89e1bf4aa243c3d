"""A dataset file: a quarter's values from a CSV or XLSX file, as commands (`learnloop dataset
import FILE` records them).

The first row names the columns (any order, any case): `indicator`, `period`, `agency`, `value`,
and optionally `commentary`, `statistical_neighbours`, `england` and `correction_reason` (a row
with a reason corrects the value already submitted). Rows are numbered as a spreadsheet numbers
them, the header being row 1; blank rows are skipped. Every row is checked before any is
recorded, and one refused row means nothing from the file is recorded.
"""

from __future__ import annotations

import csv
import math
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from domain.actor import Actor, system_actor
from domain.commands.indicator import ValueCommand, value_command
from domain.errors import InvalidField
from domain.indicator import Quarter
from services.dataset import Dataset, Recorded, SubmissionsRefused

COLUMNS = (
    "indicator",
    "period",
    "agency",
    "value",
    "commentary",
    "statistical_neighbours",
    "england",
    "correction_reason",
)
REQUIRED = ("indicator", "period", "agency", "value")
TEXT = ("indicator", "agency", "commentary", "correction_reason")
IMPORTER = system_actor("dataset import")

Row = tuple[int, list[Any]]


class ImportRefused(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def import_file(dataset: Dataset, path: Path, actor: Actor = IMPORTER) -> Recorded:
    """Records every row of the file, or raises ImportRefused naming each bad row."""
    values, problems = parse(read_rows(path))
    refusals = dataset.check_values(actor, [value for _, value in values])
    problems += [_problem(values[r.index][0], r.field, r.message) for r in refusals]
    if problems:
        raise ImportRefused(sorted(problems, key=_row_number))
    if not values:
        raise ImportRefused([f"{path.name} has no values to import"])
    try:
        return dataset.submit_values(actor, [value for _, value in values])
    except SubmissionsRefused as refused:  # something changed since the check
        rows = [_problem(values[r.index][0], r.field, r.message) for r in refused.refusals]
        raise ImportRefused(rows) from None


def read_rows(path: Path) -> list[Row]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return list(_csv_rows(path))
    if suffix == ".xlsx":
        return list(_xlsx_rows(path))
    raise ImportRefused([f"{path.name}: expected a .csv or .xlsx file"])


def parse(rows: list[Row]) -> tuple[list[tuple[int, ValueCommand]], list[str]]:
    """The values the rows give, each with its row number, and the problems of the rest."""
    if not rows:
        raise ImportRefused(["row 1: expected a header naming the columns"])
    header_number, header = rows[0]
    columns = [_column(cell) for cell in header]
    unknown = [c for c in columns if c not in COLUMNS]
    missing = [c for c in REQUIRED if c not in columns]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    problems = [f"row {header_number}: unknown column '{c}'" for c in unknown]
    problems += [f"row {header_number}: no '{c}' column" for c in missing]
    problems += [f"row {header_number}: column '{c}' appears twice" for c in repeated]
    if problems:
        raise ImportRefused([*problems, f"expected columns: {', '.join(COLUMNS)}"])
    values, problems = [], []
    for number, cells in rows[1:]:
        if len(cells) > len(columns):
            problems.append(f"row {number}: {len(cells)} cells for {len(columns)} columns")
            continue
        fields = {c: _cell(c, cells[i] if i < len(cells) else None) for i, c in enumerate(columns)}
        empty = [c for c in REQUIRED if fields[c] is None]
        if empty:
            problems += [_problem(number, c, "is empty") for c in empty]
            continue
        try:
            values.append((number, command(fields)))
        except InvalidField as error:
            problems.append(_problem(number, error.field, error.message))
    return values, problems


def command(cells: dict[str, Any]) -> ValueCommand:
    """The command one row gives (its required cells not empty): numbers read from their text,
    a correction when the row gives its reason. InvalidField names a cell that cannot be read."""
    period = str(Quarter.parse(cells["period"]))
    value = number(cells["value"], "value")
    neighbours = _optional_number(cells.get("statistical_neighbours"), "statistical_neighbours")
    england = _optional_number(cells.get("england"), "england")
    return value_command(
        indicator=cells["indicator"],
        period=period,
        agency=cells["agency"],
        value=value,
        commentary=cells.get("commentary"),
        statistical_neighbours=neighbours,
        england=england,
        correction_reason=cells.get("correction_reason"),
    )


def number(cell: Any, field: str) -> float:
    """A finite number, written as a number or as its text; anything else is refused."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        result = float(cell)
    elif isinstance(cell, str) and cell.strip():
        try:
            result = float(cell.strip())
        except ValueError:
            raise InvalidField(field, f"{cell!r} is not a number") from None
    else:
        raise InvalidField(field, f"{cell!r} is not a number")
    if not math.isfinite(result):
        raise InvalidField(field, f"{cell!r} is not a finite number")
    return result


def _optional_number(cell: Any, field: str) -> float | None:
    return None if cell is None else number(cell, field)


def _csv_rows(path: Path) -> Iterator[Row]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            for number, cells in enumerate(csv.reader(file), start=1):
                if any(cell.strip() for cell in cells):
                    yield number, cells
    except (UnicodeDecodeError, csv.Error) as error:
        raise ImportRefused([f"{path.name} is not a readable UTF-8 CSV file: {error}"]) from None


def _xlsx_rows(path: Path) -> Iterator[Row]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        raise ImportRefused([f"{path.name} is not a readable .xlsx workbook: {error}"]) from None
    try:
        sheet = workbook.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            found = list(cells)
            while found and _blank(found[-1]):
                found.pop()
            if found:
                yield number, found
    finally:
        workbook.close()


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _column(cell: Any) -> str:
    return str(cell or "").strip().lower().replace(" ", "_").replace("-", "_")


def _cell(column: str, cell: Any) -> Any:
    if _blank(cell):
        return None
    if column in TEXT:
        return cell.strip() if isinstance(cell, str) else str(cell)
    return cell.strip() if isinstance(cell, str) else cell


def _problem(row: int, field: str | None, message: str) -> str:
    return f"row {row}: {field}: {message}" if field else f"row {row}: {message}"


def _row_number(problem: str) -> int:
    head = problem.split(":", 1)[0]
    return int(head.removeprefix("row ")) if head.startswith("row ") else 0
