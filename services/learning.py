"""Use cases of the learning loop: load -> decide on the aggregate -> save.

Every command names its actor, checks the actor may act in the item's subgroup, honours the
client's expected version (If-Match) and reports the log position it recorded at, so callers can
wait for the read models to show it (read-your-writes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from domain import access
from domain.actor import Actor
from domain.errors import InvalidField
from domain.framework import Framework
from domain.indicator import Indicator, measure_link
from domain.learning_item import LearningItem
from domain.loop import local_date
from services.commands import Clock, Expected, change, forbidden, only
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

    def identify(
        self,
        actor: Actor,
        *,
        subgroup: str,
        title: str,
        description: str,
        source_kind: str,
        source_reference: str | None = None,
        themes: Sequence[str] = (),
    ) -> UUID:
        item = self.draft(
            actor,
            self.clock(),
            subgroup=subgroup,
            title=title,
            description=description,
            source_kind=source_kind,
            source_reference=source_reference,
            themes=list(themes),
        )
        self.log.record(item)
        return item.id

    def choose_means(
        self, item_id: UUID, actor: Actor, expected_version: Expected = None, **fields: Any
    ) -> str:
        return self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.choose_means(
                self.framework.subgroup(item.subgroup), actor=actor, now=now, **fields
            ),
        )

    def report_progress(
        self,
        item_id: UUID,
        action_id: str,
        actor: Actor,
        expected_version: Expected = None,
        **fields: Any,
    ) -> None:
        self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.report_progress(action_id, actor=actor, now=now, **fields),
        )

    def amend_action(
        self,
        item_id: UUID,
        action_id: str,
        actor: Actor,
        expected_version: Expected = None,
        **fields: Any,
    ) -> None:
        self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.amend_action(action_id, actor=actor, now=now, **fields),
        )

    def define_measure(
        self,
        item_id: UUID,
        actor: Actor,
        expected_version: Expected = None,
        indicator: dict[str, Any] | None = None,
        **fields: Any,
    ) -> str:
        """`indicator` ({code, target[, agency]}) must name a defined indicator (and agency)."""
        return self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.define_measure(
                self.framework.subgroup(item.subgroup),
                actor=actor,
                now=now,
                indicator=self._indicator_link(indicator),
                **fields,
            ),
        )

    def record_evidence(
        self,
        item_id: UUID,
        measure_id: str,
        actor: Actor,
        expected_version: Expected = None,
        **fields: Any,
    ) -> None:
        self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.record_evidence(measure_id, actor=actor, now=now, **fields),
        )

    def correct(
        self, item_id: UUID, actor: Actor, expected_version: Expected = None, **fields: Any
    ) -> None:
        self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.correct(actor=actor, now=now, **fields),
        )

    def close_item(
        self, item_id: UUID, actor: Actor, expected_version: Expected = None, **fields: Any
    ) -> None:
        self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.close(actor=actor, now=now, **fields),
            may=access.may_close,
            verb="close items in",
        )

    def reopen_item(
        self, item_id: UUID, actor: Actor, expected_version: Expected = None, **fields: Any
    ) -> None:
        self._change(
            item_id,
            actor,
            expected_version,
            lambda item, now: item.reopen(actor=actor, now=now, **fields),
            may=access.may_close,
            verb="reopen items in",
        )

    # -- history -------------------------------------------------------------------------

    def events_until(self, item_id: UUID, moment: datetime) -> list[DomainEventProtocol[UUID]]:
        """The item's events recorded at or before `moment`, oldest first."""
        events = list(self.log.events.get(item_id))
        if not events:
            raise NotFound("learning item", str(item_id))
        return [e for e in events if e.timestamp <= moment]

    def today(self) -> date:
        return local_date(self.clock(), self.framework.timezone)

    # -- the load -> decide -> save cycle --------------------------------------------------

    def draft(self, actor: Actor, now: datetime, *, subgroup: str, **fields: Any) -> LearningItem:
        """A new, unsaved item, for a command that saves it with another aggregate."""
        self.framework.subgroup(subgroup)
        if not access.may_write(actor, subgroup):
            raise forbidden(actor, "record learning in", subgroup)
        return LearningItem.identify(
            self.framework, subgroup=subgroup, actor=actor, now=now, **fields
        )

    def _indicator_link(self, raw: dict[str, Any] | None) -> dict[str, Any] | None:
        if raw is None:
            return None
        link = measure_link(raw)
        try:
            indicator = self.log.load(Indicator.id_for(link["code"]), Indicator, "indicator")
        except NotFound:
            raise InvalidField("indicator.code", f"no indicator '{link['code']}'") from None
        if "agency" in link:
            self.framework.agency(link["agency"], "indicator.agency")
        return {**link, "code": indicator.code}

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
