"""Use cases of the multi-agency dataset: define indicators, submit (or correct) quarterly values,
and record evidence for the measures of effectiveness that name an indicator.

The business manager, and contributors and chairs of the subgroup that monitors and evaluates
(the framework's audit subgroup, `monitoring-and-evaluation` by default), keep the dataset; the
system keeps it for `learnloop dataset import`. Values are saved in one transaction together
with the evidence they produce: when a measure's indicator reaches its target in the latest
quarter, evidence `met` is recorded for it by the system, citing the value; when a later value
falls back, `not_met`. A batch of values (an imported file) is recorded whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain import access
from domain.actor import Actor, system_actor
from domain.commands.indicator import CorrectValue, DefineIndicator, ValueCommand
from domain.commands.learning_item import RecordEvidence
from domain.errors import DomainError, InvalidField, RuleViolation
from domain.framework import Framework
from domain.indicator import Indicator, Submission, shown
from domain.learning_item import LearningItem
from services.change import RETRIES, Clock, Expected, forbidden, matches
from services.errors import NotFound, ServiceError, VersionMismatch
from services.event_log import EventLog

DATASET_SUBGROUP = "monitoring-and-evaluation"
SYSTEM_ACTOR = system_actor()


class LinkedMeasures(Protocol):
    def naming(self, code: str) -> Iterable[tuple[str, str]]:
        """(item id, measure id) of each measure of an open item that names indicator `code`."""
        ...


@dataclass
class Recorded:
    position: int | None
    submissions: list[tuple[str, Submission]] = field(default_factory=list)  # (code, value)
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Refusal:
    index: int
    field: str | None
    message: str


class SubmissionsRefused(ServiceError):
    """Some values of a batch were refused, so none was recorded."""

    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__(f"{len(refusals)} value(s) refused; nothing was recorded")
        self.refusals = refusals


class Dataset:
    def __init__(
        self, log: EventLog, framework: Framework, clock: Clock, measures: LinkedMeasures
    ) -> None:
        self.log = log
        self.framework = framework
        self.clock = clock
        self.measures = measures

    @property
    def subgroup(self) -> str:
        audits = self.framework.audits
        return audits.subgroup if audits is not None else DATASET_SUBGROUP

    # -- commands ----------------------------------------------------------------------

    def define_indicator(self, actor: Actor, command: DefineIndicator) -> UUID:
        """Defines an indicator; a code is defined once."""
        self._allow(actor)
        indicator = Indicator.define(command, actor=actor, now=self.clock())
        if self.find(indicator.id) is not None:
            raise RuleViolation(f"indicator '{indicator.code}' is already defined")
        try:
            self.log.record(indicator)
        except IntegrityError:
            raise RuleViolation(f"indicator '{indicator.code}' is already defined") from None
        return indicator.id

    def submit_value(
        self, actor: Actor, command: ValueCommand, expected_version: Expected = None
    ) -> Recorded:
        """One value, or a correction of the value already submitted. Refusals are the domain's
        own (and NotFound for an unknown indicator); with `expected_version` (If-Match),
        VersionMismatch when the indicator has moved on."""
        self._allow(actor)
        if self.find(Indicator.id_for(command.indicator)) is None:
            raise NotFound("indicator", command.indicator)
        return self._record(actor, [command], one=True, expected=expected_version)

    def submit_values(self, actor: Actor, values: Sequence[ValueCommand]) -> Recorded:
        """Every value or none: SubmissionsRefused lists each refused value by its index."""
        self._allow(actor)
        return self._record(actor, values, one=False)

    def check_values(self, actor: Actor, values: Sequence[ValueCommand]) -> list[Refusal]:
        """What `submit_values` would refuse now, recording nothing."""
        self._allow(actor)
        try:
            self._decide(actor, values, one=False)
        except SubmissionsRefused as refused:
            return refused.refusals
        return []

    def get(self, code: str) -> Indicator:
        found = self.find(Indicator.id_for(code))
        if found is None:
            raise NotFound("indicator", code)
        return found

    # -- one transaction for the values and the evidence they produce -------------------------

    def _decide(
        self, actor: Actor, values: Sequence[ValueCommand], one: bool, expected: Expected = None
    ) -> _Batch:
        batch = _Batch(self, actor, self.clock(), expected)
        refusals = []
        for index, new in enumerate(values):
            try:
                batch.add(new)
            except (DomainError, NotFound) as error:
                if one:
                    raise
                refusals.append(_refusal(index, error))
        if refusals:
            raise SubmissionsRefused(refusals)
        return batch

    def _record(
        self, actor: Actor, values: Sequence[ValueCommand], one: bool, expected: Expected = None
    ) -> Recorded:
        for _ in range(RETRIES):
            batch = self._decide(actor, values, one, expected)
            try:
                batch.recorded.position = self.log.record(*batch.changed())
            except IntegrityError:
                if expected is not None:
                    raise VersionMismatch(expected, self.get(values[0].indicator).version) from None
                continue  # another write to an indicator or an item: decide again on fresh state
            return batch.recorded
        indicator = next(iter(batch.indicators.values()))
        current = self.get(indicator.code).version
        raise VersionMismatch(indicator.version - len(indicator.pending_events), current)

    def _allow(self, actor: Actor) -> None:
        if not access.may_keep_dataset(actor, self.subgroup):
            raise forbidden(actor, "keep the dataset of", self.subgroup)

    def find(self, indicator_id: UUID) -> Indicator | None:
        try:
            return self.log.load(indicator_id, Indicator, "indicator")
        except NotFound:
            return None


class _Batch:
    """Values decided in memory on loaded aggregates, with the evidence they produce."""

    def __init__(
        self, dataset: Dataset, actor: Actor, now: datetime, expected: Expected = None
    ) -> None:
        self.dataset = dataset
        self.actor = actor
        self.now = now
        self.expected = expected
        self.indicators: dict[UUID, Indicator] = {}
        self.items: dict[str, LearningItem] = {}
        self.links: dict[str, list[tuple[str, str]]] = {}
        self.recorded = Recorded(position=None)

    def add(self, command: ValueCommand) -> None:
        indicator = self._indicator(command.indicator)
        framework, actor, now = self.dataset.framework, self.actor, self.now
        if isinstance(command, CorrectValue):
            submission = indicator.correct(framework, command, actor=actor, now=now)
        else:
            submission = indicator.submit(framework, command, actor=actor, now=now)
        self.recorded.submissions.append((indicator.code, submission))
        self._follow(indicator, submission)

    def changed(self) -> list[Aggregate]:
        touched = [*self.indicators.values(), *self.items.values()]
        return [a for a in touched if a.pending_events]

    def _indicator(self, code: str) -> Indicator:
        if not code.strip():
            raise InvalidField("indicator", "must name an indicator's code")
        key = Indicator.id_for(code)
        if key not in self.indicators:
            found = self.dataset.find(key)
            if found is None:
                raise InvalidField("indicator", f"no indicator '{code.strip()}'")
            if not matches(self.expected, found.version):
                raise VersionMismatch(self.expected or 0, found.version)
            self.indicators[key] = found
        return self.indicators[key]

    def _follow(self, indicator: Indicator, submission: Submission) -> None:
        code = indicator.code
        if code not in self.links:
            self.links[code] = list(self.dataset.measures.naming(code))
        for item_id, measure_id in self.links[code]:
            item = self._item(item_id)
            measure = item.measures.get(measure_id) if item is not None else None
            if item is None or item.is_closed or measure is None or measure.indicator is None:
                continue
            if measure.indicator["code"] != code:
                continue
            outcome = indicator.outcome_for(
                measure.indicator, submission, measure.outcome, measure.defined_on
            )
            if outcome is None:
                continue
            summary, reference = _citation(code, submission, measure.indicator, outcome)
            evidence = RecordEvidence(
                measure_id=measure_id, outcome=outcome, summary=summary, reference=reference
            )
            item.record_evidence(evidence, actor=SYSTEM_ACTOR, now=self.now)
            self.recorded.evidence.append(
                {
                    "item_id": item_id,
                    "measure_id": measure_id,
                    "outcome": outcome,
                    "summary": summary,
                    "reference": reference,
                }
            )

    def _item(self, item_id: str) -> LearningItem | None:
        if item_id not in self.items:
            try:
                self.items[item_id] = self.dataset.log.load(
                    UUID(item_id), LearningItem, "learning item"
                )
            except NotFound:
                return None
        return self.items[item_id]


def _citation(
    code: str, submission: Submission, link: dict[str, Any], outcome: str
) -> tuple[str, str]:
    verb = "reached" if outcome == "met" else "fell back to"
    summary = (
        f"Indicator {code} {verb} {shown(submission.value)} in {submission.period}"
        f" for {submission.agency} (target {shown(link['target'])})"
    )
    return summary, f"dataset:{code}:{submission.period}:{submission.agency}"


def _refusal(index: int, error: Exception) -> Refusal:
    if isinstance(error, InvalidField):
        return Refusal(index, error.field, error.message)
    return Refusal(index, None, str(error))
