"""Use cases of the learning loop: load -> decide on the aggregate -> save.

Every command names its actor, checks the actor may act in the item's subgroup, honours the
client's expected version (If-Match) and reports the log position it recorded at, so callers can
wait for the read models to show it (read-your-writes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain import access, reference
from domain.actor import Actor
from domain.commands.learning_item import (
    AmendAction,
    ChooseMeans,
    CloseItem,
    CorrectItem,
    DefineMeasure,
    IdentifyNeed,
    IndicatorTarget,
    RecordEvidence,
    ReopenItem,
    ReportProgress,
)
from domain.commands.withdrawal import Withdraw, WithdrawAction, WithdrawMeasure
from domain.errors import InvalidField
from domain.framework import Framework
from domain.indicator import Indicator, measure_link
from domain.learning_item import LearningItem
from domain.loop import local_date
from services.change import Clock, Expected, change, forbidden, only
from services.errors import NotFound, VersionMismatch
from services.event_log import EventLog
from services.references import REFERENCE_RETRIES, References

T = TypeVar("T")


class LearningItems:
    """The partnership's learning items, one event-sourced aggregate each."""

    def __init__(self, log: EventLog, framework: Framework, clock: Clock) -> None:
        self.log = log
        self.framework = framework
        self.clock = clock
        self.references = References(log)
        self._numbering = self.references.numbering(reference.ITEM, lambda day: day.year)

    # -- commands ----------------------------------------------------------------------

    def identify(self, actor: Actor, command: IdentifyNeed) -> UUID:
        """A new item with the next reference of its year; a reference taken meanwhile by
        another item is a conflict on its claim, decided again with the next number."""
        for _ in range(REFERENCE_RETRIES):
            item = self.draft(actor, self.clock(), command)
            try:
                self.log.record(item)
            except IntegrityError:
                continue  # another item took the reference (its id): the next number
            return item.id
        raise VersionMismatch(0, 0)

    def resolve(self, text: str) -> UUID:
        """The id a URL names, by the item's id or its reference."""
        return self.references.resolve(text, reference.ITEM, "learning item")

    def choose_means(
        self, item_id: UUID, actor: Actor, command: ChooseMeans, expected_version: Expected = None
    ) -> str:
        return self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.choose_means(
                self.framework.subgroup(item.subgroup),
                command,
                actor=actor,
                now=now,
                timezone=self.timezone,
            ),
        )

    def report_progress(
        self,
        item_id: UUID,
        actor: Actor,
        command: ReportProgress,
        expected_version: Expected = None,
    ) -> None:
        self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.report_progress(
                command, actor=actor, now=now, timezone=self.timezone
            ),
        )

    def amend_action(
        self, item_id: UUID, actor: Actor, command: AmendAction, expected_version: Expected = None
    ) -> None:
        self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.amend_action(
                command, actor=actor, now=now, timezone=self.timezone
            ),
        )

    def define_measure(
        self,
        item_id: UUID,
        actor: Actor,
        command: DefineMeasure,
        expected_version: Expected = None,
    ) -> str:
        """A measure's indicator must name a defined indicator (and agency)."""

        def decide(item: LearningItem, now: datetime) -> str:
            linked = replace(command, indicator=self._indicator_target(command.indicator))
            rules = self.framework.subgroup(item.subgroup)
            return item.define_measure(rules, linked, actor=actor, now=now, timezone=self.timezone)

        return self._change(item_id, actor, expected_version, decide)

    def record_evidence(
        self,
        item_id: UUID,
        actor: Actor,
        command: RecordEvidence,
        expected_version: Expected = None,
    ) -> None:
        self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.record_evidence(
                command, actor=actor, now=now, timezone=self.timezone
            ),
        )

    def correct(
        self, item_id: UUID, actor: Actor, command: CorrectItem, expected_version: Expected = None
    ) -> None:
        self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.correct(command, actor=actor, now=now),
        )

    def close_item(
        self, item_id: UUID, actor: Actor, command: CloseItem, expected_version: Expected = None
    ) -> None:
        self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.close(command, actor=actor, now=now, timezone=self.timezone),
            may=access.may_close,
            verb="close items in",
        )

    def reopen_item(
        self, item_id: UUID, actor: Actor, command: ReopenItem, expected_version: Expected = None
    ) -> None:
        self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.reopen(command, actor=actor, now=now, timezone=self.timezone),
            may=access.may_close,
            verb="reopen items in",
        )

    def withdraw_item(
        self, item_id: UUID, actor: Actor, command: Withdraw, expected_version: Expected = None
    ) -> None:
        self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.withdraw(command, actor=actor, now=now, timezone=self.timezone),
            may=access.may_withdraw_item,
            verb="withdraw items in",
        )

    def withdraw_action(
        self,
        item_id: UUID,
        actor: Actor,
        command: WithdrawAction,
        expected_version: Expected = None,
    ) -> None:
        self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.withdraw_action(
                command, actor=actor, now=now, timezone=self.timezone
            ),
        )

    def withdraw_measure(
        self,
        item_id: UUID,
        actor: Actor,
        command: WithdrawMeasure,
        expected_version: Expected = None,
    ) -> None:
        self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.withdraw_measure(
                command, actor=actor, now=now, timezone=self.timezone
            ),
        )

    @property
    def timezone(self) -> str:
        return self.framework.timezone

    # -- history -------------------------------------------------------------------------

    def events_until(self, item_id: UUID, moment: datetime) -> list[LearningItem.Event]:
        """The item's events recorded at or before `moment`, oldest first."""
        events = list(self.log.events.get(item_id))
        if not events:
            raise NotFound("learning item", str(item_id))
        return [e for e in events if isinstance(e, LearningItem.Event) and e.timestamp <= moment]

    def today(self) -> date:
        return local_date(self.clock(), self.framework.timezone)

    # -- the load -> decide -> save cycle --------------------------------------------------

    def draft(self, actor: Actor, now: datetime, command: IdentifyNeed) -> LearningItem:
        """A new, unsaved item with the next reference of its year, for a command that saves
        it with another aggregate."""
        self.framework.subgroup(command.subgroup)
        if not access.may_write(actor, command.subgroup):
            raise forbidden(actor, "record learning in", command.subgroup)
        return LearningItem.identify(
            self.framework, command, actor=actor, now=now, numbering=self._numbering
        )

    def _indicator_target(self, target: IndicatorTarget | None) -> IndicatorTarget | None:
        """The target with the indicator's code as it was defined, once the indicator (and the
        agency, when named) are found."""
        if target is None:
            return None
        code = measure_link(target)["code"]
        try:
            indicator = self.log.load(Indicator.id_for(code), Indicator, "indicator")
        except NotFound:
            raise InvalidField("indicator.code", f"no indicator '{code}'") from None
        if target.agency is not None:
            self.framework.agency(target.agency.strip(), "indicator.agency")
        return replace(target, code=indicator.code)

    def _change(
        self,
        item_id: UUID,
        actor: Actor,
        expected_version: Expected,
        decide: Callable[[LearningItem, datetime], T],
        may: Callable[[Actor, str], bool] = access.may_write,
        verb: str = "change learning in",
    ) -> T:
        def allow(item: LearningItem) -> None:
            if not may(actor, item.subgroup):
                raise forbidden(actor, verb, item.subgroup)

        return change(
            self.log,
            self.clock,
            lambda: self.log.load(item_id, LearningItem, "learning item"),
            expected_version,
            lambda item, now: only(decide(item, now)),
            allow,
        )
