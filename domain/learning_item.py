"""A learning item: one need for learning or improvement, followed round the loop.

Commands decide (check the framework's rules against current state, then trigger events);
events evolve (their `apply` never fails and never decides). Time arrives as `now`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Aggregate

from domain import access, loop, withdrawal
from domain.actor import Actor
from domain.commands.learning_item import (
    AmendAction,
    ChooseMeans,
    CloseItem,
    CorrectItem,
    DefineMeasure,
    IdentifyNeed,
    RecordEvidence,
    ReopenItem,
    ReportProgress,
)
from domain.commands.withdrawal import Withdraw, WithdrawAction, WithdrawMeasure
from domain.dates import After, recorded_day, step_date
from domain.errors import InvalidField, RuleViolation, UnknownPart
from domain.framework import Framework, Subgroup
from domain.indicator import measure_link
from domain.reference import Numbering, Referenced, record_id


@dataclass
class Action:
    id: str
    means: str
    description: str
    owner: str
    owner_email: str | None
    due: date
    chosen_on: date
    status: str = loop.NOT_STARTED
    status_on: date | None = None
    withdrawn: bool = False

    @property
    def is_open(self) -> bool:
        """Neither complete nor withdrawn: what stands between an item and its closure."""
        return not self.withdrawn and self.status != loop.COMPLETE


@dataclass
class Measure:
    id: str
    kind: str
    description: str
    review_due: date
    defined_on: date
    evidence: list[dict[str, Any]] = field(default_factory=list)
    indicator: dict[str, Any] | None = None  # {code, target[, agency]} of the dataset
    withdrawn: bool = False

    @property
    def outcome(self) -> str | None:
        return self.evidence[-1]["outcome"] if self.evidence else None

    @property
    def outcome_on(self) -> date | None:
        """The day the latest evidence was gathered."""
        return self.evidence[-1]["on"] if self.evidence else None


def _required(value: str, name: str) -> str:
    if not value.strip():
        raise InvalidField(name, "must not be empty")
    return value.strip()


def _optional(value: str | None) -> str | None:
    return (value or "").strip() or None


def _not_before(day: date, identified_on: date, name: str) -> None:
    if day < identified_on:
        raise InvalidField(name, f"{day.isoformat()} is before identification ({identified_on})")


class _Dated:
    """An event of a step that happened on a day of its own (`on`, ADR 0040). Version 1 events
    were recorded before steps carried a date: they load as happening on the day recorded."""

    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        recorded_day(state)


class LearningItem(Referenced, Aggregate):
    class Event(Aggregate.Event):
        actor: dict[str, str]

    class Identified(Event, Aggregate.Created):
        """Version 2 adds `reference`; version 1 events load with none."""

        class_version = 2
        reference: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reference"] = None  # recorded before references: assigned by an upgrade

        subgroup: str
        title: str
        description: str
        source_kind: str
        source_reference: str | None
        themes: list[str]
        identified_on: date

    class ReferenceAssigned(Event):
        """A reference given to a record created before references were (ADR 0045)."""

        reference: str

        def apply(self, record: Any) -> None:
            record.reference = self.reference

    class MeansChosen(_Dated, Event):
        action_id: str
        means: str
        description: str
        owner: str
        owner_email: str | None
        due: date
        on: date

        def apply(self, item: LearningItem) -> None:
            item.actions[self.action_id] = Action(
                self.action_id,
                self.means,
                self.description,
                self.owner,
                self.owner_email,
                self.due,
                chosen_on=self.on,
            )

    class ProgressReported(_Dated, Event):
        action_id: str
        status: str
        note: str
        on: date

        def apply(self, item: LearningItem) -> None:
            action = item.actions[self.action_id]
            action.status, action.status_on = self.status, self.on

    class MeasureDefined(Event):
        """Version 2 adds `indicator`; version 1 events load with none. Version 3 adds `on`."""

        class_version = 3

        measure_id: str
        kind: str
        description: str
        review_due: date
        indicator: dict[str, Any] | None
        on: date

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["indicator"] = None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            recorded_day(state)

        def apply(self, item: LearningItem) -> None:
            item.measures[self.measure_id] = Measure(
                self.measure_id,
                self.kind,
                self.description,
                self.review_due,
                defined_on=self.on,
                indicator=self.indicator,
            )

    class EvidenceRecorded(_Dated, Event):
        measure_id: str
        outcome: str
        summary: str
        reference: str | None
        on: date

        def apply(self, item: LearningItem) -> None:
            item.measures[self.measure_id].evidence.append(
                {
                    "outcome": self.outcome,
                    "summary": self.summary,
                    "reference": self.reference,
                    "on": self.on,
                    "recorded_at": self.timestamp,
                }
            )

    class ActionAmended(_Dated, Event):
        """A new owner or due date for an action; the previous values stay in history."""

        action_id: str
        owner: str | None
        owner_email: str | None
        due: date | None
        previous: dict[str, Any]
        reason: str
        on: date

        def apply(self, item: LearningItem) -> None:
            action = item.actions[self.action_id]
            if self.owner is not None:
                action.owner = self.owner
                action.owner_email = self.owner_email
            if self.due is not None:
                action.due = self.due

    class Corrected(Event):
        title: str | None
        previous_title: str | None
        description: str | None
        previous_description: str | None
        reason: str

        def apply(self, item: LearningItem) -> None:
            if self.title is not None:
                item.title = self.title
            if self.description is not None:
                item.description = self.description

    class Closed(_Dated, Event):
        summary: str
        override_reason: str | None
        on: date

        def apply(self, item: LearningItem) -> None:
            item.closed_at = self.timestamp
            item.closed_on = self.on

    class Reopened(_Dated, Event):
        reason: str
        on: date

        def apply(self, item: LearningItem) -> None:
            item.closed_at = None
            item.closed_on = None
            item.reopened_on = self.on
            item.reopened_at = self.timestamp

    class Withdrawn(Event):
        """The item was entered by mistake (a duplicate, say): it keeps its history and leaves
        boards, counts and reminders."""

        reason: str
        withdrawn_on: date

        def apply(self, item: LearningItem) -> None:
            item.withdrawn_on = self.withdrawn_on

    class ActionWithdrawn(Event):
        action_id: str
        reason: str
        withdrawn_on: date

        def apply(self, item: LearningItem) -> None:
            item.actions[self.action_id].withdrawn = True

    class MeasureWithdrawn(Event):
        measure_id: str
        reason: str
        withdrawn_on: date

        def apply(self, item: LearningItem) -> None:
            item.measures[self.measure_id].withdrawn = True

    def __init__(
        self,
        actor: dict[str, str],
        subgroup: str,
        title: str,
        description: str,
        source_kind: str,
        source_reference: str | None,
        themes: list[str],
        identified_on: date,
        reference: str | None,
    ) -> None:
        self.reference = reference
        self.subgroup = subgroup
        self.title = title
        self.description = description
        self.source_kind = source_kind
        self.source_reference = source_reference
        self.themes = list(themes)
        self.identified_on = identified_on
        self.actions: dict[str, Action] = {}
        self.measures: dict[str, Measure] = {}
        self.closed_at: datetime | None = None
        self.closed_on: date | None = None
        self.reopened_on: date | None = None
        self.reopened_at: datetime | None = None
        self.withdrawn_on: date | None = None

    # -- decisions -------------------------------------------------------------------------

    @classmethod
    def identify(
        cls,
        framework: Framework,
        command: IdentifyNeed,
        *,
        actor: Actor,
        now: datetime,
        numbering: Numbering | None = None,
    ) -> LearningItem:
        """`numbering` gives the reference for the day the need was identified."""
        framework.subgroup(command.subgroup).check_source(command.source_kind)
        identified_on = step_date(command.on, now, framework.timezone)
        themes = {_required(t, "themes").casefold(): t.strip() for t in command.themes}
        reference = numbering(identified_on) if numbering is not None else None
        return cls._create(
            cls.Identified,
            actor=actor.as_record(),
            subgroup=command.subgroup,
            title=_required(command.title, "title"),
            description=command.description.strip(),
            source_kind=command.source_kind,
            source_reference=_optional(command.source_reference),
            themes=list(themes.values()),
            identified_on=identified_on,
            reference=reference,
            id=record_id(reference),
            timestamp=now,
        )

    def choose_means(
        self,
        rules: Subgroup,
        command: ChooseMeans,
        *,
        actor: Actor,
        now: datetime,
        timezone: str = loop.DEFAULT_TIMEZONE,
    ) -> str:
        """An action; it may be due before today (an action recorded late), never before the
        need was identified."""
        self._check_open()
        self._check_rules(rules)
        rules.check_means(command.means)
        on = self._step_date(command.on, now, timezone)
        _not_before(command.due, self.identified_on, "due")
        action_id = str(uuid4())
        self.trigger_event(
            self.MeansChosen,
            action_id=action_id,
            means=command.means,
            description=_required(command.description, "description"),
            owner=_required(command.owner, "owner"),
            owner_email=command.owner_email,
            due=command.due,
            on=on,
            actor=actor.as_record(),
            timestamp=now,
        )
        return action_id

    def report_progress(
        self,
        command: ReportProgress,
        *,
        actor: Actor,
        now: datetime,
        timezone: str = loop.DEFAULT_TIMEZONE,
    ) -> None:
        self._check_open()
        action = self._open_action(command.action_id)
        if command.status not in loop.PROGRESS_STATUSES:
            raise InvalidField("status", f"expected one of: {', '.join(loop.PROGRESS_STATUSES)}")
        on = self._step_date(command.on, now, timezone, _action_steps(action))
        self.trigger_event(
            self.ProgressReported,
            action_id=command.action_id,
            status=command.status,
            note=command.note.strip(),
            on=on,
            actor=actor.as_record(),
            timestamp=now,
        )

    def define_measure(
        self,
        rules: Subgroup,
        command: DefineMeasure,
        *,
        actor: Actor,
        now: datetime,
        timezone: str = loop.DEFAULT_TIMEZONE,
    ) -> str:
        """A measure; with an `indicator` target the dataset's values record its evidence when
        they reach the target (values of quarters that end after the measure's date)."""
        self._check_open()
        self._check_rules(rules)
        rules.check_measure(command.kind)
        on = self._step_date(command.on, now, timezone)
        _not_before(command.review_due, self.identified_on, "review_due")
        link = measure_link(command.indicator) if command.indicator is not None else None
        measure_id = str(uuid4())
        self.trigger_event(
            self.MeasureDefined,
            measure_id=measure_id,
            kind=command.kind,
            description=_required(command.description, "description"),
            review_due=command.review_due,
            indicator=link,
            on=on,
            actor=actor.as_record(),
            timestamp=now,
        )
        return measure_id

    def record_evidence(
        self,
        command: RecordEvidence,
        *,
        actor: Actor,
        now: datetime,
        timezone: str = loop.DEFAULT_TIMEZONE,
    ) -> None:
        self._check_open()
        measure = self._measure(command.measure_id)
        if measure.withdrawn:
            raise RuleViolation("a withdrawn measure records no evidence")
        if command.outcome not in loop.OUTCOMES:
            raise InvalidField("outcome", f"expected one of: {', '.join(loop.OUTCOMES)}")
        on = self._step_date(
            command.on, now, timezone, [(measure.defined_on, "the measure was defined")]
        )
        self.trigger_event(
            self.EvidenceRecorded,
            measure_id=command.measure_id,
            outcome=command.outcome,
            summary=_required(command.summary, "summary"),
            reference=_optional(command.reference),
            on=on,
            actor=actor.as_record(),
            timestamp=now,
        )

    def amend_action(
        self,
        command: AmendAction,
        *,
        actor: Actor,
        now: datetime,
        timezone: str = loop.DEFAULT_TIMEZONE,
    ) -> None:
        """Reassigns an action (owner, and the owner's email) or moves its due date."""
        self._check_open()
        action = self._open_action(command.action_id)
        on = self._step_date(command.on, now, timezone, _action_steps(action))
        owner, due = command.owner, command.due
        if owner is None and due is None:
            raise InvalidField("owner", "an amendment names a new owner or a new due date")
        if owner is not None:
            owner = _required(owner, "owner")
        elif command.owner_email is not None:
            raise InvalidField("owner_email", "give the owner with the owner's email")
        if due is not None:
            _not_before(due, self.identified_on, "due")
        if owner == action.owner and command.owner_email == action.owner_email:
            owner = None
        if due == action.due:
            due = None
        if owner is None and due is None:
            raise InvalidField(
                "owner" if command.owner is not None else "due",
                "an amendment must change the owner or the due date (they are already so)",
            )
        previous: dict[str, Any] = {}
        if owner is not None:
            previous.update(owner=action.owner, owner_email=action.owner_email)
        if due is not None:
            previous["due"] = action.due.isoformat()
        self.trigger_event(
            self.ActionAmended,
            action_id=command.action_id,
            owner=owner,
            owner_email=command.owner_email if owner is not None else None,
            due=due,
            previous=previous,
            reason=_required(command.reason, "reason"),
            on=on,
            actor=actor.as_record(),
            timestamp=now,
        )

    def correct(self, command: CorrectItem, *, actor: Actor, now: datetime) -> None:
        self._check_open()
        title, description = command.title, command.description
        new_title = _required(title, "title") if title is not None else None
        new_description = description.strip() if description is not None else None
        if new_title == self.title:
            new_title = None
        if new_description == self.description:
            new_description = None
        if new_title is None and new_description is None:
            field_name = "title" if title is not None else "description"
            raise InvalidField(field_name, "a correction must change the title or the description")
        self.trigger_event(
            self.Corrected,
            title=new_title,
            previous_title=self.title if new_title is not None else None,
            description=new_description,
            previous_description=self.description if new_description is not None else None,
            reason=_required(command.reason, "reason"),
            actor=actor.as_record(),
            timestamp=now,
        )

    def close(
        self,
        command: CloseItem,
        *,
        actor: Actor,
        now: datetime,
        timezone: str = loop.DEFAULT_TIMEZONE,
    ) -> None:
        self._check_open()
        summary = _required(command.summary, "summary")
        override_reason = _optional(command.override_reason)
        if override_reason is not None and not access.may_override_closure(actor):
            raise RuleViolation("only a business manager may close an item by override")
        if override_reason is None:
            self._check_closable()
        after = [] if override_reason is not None else [self._met_evidence_on()]
        on = self._step_date(command.on, now, timezone, after)
        self.trigger_event(
            self.Closed,
            summary=summary,
            override_reason=override_reason,
            on=on,
            actor=actor.as_record(),
            timestamp=now,
        )

    def reopen(
        self,
        command: ReopenItem,
        *,
        actor: Actor,
        now: datetime,
        timezone: str = loop.DEFAULT_TIMEZONE,
    ) -> None:
        if self.is_withdrawn:
            raise RuleViolation("a withdrawn item cannot change")
        if not self.is_closed:
            raise RuleViolation("only a closed item can be reopened")
        on = step_date(command.on, now, timezone, after=[(self.closed_on, "it was closed")])
        self.trigger_event(
            self.Reopened,
            reason=_required(command.reason, "reason"),
            on=on,
            actor=actor.as_record(),
            timestamp=now,
        )

    def withdraw(self, command: Withdraw, *, actor: Actor, now: datetime, timezone: str) -> None:
        if self.is_withdrawn:
            raise RuleViolation(f"the item was withdrawn on {self.withdrawn_on}")
        self.trigger_event(
            self.Withdrawn,
            reason=withdrawal.reason(command.reason),
            withdrawn_on=self._withdrawal_day(command, now, timezone),
            actor=actor.as_record(),
            timestamp=now,
        )

    def withdraw_action(
        self, command: WithdrawAction, *, actor: Actor, now: datetime, timezone: str
    ) -> None:
        self._check_open()
        action = self._action(command.action_id)
        if action.withdrawn:
            raise RuleViolation(f"action '{action.description}' is already withdrawn")
        self.trigger_event(
            self.ActionWithdrawn,
            action_id=action.id,
            reason=withdrawal.reason(command.reason),
            withdrawn_on=self._withdrawal_day(command, now, timezone),
            actor=actor.as_record(),
            timestamp=now,
        )

    def withdraw_measure(
        self, command: WithdrawMeasure, *, actor: Actor, now: datetime, timezone: str
    ) -> None:
        self._check_open()
        measure = self._measure(command.measure_id)
        if measure.withdrawn:
            raise RuleViolation(f"measure '{measure.description}' is already withdrawn")
        self.trigger_event(
            self.MeasureWithdrawn,
            measure_id=measure.id,
            reason=withdrawal.reason(command.reason),
            withdrawn_on=self._withdrawal_day(command, now, timezone),
            actor=actor.as_record(),
            timestamp=now,
        )

    # -- what the state implies ------------------------------------------------------------

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None

    @property
    def open_actions(self) -> list[Action]:
        return [a for a in self.actions.values() if a.is_open]

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def has_met_evidence(self) -> bool:
        """A measure still standing whose latest evidence is `met`, recorded since the item was
        last reopened (a reopened item is not closed again on the evidence it was closed on)."""
        since = self.reopened_at
        return any(
            measure.outcome == loop.MET
            and (since is None or measure.evidence[-1]["recorded_at"] >= since)
            for measure in self.measures.values()
            if not measure.withdrawn
        )

    @property
    def stage(self) -> str:
        standing = (a.status for a in self.actions.values() if not a.withdrawn)
        return loop.stage(self.is_closed, standing)

    def rag(self, today: date) -> str | None:
        """The worst open action's; `closed` once the item is closed, whatever its actions."""
        if self.is_closed:
            return loop.CLOSED
        return loop.item_rag(
            loop.action_rag(a.status, a.due, today)
            for a in self.actions.values()
            if not a.withdrawn
        )

    def _step_date(
        self, given: date | None, now: datetime, timezone: str, after: After = ()
    ) -> date:
        """The day a step on this item happened: not before the need was identified (nor the
        item last reopened), nor before `after`."""
        return step_date(
            given,
            now,
            timezone,
            after=[
                (self.identified_on, "the need was identified"),
                (self.reopened_on, "the item was reopened"),
                *after,
            ],
        )

    def _met_evidence_on(self) -> tuple[date | None, str]:
        """The earliest day on which a measure's latest evidence was `met`: a closure needs
        met evidence gathered by its day."""
        days = [
            m.outcome_on
            for m in self.measures.values()
            if m.outcome == loop.MET and not m.withdrawn
        ]
        return min((d for d in days if d is not None), default=None), "the 'met' evidence"

    def _check_open(self) -> None:
        if self.is_withdrawn:
            raise RuleViolation("a withdrawn item cannot change")
        if self.is_closed:
            raise RuleViolation("a closed item cannot change; reopen it first")

    def _check_closable(self) -> None:
        """`met` evidence (since the last reopening), and every action complete or withdrawn."""
        if not self.has_met_evidence:
            since = " recorded since it was reopened" if self.reopened_at is not None else ""
            raise RuleViolation(
                f"an item closes only when a measure of effectiveness has 'met' evidence{since}"
                " (a business manager may close it with an override_reason)"
            )
        open_actions = self.open_actions
        if open_actions:
            named = "; ".join(f"'{a.description}' ({a.status})" for a in open_actions)
            raise RuleViolation(
                f"an item closes once every action is complete or withdrawn; still open: {named}"
                " (a business manager may close it with an override_reason)"
            )

    def _withdrawal_day(self, command: Withdraw, now: datetime, timezone: str) -> date:
        return withdrawal.day(command.on, now, timezone, self.identified_on, "identification")

    def _open_action(self, action_id: str) -> Action:
        action = self._action(action_id)
        if action.withdrawn:
            raise RuleViolation(f"action '{action.description}' is withdrawn")
        return action

    def _check_rules(self, rules: Subgroup) -> None:
        if rules.slug != self.subgroup:
            raise RuleViolation(
                f"{rules.slug}'s lists cannot decide for an item of {self.subgroup}"
            )

    def _action(self, action_id: str) -> Action:
        if action_id not in self.actions:
            raise UnknownPart("action", action_id)
        return self.actions[action_id]

    def _measure(self, measure_id: str) -> Measure:
        if measure_id not in self.measures:
            raise UnknownPart("measure", measure_id)
        return self.measures[measure_id]


def _action_steps(action: Action) -> list[tuple[date | None, str]]:
    return [
        (action.chosen_on, "the action was chosen"),
        (action.status_on, "its last progress report"),
    ]
