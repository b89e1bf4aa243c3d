"""A case review: from the notification of a serious incident to the published report.

A review is notified, its criteria assessed (what the statutory test requires), decided (the type
of review, or `no_review`, which completes it), run by a methodology and a lead reviewer, involves
practitioners, the family and the child, and ends with the final report, the Board's response and
publication. Learning drawn from it becomes learning items, which the review lists. Learning
reviews below the threshold are the same aggregate decided as `learning_review`.

Commands decide (the framework's `CaseReviewRules` against current state) and trigger events;
events only evolve. Time arrives as `now`; local dates are `now` in the framework's `timezone`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, get_args

from eventsourcing.domain import Aggregate

from domain import criteria as statutory
from domain import loop, withdrawal
from domain.actor import Actor
from domain.commands.case_review import (
    AgreeBoardResponse,
    AssessCriteria,
    ChooseMethodology,
    DecideReview,
    InvolvementStatus,
    LinkLearning,
    NotifyReview,
    Party,
    PublishReview,
    ReachMilestone,
    ReceiveFinalReport,
    RecordInvolvement,
)
from domain.commands.corrections import CorrectReviewStep
from domain.commands.withdrawal import Withdraw
from domain.dates import recorded_day, step_date
from domain.errors import InvalidField, RuleViolation
from domain.framework import STEPS, CaseReviewRules, Framework
from domain.reference import Numbering, Referenced, record_id

NO_REVIEW = "no_review"
PARTIES: tuple[Party, ...] = get_args(Party)
INVOLVEMENT_STATUSES: tuple[InvolvementStatus, ...] = get_args(InvolvementStatus)
STATUSES = (
    "notified",
    "criteria_assessed",
    "decided",
    "in_review",
    "report_received",
    "response_agreed",
    "published",
    "closed",
    "withdrawn",
)

_CASE_REFERENCE = re.compile(r"[A-Za-z0-9/-]{1,100}")
_URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class Decision:
    review_type: str
    rationale: str
    departure_reason: str | None
    departure: bool
    decided_on: date


@dataclass(frozen=True)
class Methodology:
    method: str
    lead_reviewer: str
    lead_reviewer_independent: bool
    chosen_on: date


@dataclass(frozen=True)
class Document:
    """The final report, or the Board's response to it: the date it was received or agreed."""

    on: date
    summary: str


@dataclass(frozen=True)
class Publication:
    published_on: date
    url: str


@dataclass(frozen=True)
class LearningLink:
    item_id: str
    subgroup: str


def clock_rag(due: date, today: date) -> str:
    """A clock not yet met: red once its due date has passed, otherwise green."""
    return loop.RED if due < today else loop.GREEN


