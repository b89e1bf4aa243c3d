"""References on the in-memory store: numbered per year in order, held by claims that decide a
race, resolved from URLs; case references held by one review at a time; records created before
references given theirs in creation order (ADR 0045)."""

from dataclasses import replace
from datetime import date

import pytest
from eventsourcing.persistence import IntegrityError

from domain.actor import system_actor
from domain.case_review import CaseReview
from domain.commands.case_review import NotifyReview
from domain.commands.learning_item import IdentifyNeed
from domain.commands.withdrawal import Withdraw
from domain.errors import RuleViolation
from domain.learning_item import LearningItem
from domain.reference import Reference
from services.errors import NotFound
from services.learning import LearningItems
from services.reference_upgrade import assign_missing_references
from services.references import References

NEED = IdentifyNeed(
    subgroup="serious-case-review",
    title="Escalation",
    description="Concerns were not escalated",
    source_kind="serious-case-review",
)
NOTIFICATION = NotifyReview(
    case_reference="WM/SCR/2026-01",
    notified_on=date(2026, 3, 2),
    notifying_agency="childrens-social-care",
    summary="Infant admitted with unexplained injuries",
)


def item(log, item_id):
    return log.load(item_id, LearningItem, "learning item")


def test_items_are_numbered_in_order_within_their_year(learning, log, actors):
    ids = [learning.identify(actors.contributor, NEED) for _ in range(3)]
    assert [item(log, i).reference for i in ids] == ["LL-2026-0001", "LL-2026-0002", "LL-2026-0003"]


def test_a_reference_is_resolved_like_the_id(learning, actors):
    item_id = learning.identify(actors.contributor, NEED)
    assert learning.resolve("LL-2026-0001") == item_id
    assert learning.resolve("ll-2026-0001") == item_id
    assert learning.resolve(str(item_id)) == item_id
    for unknown in ("LL-2026-0002", "CR-2026-001", "nonsense"):
        with pytest.raises(NotFound):
            learning.resolve(unknown)


def test_a_process_that_missed_others_creations_still_takes_the_next_number(
    log, framework, clock, actors
):
    first, second = (LearningItems(log, framework, clock) for _ in range(2))
    first.identify(actors.contributor, NEED)
    second.identify(actors.contributor, NEED)
    for _ in range(5):
        first.identify(actors.contributor, NEED)
    created = second.identify(actors.contributor, NEED)
    assert item(log, created).reference == "LL-2026-0008"


def test_a_race_for_a_number_is_decided_again_with_the_next(log, framework, clock, actors):
    """Two processes that both believe 1 is free: the second's claim conflicts and it retries."""
    racer = LearningItems(log, framework, clock)
    loser = LearningItems(log, framework, clock)
    save = log.record
    raced = []

    def record(*aggregates):
        if not raced:
            raced.append(None)
            raced[0] = racer.identify(actors.contributor, NEED)
        return save(*aggregates)

    log.record = record
    created = loser.identify(actors.contributor, NEED)
    log.record = save
    assert item(log, raced[0]).reference == "LL-2026-0001"
    assert item(log, created).reference == "LL-2026-0002"


def test_numbers_go_beyond_their_width():
    assert str(Reference("AUD", 2026, 100)) == "AUD-2026-100"
    assert Reference.parse("AUD-2026-100") == Reference("AUD", 2026, 100)


def test_a_reviews_reference_counts_in_the_year_it_was_notified(reviews, log, actors):
    review_id = reviews.notify(actors.business_manager, NOTIFICATION)
    review = log.load(review_id, CaseReview, "case review")
    assert review.reference == "CR-2026-001"
    assert reviews.resolve("CR-2026-001") == review_id


def test_a_case_reference_in_use_is_refused_naming_the_review(reviews, actors, record_count):
    reviews.notify(actors.business_manager, NOTIFICATION)
    before = record_count()
    again = replace(NOTIFICATION, case_reference="wm/scr/2026-01")
    with pytest.raises(RuleViolation, match="already in use by case review CR-2026-001"):
        reviews.notify(actors.business_manager, again)
    assert record_count() == before


def test_a_withdrawn_review_frees_its_case_reference(reviews, log, actors):
    first = reviews.notify(actors.business_manager, NOTIFICATION)
    reviews.withdraw(first, actors.business_manager, Withdraw(reason="Notified twice"))
    second = reviews.notify(actors.business_manager, NOTIFICATION)
    review = log.load(second, CaseReview, "case review")
    assert review.reference == "CR-2026-002"
    with pytest.raises(RuleViolation, match="CR-2026-002"):
        reviews.notify(actors.business_manager, NOTIFICATION)


def test_records_created_before_references_get_them_in_creation_order(
    log, framework, clock, actors, reviews
):
    """Items saved as version 1 events were (no reference, no claim), then the upgrade."""
    now = clock()
    old = [
        LearningItem.identify(framework, NEED, actor=actors.contributor, now=now) for _ in range(2)
    ]
    log.record(*old)
    legacy_review = CaseReview.notify(framework, NOTIFICATION, actor=actors.contributor, now=now)
    log.record(legacy_review)
    assert item(log, old[0].id).reference is None
    assert assign_missing_references(log, system_actor(), clock) == 3
    assert [item(log, i.id).reference for i in old] == ["LL-2026-0001", "LL-2026-0002"]
    assert log.load(legacy_review.id, CaseReview, "case review").reference == "CR-2026-001"
    assert References(log).holder("reference", "LL-2026-0002") == old[1].id
    with pytest.raises(RuleViolation, match="CR-2026-001"):
        reviews.notify(actors.business_manager, NOTIFICATION)
    assert assign_missing_references(log, system_actor(), clock) == 0


def test_the_upgrade_reports_completion_only_when_no_record_was_left_without(
    log, framework, clock, actors, monkeypatch
):
    """`completed` marks the store as needing no further walk: not when a record lost every try."""
    log.record(LearningItem.identify(framework, NEED, actor=actors.contributor, now=clock()))
    completed: list[int] = []

    def lose(*_records):
        raise IntegrityError

    with monkeypatch.context() as patch:
        patch.setattr(log, "record", lose)
        given = assign_missing_references(log, system_actor(), clock, lambda: completed.append(1))
    assert (given, completed) == (0, [])
    given = assign_missing_references(log, system_actor(), clock, lambda: completed.append(1))
    assert (given, completed) == (1, [1])
