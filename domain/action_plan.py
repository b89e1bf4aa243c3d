"""An action plan as a partnership keeps it in a spreadsheet: one row per action, the item it
belongs to named by the row's item reference (ADR 0051).

`plan(rows)` groups the rows into items, each with the commands that record it as it was: the
need identified on its day, each action chosen (with its latest status and the day of it), each
measure defined (with its evidence and the day it was gathered), the closure. It checks what the
rows alone can say (the columns that go together, the rows of one item agreeing); the aggregate
then checks the framework's rules and the order of the dates. Every problem names its row and
column, so a person can find the cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, TypeVar

from domain.commands.learning_item import (
    ChooseMeans,
    CloseItem,
    DefineMeasure,
    IdentifyNeed,
    RecordEvidence,
    ReportProgress,
)
from domain.errors import InvalidField
from domain.loop import NOT_STARTED, Outcome, ProgressStatus

C = TypeVar("C")

ITEM_COLUMNS = (
    "subgroup",
    "title",
    "description",
    "source_kind",
    "source_reference",
    "identified_on",
    "themes",
    "closed_on",
    "closure_summary",
)
ACTION_COLUMNS = ("means", "action", "owner", "owner_email", "due", "chosen_on")
MEASURE_COLUMNS = ("measure_kind", "measure", "review_due", "measure_defined_on")
EVIDENCE_COLUMNS = ("evidence_outcome", "evidence_summary", "evidence_reference", "evidence_on")
COLUMNS = (
    "item_reference",
    *ITEM_COLUMNS[:7],
    *ACTION_COLUMNS[:5],
    "status",
    "status_on",
    "chosen_on",
    *MEASURE_COLUMNS,
    *EVIDENCE_COLUMNS,
    *ITEM_COLUMNS[7:],
)
REQUIRED = ("item_reference", "subgroup", "title", "source_kind", "identified_on")

# A command's field, as the column of the row that gave it.
IDENTIFY_COLUMNS = {"on": "identified_on", "source.kind": "source_kind", "kind": "source_kind"}
MEANS_COLUMNS = {"on": "chosen_on", "description": "action"}
PROGRESS_COLUMNS = {"on": "status_on", "note": "status"}
MEASURE_FIELD_COLUMNS = {
    "on": "measure_defined_on",
    "kind": "measure_kind",
    "description": "measure",
}
EVIDENCE_FIELD_COLUMNS = {
    "on": "evidence_on",
    "outcome": "evidence_outcome",
    "summary": "evidence_summary",
    "reference": "evidence_reference",
}
CLOSE_COLUMNS = {"on": "closed_on", "summary": "closure_summary", "override_reason": "closed_on"}


@dataclass(frozen=True)
class PlanRow:
    """One row's cells, read into their types (dates, the status and outcome words); None for
    an empty cell."""

    number: int
    item_reference: str
    subgroup: str
    title: str
    source_kind: str
    identified_on: date
    description: str = ""
    source_reference: str | None = None
    themes: tuple[str, ...] = ()
    means: str | None = None
    action: str | None = None
    owner: str | None = None
    owner_email: str | None = None
    due: date | None = None
    chosen_on: date | None = None
    status: ProgressStatus | None = None
    status_on: date | None = None
    measure_kind: str | None = None
    measure: str | None = None
    review_due: date | None = None
    measure_defined_on: date | None = None
    evidence_outcome: Outcome | None = None
    evidence_summary: str | None = None
    evidence_reference: str | None = None
    evidence_on: date | None = None
    closed_on: date | None = None
    closure_summary: str | None = None


@dataclass(frozen=True)
class Problem:
    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}: {self.column}" if self.column else f"row {self.row}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class PlannedAction:
    row: int
    means: ChooseMeans
    progress: ReportProgress | None  # its action_id is the service's to fill in


@dataclass(frozen=True)
class PlannedMeasure:
    row: int
    define: DefineMeasure
    evidence: list[tuple[int, RecordEvidence]] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedItem:
    reference: str
    row: int
    identify: IdentifyNeed
    actions: list[PlannedAction] = field(default_factory=list)
    measures: list[PlannedMeasure] = field(default_factory=list)
    close: tuple[int, CloseItem] | None = None

    @property
    def rows(self) -> int:
        numbers = {self.row, *(a.row for a in self.actions), *(m.row for m in self.measures)}
        return len(numbers)


def column_of(error: InvalidField, columns: dict[str, str]) -> str:
    """The column of a row whose command refused `error.field`."""
    return columns.get(error.field, error.field)


def plan(rows: list[PlanRow]) -> tuple[list[PlannedItem], list[Problem]]:
    """The items the rows give, in the order their first rows come, and the problems of the
    rest. An item with a problem is left out (the caller records nothing when any is found)."""
    items: dict[str, PlannedItem] = {}
    first: dict[str, PlanRow] = {}
    problems: list[Problem] = []
    seen: dict[tuple[object, ...], int] = {}
    for row in rows:
        key = row.item_reference.strip().casefold()
        repeated = seen.setdefault(_content(row), row.number)
        if repeated != row.number:
            problems.append(Problem(row.number, None, f"repeats row {repeated}"))
            continue
        try:
            if key not in items:
                items[key] = _item(row)
                first[key] = row
            else:
                problems += _disagreements(first[key], row)
            _add_parts(items[key], row)
        except InvalidField as error:
            problems.append(Problem(row.number, error.field, error.message))
    return list(items.values()), problems


def _item(row: PlanRow) -> PlannedItem:
    try:
        identify = IdentifyNeed(
            subgroup=row.subgroup,
            title=row.title,
            description=row.description,
            source_kind=row.source_kind,
            source_reference=row.source_reference,
            themes=row.themes,
            on=row.identified_on,
        )
    except InvalidField as error:
        raise InvalidField(column_of(error, IDENTIFY_COLUMNS), error.message) from None
    item = PlannedItem(row.item_reference.strip(), row.number, identify)
    if row.closed_on is not None or row.closure_summary is not None:
        _together(row, ("closed_on", "closure_summary"))
        assert row.closed_on is not None and row.closure_summary is not None
        close = _command(CloseItem, CLOSE_COLUMNS, summary=row.closure_summary, on=row.closed_on)
        item = replace(item, close=(row.number, close))
    return item


def _add_parts(item: PlannedItem, row: PlanRow) -> None:
    if _given(row, ACTION_COLUMNS) or row.status is not None or row.status_on is not None:
        _together(row, ("means", "action", "owner", "due"))
        assert row.means and row.action and row.owner and row.due
        means = _command(
            ChooseMeans,
            MEANS_COLUMNS,
            means=row.means,
            description=row.action,
            owner=row.owner,
            owner_email=row.owner_email,
            due=row.due,
            on=row.chosen_on or row.identified_on,
        )
        progress = None
        if row.status is not None and row.status != NOT_STARTED:
            if row.status_on is None:
                raise InvalidField("status_on", f"is empty: on what day was it {row.status}?")
            progress = _command(
                ReportProgress,
                PROGRESS_COLUMNS,
                action_id="",
                status=row.status,
                note="",
                on=row.status_on,
            )
        elif row.status_on is not None:
            raise InvalidField("status", "is empty, though its date is given")
        item.actions.append(PlannedAction(row.number, means, progress))
    measure: PlannedMeasure | None = None
    if _given(row, MEASURE_COLUMNS):
        _together(row, ("measure_kind", "review_due"))
        assert row.measure_kind and row.review_due
        define = _command(
            DefineMeasure,
            MEASURE_FIELD_COLUMNS,
            kind=row.measure_kind,
            description=row.measure or "",
            review_due=row.review_due,
            on=row.measure_defined_on or row.identified_on,
        )
        measure = next((m for m in item.measures if m.define == define), None)
        if measure is None:
            measure = PlannedMeasure(row.number, define)
            item.measures.append(measure)
    elif _given(row, EVIDENCE_COLUMNS):
        raise InvalidField("measure_kind", "is empty: evidence needs the measure it is for")
    if measure is not None and _given(row, EVIDENCE_COLUMNS):
        _together(row, ("evidence_outcome", "evidence_summary", "evidence_on"))
        assert row.evidence_outcome and row.evidence_summary
        evidence = _command(
            RecordEvidence,
            EVIDENCE_FIELD_COLUMNS,
            measure_id="",
            outcome=row.evidence_outcome,
            summary=row.evidence_summary,
            reference=row.evidence_reference,
            on=row.evidence_on,
        )
        if all(e != evidence for _, e in measure.evidence):
            measure.evidence.append((row.number, evidence))


def _command(command: type[C], columns: dict[str, str], /, **fields: Any) -> C:
    try:
        return command(**fields)
    except InvalidField as error:
        raise InvalidField(column_of(error, columns), error.message) from None


def _given(row: PlanRow, columns: tuple[str, ...]) -> bool:
    return any(getattr(row, c) is not None for c in columns)


def _together(row: PlanRow, columns: tuple[str, ...]) -> None:
    for column in columns:
        if getattr(row, column) in (None, ""):
            others = ", ".join(c for c in columns if c != column)
            raise InvalidField(column, f"is empty (it goes with {others})")


def _disagreements(first: PlanRow, row: PlanRow) -> list[Problem]:
    return [
        Problem(row.number, column, f"differs from row {first.number}, the item's first row")
        for column in ITEM_COLUMNS
        if getattr(row, column) is not None
        and getattr(row, column) != ()
        and getattr(row, column) != getattr(first, column)
    ]


def _content(row: PlanRow) -> tuple[object, ...]:
    cells = (getattr(row, c) for c in COLUMNS if c != "item_reference")
    return (*cells, row.item_reference.strip().casefold())