class CaseReview(Referenced, Aggregate):
    class Event(Aggregate.Event):
        actor: dict[str, str]

    class Notified(Event, Aggregate.Created):
        """Version 2 adds `reference`; version 1 events load with none."""

        class_version = 2
        reference: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["reference"] = None  # recorded before references: assigned by an upgrade

        case_reference: str
        notified_on: date
        notifying_agency: str
        summary: str

    class ReferenceAssigned(Event):
        """A reference given to a record created before references were (ADR 0045)."""

        reference: str

        def apply(self, record: Any) -> None:
            record.reference = self.reference

    class CriteriaAssessed(Event):
        criteria: str
        abuse_or_neglect_known_or_suspected: bool
        child_died: bool
        child_seriously_harmed: bool
        concern_about_joint_working: bool
        died_in_custody_or_detained: bool
        outcome: str
        required: str
        assessed_on: date

        def apply(self, review: CaseReview) -> None:
            review.facts = {name: getattr(self, name) for name in statutory.FACTS}
            review.outcome = self.outcome
            review.required = self.required
            review.steps.setdefault("criteria_assessed", self.assessed_on)

    class Decided(Event):
        review_type: str
        rationale: str
        departure_reason: str | None
        departure: bool
        decided_on: date

        def apply(self, review: CaseReview) -> None:
            review.decision = Decision(
                self.review_type,
                self.rationale,
                self.departure_reason,
                self.departure,
                self.decided_on,
            )
            review.steps["decided"] = self.decided_on

    class MethodologyChosen(Event):
        method: str
        lead_reviewer: str
        lead_reviewer_independent: bool
        chosen_on: date

        def apply(self, review: CaseReview) -> None:
            review.methodology = Methodology(
                self.method, self.lead_reviewer, self.lead_reviewer_independent, self.chosen_on
            )
            review.steps.setdefault("methodology_chosen", self.chosen_on)

    class InvolvementRecorded(Event):
        """Version 2 adds `on`: version 1 events load as happening on the day recorded."""

        class_version = 2

        party: str
        status: str
        note: str
        on: date

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            recorded_day(state)

        def apply(self, review: CaseReview) -> None:
            review.involvement[self.party] = self.status

    class FinalReportReceived(Event):
        received_on: date
        summary: str

        def apply(self, review: CaseReview) -> None:
            review.final_report = Document(self.received_on, self.summary)
            review.steps["final_report_received"] = self.received_on

    class BoardResponseAgreed(Event):
        agreed_on: date
        summary: str

        def apply(self, review: CaseReview) -> None:
            review.board_response = Document(self.agreed_on, self.summary)
            review.steps["board_response_agreed"] = self.agreed_on

    class Published(Event):
        published_on: date
        url: str

        def apply(self, review: CaseReview) -> None:
            review.publication = Publication(self.published_on, self.url)
            review.steps["published"] = self.published_on

    class MilestoneReached(Event):
        milestone: str
        reached_on: date

        def apply(self, review: CaseReview) -> None:
            review.milestones[self.milestone] = self.reached_on

    class LearningLinked(Event):
        item_id: str
        subgroup: str

        def apply(self, review: CaseReview) -> None:
            review.learning.append(LearningLink(self.item_id, self.subgroup))

    class Withdrawn(Event):
        """Opened by mistake (the same case twice, say): the review keeps its history, leaves
        boards, counts and clocks, and frees its case reference."""

        reason: str
        withdrawn_on: date

        def apply(self, review: CaseReview) -> None:
            review.withdrawn_on = self.withdrawn_on

    class StepCorrected(Event):
        """A step's date, or the facts the criteria were assessed on, put right; the values
        replaced are kept (`previous_on`, `previous_criteria`)."""

        step: str
        happened_on: date | None
        previous_on: date | None
        criteria: dict[str, bool] | None
        previous_criteria: dict[str, bool] | None
        outcome: str | None
        required: str | None
        departure: bool | None
        reason: str
        corrected_on: date | None

        class_version = 2  # adds corrected_on (the day the correction was made)

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["corrected_on"] = None

        def apply(self, review: CaseReview) -> None:
            if self.criteria is not None:
                review.facts = dict(self.criteria)
                review.outcome = self.outcome
                review.required = self.required
                if review.decision is not None and self.departure is not None:
                    review.decision = replace(review.decision, departure=self.departure)
            if self.happened_on is not None:
                review.move_step(self.step, self.happened_on)

    def __init__(
        self,
        actor: dict[str, str],
        case_reference: str,
        notified_on: date,
        notifying_agency: str,
        summary: str,
        reference: str | None,
    ) -> None:
        self.reference = reference
        self.case_reference = case_reference
        self.notified_on = notified_on
        self.notifying_agency = notifying_agency
        self.summary = summary
        self.facts: dict[str, bool] | None = None
        self.outcome: str | None = None
        self.required: str | None = None
        self.decision: Decision | None = None
        self.methodology: Methodology | None = None
        self.involvement: dict[str, str] = {}
        self.final_report: Document | None = None
        self.board_response: Document | None = None
        self.publication: Publication | None = None
        self.milestones: dict[str, date] = {}
        self.learning: list[LearningLink] = []
        self.steps: dict[str, date] = {"notified": notified_on}
        self.withdrawn_on: date | None = None

    # -- decisions -------------------------------------------------------------------------

    @classmethod
    def notify(
        cls,
        framework: Framework,
        command: NotifyReview,
        *,
        actor: Actor,
        now: datetime,
        numbering: Numbering | None = None,
    ) -> CaseReview:
        """`numbering` gives the reference for the day the review was notified."""
        if not _CASE_REFERENCE.fullmatch(command.case_reference):
            raise InvalidField(
                "case_reference",
                "a reference, never a name: letters, digits, '-' and '/' only, at most 100",
            )
        agency = framework.agency(command.notifying_agency, "notifying_agency")
        _not_future(command.notified_on, loop.local_date(now, framework.timezone), "notified_on")
        reference = numbering(command.notified_on) if numbering is not None else None
        return cls._create(
            cls.Notified,
            actor=actor.as_record(),
            case_reference=command.case_reference,
            notified_on=command.notified_on,
            notifying_agency=agency.slug,
            summary=_required(command.summary, "summary"),
            reference=reference,
            id=record_id(reference),
            timestamp=now,
        )

    def assess_criteria(
        self,
        rules: CaseReviewRules,
        command: AssessCriteria,
        *,
        actor: Actor,
        now: datetime,
        timezone: str,
    ) -> str:
        """Records the five facts and what they require; answers the requirement's name."""
        self._check_standing()
        if self.decision is not None:
            raise RuleViolation("the criteria cannot be reassessed once the review is decided")
        assessed_on = step_date(
            command.on, now, timezone, after=[(self.notified_on, "the review was notified")]
        )
        outcome = statutory.assess(
            rules.criteria,
            abuse_or_neglect_known_or_suspected=command.abuse_or_neglect_known_or_suspected,
            child_died=command.child_died,
            child_seriously_harmed=command.child_seriously_harmed,
            concern_about_joint_working=command.concern_about_joint_working,
            died_in_custody_or_detained=command.died_in_custody_or_detained,
        )
        required = rules.required_name if outcome == statutory.REQUIRED else outcome
        self.trigger_event(
            self.CriteriaAssessed,
            criteria=rules.criteria,
            abuse_or_neglect_known_or_suspected=command.abuse_or_neglect_known_or_suspected,
            child_died=command.child_died,
            child_seriously_harmed=command.child_seriously_harmed,
            concern_about_joint_working=command.concern_about_joint_working,
            died_in_custody_or_detained=command.died_in_custody_or_detained,
            outcome=outcome,
            required=required,
            assessed_on=assessed_on,
            actor=actor.as_record(),
            timestamp=now,
        )
        return required

    def decide(
        self,
        rules: CaseReviewRules,
        command: DecideReview,
        *,
        actor: Actor,
        now: datetime,
        timezone: str,
    ) -> None:
        self._check_standing()
        if self.decision is not None:
            raise RuleViolation(
                f"the review was decided on {self.decision.decided_on.isoformat()}"
                f" ({self.decision.review_type}); a review is decided once"
            )
        if self.outcome is None:
            raise RuleViolation("assess the criteria before deciding on a review")
        review_type = command.review_type
        rules.check_review_type(review_type)
        decided_on = step_date(
            command.on,
            now,
            timezone,
            after=[(self.steps.get("criteria_assessed"), "the criteria were assessed")],
        )
        rationale = _required(command.rationale, "rationale")
        reason = _optional(command.departure_reason)
        departure = (
            self.outcome == statutory.REQUIRED and review_type not in rules.satisfies_requirement
        )
        if departure and reason is None:
            raise RuleViolation(
                f"the criteria assessment requires a {_label(rules, rules.required_name)}"
                f" ({rules.required_name}); choosing {review_type} departs from it and needs"
                " a departure_reason"
            )
        self.trigger_event(
            self.Decided,
            review_type=review_type,
            rationale=rationale,
            departure_reason=reason,
            departure=departure,
            decided_on=decided_on,
            actor=actor.as_record(),
            timestamp=now,
        )

    def choose_methodology(
        self,
        rules: CaseReviewRules,
        command: ChooseMethodology,
        *,
        actor: Actor,
        now: datetime,
        timezone: str,
    ) -> None:
        review_type = self._check_commissioned("choose a methodology")
        if self.final_report is not None:
            raise RuleViolation("the methodology cannot change once the final report is received")
        rules.check_method(command.method)
        chosen_on = step_date(command.on, now, timezone, after=self._since_decision())
        lead = _required(command.lead_reviewer, "lead_reviewer")
        independent = command.lead_reviewer_independent
        if review_type in rules.independent_lead_for and not independent:
            raise RuleViolation(
                f"a {_label(rules, review_type)} must be led by a reviewer independent of the"
                " case and of the agencies whose actions are reviewed"
            )
        self.trigger_event(
            self.MethodologyChosen,
            method=command.method,
            lead_reviewer=lead,
            lead_reviewer_independent=independent,
            chosen_on=chosen_on,
            actor=actor.as_record(),
            timestamp=now,
        )

    def record_involvement(
        self,
        command: RecordInvolvement,
        *,
        actor: Actor,
        now: datetime,
        timezone: str = loop.DEFAULT_TIMEZONE,
    ) -> None:
        self._check_commissioned("record involvement")
        if command.party not in PARTIES:
            raise InvalidField("party", f"expected one of: {', '.join(PARTIES)}")
        if command.status not in INVOLVEMENT_STATUSES:
            raise InvalidField("status", f"expected one of: {', '.join(INVOLVEMENT_STATUSES)}")
        on = step_date(command.on, now, timezone, after=self._since_decision())
        self.trigger_event(
            self.InvolvementRecorded,
            party=command.party,
            status=command.status,
            note=_optional(command.note) or "",
            on=on,
            actor=actor.as_record(),
            timestamp=now,
        )

    def receive_final_report(
        self, command: ReceiveFinalReport, *, actor: Actor, now: datetime, timezone: str
    ) -> None:
        self._check_commissioned("receive a final report")
        if self.final_report is not None:
            raise RuleViolation(
                f"the final report was received on {self.final_report.on.isoformat()}"
            )
        day = step_date(
            command.received_on, now, timezone, field="received_on", after=self._since_decision()
        )
        self.trigger_event(
            self.FinalReportReceived,
            received_on=day,
            summary=_required(command.summary, "summary"),
            actor=actor.as_record(),
            timestamp=now,
        )

    def agree_board_response(
        self, command: AgreeBoardResponse, *, actor: Actor, now: datetime, timezone: str
    ) -> None:
        _, report = self._check_report("agree the Board's response")
        if self.board_response is not None:
            raise RuleViolation(
                f"the Board's response was agreed on {self.board_response.on.isoformat()}"
            )
        day = self._fact_date(command.agreed_on, "agreed_on", now, timezone)
        _not_before(day, report.on, "agreed_on", "the final report was received")
        self.trigger_event(
            self.BoardResponseAgreed,
            agreed_on=day,
            summary=_required(command.summary, "summary"),
            actor=actor.as_record(),
            timestamp=now,
        )

    def publish(
        self,
        rules: CaseReviewRules,
        command: PublishReview,
        *,
        actor: Actor,
        now: datetime,
        timezone: str,
    ) -> None:
        self._check_standing()
        if self.publication is not None:
            raise RuleViolation(
                f"the review was published on {self.publication.published_on.isoformat()}"
            )
        review_type, report = self._check_report("publish the review")
        if review_type in rules.response_before_publication_for and self.board_response is None:
            raise RuleViolation(
                f"a {_label(rules, review_type)} is published with the Board's response;"
                " agree the response first"
            )
        day = self._fact_date(command.published_on, "published_on", now, timezone)
        _not_before(day, report.on, "published_on", "the final report was received")
        if self.board_response is not None:
            _not_before(
                day, self.board_response.on, "published_on", "the Board's response was agreed"
            )
        url = command.url.strip()
        if not _URL.fullmatch(url):
            raise InvalidField("url", "expected a web address starting https:// or http://")
        self.trigger_event(
            self.Published,
            published_on=day,
            url=url,
            actor=actor.as_record(),
            timestamp=now,
        )

    def reach_milestone(
        self,
        rules: CaseReviewRules,
        command: ReachMilestone,
        *,
        actor: Actor,
        now: datetime,
        timezone: str,
    ) -> None:
        self._check_standing()
        milestone = command.milestone
        rules.check_milestone(milestone)
        if milestone in self.milestones:
            raise RuleViolation(
                f"milestone {milestone} was reached on {self.milestones[milestone].isoformat()}"
            )
        # A milestone before the notification would meet a clock before it started.
        self._fact_date(command.reached_on, "reached_on", now, timezone)
        self.trigger_event(
            self.MilestoneReached,
            milestone=milestone,
            reached_on=command.reached_on,
            actor=actor.as_record(),
            timestamp=now,
        )

    def link_learning(self, command: LinkLearning, *, actor: Actor, now: datetime) -> None:
        """Lists a learning item drawn from this review (the item's source names the review)."""
        self._check_standing()
        item_id = _required(command.item_id, "item_id")
        if any(link.item_id == item_id for link in self.learning):
            raise RuleViolation(f"learning item {item_id} is already linked to this review")
        self.trigger_event(
            self.LearningLinked,
            item_id=item_id,
            subgroup=_required(command.subgroup, "subgroup"),
            actor=actor.as_record(),
            timestamp=now,
        )

    def withdraw(self, command: Withdraw, *, actor: Actor, now: datetime, timezone: str) -> None:
        if self.is_withdrawn:
            raise RuleViolation(f"the review was withdrawn on {self.withdrawn_on}")
        notified = self.notified_on
        day = withdrawal.day(command.on, now, timezone, notified, "the review was notified")
        self.trigger_event(
            self.Withdrawn,
            reason=withdrawal.reason(command.reason),
            withdrawn_on=day,
            actor=actor.as_record(),
            timestamp=now,
        )

    def correct_step(
        self,
        rules: CaseReviewRules,
        command: CorrectReviewStep,
        *,
        actor: Actor,
        now: datetime,
        timezone: str,
    ) -> None:
        """Puts a step's date (or the criteria's facts) right, keeping the order of the steps."""
        self._check_standing()
        step = command.step
        dates = self.step_dates()
        if step not in dates:
            reached = ", ".join(dates)
            raise InvalidField(
                "step", f"'{step}' is not a step this review has reached ({reached})"
            )
        reason = withdrawal.reason(command.reason)
        happened_on = command.happened_on
        if happened_on == dates[step]:
            happened_on = None
        if happened_on is not None:
            _not_future(happened_on, loop.local_date(now, timezone), "happened_on")
            _check_order({**dates, step: happened_on}, step)
        facts = previous = outcome = required = departure = None
        if command.criteria is not None:
            if step != "criteria_assessed":
                raise InvalidField(
                    "criteria", "criteria are corrected on the step criteria_assessed"
                )
            facts = {name: getattr(command.criteria, name) for name in statutory.FACTS}
            if facts == self.facts:
                facts = None
            else:
                previous = self.facts
                outcome, required, departure = self._reassessed(rules, facts)
        if happened_on is None and facts is None:
            raise InvalidField(
                "happened_on" if command.criteria is None else "criteria",
                "a correction must change the step's date or its facts (they are already so)",
            )
        self.trigger_event(
            self.StepCorrected,
            step=step,
            happened_on=happened_on,
            previous_on=dates[step] if happened_on is not None else None,
            criteria=facts,
            previous_criteria=previous,
            outcome=outcome,
            required=required,
            departure=departure,
            reason=reason,
            corrected_on=withdrawal.day(
                command.on, now, timezone, self.notified_on, "the review was notified"
            ),
            actor=actor.as_record(),
            timestamp=now,
        )

    def _reassessed(
        self, rules: CaseReviewRules, facts: dict[str, bool]
    ) -> tuple[str, str, bool | None]:
        outcome = statutory.assess(rules.criteria, **facts)
        required = rules.required_name if outcome == statutory.REQUIRED else outcome
        if self.decision is None:
            return outcome, required, None
        departure = (
            outcome == statutory.REQUIRED
            and self.decision.review_type not in rules.satisfies_requirement
        )
        if departure and self.decision.departure_reason is None:
            raise RuleViolation(
                f"with these facts the criteria require a {_label(rules, rules.required_name)},"
                f" and the review was decided as {self.decision.review_type} without a"
                " departure_reason"
            )
        return outcome, required, departure

    def move_step(self, step: str, day: date) -> None:
        """Evolves a corrected step's date into the state that holds it."""
        if step.startswith("milestone:"):
            self.milestones[step.removeprefix("milestone:")] = day
            return
        self.steps[step] = day
        if step == "notified":
            self.notified_on = day
        elif step == "decided" and self.decision is not None:
            self.decision = replace(self.decision, decided_on=day)
        elif step == "methodology_chosen" and self.methodology is not None:
            self.methodology = replace(self.methodology, chosen_on=day)
        elif step == "final_report_received" and self.final_report is not None:
            self.final_report = replace(self.final_report, on=day)
        elif step == "board_response_agreed" and self.board_response is not None:
            self.board_response = replace(self.board_response, on=day)
        elif step == "published" and self.publication is not None:
            self.publication = replace(self.publication, published_on=day)

    # -- what the state implies ------------------------------------------------------------

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None

    def _check_standing(self) -> None:
        if self.is_withdrawn:
            raise RuleViolation(
                f"the review was withdrawn on {self.withdrawn_on}; it cannot change"
            )

    @property
    def review_type(self) -> str | None:
        return self.decision.review_type if self.decision else None

    @property
    def is_closed(self) -> bool:
        """Decided `no_review`: the review is complete at its decision."""
        return self.review_type == NO_REVIEW

    @property
    def departure(self) -> bool:
        return bool(self.decision and self.decision.departure)

    @property
    def status(self) -> str:
        if self.is_withdrawn:
            return "withdrawn"
        if self.is_closed:
            return "closed"
        for status, reached in (
            ("published", self.publication),
            ("response_agreed", self.board_response),
            ("report_received", self.final_report),
            ("in_review", self.methodology),
            ("decided", self.decision),
            ("criteria_assessed", self.outcome),
        ):
            if reached is not None:
                return status
        return "notified"

    def step_dates(self) -> dict[str, date]:
        """Each step reached (of `domain.framework.STEPS`, then `milestone:<slug>`) and its date:
        the date the step happened where one is recorded, else the local date it was recorded."""
        dates = {step: self.steps[step] for step in STEPS if step in self.steps}
        dates.update({f"milestone:{slug}": day for slug, day in self.milestones.items()})
        return dates

    def _check_commissioned(self, verb: str) -> str:
        self._check_standing()
        if self.decision is None:
            raise RuleViolation(f"decide on the review before you {verb}")
        if self.is_closed:
            raise RuleViolation(f"the decision was {NO_REVIEW}: there is no review to {verb} for")
        return self.decision.review_type

    def _since_decision(self) -> list[tuple[date | None, str]]:
        decided_on = self.decision.decided_on if self.decision is not None else None
        return [(self.notified_on, "the review was notified"), (decided_on, "it was decided")]

    def _check_report(self, verb: str) -> tuple[str, Document]:
        review_type = self._check_commissioned(verb)
        if self.final_report is None:
            raise RuleViolation(f"receive the final report before you {verb}")
        return review_type, self.final_report

    def _fact_date(self, day: date, name: str, now: datetime, timezone: str) -> date:
        _not_before(day, self.notified_on, name, "the review was notified")
        _not_future(day, loop.local_date(now, timezone), name)
        return day


