"""Use cases of case reviews: load -> decide on the review -> save.

Writing to a review is the business manager's, or a contributor's or chair's in the framework's
case review subgroup. Extracting learning also needs write access to the subgroup the learning
goes to; the new learning item and the review's link to it are saved in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEventProtocol

from domain import access
from domain.actor import Actor
from domain.case_review import CaseReview
from domain.errors import InvalidField
from domain.framework import CaseReviewRules, Framework
from domain.learning_item import LearningItem
from domain.loop import local_date
from services.commands import Clock, Expected, change, forbidden
from services.errors import Forbidden
from services.event_log import EventLog
from services.learning import LearningItems

T = TypeVar("T")
Decide = Callable[[CaseReview, datetime], T]


class CaseReviewsNotConfigured(Forbidden):
    """The partnership's framework has no [case_reviews] section: no one writes case reviews
    (a Forbidden, as services/audits.py answers a framework without audit rules)."""

    def __init__(self) -> None:
        super().__init__("the framework has no case review rules ([case_reviews])")


class CaseReviews:
    """The partnership's case reviews, one event-sourced aggregate each."""

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

    @property
    def rules(self) -> CaseReviewRules:
        if self.framework.case_reviews is None:
            raise CaseReviewsNotConfigured()
        return self.framework.case_reviews

    # -- commands ----------------------------------------------------------------------

    def notify(self, actor: Actor, **fields: Any) -> UUID:
        self._allow(actor)
        review = CaseReview.notify(self.framework, actor=actor, now=self.clock(), **fields)
        self.log.record(review)
        return review.id

    def assess_criteria(
        self, review_id: UUID, actor: Actor, expected_version: Expected = None, **fields: Any
    ) -> str:
        return self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.assess_criteria(
                self.rules, **self._at(actor, now), **fields
            ),
        )

    def decide(
        self, review_id: UUID, actor: Actor, expected_version: Expected = None, **fields: Any
    ) -> None:
        self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.decide(self.rules, **self._at(actor, now), **fields),
        )

    def choose_methodology(
        self, review_id: UUID, actor: Actor, expected_version: Expected = None, **fields: Any
    ) -> None:
        self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.choose_methodology(
                self.rules, **self._at(actor, now), **fields
            ),
        )

    def record_involvement(
        self, review_id: UUID, actor: Actor, expected_version: Expected = None, **fields: Any
    ) -> None:
        self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.record_involvement(actor=actor, now=now, **fields),
        )

    def receive_final_report(
        self, review_id: UUID, actor: Actor, expected_version: Expected = None, **fields: Any
    ) -> None:
        self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.receive_final_report(**self._at(actor, now), **fields),
        )

    def agree_board_response(
        self, review_id: UUID, actor: Actor, expected_version: Expected = None, **fields: Any
    ) -> None:
        self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.agree_board_response(**self._at(actor, now), **fields),
        )

    def publish(
        self, review_id: UUID, actor: Actor, expected_version: Expected = None, **fields: Any
    ) -> None:
        self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.publish(self.rules, **self._at(actor, now), **fields),
        )

    def reach_milestone(
        self, review_id: UUID, actor: Actor, expected_version: Expected = None, **fields: Any
    ) -> None:
        self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.reach_milestone(
                self.rules, **self._at(actor, now), **fields
            ),
        )

    def extract_learning(
        self,
        review_id: UUID,
        actor: Actor,
        expected_version: Expected = None,
        *,
        subgroup: str,
        source_reference: str | None = None,
        themes: list[str] | tuple[str, ...] = (),
        **fields: Any,
    ) -> UUID:
        """A learning item in `subgroup` whose source is this review, linked from the review;
        both saved together or neither."""
        if source_reference not in (None, str(review_id)):
            raise InvalidField("source.reference", "learning from a review names that review")

        def decide(review: CaseReview, now: datetime) -> LearningItem:
            item = self.learning.draft(
                actor,
                now,
                subgroup=subgroup,
                source_reference=str(review.id),
                themes=list(themes),
                **fields,
            )
            review.link_learning(item_id=str(item.id), subgroup=subgroup, actor=actor, now=now)
            return item

        item = self._change(review_id, actor, expected_version, decide, also=lambda i: (i,))
        return item.id

    # -- history -------------------------------------------------------------------------

    def events_until(self, review_id: UUID, moment: datetime) -> list[DomainEventProtocol[UUID]]:
        """The review's events recorded at or before `moment`, oldest first."""
        self._load(review_id)
        return [e for e in self.log.events.get(review_id) if e.timestamp <= moment]

    def today(self) -> date:
        return local_date(self.clock(), self.framework.timezone)

    # -- the load -> decide -> save cycle --------------------------------------------------

    def _at(self, actor: Actor, now: datetime) -> dict[str, Any]:
        return {"actor": actor, "now": now, "timezone": self.framework.timezone}

    def _change(
        self,
        review_id: UUID,
        actor: Actor,
        expected_version: Expected,
        decide: Decide[T],
        also: Callable[[T], tuple[Aggregate, ...]] = lambda result: (),
    ) -> T:
        """Decides on the current review and saves it, with any aggregates `also` names from
        the result, atomically."""

        def decide_and_name(review: CaseReview, now: datetime) -> tuple[T, tuple[Aggregate, ...]]:
            result = decide(review, now)
            return result, also(result)

        return change(
            self.log,
            self.clock,
            lambda: self._load(review_id),
            expected_version,
            decide_and_name,
            lambda review: self._allow(actor),
        )

    def _load(self, review_id: UUID) -> CaseReview:
        return self.log.load(review_id, CaseReview, "case review")

    def _allow(self, actor: Actor) -> None:
        subgroup = self.rules.subgroup
        if not access.may_write(actor, subgroup):
            raise forbidden(actor, "change case reviews in", subgroup)
