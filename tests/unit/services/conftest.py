"""Services on the in-memory store: one event log, a framework built in code, the shared clock.

The framework has three subgroups (the case review subgroup, training and policy), two agencies
and Working Together 2013 case review rules. `record_count()` is how many events the log holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from domain.actor import BUSINESS_MANAGER, CHAIR, CONTRIBUTOR, INSPECTOR, Actor
from domain.framework import Agency, CaseReviewRules, ClockRule, Framework, Option, Subgroup
from services.case_reviews import CaseReviews
from services.event_log import EventLog
from services.learning import LearningItems

SCR = "serious-case-review"
TRAINING = "training"
POLICY = "policy"


def _options(*slugs: str) -> tuple[Option, ...]:
    return tuple(
        Option(slug, slug.replace("_", " ").replace("-", " ").capitalize()) for slug in slugs
    )


def _subgroup(slug: str, *sources: str) -> Subgroup:
    return Subgroup(
        slug=slug,
        name=slug.capitalize(),
        scope="local",
        identification_sources=_options(*sources),
        means_of_improvement=_options("multi-agency-training"),
        measures_of_effectiveness=_options("case-file-audit"),
    )


@pytest.fixture
def case_review_rules() -> CaseReviewRules:
    return CaseReviewRules(
        subgroup=SCR,
        criteria="regulation-5-2-2006",
        required_name="serious_case_review",
        satisfies_requirement=("serious_case_review",),
        independent_lead_for=("serious_case_review",),
        response_before_publication_for=("serious_case_review",),
        review_types=_options(
            "serious_case_review",
            "critical_incident_review",
            "best_practice_review",
            "learning_review",
            "no_review",
        ),
        methods=_options("scie_learning_together", "root_cause_analysis", "silp", "other"),
        milestones=_options("scoping_meeting", "learning_event"),
        clocks=(
            ClockRule("decision", "Decision in a month", "notified", 1, "calendar_days", "decided"),
        ),
    )


@pytest.fixture
def framework(case_review_rules: CaseReviewRules) -> Framework:
    return Framework(
        name="Test partnership",
        timezone="Europe/London",
        subgroups=(
            _subgroup(SCR, "serious-case-review", "learning-review"),
            _subgroup(TRAINING, "course-evaluation", "case-review"),
            _subgroup(POLICY, "case-review"),
        ),
        agencies=(
            Agency("childrens-social-care", "Children's Social Care"),
            Agency("police", "Thames Valley Police"),
        ),
        case_reviews=case_review_rules,
    )


@dataclass(frozen=True)
class Actors:
    business_manager: Actor
    contributor: Actor
    chair: Actor
    inspector: Actor
    training_contributor: Actor


@pytest.fixture
def actors() -> Actors:
    return Actors(
        business_manager=Actor("u-bm", "Bea Manager", BUSINESS_MANAGER),
        contributor=Actor("u-c", "Cara Contributor", CONTRIBUTOR, subgroups=(SCR,)),
        chair=Actor("u-ch", "Chen Chair", CHAIR, subgroups=(SCR, TRAINING, POLICY)),
        inspector=Actor("u-i", "Ida Inspector", INSPECTOR),
        training_contributor=Actor("u-t", "Tom Trainer", CONTRIBUTOR, subgroups=(TRAINING,)),
    )


@pytest.fixture
def log() -> EventLog:
    return EventLog(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


@pytest.fixture
def reviews(log: EventLog, framework: Framework, clock: Any) -> CaseReviews:
    return CaseReviews(log, framework, clock)


@pytest.fixture
def learning(log: EventLog, framework: Framework, clock: Any) -> LearningItems:
    return LearningItems(log, framework, clock)


@pytest.fixture
def record_count(log: EventLog) -> Callable[[], int]:
    return lambda: log.recorder.max_notification_id() or 0