def _required(value: str, name: str) -> str:
    if not value.strip():
        raise InvalidField(name, "must not be empty")
    return value.strip()


def _optional(value: str | None) -> str | None:
    return None if value is None else value.strip() or None


def _not_before(day: date, earliest: date, name: str, when: str) -> None:
    if day < earliest:
        raise InvalidField(name, f"{day.isoformat()} is before {when} ({earliest.isoformat()})")


def _not_future(day: date, today: date, name: str) -> None:
    if day > today:
        raise InvalidField(name, f"{day.isoformat()} is in the future (today is {today})")


def _check_order(dates: dict[str, date], moved: str) -> None:
    """The moved step keeps its place in the order of STEPS: on or after each earlier step
    reached, on or before each later one (milestones may fall anywhere)."""
    if moved not in STEPS:
        return
    day, place = dates[moved], STEPS.index(moved)
    for other in STEPS:
        if other == moved or other not in dates:
            continue
        before = STEPS.index(other) < place
        if (before and day < dates[other]) or (not before and day > dates[other]):
            relation = "before" if before else "after"
            raise InvalidField(
                "happened_on",
                f"{moved} on {day.isoformat()} would be {relation} {other}"
                f" on {dates[other].isoformat()}",
            )


def _label(rules: CaseReviewRules, review_type: str) -> str:
    for option in rules.review_types:
        if option.slug == review_type:
            return option.label.lower()
    return review_type.replace("_", " ")
