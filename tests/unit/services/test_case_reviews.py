"""Case reviews on the in-memory store, from notification to publication and the learning drawn."""

from dataclasses import replace
from datetime import date, datetime
from uuid import uuid4

import pytest

from adapters.framework.loader import load_framework
from domain.actor import BUSINESS_MANAGER, Actor
from domain.case_review import CaseReview
from domain.commands.case_review import (
    AgreeBoardResponse,
    AssessCriteria,
    ChooseMethodology,
    DecideReview,
    NotifyReview,
    PublishReview,
    ReachMilestone,
    ReceiveFinalReport,
    RecordInvolvement,
)
from domain.commands.learning_item import IdentifyNeed
from domain.errors import InvalidField, RuleViolation, UnknownSubgroup
from domain.framework import STEPS
from domain.learning_item import LearningItem
from services.case_reviews import CaseReviews, CaseReviewsNotConfigured
from services.errors import Forbidden, NotFound, VersionMismatch

NOTIFICATION = {
    "case_reference": "WM/SCR/2026-01",
    "notified_on": date(2026, 3, 2),
    "notifying_agency": "childrens-social-care",
    "summary": "Infant admitted with unexplained injuries",
}
REQUIRED = {
    "abuse_or_neglect_known_or_suspected": True,
    "child_died": False,
    "child_seriously_harmed": True,
    "concern_about_joint_working": True,
    "died_in_custody_or_detained": False,
}


def learning_fields(subgroup: str, title: str) -> dict:
    return {
        "subgroup": subgroup,
        "title": title,
        "description": "From the overview report",
        "source_kind": "case-review"
        if subgroup != "serious-case-review"
        else "serious-case-review",
        "themes": ["neglect"],
    }


def notified(reviews, actor):
    return reviews.notify(actor, NotifyReview(**NOTIFICATION))


def in_review(reviews, actor):
    review_id = notified(reviews, actor)
    reviews.assess_criteria(review_id, actor, AssessCriteria(**REQUIRED))
    reviews.decide(
        review_id, actor, DecideReview(review_type="serious_case_review", rationale="Meets 5(2)")
    )
    reviews.choose_methodology(
        review_id,
        actor,
        ChooseMethodology(
            method="scie_learning_together",
            lead_reviewer="Dr R. Reviewer",
            lead_reviewer_independent=True,
        ),
    )
    return review_id


def test_a_review_from_notification_to_publication_with_its_learning(reviews, log, actors, clock):
    contributor, chair = actors.contributor, actors.chair
    review_id = notified(reviews, contributor)
    assert (
        reviews.assess_criteria(
            review_id, contributor, AssessCriteria(**REQUIRED, on=date(2026, 3, 3))
        )
        == "serious_case_review"
    )
    reviews.reach_milestone(
        review_id,
        contributor,
        ReachMilestone(milestone="scoping_meeting", reached_on=date(2026, 3, 9)),
    )
    reviews.decide(
        review_id,
        chair,
        DecideReview(
            review_type="serious_case_review", rationale="Meets 5(2)", on=date(2026, 3, 5)
        ),
    )
    reviews.choose_methodology(
        review_id,
        chair,
        ChooseMethodology(
            method="scie_learning_together",
            lead_reviewer="Dr R. Reviewer",
            lead_reviewer_independent=True,
            on=date(2026, 3, 10),
        ),
    )
    for party, status in (("practitioners", "contributed"), ("family", "invited")):
        reviews.record_involvement(
            review_id, contributor, RecordInvolvement(party=party, status=status)
        )
    reviews.receive_final_report(
        review_id,
        chair,
        ReceiveFinalReport(received_on=date(2026, 4, 20), summary="Overview report"),
    )
    reviews.agree_board_response(
        review_id,
        actors.business_manager,
        AgreeBoardResponse(agreed_on=date(2026, 4, 27), summary="All accepted"),
    )
    reviews.publish(
        review_id,
        chair,
        PublishReview(published_on=date(2026, 4, 30), url="https://lscb.example.org/scr-2026-01"),
    )
    first = reviews.extract_learning(
        review_id, chair, IdentifyNeed(**learning_fields("training", "Briefings"))
    )
    second = reviews.extract_learning(
        review_id, chair, IdentifyNeed(**learning_fields("policy", "Guidance"))
    )

    review = log.load(review_id, CaseReview, "case review")
    assert review.status == "published"
    assert review.involvement == {"practitioners": "contributed", "family": "invited"}
    assert [(link.item_id, link.subgroup) for link in review.learning] == [
        (str(first), "training"),
        (str(second), "policy"),
    ]
    for item_id, subgroup in ((first, "training"), (second, "policy")):
        item = log.load(item_id, LearningItem, "learning item")
        assert (item.subgroup, item.source_kind) == (subgroup, "case-review")
        assert item.source_reference == str(review_id)
    assert review.step_dates() == {
        "notified": date(2026, 3, 2),
        "criteria_assessed": date(2026, 3, 3),
        "decided": date(2026, 3, 5),
        "methodology_chosen": date(2026, 3, 10),
        "final_report_received": date(2026, 4, 20),
        "board_response_agreed": date(2026, 4, 27),
        "published": date(2026, 4, 30),
        "milestone:scoping_meeting": date(2026, 3, 9),
    }
    history = reviews.events_until(review_id, clock())
    assert [type(e).__name__ for e in history][:2] == ["Notified", "CriteriaAssessed"]
    assert history[-1].actor == {"id": "u-ch", "name": "Chen Chair", "role": "chair"}


