"""Use cases of case reviews: load -> decide on the review -> save.

Writing to a review is the business manager's, or a contributor's or chair's in the framework's
case review subgroup. Extracting learning also needs write access to the subgroup the learning
goes to; the new learning item and the review's link to it are saved in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain import access, reference
from domain.actor import Actor
from domain.case_review import CaseReview
from domain.commands.case_review import (
    AgreeBoardResponse,
    AssessCriteria,
    ChooseMethodology,
    DecideReview,
    LinkLearning,
    NotifyReview,
    PublishReview,
    ReachMilestone,
    ReceiveFinalReport,
    RecordInvolvement,
)
from domain.commands.corrections import CorrectReviewStep
from domain.commands.learning_item import IdentifyNeed
from domain.commands.withdrawal import Withdraw
from domain.errors import InvalidField, RuleViolation
from domain.framework import CaseReviewRules, Framework
from domain.learning_item import LearningItem
from domain.loop import local_date
from domain.reference import CASE_REFERENCE_CLAIM, Claim, claim_id
from services.change import Clock, Expected, change, forbidden
from services.errors import Forbidden, NotFound, VersionMismatch
from services.event_log import EventLog
from services.learning import LearningItems
from services.references import REFERENCE_RETRIES, References

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
        self.references = References(log)
        self._numbering = self.references.numbering(reference.REVIEW, lambda day: day.year)

    @property
    def rules(self) -> CaseReviewRules:
        if self.framework.case_reviews is None:
            raise CaseReviewsNotConfigured()
        return self.framework.case_reviews

    # -- commands ----------------------------------------------------------------------

    def notify(self, actor: Actor, command: NotifyReview) -> UUID:
        """A review with the next reference of its year, holding its case reference: a case
        reference another review holds is refused, naming that review."""
        self._allow(actor)
        for _ in range(REFERENCE_RETRIES):
            now = self.clock()
            review = CaseReview.notify(
                self.framework, command, actor=actor, now=now, numbering=self._numbering
            )
            claim = self._case_reference_claim(review, actor, now)
            try:
                self.log.record(review, claim)
            except IntegrityError:
                continue  # another review took the reference or the case reference: again
            return review.id
        raise VersionMismatch(0, 0)

    def resolve(self, text: str) -> UUID:
        """The id a URL names, by the review's id or its reference."""
        return self.references.resolve(text, reference.REVIEW, "case review")

    def _case_reference_claim(self, review: CaseReview, actor: Actor, now: datetime) -> Claim:
        key = review.case_reference
        try:
            claim = self.log.load(claim_id(CASE_REFERENCE_CLAIM, key), Claim, "claim")
        except NotFound:
            return Claim.claim(
                CASE_REFERENCE_CLAIM,
                key,
                review.id,
                holder_reference=review.reference,
                actor=actor,
                now=now,
            )
        if claim.is_held:
            raise RuleViolation(
                f"case reference {key} is already in use by case review"
                f" {claim.holder_reference or claim.holder_id}; withdraw that review first if"
                " it was opened by mistake"
            )
        claim.reclaim(review.id, review.reference, actor=actor, now=now)
        return claim

    def assess_criteria(
        self,
        review_id: UUID,
        actor: Actor,
        command: AssessCriteria,
        expected_version: Expected = None,
    ) -> str:
        return self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.assess_criteria(
                self.rules, command, actor=actor, now=now, timezone=self.timezone
            ),
        )

    def decide(
        self,
        review_id: UUID,
        actor: Actor,
        command: DecideReview,
        expected_version: Expected = None,
    ) -> None:
        self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.decide(
                self.rules, command, actor=actor, now=now, timezone=self.timezone
            ),
        )

    def choose_methodology(
        self,
        review_id: UUID,
        actor: Actor,
        command: ChooseMethodology,
        expected_version: Expected = None,
    ) -> None:
        self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.choose_methodology(
                self.rules, command, actor=actor, now=now, timezone=self.timezone
            ),
        )

    def record_involvement(
        self,
        review_id: UUID,
        actor: Actor,
        command: RecordInvolvement,
        expected_version: Expected = None,
    ) -> None:
        self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.record_involvement(
                command, actor=actor, now=now, timezone=self.timezone
            ),
        )

    def receive_final_report(
        self,
        review_id: UUID,
        actor: Actor,
        command: ReceiveFinalReport,
        expected_version: Expected = None,
    ) -> None:
        self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.receive_final_report(
                command, actor=actor, now=now, timezone=self.timezone
            ),
        )

    def agree_board_response(
        self,
        review_id: UUID,
        actor: Actor,
        command: AgreeBoardResponse,
        expected_version: Expected = None,
    ) -> None:
        self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.agree_board_response(
                command, actor=actor, now=now, timezone=self.timezone
            ),
        )

    def publish(
        self,
        review_id: UUID,
        actor: Actor,
        command: PublishReview,
        expected_version: Expected = None,
    ) -> None:
        self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.publish(
                self.rules, command, actor=actor, now=now, timezone=self.timezone
            ),
        )

    def reach_milestone(
        self,
        review_id: UUID,
        actor: Actor,
        command: ReachMilestone,
        expected_version: Expected = None,
    ) -> None:
        self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.reach_milestone(
                self.rules, command, actor=actor, now=now, timezone=self.timezone
            ),
        )

    def extract_learning(
        self,
        review_id: UUID,
        actor: Actor,
        command: IdentifyNeed,
        expected_version: Expected = None,
    ) -> UUID:
        """A learning item whose source is this review, linked from the review; both saved
        together or neither."""
        if command.source_reference not in (None, str(review_id)):
            raise InvalidField("source.reference", "learning from a review names that review")

        def decide(review: CaseReview, now: datetime) -> LearningItem:
            sourced = replace(command, source_reference=str(review.id))
            item = self.learning.draft(actor, now, sourced)
            link = LinkLearning(item_id=str(item.id), subgroup=command.subgroup)
            review.link_learning(link, actor=actor, now=now)
            return item

        item = self._change(review_id, actor, expected_version, decide, also=lambda i: (i,))
        return item.id

    def withdraw(
        self, review_id: UUID, actor: Actor, command: Withdraw, expected_version: Expected = None
    ) -> None:
        """A withdrawn review frees its case reference for another review (saved together)."""

        def decide(review: CaseReview, now: datetime) -> tuple[Aggregate, ...]:
            review.withdraw(command, actor=actor, now=now, timezone=self.timezone)
            try:
                key = claim_id(CASE_REFERENCE_CLAIM, review.case_reference)
                claim = self.log.load(key, Claim, "claim")
            except NotFound:
                return ()  # a review notified before case references were claimed
            if claim.holder_id != str(review.id):
                return ()
            claim.release("the review was withdrawn", actor=actor, now=now)
            return (claim,)

        self._change(review_id, actor, expected_version, decide, also=lambda claims: claims)

    def correct_step(
        self,
        review_id: UUID,
        actor: Actor,
        command: CorrectReviewStep,
        expected_version: Expected = None,
    ) -> None:
        self._change(
            review_id,
            actor,
            expected_version,
            lambda review, now: review.correct_step(
                self.rules, command, actor=actor, now=now, timezone=self.timezone
            ),
        )

    # -- history -------------------------------------------------------------------------

    def events_until(self, review_id: UUID, moment: datetime) -> list[CaseReview.Event]:
        """The review's events recorded at or before `moment`, oldest first."""
        self._load(review_id)
        events = self.log.events.get(review_id)
        return [e for e in events if isinstance(e, CaseReview.Event) and e.timestamp <= moment]

    def today(self) -> date:
        return local_date(self.clock(), self.framework.timezone)

    # -- the load -> decide -> save cycle --------------------------------------------------

    @property
    def timezone(self) -> str:
        return self.framework.timezone

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
