"""Use cases of the audit programme: plan, record findings (and the learning they identify),
complete.

Only the business manager, or a contributor or chair of the subgroup the framework gives audits
to, runs audits. A multi-agency case audit is saved together with its reporting year's programme,
so the yearly limit holds when two requests race: the loser's programme version conflicts and it
decides again. A finding that identifies learning is saved with its new learning item, both or
neither.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain import access, reference
from domain.actor import Actor
from domain.audit import Audit, AuditProgramme
from domain.commands.audit import CompleteAudit, PlanAudit, RecordFinding, ScheduleCaseAudit
from domain.commands.corrections import CorrectAudit
from domain.commands.learning_item import IdentifyNeed
from domain.commands.withdrawal import Withdraw
from domain.errors import InvalidField
from domain.framework import AuditRules, Framework
from domain.learning_item import LearningItem
from domain.reporting_year import reporting_year
from services.change import RETRIES, Clock, Expected, change, forbidden
from services.errors import Forbidden, NotFound, VersionMismatch
from services.event_log import EventLog
from services.learning import LearningItems

T = TypeVar("T")


class Audits:
    """The partnership's audits, one event-sourced aggregate each, over the one event log."""

    def __init__(
        self,
        log: EventLog,
        framework: Framework,
        clock: Clock,
        learning: LearningItems | None = None,
    ) -> None:
        self.log = log
        self.framework = framework
        self.clock = clock
        self.learning = learning or LearningItems(log, framework, clock)
        self.references = self.learning.references
        self._numbering = self.references.numbering(reference.AUDIT, reporting_year)

    # -- commands ----------------------------------------------------------------------

    def plan(self, actor: Actor, command: PlanAudit) -> UUID:
        rules = self._allow(actor)
        if command.prompted_by is not None and command.prompted_by.strip():
            command = replace(command, prompted_by=self._case_review_id(command.prompted_by))
        follow_up_of = command.follow_up_of
        original = self._original(follow_up_of) if follow_up_of is not None else None
        for _ in range(RETRIES):
            now = self.clock()
            audit = Audit.plan(
                self.framework,
                command,
                actor=actor,
                now=now,
                follow_up_of=original,
                numbering=self._numbering,
            )
            if not audit.is_case_audit:
                try:
                    self.log.record(audit)
                except IntegrityError:
                    continue  # another audit took the reference: decide again
                return audit.id
            programme = self._programme(audit.reporting_year, actor, now)
            place = ScheduleCaseAudit(audit_id=str(audit.id), override_reason=audit.override_reason)
            programme.schedule(
                place, limit=rules.multi_agency_case_audits_per_year, actor=actor, now=now
            )
            try:
                self.log.record(audit, programme)
            except IntegrityError:
                continue  # another audit took a place or the reference: decide again
            return audit.id
        if not audit.is_case_audit:
            raise VersionMismatch(0, 0)
        current = self._programme(audit.reporting_year, actor, now)
        raise VersionMismatch(programme.version, current.version)

    def resolve(self, text: str) -> UUID:
        """The id a URL names, by the audit's id or its reference."""
        return self.references.resolve(text, reference.AUDIT, "audit")

    def record_finding(
        self,
        audit_id: UUID,
        actor: Actor,
        command: RecordFinding,
        expected_version: Expected = None,
    ) -> tuple[str, UUID | None]:
        """Records a finding; with `learning` also identifies that learning item, its source
        reference the audit's id unless the command names one, identified on the day of the
        finding unless it names its own."""
        timezone = self.framework.timezone

        def decide(audit: Audit, now: datetime) -> tuple[tuple[str, UUID | None], list[Aggregate]]:
            learning = command.learning
            if learning is not None and learning.on is None:
                learning = replace(learning, on=audit.finding_date(command.on, now, timezone))
            item = self._identify(audit, actor, learning, now) if learning is not None else None
            item_id = item.id if item is not None else None
            finding_id = audit.record_finding(
                command, actor=actor, now=now, learning_item_id=item_id, timezone=timezone
            )
            return (finding_id, item_id), [item] if item is not None else []

        return self._change(audit_id, actor, expected_version, decide)

    def complete(
        self,
        audit_id: UUID,
        actor: Actor,
        command: CompleteAudit,
        expected_version: Expected = None,
    ) -> None:
        def decide(audit: Audit, now: datetime) -> tuple[None, list[Aggregate]]:
            audit.complete(command, actor=actor, now=now, timezone=self.framework.timezone)
            return None, []

        self._change(audit_id, actor, expected_version, decide)

    def withdraw(
        self, audit_id: UUID, actor: Actor, command: Withdraw, expected_version: Expected = None
    ) -> None:
        """A withdrawn case audit frees its place in its year's programme (saved together)."""

        def decide(audit: Audit, now: datetime) -> tuple[None, list[Aggregate]]:
            audit.withdraw(command, actor=actor, now=now, timezone=self.framework.timezone)
            if not audit.is_case_audit:
                return None, []
            programme = self._programme(audit.reporting_year, actor, now)
            programme.release(str(audit.id), "withdrawn", actor=actor, now=now)
            return None, [programme]

        self._change(audit_id, actor, expected_version, decide)

    def correct(
        self,
        audit_id: UUID,
        actor: Actor,
        command: CorrectAudit,
        expected_version: Expected = None,
    ) -> None:
        """A correction that makes a case audit another kind, or moves it to another reporting
        year, frees its place; one that makes it a case audit, or moves it into a year, takes a
        place there (beyond the year's limit only with an override reason)."""
        rules = self._allow(actor)

        def decide(audit: Audit, now: datetime) -> tuple[None, list[Aggregate]]:
            was = (audit.is_case_audit, audit.reporting_year)
            audit.correct(self.framework, command, actor=actor, now=now)
            becomes = (audit.is_case_audit, audit.reporting_year)
            if was == becomes or not (was[0] or becomes[0]):
                return None, []
            changed: list[Aggregate] = []
            if was[0]:
                old = self._programme(was[1], actor, now)
                old.release(str(audit.id), "corrected", actor=actor, now=now)
                changed.append(old)
            if becomes[0]:
                new = self._programme(becomes[1], actor, now)
                place = ScheduleCaseAudit(
                    audit_id=str(audit.id), override_reason=command.override_reason
                )
                limit = rules.multi_agency_case_audits_per_year
                new.schedule(place, limit=limit, actor=actor, now=now)
                changed.append(new)
            return None, changed

        self._change(audit_id, actor, expected_version, decide)

    def get(self, audit_id: UUID) -> Audit:
        return self.log.load(audit_id, Audit, "audit")

    # -- the load -> decide -> save cycle --------------------------------------------------

    def _change(
        self,
        audit_id: UUID,
        actor: Actor,
        expected_version: Expected,
        decide: Callable[[Audit, datetime], tuple[T, list[Aggregate]]],
    ) -> T:
        self._allow(actor)
        return change(self.log, self.clock, lambda: self.get(audit_id), expected_version, decide)

    def _identify(
        self, audit: Audit, actor: Actor, learning: IdentifyNeed, now: datetime
    ) -> LearningItem:
        sourced = replace(learning, source_reference=learning.source_reference or str(audit.id))
        try:
            return self.learning.draft(actor, now, sourced)
        except InvalidField as error:
            raise InvalidField(f"learning.{error.field}", error.message) from None

    # -- lookups -------------------------------------------------------------------------

    def _allow(self, actor: Actor) -> AuditRules:
        rules = self.framework.audits
        if rules is None:
            raise Forbidden("the framework names no subgroup that runs audits")
        if not access.may_write(actor, rules.subgroup):
            raise forbidden(actor, "run audits for", rules.subgroup)
        return rules

    def _programme(self, year: int, actor: Actor, now: datetime) -> AuditProgramme:
        try:
            return self.log.load(AuditProgramme.id_for(year), AuditProgramme, "audit programme")
        except NotFound:
            return AuditProgramme.open(year, actor=actor, now=now)

    def _original(self, follow_up_of: str) -> Audit:
        try:
            return self.get(_uuid(follow_up_of, "follow_up_of"))
        except NotFound:
            raise InvalidField("follow_up_of", f"no audit '{follow_up_of}'") from None

    def _case_review_id(self, prompted_by: str) -> str:
        review_id = _uuid(prompted_by, "prompted_by")
        review: object
        try:
            review = self.log.repository.get(review_id)
        except AggregateNotFoundError:
            review = None
        # Named, not imported: the case-review aggregate lives in its own area.
        if type(review).__name__ != "CaseReview":
            raise InvalidField("prompted_by", f"no case review '{prompted_by}'")
        return str(review_id)


def _uuid(value: str, field: str) -> UUID:
    try:
        return UUID(value.strip())
    except ValueError:
        raise InvalidField(field, f"'{value}' is not an id") from None