def test_a_departure_is_flagged_in_the_review_and_its_history(reviews, log, actors, clock):
    bm = actors.business_manager
    review_id = notified(reviews, bm)
    reviews.assess_criteria(review_id, bm, AssessCriteria(**REQUIRED))
    with pytest.raises(RuleViolation, match="requires a serious case review"):
        reviews.decide(
            review_id, bm, DecideReview(review_type="learning_review", rationale="Proportionate")
        )
    reviews.decide(
        review_id,
        bm,
        DecideReview(
            review_type="learning_review",
            rationale="Proportionate",
            departure_reason="A national review of the same setting is under way",
        ),
    )
    assert log.load(review_id, CaseReview, "case review").departure
    (decided,) = [
        e for e in reviews.events_until(review_id, clock()) if type(e).__name__ == "Decided"
    ]
    assert (decided.departure, decided.review_type) == (True, "learning_review")


# -- who may write ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["inspector", "training_contributor"])
def test_only_the_case_review_subgroup_and_the_business_manager_write(
    reviews, actors, record_count, who
):
    actor = getattr(actors, who)
    with pytest.raises(Forbidden, match="may not change case reviews in serious-case-review"):
        reviews.notify(actor, NotifyReview(**NOTIFICATION))
    review_id = notified(reviews, actors.contributor)
    before = record_count()
    with pytest.raises(Forbidden):
        reviews.assess_criteria(review_id, actor, AssessCriteria(**REQUIRED))
    assert record_count() == before


def test_learning_goes_only_where_the_actor_may_write_and_nothing_is_half_saved(
    reviews, log, actors, record_count
):
    review_id = in_review(reviews, actors.contributor)
    before = record_count()
    with pytest.raises(Forbidden, match="may not record learning in training"):
        reviews.extract_learning(
            review_id, actors.contributor, IdentifyNeed(**learning_fields("training", "T"))
        )
    with pytest.raises(UnknownSubgroup):
        reviews.extract_learning(
            review_id, actors.contributor, IdentifyNeed(**learning_fields("finance", "F"))
        )
    with pytest.raises(InvalidField) as bad_source:
        reviews.extract_learning(
            review_id,
            actors.contributor,
            IdentifyNeed(
                **{
                    **learning_fields("serious-case-review", "S"),
                    "source_kind": "course-evaluation",
                }
            ),
        )
    assert bad_source.value.field == "source.kind"
    assert record_count() == before
    assert log.load(review_id, CaseReview, "case review").learning == []
    item_id = reviews.extract_learning(
        review_id, actors.contributor, IdentifyNeed(**learning_fields("serious-case-review", "S"))
    )
    assert log.load(item_id, LearningItem, "learning item").subgroup == "serious-case-review"


def test_learning_names_its_review_and_no_other(reviews, actors):
    review_id = in_review(reviews, actors.business_manager)
    with pytest.raises(InvalidField) as refused:
        reviews.extract_learning(
            review_id,
            actors.business_manager,
            IdentifyNeed(source_reference="SCR-OTHER", **learning_fields("training", "T")),
        )
    assert refused.value.field == "source.reference"


# -- versions, concurrency and atomicity ------------------------------------------------------


def test_an_if_match_version_is_honoured(reviews, actors, record_count):
    bm = actors.business_manager
    review_id = notified(reviews, bm)
    with pytest.raises(VersionMismatch):
        reviews.assess_criteria(review_id, bm, AssessCriteria(**REQUIRED), expected_version=2)
    reviews.assess_criteria(
        review_id, bm, AssessCriteria(**REQUIRED), expected_version=frozenset({1, 5})
    )
    before = record_count()
    with pytest.raises(VersionMismatch):
        reviews.extract_learning(
            review_id, bm, IdentifyNeed(**learning_fields("training", "T")), expected_version=1
        )
    assert record_count() == before


