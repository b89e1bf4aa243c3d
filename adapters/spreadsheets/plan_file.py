"""An action-plan file's rows read into `domain.action_plan.PlanRow`s (ADR 0051).

The first row names the columns, in any order and case, spaces or dashes for underscores
("Item reference", "status date"); the columns are `domain.action_plan.COLUMNS`, with the
aliases below, and the label columns an export adds (read past, never recorded). Subgroups,
sources, means and measures may be given by slug or by the framework's label. Dates are
spreadsheet dates, or text as YYYY-MM-DD or DD/MM/YYYY (as a UK spreadsheet writes them);
themes are separated by `;` or `,`. A cell the export neutralised (a leading apostrophe before
`=`, `+`, `-`, `@`) is read as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from adapters.spreadsheets.read import Cell, Row, blank
from adapters.spreadsheets.write import unneutralised
from domain.action_plan import COLUMNS, REQUIRED, PlanRow, Problem
from domain.framework import Framework, Option, Subgroup
from domain.loop import OUTCOMES, PROGRESS_STATUSES

ALIASES = {
    "reference": "item_reference",
    "item": "item_reference",
    "source": "source_kind",
    "status_date": "status_on",
    "identified": "identified_on",
    "due_date": "due",
    "outcome": "evidence_outcome",
    "evidence": "evidence_outcome",
    "summary": "evidence_summary",
    "summary_date": "evidence_on",
    "evidence_date": "evidence_on",
    "measure_description": "measure",
    "action_description": "action",
    "closed": "closed_on",
}
LABELS = frozenset(
    {
        "subgroup_name",
        "source_label",
        "means_label",
        "status_label",
        "measure_label",
        "outcome_label",
        "stage",
        "rag",
        "item_id",
        "action_id",
        "measure_id",
        "recorded_at",
    }
)
DATES = frozenset(
    {
        "identified_on",
        "due",
        "chosen_on",
        "status_on",
        "review_due",
        "measure_defined_on",
        "evidence_on",
        "closed_on",
    }
)
UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
STATUSES = (*PROGRESS_STATUSES, "not_started")


class Unusable(Exception):
    """The header cannot be read: nothing below it can be."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def plan_rows(framework: Framework, rows: list[Row]) -> tuple[list[PlanRow], list[Problem]]:
    if not rows:
        raise Unusable([Problem(1, None, "expected a header row naming the columns")])
    header_number, header = rows[0]
    columns = [column_name(cell) for cell in header]
    problems = [
        Problem(header_number, c or None, "unknown column" if c else "a column has no name")
        for c in columns
        if c not in COLUMNS and c not in LABELS
    ]
    problems += [Problem(header_number, c, "no such column") for c in REQUIRED if c not in columns]
    problems += [
        Problem(header_number, c, "appears twice")
        for c in sorted({c for c in columns if columns.count(c) > 1})
    ]
    if problems:
        expected = Problem(header_number, None, f"expected columns: {', '.join(COLUMNS)}")
        raise Unusable([*problems, expected])
    reader = _Reader(framework)
    found, problems = [], []
    for number, cells in rows[1:]:
        if len(cells) > len(columns):
            problems.append(Problem(number, None, f"{len(cells)} cells for {len(columns)} columns"))
            continue
        given = {c: cells[i] for i, c in enumerate(columns) if i < len(cells) and c in COLUMNS}
        row, row_problems = reader.row(number, given)
        problems += row_problems
        if row is not None:
            found.append(row)
    return found, problems


def column_name(cell: Cell) -> str:
    name = re.sub(r"[\s\-]+", "_", str(cell or "").strip().lower())
    return ALIASES.get(name, name)


class _Reader:
    def __init__(self, framework: Framework) -> None:
        self.framework = framework
        self.subgroups = {s.slug: s for s in framework.subgroups} | {
            s.name.casefold(): s for s in framework.subgroups
        }

    def row(self, number: int, cells: dict[str, Cell]) -> tuple[PlanRow | None, list[Problem]]:
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        subgroup = None
        for column in COLUMNS:
            cell = cells.get(column)
            if blank(cell):
                if column in REQUIRED:
                    problems.append(Problem(number, column, "is empty"))
                continue
            try:
                values[column] = self._value(column, cell, subgroup)
            except ValueError as error:
                problems.append(Problem(number, column, str(error)))
                continue
            if column == "subgroup":
                subgroup = self.subgroups[values[column]]
        if problems:
            return None, problems
        return PlanRow(number=number, **values), []

    def _value(self, column: str, cell: Cell, subgroup: Subgroup | None) -> Any:
        if column in DATES:
            return day(cell)
        text = unneutralised(str(cell).strip())
        if column == "subgroup":
            found = self.subgroups.get(text) or self.subgroups.get(text.casefold())
            if found is None:
                slugs = ", ".join(s.slug for s in self.framework.subgroups)
                raise ValueError(f"no subgroup '{text}' (expected one of: {slugs})")
            return found.slug
        options = _OPTIONS.get(column)
        if options is not None:
            if subgroup is None:
                return text  # the subgroup's own problem is named already
            return _option(text, options(subgroup))
        if column == "status":
            return _word(text, STATUSES)
        if column == "evidence_outcome":
            return _word(text, OUTCOMES)
        if column == "themes":
            return tuple(t.strip() for t in re.split(r"[;,\n]", text) if t.strip())
        return text


_OPTIONS: dict[str, Callable[[Subgroup], tuple[Option, ...]]] = {
    "source_kind": lambda s: s.identification_sources,
    "means": lambda s: s.means_of_improvement,
    "measure_kind": lambda s: s.measures_of_effectiveness,
}


def day(cell: Cell) -> date:
    """A date cell, or its text as YYYY-MM-DD or DD/MM/YYYY."""
    if isinstance(cell, datetime):
        if cell.time() != datetime.min.time():
            raise ValueError(f"{cell.isoformat(sep=' ')} is a time, expected a date")
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = str(cell).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    uk = UK_DATE.match(text)
    if uk:
        try:
            return date(int(uk[3]), int(uk[2]), int(uk[1]))
        except ValueError:
            pass
    raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD or DD/MM/YYYY)")


def _option(text: str, options: tuple[Option, ...]) -> str:
    for option in options:
        if text == option.slug or text.casefold() == option.label.casefold():
            return option.slug
    slugs = ", ".join(o.slug for o in options)
    raise ValueError(f"'{text}' is not one of this subgroup's: {slugs}")


def _word(text: str, words: tuple[str, ...]) -> str:
    word = re.sub(r"[\s\-]+", "_", text.strip().lower())
    if word not in words:
        raise ValueError(f"'{text}' is not one of: {', '.join(words)}")
    return word
