"""Steps entered late, on each store (ADR 0040): a review decided in June and entered in
December starts its clocks in June, and still does after a restart and a rebuild; events stored
before steps carried a day read as happening on the day they were recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.commands.case_review import AssessCriteria, DecideReview, NotifyReview
from domain.commands.learning_item import IdentifyNeed, ReportProgress
from domain.errors import InvalidField
from domain.learning_item import LearningItem

SCR_FACTS = {
    "abuse_or_neglect_known_or_suspected": True,
    "child_died": False,
    "child_seriously_harmed": True,
    "concern_about_joint_working": True,
    "died_in_custody_or_detained": False,
}


@pytest.fixture(autouse=True)
def _december(clock):
    clock.now = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)


def clocks(ll, review_id) -> dict[str, dict]:
    doc = ll.read_models.case_review(str(review_id))
    return {c["name"]: c for c in doc["clocks"]}


def test_a_review_decided_in_june_and_entered_in_december_keeps_its_clocks(
    open_learnloop, make_actors
):
    ll = open_learnloop()
    bm = make_actors(ll).business_manager
    review_id = ll.case_reviews.notify(
        bm,
        NotifyReview(
            case_reference="CR/2026-006",
            notified_on=date(2026, 6, 1),
            notifying_agency="thames-valley-police",
            summary="Serious injury",
        ),
    )
    ll.case_reviews.assess_criteria(review_id, bm, AssessCriteria(**SCR_FACTS, on=date(2026, 6, 3)))
    ll.case_reviews.decide(
        review_id,
        bm,
        DecideReview(review_type="serious_case_review", rationale="5(2)", on=date(2026, 6, 10)),
    )
    expected = {
        "scr_decision": ("2026-07-01", "2026-06-10"),
        "scr_completion": ("2026-12-09", None),  # 182 days from the June decision: overdue now
    }

    def shown(found):
        return {name: (found[name]["due"], found[name]["met_on"]) for name in expected}

    assert shown(clocks(ll, review_id)) == expected
    ll.close()
    restarted = open_learnloop()
    restarted.projector.rebuild()
    assert shown(clocks(restarted, review_id)) == expected


def test_an_event_stored_before_steps_had_a_day_happened_on_the_day_recorded(ll, make_actors):
    contributor = make_actors(ll).contributor
    item_id = ll.learning.identify(
        contributor,
        IdentifyNeed(
            subgroup="serious-case-review",
            title="Escalation",
            description="",
            source_kind="local_serious_case_review",
            on=date(2026, 6, 1),
        ),
    )
    recorded = datetime(2026, 7, 14, 23, 30, tzinfo=UTC)  # 15 July in London
    state = {
        "timestamp": recorded,
        "actor": contributor.as_record(),
        "action_id": "from-v1",
        "means": "implementation_of_recommendations",
        "description": "Brief all teams",
        "owner": "Children's Services",
        "owner_email": None,
        "due": date(2026, 9, 30),
    }
    ll.log.recorder.insert_events(
        [
            StoredEvent(
                originator_id=item_id,
                originator_version=2,
                topic=get_topic(LearningItem.MeansChosen),
                state=ll.log.mapper.transcoder.encode(state),
            )
        ]
    )
    ll.projector.catch_up()

    item = ll.log.load(item_id, LearningItem, "learning item")
    assert item.actions["from-v1"].chosen_on == date(2026, 7, 15)
    [chosen] = [
        e for e in ll.read_models.history(str(item_id), "learning_item") if e["version"] == 2
    ]
    assert chosen["data"]["on"] == "2026-07-15"
    with pytest.raises(InvalidField, match=r"2026-07-14 is before the action was chosen"):
        ll.learning.report_progress(
            item_id,
            contributor,
            ReportProgress(action_id="from-v1", status="on_track", on=date(2026, 7, 14)),
        )