class RacingClock:
    """A clock that, the first time it is read, has another writer change the review."""

    def __init__(self, clock, race) -> None:
        self.clock, self.race = clock, race

    def __call__(self) -> datetime:
        race, self.race = self.race, None
        if race is not None:
            race()
        return self.clock()


def test_a_concurrent_write_saves_neither_the_item_nor_the_link(
    log, framework, clock, reviews, actors, record_count
):
    bm = actors.business_manager
    review_id = in_review(reviews, bm)

    def concurrent_write() -> None:
        reviews.record_involvement(
            review_id, bm, RecordInvolvement(party="family", status="invited")
        )

    racing = CaseReviews(log, framework, RacingClock(clock, concurrent_write))
    with pytest.raises(VersionMismatch):
        racing.extract_learning(
            review_id, bm, IdentifyNeed(**learning_fields("policy", "P")), expected_version=4
        )
    assert log.load(review_id, CaseReview, "case review").learning == []
    # notified (with the claim on its case reference), assessed, decided, methodology, involvement
    assert record_count() == 6

    racing = CaseReviews(log, framework, RacingClock(clock, concurrent_write))
    item_id = racing.extract_learning(review_id, bm, IdentifyNeed(**learning_fields("policy", "P")))
    review = log.load(review_id, CaseReview, "case review")
    assert [link.item_id for link in review.learning] == [str(item_id)]
    assert record_count() == 9  # a second involvement, then one item and one link


# -- what is not there ----------------------------------------------------------------------


def test_unknown_reviews_are_not_found(reviews, learning, actors):
    bm = actors.business_manager
    item_id = learning.identify(
        bm,
        IdentifyNeed(
            subgroup="training", title="T", description="", source_kind="course-evaluation"
        ),
    )
    for missing in (item_id, uuid4()):
        with pytest.raises(NotFound, match="no case review"):
            reviews.decide(missing, bm, DecideReview(review_type="no_review", rationale="n/a"))
        with pytest.raises(NotFound, match="no case review"):
            reviews.extract_learning(missing, bm, IdentifyNeed(**learning_fields("training", "T")))


def test_a_framework_without_case_review_rules_says_so(log, framework, clock, actors):
    bare = CaseReviews(log, replace(framework, case_reviews=None), clock)
    with pytest.raises(CaseReviewsNotConfigured, match=r"\[case_reviews\]"):
        bare.notify(actors.business_manager, NotifyReview(**NOTIFICATION))


def test_bad_input_through_the_service_records_nothing(reviews, actors, record_count):
    bm = actors.business_manager
    with pytest.raises(InvalidField) as refused:
        reviews.notify(bm, NotifyReview(**{**NOTIFICATION, "case_reference": "Baby P"}))
    assert refused.value.field == "case_reference"
    review_id = notified(reviews, bm)
    before = record_count()
    with pytest.raises(RuleViolation, match="assess the criteria"):
        reviews.decide(
            review_id, bm, DecideReview(review_type="serious_case_review", rationale="r")
        )
    with pytest.raises(InvalidField):
        press = ReachMilestone(milestone="press_release", reached_on=date(2026, 3, 9))
        reviews.reach_milestone(review_id, bm, press)
    assert record_count() == before
    assert reviews.today() == date(2026, 5, 1)


def test_the_packaged_framework_runs_a_review(log, clock):
    framework = load_framework()
    if framework.case_reviews is None:
        pytest.skip("the packaged framework has no [case_reviews] yet")
    reviews = CaseReviews(log, framework, clock)
    bm = Actor("u-bm", "Bea Manager", BUSINESS_MANAGER)
    review_id = reviews.notify(
        bm, NotifyReview(**{**NOTIFICATION, "notifying_agency": framework.agencies[0].slug})
    )
    assert (
        reviews.assess_criteria(review_id, bm, AssessCriteria(**REQUIRED)) == "serious_case_review"
    )
    with pytest.raises(RuleViolation, match="requires a serious case review"):
        reviews.decide(
            review_id, bm, DecideReview(review_type="critical_incident_review", rationale="r")
        )
    reviews.decide(
        review_id, bm, DecideReview(review_type="serious_case_review", rationale="Meets 5(2)")
    )
    with pytest.raises(RuleViolation, match="independent"):
        reviews.choose_methodology(
            review_id,
            bm,
            ChooseMethodology(
                method="silp", lead_reviewer="A. Insider", lead_reviewer_independent=False
            ),
        )
    for rule in framework.case_reviews.clocks:
        for step in (rule.starts_on, rule.met_by):
            slug = step.removeprefix("milestone:")
            assert step in STEPS or slug in {m.slug for m in framework.case_reviews.milestones}
