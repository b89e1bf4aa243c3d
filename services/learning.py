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

from domain import access
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
from domain.errors import InvalidField
from domain.framework import Framework
from domain.indicator import Indicator, measure_link
from domain.learning_item import LearningItem
from domain.loop import local_date
from services.change import Clock, Expected, change, forbidden, only
from services.errors import NotFound
from services.event_log import EventLog

T = TypeVar("T")


class LearningItems:
    """The partnership's learning items, one event-sourced aggregate each."""

    def __init__(self, log: EventLog, framework: Framework, clock: Clock) -> None:
        self.log = log
        self.framework = framework
        self.clock = clock

    # -- commands ----------------------------------------------------------------------

    def identify(self, actor: Actor, command: IdentifyNeed) -> UUID:
        item = self.draft(actor, self.clock(), command)
        self.log.record(item)
        return item.id

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

    # -- history -------------------------------------------------------------------------

    def events_until(self, item_id: UUID, moment: datetime) -> list[LearningItem.Event]:
        """The item's events recorded at or before `moment`, oldest first."""
        events = list(self.log.events.get(item_id))
        if not events:
            raise NotFound("learning item", str(item_id))
        return [e for e in events if isinstance(e, LearningItem.Event) and e.timestamp <= moment]

    def today(self) -> date:
        return local_date(self.clock(), self.framework.timezone)

    @property
    def timezone(self) -> str:
        return self.framework.timezone

    # -- the load -> decide -> save cycle --------------------------------------------------

    def draft(self, actor: Actor, now: datetime, command: IdentifyNeed) -> LearningItem:
        """A new, unsaved item, for a command that saves it with another aggregate."""
        self.framework.subgroup(command.subgroup)
        if not access.may_write(actor, command.subgroup):
            raise forbidden(actor, "record learning in", command.subgroup)
        return LearningItem.identify(self.framework, command, actor=actor, now=now)

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
