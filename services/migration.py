"""Moving in: an action plan recorded from a file, every row or none (ADR 0051).

`check` decides the whole plan on new, unsaved aggregates and reports every problem by row and
column, recording nothing (a dry run, and the first half of `record`). `record` saves the items
and an `ImportedFile` naming the file's SHA-256 in one transaction; every event names the person
who imported and the file. The same file a second time records nothing: its `ImportedFile` is
found (or, imported twice at once, collides on its id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from eventsourcing.persistence import IntegrityError

from domain import access, reference
from domain.action_plan import (
    CLOSE_COLUMNS,
    EVIDENCE_FIELD_COLUMNS,
    IDENTIFY_COLUMNS,
    MEANS_COLUMNS,
    MEASURE_FIELD_COLUMNS,
    PROGRESS_COLUMNS,
    PlannedItem,
    Problem,
    column_of,
)
from domain.actor import Actor
from domain.errors import DomainError, InvalidField
from domain.framework import Framework
from domain.imported_file import ImportedFile
from domain.learning_item import LearningItem
from domain.reference import Numbering
from services.change import Clock
from services.errors import NotFound
from services.event_log import EventLog
from services.references import REFERENCE_RETRIES, References

KIND = "action-plan"


@dataclass
class Outcome:
    """What an import recorded (or, for a check, would record)."""

    items: list[LearningItem] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    previous: ImportedFile | None = None  # the same file, imported before: nothing to record
    position: int | None = None


class PlanRefused(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


class ActionPlans:
    def __init__(self, log: EventLog, framework: Framework, clock: Clock) -> None:
        self.log = log
        self.framework = framework
        self.clock = clock

    def previous(self, sha256: str) -> ImportedFile | None:
        try:
            return self.log.load(ImportedFile.id_for(KIND, sha256), ImportedFile, "import")
        except NotFound:
            return None

    def check(self, actor: Actor, plan: list[PlannedItem], sha256: str) -> Outcome:
        """What `record` would record, recording nothing; the problems name row and column."""
        previous = self.previous(sha256)
        if previous is not None:
            return Outcome(previous=previous)
        importer = actor.importing(sha256)
        outcome = Outcome()
        now = self.clock()
        numbering = References(self.log).batch_numbering(reference.ITEM, lambda day: day.year)
        for planned in plan:
            decision = _Decision(self.framework, importer, now, outcome.problems, numbering)
            item = decision.item(planned)
            if item is not None:
                outcome.items.append(item)
                outcome.references[planned.reference] = str(item.id)
                outcome.rows += planned.rows
        return outcome

    def record(self, actor: Actor, plan: list[PlannedItem], sha256: str, file_name: str) -> Outcome:
        """Every item of the plan, or none (PlanRefused naming each problem)."""
        for _ in range(REFERENCE_RETRIES):
            outcome = self.check(actor, plan, sha256)
            if outcome.problems:
                raise PlanRefused(outcome.problems)
            if outcome.previous is not None:
                return outcome
            imported = ImportedFile.record(
                KIND,
                sha256,
                file_name,
                outcome.rows,
                outcome.references,
                actor=actor.importing(sha256),
                now=self.clock(),
            )
            try:
                outcome.position = self.log.record(imported, *outcome.items)
            except IntegrityError:
                # The same file, imported meanwhile by someone else (found by the next check);
                # or a reference another writer took meanwhile (an item's id is its
                # reference's): decided again with the next free numbers.
                continue
            return outcome
        raise IntegrityError("other writers took the plan's references at every attempt")


class _Decision:
    """One planned item decided on a new aggregate; each refusal becomes a row's problem."""

    def __init__(
        self,
        framework: Framework,
        actor: Actor,
        now: Any,
        problems: list[Problem],
        numbering: Numbering,
    ) -> None:
        self.numbering = numbering
        self.framework = framework
        self.actor = actor
        self.now = now
        self.problems = problems
        self.zone = framework.timezone

    def item(self, planned: PlannedItem) -> LearningItem | None:
        identify = planned.identify
        if not self.framework.has_subgroup(identify.subgroup):
            self._refused(planned.row, "subgroup", f"no subgroup '{identify.subgroup}'")
            return None
        if not access.may_import(self.actor, identify.subgroup):
            message = f"a {self.actor.role} may not record learning in {identify.subgroup}"
            self._refused(planned.row, "subgroup", message)
            return None
        rules = self.framework.subgroup(identify.subgroup)
        found = self._try(
            planned.row,
            IDENTIFY_COLUMNS,
            lambda: LearningItem.identify(
                self.framework, identify, actor=self.actor, now=self.now, numbering=self.numbering
            ),
        )
        if found is None:
            return None
        item: LearningItem = found
        ok = True
        for action in planned.actions:
            action_id = self._try(
                action.row,
                MEANS_COLUMNS,
                lambda a=action: item.choose_means(  # type: ignore[misc]
                    rules, a.means, actor=self.actor, now=self.now, timezone=self.zone
                ),
            )
            ok = ok and action_id is not None
            if action_id is not None and action.progress is not None:
                progress = replace(action.progress, action_id=action_id)
                ok = ok and self._step(
                    action.row,
                    PROGRESS_COLUMNS,
                    lambda p=progress: item.report_progress(  # type: ignore[misc]
                        p, actor=self.actor, now=self.now, timezone=self.zone
                    ),
                )
        for measure in planned.measures:
            define = measure.define
            if not define.description.strip():
                label = {o.slug: o.label for o in rules.measures_of_effectiveness}
                define = replace(define, description=label.get(define.kind, define.kind))
            measure_id = self._try(
                measure.row,
                MEASURE_FIELD_COLUMNS,
                lambda d=define: item.define_measure(  # type: ignore[misc]
                    rules, d, actor=self.actor, now=self.now, timezone=self.zone
                ),
            )
            ok = ok and measure_id is not None
            for row, evidence in measure.evidence if measure_id is not None else ():
                given = replace(evidence, measure_id=measure_id)
                ok = ok and self._step(
                    row,
                    EVIDENCE_FIELD_COLUMNS,
                    lambda e=given: item.record_evidence(  # type: ignore[misc]
                        e, actor=self.actor, now=self.now, timezone=self.zone
                    ),
                )
        if ok and planned.close is not None:
            row, close = planned.close
            ok = self._step(
                row,
                CLOSE_COLUMNS,
                lambda: item.close(close, actor=self.actor, now=self.now, timezone=self.zone),
            )
        return item if ok else None

    def _step(self, row: int, columns: dict[str, str], decide: Callable[[], Any]) -> bool:
        return self._try(row, columns, lambda: decide() or True) is not None

    def _try(self, row: int, columns: dict[str, str], decide: Callable[[], Any]) -> Any:
        try:
            return decide()
        except InvalidField as error:
            self.problems.append(Problem(row, column_of(error, columns), error.message))
        except DomainError as error:
            self.problems.append(Problem(row, None, str(error)))
        return None

    def _refused(self, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(row, column, message))
