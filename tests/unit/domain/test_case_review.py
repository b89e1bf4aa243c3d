"""Given a review's history, when a command, then these events or this refusal (nothing recorded).

`given(*steps)` notifies a review on 2024-03-01 and runs the steps, its events collected; `refused`
checks a command raises and leaves the review as it was.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.actor import Actor
from domain.case_review import CaseReview, clock_rag
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
from domain.commands.withdrawal import Withdraw
from domain.errors import DomainError, InvalidField, RuleViolation
from domain.framework import Agency, CaseReviewRules, ClockRule, Framework, Option

TZ = "Europe/London"
NOTIFIED = date(2024, 3, 1)
SCR = "serious_case_review"
CIR = "critical_incident_review"
REQUIRED = {
    "abuse_or_neglect_known_or_suspected": True,
    "child_died": True,
    "child_seriously_harmed": False,
    "concern_about_joint_working": False,
    "died_in_custody_or_detained": False,
}
DISCRETIONARY = {**REQUIRED, "child_died": False}
NONE = {**DISCRETIONARY, "abuse_or_neglect_known_or_suspected": False}
NOTIFICATION = {
    "case_reference": "WM-SCR/2024-01",
    "notified_on": NOTIFIED,
    "notifying_agency": "childrens-social-care",
    "summary": "Infant admitted with unexplained injuries",
}


def options(*slugs: str) -> tuple[Option, ...]:
    return tuple(Option(slug, slug.replace("_", " ").capitalize()) for slug in slugs)


@pytest.fixture
def review_rules() -> CaseReviewRules:
    return CaseReviewRules(
        subgroup="serious-case-review",
        criteria="regulation-5-2-2006",
        required_name=SCR,
        satisfies_requirement=(SCR,),
        independent_lead_for=(SCR,),
        response_before_publication_for=(SCR,),
        review_types=options(SCR, CIR, "best_practice_review", "learning_review", "no_review"),
        methods=options("scie_learning_together", "root_cause_analysis", "silp", "other"),
        milestones=options("scoping_meeting", "learning_event"),
        clocks=(ClockRule("decision", "Decision", "notified", 1, "calendar_days", "decided"),),
    )


@pytest.fixture
def framework(framework: Framework, review_rules: CaseReviewRules) -> Framework:
    return replace(
        framework,
        agencies=(
            Agency("childrens-social-care", "Children's Social Care"),
            Agency("police", "Police"),
        ),
        case_reviews=review_rules,
    )


@dataclass
class Scene:
    rules: CaseReviewRules
    actor: Actor
    now: datetime

    @property
    def at_now(self) -> dict[str, Any]:
        return {"actor": self.actor, "now": self.now}

    @property
    def at(self) -> dict[str, Any]:
        return {**self.at_now, "timezone": TZ}


Step = Callable[[CaseReview, Scene], Any]


ASSESSED, DECIDED, CHOSEN = date(2024, 3, 4), date(2024, 3, 11), date(2024, 3, 18)


def criteria(on: date | None = ASSESSED, **facts: bool) -> Step:
    return lambda review, s: review.assess_criteria(
        s.rules, AssessCriteria(**{**REQUIRED, **facts}, on=on), **s.at
    )


def decided(
    review_type: str = SCR, departure_reason: str | None = None, on: date | None = DECIDED
) -> Step:
    return lambda review, s: review.decide(
        s.rules,
        DecideReview(
            review_type=review_type,
            rationale="Meets Regulation 5(2)",
            departure_reason=departure_reason,
            on=on,
        ),
        **s.at,
    )


def methodology(independent: bool = True, on: date | None = CHOSEN) -> Step:
    return lambda review, s: review.choose_methodology(
        s.rules,
        ChooseMethodology(
            method="scie_learning_together",
            lead_reviewer="Dr R. Reviewer",
            lead_reviewer_independent=independent,
            on=on,
        ),
        **s.at,
    )


def report(on: date = date(2024, 5, 20)) -> Step:
    return lambda review, s: review.receive_final_report(
        ReceiveFinalReport(received_on=on, summary="Overview report"), **s.at
    )


def response(on: date = date(2024, 5, 28)) -> Step:
    return lambda review, s: review.agree_board_response(
        AgreeBoardResponse(agreed_on=on, summary="The Board accepts all recommendations"), **s.at
    )


def published(on: date = date(2024, 6, 1)) -> Step:
    return lambda review, s: review.publish(
        s.rules, PublishReview(published_on=on, url="https://lscb.example.org/scr-2024-01"), **s.at
    )


IN_REVIEW = (criteria(), decided(), methodology())
REPORTED = (*IN_REVIEW, report())


@pytest.fixture
def scene(review_rules: CaseReviewRules, contributor: Actor, now: datetime) -> Scene:
    return Scene(review_rules, contributor, now)


@pytest.fixture
def notify(framework: Framework, contributor: Actor, now: datetime) -> Callable[..., CaseReview]:
    def _notify(**overrides: Any) -> CaseReview:
        return CaseReview.notify(
            framework, NotifyReview(**{**NOTIFICATION, **overrides}), actor=contributor, now=now
        )

    return _notify


@pytest.fixture
def given(notify: Callable[..., CaseReview], scene: Scene) -> Callable[..., CaseReview]:
    def _given(*steps: Step) -> CaseReview:
        review = notify()
        for step in steps:
            step(review, scene)
        review.collect_events()
        return review

    return _given


def refused(
    review: CaseReview,
    command: Callable[[], Any],
    error: type[DomainError],
    field: str | None = None,
    match: str | None = None,
) -> DomainError:
    version = review.version
    with pytest.raises(error, match=match) as raised:
        command()
    if field is not None:
        assert isinstance(raised.value, InvalidField)
        assert raised.value.field == field
    assert review.version == version
    assert review.collect_events() == []
    return raised.value


# -- notification ---------------------------------------------------------------------------


def test_notification_records_the_reference_agency_and_who(notify, then_events):
    review = notify()
    then_events(
        review,
        [
            (
                "Notified",
                {
                    **NOTIFICATION,
                    "actor": {
                        "id": "u-contributor",
                        "name": "Cara Contributor",
                        "role": "contributor",
                    },
                },
            )
        ],
    )
    assert review.status == "notified"
    assert review.step_dates() == {"notified": NOTIFIED}


@pytest.mark.parametrize("reference", ["SCR-2024-01", "wm/scr/7", "2024", "A-1/b"])
def test_a_case_reference_is_letters_digits_hyphens_and_slashes(notify, reference):
    assert notify(case_reference=reference).case_reference == reference


@pytest.mark.parametrize(
    "reference",
    ["SCR 2024", "Case one", " SCR-1", "SCR-1\n", "SCR_1", "SCR.1", "Zoë-1", ""],
)
def test_a_case_reference_with_anything_else_is_refused(notify, reference):
    with pytest.raises(InvalidField) as refused_:
        notify(case_reference=reference)
    assert refused_.value.field == "case_reference"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"notifying_agency": "the-vicar"}, "notifying_agency"),
        ({"summary": "   "}, "summary"),
        ({"notified_on": date(2024, 6, 4)}, "notified_on"),
    ],
)
def test_a_bad_notification_is_refused(notify, overrides, field):
    with pytest.raises(InvalidField) as refused_:
        notify(**overrides)
    assert refused_.value.field == field


# -- criteria -------------------------------------------------------------------------------


def test_criteria_record_the_facts_and_the_required_review_by_name(given, scene, then_events):
    review = given()
    answer = review.assess_criteria(scene.rules, AssessCriteria(**REQUIRED), **scene.at)
    then_events(
        review,
        [
            (
                "CriteriaAssessed",
                {
                    **REQUIRED,
                    "criteria": "regulation-5-2-2006",
                    "outcome": "required",
                    "required": SCR,
                    "assessed_on": date(2024, 6, 3),
                },
            )
        ],
    )
    assert answer == SCR
    assert review.status == "criteria_assessed"


@pytest.mark.parametrize(("facts", "required"), [(DISCRETIONARY, "discretionary"), (NONE, "none")])
def test_below_the_test_the_requirement_is_named_by_its_outcome(given, scene, facts, required):
    review = given()
    assert review.assess_criteria(scene.rules, AssessCriteria(**facts), **scene.at) == required
    assert review.required == required


def test_the_2023_criteria_name_their_own_requirement(given, scene):
    rules = replace(
        scene.rules, criteria="serious-child-safeguarding-case-2023", required_name="rapid_review"
    )
    review = given()
    facts = {**NONE, "abuse_or_neglect_known_or_suspected": True, "child_seriously_harmed": True}
    assert review.assess_criteria(rules, AssessCriteria(**facts), **scene.at) == "rapid_review"


def test_criteria_may_be_reassessed_before_the_decision(given, scene):
    review = given(criteria())
    review.assess_criteria(scene.rules, AssessCriteria(**NONE), **scene.at)
    assert (review.outcome, review.required) == ("none", "none")


def test_criteria_are_not_reassessed_after_the_decision(given, scene):
    review = given(criteria(), decided())
    refused(
        review,
        lambda: review.assess_criteria(scene.rules, AssessCriteria(**NONE), **scene.at),
        RuleViolation,
        match="once the review is decided",
    )


# -- decision -------------------------------------------------------------------------------


def decide(review: CaseReview, scene: Scene, **fields: Any) -> Callable[[], None]:
    fields = {"review_type": SCR, "rationale": "Meets Regulation 5(2)", **fields}
    return lambda: review.decide(scene.rules, DecideReview(**fields), **scene.at)


def test_a_decision_before_the_criteria_is_refused(given, scene):
    review = given()
    refused(review, decide(review, scene), RuleViolation, match="assess the criteria")


def test_a_required_review_decided_as_required_is_no_departure(given, scene, then_events):
    review = given(criteria())
    decide(review, scene)()
    then_events(
        review,
        [
            (
                "Decided",
                {
                    "review_type": SCR,
                    "rationale": "Meets Regulation 5(2)",
                    "departure_reason": None,
                    "departure": False,
                    "decided_on": date(2024, 6, 3),
                },
            )
        ],
    )
    assert (review.status, review.departure) == ("decided", False)


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_departing_from_a_required_review_without_a_reason_is_refused(given, scene, reason):
    review = given(criteria())
    refused(
        review,
        decide(review, scene, review_type=CIR, departure_reason=reason),
        RuleViolation,
        match=r"requires a serious case review \(serious_case_review\)",
    )


def test_a_departure_with_a_reason_is_recorded_and_flagged(given, scene, then_events):
    review = given(criteria())
    decide(review, scene, review_type=CIR, departure_reason=" Parallel criminal trial ")()
    then_events(
        review,
        [("Decided", {"departure": True, "departure_reason": "Parallel criminal trial"})],
    )
    assert review.departure


@pytest.mark.parametrize("facts", [DISCRETIONARY, NONE])
def test_below_the_test_any_review_type_is_no_departure(given, scene, facts, then_events):
    review = given(criteria(**facts))
    decide(review, scene, review_type="learning_review")()
    then_events(review, [("Decided", {"review_type": "learning_review", "departure": False})])


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"review_type": "inquest"}, "review_type"), ({"rationale": " "}, "rationale")],
)
def test_a_bad_decision_is_refused(given, scene, fields, field):
    review = given(criteria())
    refused(review, decide(review, scene, **fields), InvalidField, field=field)


def test_a_review_is_decided_once(given, scene):
    review = given(criteria(), decided())
    refused(review, decide(review, scene), RuleViolation, match="decided once")


def test_the_decision_date_is_the_partnerships_local_date(given, scene):
    review = given(criteria())
    scene.now = datetime(2024, 6, 3, 23, 30, tzinfo=UTC)  # 00:30 on the 4th in London (BST)
    decide(review, scene)()
    assert review.decision.decided_on == date(2024, 6, 4)


def test_no_review_closes_the_review_at_its_decision(given, scene):
    review = given(criteria(**NONE), decided("no_review"))
    assert review.status == "closed"
    assert review.is_closed
    for command in (
        lambda: methodology()(review, scene),
        lambda: report()(review, scene),
        lambda: review.record_involvement(
            RecordInvolvement(party="family", status="invited"), **scene.at_now
        ),
    ):
        refused(review, command, RuleViolation, match="no_review")


# -- methodology ----------------------------------------------------------------------------


def choose(review: CaseReview, scene: Scene, **fields: Any) -> Callable[[], None]:
    fields = {
        "method": "silp",
        "lead_reviewer": "Dr R. Reviewer",
        "lead_reviewer_independent": True,
        **fields,
    }
    return lambda: review.choose_methodology(scene.rules, ChooseMethodology(**fields), **scene.at)


def test_methodology_records_the_method_and_lead(given, scene, then_events):
    review = given(criteria(), decided())
    choose(review, scene)()
    then_events(
        review,
        [
            (
                "MethodologyChosen",
                {
                    "method": "silp",
                    "lead_reviewer": "Dr R. Reviewer",
                    "lead_reviewer_independent": True,
                    "chosen_on": date(2024, 6, 3),
                },
            )
        ],
    )
    assert review.status == "in_review"


def test_methodology_before_a_decision_is_refused(given, scene):
    review = given(criteria())
    refused(review, choose(review, scene), RuleViolation, match="decide on the review")


def test_a_serious_case_review_needs_an_independent_lead(given, scene):
    review = given(criteria(), decided())
    refused(
        review,
        choose(review, scene, lead_reviewer_independent=False),
        RuleViolation,
        match="independent",
    )


def test_other_reviews_may_be_led_from_within(given, scene):
    review = given(criteria(), decided(CIR, departure_reason="Family asked for a quicker review"))
    choose(review, scene, lead_reviewer_independent=False)()
    assert review.methodology.lead_reviewer_independent is False


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"method": "hindsight"}, "method"),
        ({"lead_reviewer": ""}, "lead_reviewer"),
    ],
)
def test_a_bad_methodology_is_refused(given, scene, fields, field):
    review = given(criteria(), decided())
    refused(review, choose(review, scene, **fields), InvalidField, field=field)


def test_a_new_lead_keeps_the_date_the_methodology_was_first_chosen(given, scene):
    review = given(*IN_REVIEW)
    scene.now = datetime(2024, 6, 20, 9, tzinfo=UTC)
    choose(review, scene, lead_reviewer="Ms N. Other")()
    assert review.methodology.lead_reviewer == "Ms N. Other"
    assert review.step_dates()["methodology_chosen"] == CHOSEN


def test_the_methodology_is_fixed_once_the_report_is_in(given, scene):
    review = given(*REPORTED)
    refused(review, choose(review, scene), RuleViolation, match="final report")


# -- involvement ----------------------------------------------------------------------------


def test_involvement_records_each_party_and_keeps_the_latest(given, scene, then_events):
    review = given(*IN_REVIEW)
    review.record_involvement(
        RecordInvolvement(party="family", status="invited", note="Letter sent"), **scene.at_now
    )
    review.record_involvement(
        RecordInvolvement(party="family", status="contributed"), **scene.at_now
    )
    review.record_involvement(RecordInvolvement(party="child", status="declined"), **scene.at_now)
    then_events(
        review,
        [
            (
                "InvolvementRecorded",
                {"party": "family", "status": "invited", "note": "Letter sent"},
            ),
            ("InvolvementRecorded", {"party": "family", "status": "contributed", "note": ""}),
            ("InvolvementRecorded", {"party": "child", "status": "declined"}),
        ],
    )
    assert review.involvement == {"family": "contributed", "child": "declined"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"party": "neighbours", "status": "invited"}, "party"),
        ({"party": "practitioners", "status": "maybe"}, "status"),
    ],
)
def test_unknown_parties_and_statuses_are_refused(given, scene, fields, field):
    review = given(*IN_REVIEW)
    refused(
        review,
        lambda: review.record_involvement(RecordInvolvement(**fields), **scene.at_now),
        InvalidField,
        field=field,
    )


def test_involvement_before_a_decision_is_refused(given, scene):
    review = given(criteria())
    refused(
        review,
        lambda: review.record_involvement(
            RecordInvolvement(party="family", status="invited"), **scene.at_now
        ),
        RuleViolation,
    )


# -- final report, Board response, publication ----------------------------------------------


def test_the_final_report_and_response_date_their_steps(given, scene, then_events):
    review = given(*IN_REVIEW)
    report(date(2024, 5, 20))(review, scene)
    response(date(2024, 5, 28))(review, scene)
    then_events(
        review,
        [
            (
                "FinalReportReceived",
                {"received_on": date(2024, 5, 20), "summary": "Overview report"},
            ),
            ("BoardResponseAgreed", {"agreed_on": date(2024, 5, 28)}),
        ],
    )
    assert review.status == "response_agreed"


@pytest.mark.parametrize(
    ("received_on", "match"),
    [
        (date(2024, 2, 29), "before the review was notified"),
        (date(2024, 6, 4), "in the future"),
    ],
)
def test_a_final_report_on_an_impossible_date_is_refused(given, scene, received_on, match):
    review = given(*IN_REVIEW)
    refused(
        review,
        lambda: review.receive_final_report(
            ReceiveFinalReport(received_on=received_on, summary="R"), **scene.at
        ),
        InvalidField,
        field="received_on",
        match=match,
    )


def test_a_final_report_needs_a_decision_and_comes_once(given, scene):
    undecided = given(criteria())
    refused(undecided, lambda: report()(undecided, scene), RuleViolation, match="decide")
    reported = given(*REPORTED)
    refused(reported, lambda: report()(reported, scene), RuleViolation, match="was received")


def test_a_board_response_needs_the_final_report(given, scene):
    review = given(*IN_REVIEW)
    refused(review, lambda: response()(review, scene), RuleViolation, match="final report")


def test_a_board_response_before_the_report_is_refused(given, scene):
    review = given(*REPORTED)
    refused(
        review,
        lambda: response(date(2024, 5, 19))(review, scene),
        InvalidField,
        field="agreed_on",
    )


def test_a_board_response_is_agreed_once(given, scene):
    review = given(*REPORTED, response())
    refused(review, lambda: response()(review, scene), RuleViolation, match="was agreed")


def publish(review: CaseReview, scene: Scene, **fields: Any) -> Callable[[], None]:
    fields = {"published_on": date(2024, 6, 1), "url": "https://lscb.example.org/r", **fields}
    return lambda: review.publish(scene.rules, PublishReview(**fields), **scene.at)


def test_publication_records_the_date_and_link(given, scene, then_events):
    review = given(*REPORTED, response())
    publish(review, scene, url=" https://lscb.example.org/r ")()
    then_events(
        review,
        [("Published", {"published_on": date(2024, 6, 1), "url": "https://lscb.example.org/r"})],
    )
    assert review.status == "published"


def test_a_serious_case_review_is_not_published_without_the_boards_response(given, scene):
    review = given(*REPORTED)
    refused(review, publish(review, scene), RuleViolation, match="Board's response")


def test_other_reviews_may_be_published_without_a_response(given, scene):
    review = given(
        criteria(**DISCRETIONARY), decided(CIR), methodology(independent=False), report()
    )
    publish(review, scene)()
    assert review.status == "published"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"published_on": date(2024, 5, 19)}, "published_on"),
        ({"published_on": date(2024, 5, 27)}, "published_on"),
        ({"published_on": date(2024, 6, 4)}, "published_on"),
        ({"url": "lscb.example.org/r"}, "url"),
        ({"url": "ftp://lscb.example.org/r"}, "url"),
        ({"url": "https://"}, "url"),
        ({"url": "https://lscb.example.org/a report"}, "url"),
    ],
)
def test_a_bad_publication_is_refused(given, scene, fields, field):
    review = given(*REPORTED, response())
    refused(review, publish(review, scene, **fields), InvalidField, field=field)


def test_publication_needs_the_report_and_happens_once(given, scene):
    review = given(*IN_REVIEW)
    refused(review, publish(review, scene), RuleViolation, match="final report")
    review = given(*REPORTED, response(), published())
    refused(review, publish(review, scene), RuleViolation, match="was published")


# -- milestones and learning ----------------------------------------------------------------


def reach(review: CaseReview, scene: Scene, **fields: Any) -> Callable[[], None]:
    fields = {"milestone": "learning_event", "reached_on": date(2024, 4, 10), **fields}
    return lambda: review.reach_milestone(scene.rules, ReachMilestone(**fields), **scene.at)


def test_a_milestone_is_a_step_with_its_date(given, scene, then_events):
    review = given()
    reach(review, scene)()
    then_events(
        review,
        [("MilestoneReached", {"milestone": "learning_event", "reached_on": date(2024, 4, 10)})],
    )
    assert review.step_dates()["milestone:learning_event"] == date(2024, 4, 10)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"milestone": "press_release"}, "milestone"),
        ({"reached_on": date(2024, 6, 4)}, "reached_on"),
    ],
)
def test_a_bad_milestone_is_refused(given, scene, fields, field):
    review = given()
    refused(review, reach(review, scene, **fields), InvalidField, field=field)


def test_a_milestone_before_the_notification_is_refused_naming_both_dates(given, scene):
    review = given()
    error = refused(
        review,
        reach(review, scene, milestone="scoping_meeting", reached_on=date(2024, 2, 28)),
        InvalidField,
        field="reached_on",
    )
    assert "2024-02-28" in str(error) and "2024-03-01" in str(error)


# -- the day each step happened (ADR 0040) ----------------------------------------------------


def test_steps_take_the_day_they_happened_not_the_day_they_were_recorded(given, scene):
    review = given(criteria(), decided(), methodology())
    assert review.step_dates()["decided"] == DECIDED
    assert review.decision.decided_on == DECIDED
    review.record_involvement(
        RecordInvolvement(party="family", status="invited", on=date(2024, 3, 20)), **scene.at
    )
    assert review.collect_events()[-1].on == date(2024, 3, 20)


def test_a_step_without_a_date_happened_today(given, scene):
    review = given(criteria(on=None), decided(on=None))
    assert review.step_dates()["decided"] == date(2024, 6, 3)


@pytest.mark.parametrize(
    ("steps", "late", "field", "earlier"),
    [
        ((), criteria(on=date(2024, 2, 29)), "on", "2024-03-01"),
        ((criteria(),), decided(on=date(2024, 3, 3)), "on", "2024-03-04"),
        ((criteria(), decided()), methodology(on=date(2024, 3, 10)), "on", "2024-03-11"),
        (IN_REVIEW, report(on=date(2024, 3, 10)), "received_on", "2024-03-11"),
        (REPORTED, response(on=date(2024, 5, 19)), "agreed_on", "2024-05-20"),
        ((*REPORTED, response()), published(on=date(2024, 5, 27)), "published_on", "2024-05-28"),
    ],
    ids=["criteria", "decision", "methodology", "final-report", "response", "publication"],
)
def test_a_step_before_the_step_it_depends_on_is_refused_naming_both_dates(
    given, scene, steps, late, field, earlier
):
    review = given(*steps)
    error = refused(review, lambda: late(review, scene), InvalidField, field=field)
    assert earlier in str(error)


def test_involvement_before_the_decision_is_refused(given, scene):
    review = given(*IN_REVIEW)
    command = RecordInvolvement(party="child", status="declined", on=date(2024, 3, 10))
    error = refused(
        review, lambda: review.record_involvement(command, **scene.at), InvalidField, field="on"
    )
    assert "2024-03-10" in str(error) and "2024-03-11" in str(error)


@pytest.mark.parametrize(
    ("steps", "late"),
    [((), criteria(on=date(2024, 6, 4))), ((criteria(),), decided(on=date(2024, 6, 4)))],
    ids=["criteria", "decision"],
)
def test_a_step_in_the_future_is_refused(given, scene, steps, late):
    review = given(*steps)
    refused(review, lambda: late(review, scene), InvalidField, field="on", match="future")


def test_a_milestone_is_reached_once(given, scene):
    review = given(lambda r, s: reach(r, s)())
    refused(review, reach(review, scene), RuleViolation, match="was reached")


def test_learning_is_listed_once_per_item(given, scene, then_events):
    review = given()
    review.link_learning(LinkLearning(item_id="item-1", subgroup="training"), **scene.at_now)
    then_events(review, [("LearningLinked", {"item_id": "item-1", "subgroup": "training"})])
    assert [(link.item_id, link.subgroup) for link in review.learning] == [("item-1", "training")]
    refused(
        review,
        lambda: review.link_learning(
            LinkLearning(item_id="item-1", subgroup="training"), **scene.at_now
        ),
        RuleViolation,
    )


# -- the whole way ----------------------------------------------------------------------------


def test_status_and_step_dates_follow_the_review_to_publication(given, scene):
    review = given()
    seen = [review.status]
    for step in (criteria(), decided(), methodology(), report(), response(), published()):
        step(review, scene)
        seen.append(review.status)
    assert seen == [
        "notified",
        "criteria_assessed",
        "decided",
        "in_review",
        "report_received",
        "response_agreed",
        "published",
    ]
    reach(review, scene)()
    assert review.step_dates() == {
        "notified": NOTIFIED,
        "criteria_assessed": ASSESSED,
        "decided": DECIDED,
        "methodology_chosen": CHOSEN,
        "final_report_received": date(2024, 5, 20),
        "board_response_agreed": date(2024, 5, 28),
        "published": date(2024, 6, 1),
        "milestone:learning_event": date(2024, 4, 10),
    }


def test_the_reviews_history_replays_to_the_same_state(notify, scene):
    review = notify()
    for step in (criteria(), decided(), methodology(), report(), response(), published()):
        step(review, scene)
    events = review.collect_events()
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed.status == "published"
    assert replayed.step_dates() == review.step_dates()


def test_a_clock_not_yet_met_is_red_once_its_due_date_has_passed():
    due = date(2024, 4, 1)
    assert [clock_rag(due, today) for today in (date(2024, 3, 31), due, date(2024, 4, 2))] == [
        "green",
        "green",
        "red",
    ]


# -- withdrawal and corrections (issue 12) -------------------------------------------------


def test_a_withdrawn_review_records_why_and_changes_no_more(given, scene):
    review = given(criteria())
    review.withdraw(Withdraw(reason="Notified twice"), **scene.at)
    (event,) = review.collect_events()
    assert (type(event).__name__, event.reason) == ("Withdrawn", "Notified twice")
    assert review.is_withdrawn
    refused(review, lambda: decided()(review, scene), RuleViolation, match="withdrawn")
    refused(
        review,
        lambda: review.withdraw(Withdraw(reason="again"), **scene.at),
        RuleViolation,
        match="withdrawn on",
    )


def test_a_withdrawal_is_not_dated_before_the_notification(given, scene):
    review = given()
    refused(
        review,
        lambda: review.withdraw(Withdraw(reason="r", on=date(2024, 2, 1)), **scene.at),
        InvalidField,
        field="on",
    )


def test_correcting_a_steps_date_keeps_the_previous_one(given, scene):
    review = given(*REPORTED)
    review.correct_step(
        scene.rules,
        CorrectReviewStep(
            step="final_report_received", reason="Typo", happened_on=date(2024, 6, 3)
        ),
        **scene.at,
    )
    (event,) = review.collect_events()
    assert (event.happened_on, event.previous_on) == (date(2024, 6, 3), date(2024, 5, 20))
    assert review.final_report is not None and review.final_report.on == date(2024, 6, 3)
    assert review.step_dates()["final_report_received"] == date(2024, 6, 3)


def test_correcting_the_notification_date_moves_the_clocks_start(given, scene):
    review = given()
    review.correct_step(
        scene.rules,
        CorrectReviewStep(step="notified", reason="r", happened_on=date(2024, 2, 20)),
        **scene.at,
    )
    assert (review.notified_on, review.step_dates()["notified"]) == (date(2024, 2, 20),) * 2


def test_a_correction_keeps_the_steps_in_order(given, scene):
    review = given(*REPORTED, response())
    refused(
        review,
        lambda: review.correct_step(
            scene.rules,
            CorrectReviewStep(
                step="board_response_agreed", reason="r", happened_on=date(2024, 5, 1)
            ),
            **scene.at,
        ),
        InvalidField,
        field="happened_on",
        match="board_response_agreed on 2024-05-01 would be before",
    )


@pytest.mark.parametrize("step", ["published", "milestone:scoping_meeting", "nonsense"])
def test_only_a_step_reached_is_corrected(given, scene, step):
    review = given(*IN_REVIEW)
    refused(
        review,
        lambda: review.correct_step(
            scene.rules,
            CorrectReviewStep(step=step, reason="r", happened_on=date(2024, 3, 2)),
            **scene.at,
        ),
        InvalidField,
        field="step",
    )


def test_a_correction_that_changes_nothing_is_refused(given, scene):
    review = given(criteria())
    refused(
        review,
        lambda: review.correct_step(
            scene.rules,
            CorrectReviewStep(step="notified", reason="r", happened_on=NOTIFIED),
            **scene.at,
        ),
        InvalidField,
        match="must change",
    )
    refused(
        review,
        lambda: review.correct_step(
            scene.rules,
            CorrectReviewStep(
                step="criteria_assessed", reason="r", criteria=AssessCriteria(**REQUIRED)
            ),
            **scene.at,
        ),
        InvalidField,
        field="criteria",
    )


def test_correcting_the_criteria_reassesses_them(given, scene):
    review = given(criteria(**DISCRETIONARY))
    assert review.required == "discretionary"
    review.correct_step(
        scene.rules,
        CorrectReviewStep(
            step="criteria_assessed", reason="The child died", criteria=AssessCriteria(**REQUIRED)
        ),
        **scene.at,
    )
    (event,) = review.collect_events()
    assert (event.previous_criteria, event.required) == (DISCRETIONARY, SCR)
    assert review.required == SCR


def test_criteria_corrected_to_require_a_review_the_decision_departs_from_need_its_reason(
    given, scene
):
    review = given(criteria(**DISCRETIONARY), decided(CIR))
    refused(
        review,
        lambda: review.correct_step(
            scene.rules,
            CorrectReviewStep(
                step="criteria_assessed", reason="r", criteria=AssessCriteria(**REQUIRED)
            ),
            **scene.at,
        ),
        RuleViolation,
        match="departure_reason",
    )


def test_a_correction_needs_a_reason(given, scene):
    review = given()
    refused(
        review,
        lambda: review.correct_step(
            scene.rules,
            CorrectReviewStep(step="notified", reason=" ", happened_on=date(2024, 2, 2)),
            **scene.at,
        ),
        InvalidField,
        field="reason",
    )


def test_a_corrected_review_rebuilt_from_its_events_is_the_same(notify, scene):
    review = notify()
    for each in (*REPORTED,):
        each(review, scene)
    review.correct_step(
        scene.rules,
        CorrectReviewStep(step="notified", reason="r", happened_on=date(2024, 2, 20)),
        **scene.at,
    )
    review.withdraw(Withdraw(reason="r"), **scene.at)
    rebuilt = None
    for event in review.collect_events():
        rebuilt = event.mutate(rebuilt)
    assert rebuilt is not None
    assert (rebuilt.decision, rebuilt.steps, rebuilt.withdrawn_on) == (
        review.decision,
        review.steps,
        review.withdrawn_on,
    )


def test_a_correction_is_dated_and_not_in_the_future(given, scene):
    review = given()
    refused(
        review,
        lambda: review.correct_step(
            scene.rules,
            CorrectReviewStep(
                step="notified", reason="r", happened_on=date(2024, 2, 2), on=date(2030, 1, 1)
            ),
            **scene.at,
        ),
        InvalidField,
        field="on",
    )
    review.correct_step(
        scene.rules,
        CorrectReviewStep(step="notified", reason="r", happened_on=date(2024, 2, 2)),
        **scene.at,
    )
    (event,) = review.collect_events()
    assert event.corrected_on == scene.now.date()
