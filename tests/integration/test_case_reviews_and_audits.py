"""Case reviews and audits through the services, read back from the views, on each store:
restart and rebuild, the audit trail, atomic learning extraction, the yearly limit on multi-agency
case audits under a race, and the Working Together 2023 framework's rapid review clocks."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from adapters.bootstrap import Learnloop
from domain.audit import AuditProgramme
from domain.case_review import CaseReview
from domain.commands.audit import CompleteAudit, PlanAudit, RecordFinding
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
from domain.errors import InvalidField, RuleViolation
from projections.read import AuditFilter
from services.errors import Forbidden

SCR = "serious-case-review"
TRAINING = "training"
ME = "monitoring-and-evaluation"
MACA = "multi_agency_case_audit"
REVIEW_TABLES = ("view_case_reviews", "view_review_clocks", "view_audits")

SCR_FACTS = {
    "abuse_or_neglect_known_or_suspected": True,
    "child_died": False,
    "child_seriously_harmed": True,
    "concern_about_joint_working": True,
    "died_in_custody_or_detained": False,
}


def notify(ll: Learnloop, actor: Any, **fields: Any) -> UUID:
    values = {
        "case_reference": "CR-2026/001",
        "notified_on": date(2026, 4, 20),
        "notifying_agency": "rbwm-childrens-services",
        "summary": "Serious injury to an infant known to agencies.",
    }
    return ll.case_reviews.notify(actor, NotifyReview(**{**values, **fields}))


def learning(subgroup: str = SCR, source_kind: str = "local_serious_case_review") -> dict:
    return {
        "subgroup": subgroup,
        "title": "Escalation between health and children's services",
        "description": "Concerns were raised but not escalated.",
        "source_kind": source_kind,
        "themes": ["escalation"],
    }


def published_review(ll: Learnloop, actor: Any, clock: Any) -> tuple[UUID, list[UUID]]:
    """A serious case review from notification to publication, with learning in two
    subgroups and a milestone."""
    rid = notify(ll, actor)
    reviews = ll.case_reviews
    assert reviews.assess_criteria(rid, actor, AssessCriteria(**SCR_FACTS)) == "serious_case_review"
    reviews.reach_milestone(
        rid, actor, ReachMilestone(milestone="ofsted_notified", reached_on=date(2026, 4, 22))
    )
    reviews.decide(
        rid, actor, DecideReview(review_type="serious_case_review", rationale="Criteria met")
    )
    reviews.choose_methodology(
        rid,
        actor,
        ChooseMethodology(method="silp", lead_reviewer="Dr R", lead_reviewer_independent=True),
    )
    reviews.record_involvement(
        rid, actor, RecordInvolvement(party="family", status="contributed", note="met")
    )
    items = [
        reviews.extract_learning(rid, actor, IdentifyNeed(**learning())),
        reviews.extract_learning(rid, actor, IdentifyNeed(**learning(TRAINING, "subgroup_issues"))),
    ]
    clock.advance(days=10)
    reviews.receive_final_report(
        rid, actor, ReceiveFinalReport(received_on=date(2026, 5, 8), summary="Report")
    )
    reviews.agree_board_response(
        rid, actor, AgreeBoardResponse(agreed_on=date(2026, 5, 10), summary="Agreed")
    )
    reviews.publish(
        rid, actor, PublishReview(published_on=date(2026, 5, 11), url="https://example.org/scr/1")
    )
    return rid, items


def audit_programme(ll: Learnloop, actor: Any, review_id: UUID) -> list[UUID]:
    audits = ll.audits
    maca = audits.plan(actor, PlanAudit(kind=MACA, theme="Neglect", planned_for=date(2026, 6, 1)))
    audits.record_finding(maca, actor, RecordFinding(summary="No chronology"))
    audits.record_finding(
        maca,
        actor,
        RecordFinding(
            summary="Health records incomplete",
            learning=IdentifyNeed(
                subgroup=ME,
                title="Chronologies",
                description="Missing",
                source_kind="targeted_multi_agency_audits",
            ),
        ),
    )
    audits.complete(maca, actor, CompleteAudit(completed_on=date(2026, 5, 11), summary="Reported"))
    single = audits.plan(
        actor,
        PlanAudit(
            kind="single_agency_audit",
            theme="Police referrals",
            planned_for=date(2027, 4, 2),
            agency="thames-valley-police",
        ),
    )
    bespoke = audits.plan(
        actor,
        PlanAudit(
            kind="bespoke_multi_agency_audit",
            theme="Answering the review",
            planned_for=date(2026, 7, 1),
            prompted_by=str(review_id),
        ),
    )
    return [maca, single, bespoke]


def trail(ll: Learnloop, **where: Any) -> list[dict[str, Any]]:
    events, _ = ll.read_models.audit_trail(0, 1000, AuditFilter(**where))
    return events


# -- restart and rebuild -----------------------------------------------------------------------


def test_restart_keeps_reviews_and_audits_and_rebuild_gives_identical_rows(
    open_learnloop, make_actors, clock, view_rows, event_count
):
    ll = open_learnloop()
    bm = make_actors(ll).business_manager
    rid, item_ids = published_review(ll, bm, clock)
    other = notify(ll, bm, case_reference="CR-2026/002")
    audit_ids = audit_programme(ll, bm, rid)

    before = view_rows(ll.store.engine)
    for table in REVIEW_TABLES:
        assert before[table], f"{table} is empty"
    assert len(before["view_case_reviews"]) == 2
    assert len(before["view_audits"]) == 3
    review_doc = ll.read_models.case_review(str(rid))
    audit_docs = [ll.read_models.audit(str(a)) for a in audit_ids]
    count = event_count(ll)
    ll.close()

    again = open_learnloop()
    assert event_count(again) == count
    assert view_rows(again.store.engine) == before
    assert again.read_models.case_review(str(rid)) == review_doc
    assert [again.read_models.audit(str(a)) for a in audit_ids] == audit_docs
    assert again.log.load(rid, CaseReview, "case review").status == "published"
    assert review_doc["status"] == "published"
    assert [link["item_id"] for link in review_doc["learning_items"]] == [str(i) for i in item_ids]

    assert again.projector.rebuild() == count
    rebuilt = view_rows(again.store.engine)
    for table in REVIEW_TABLES:
        assert rebuilt[table] == before[table], table
    assert rebuilt == before

    # the restarted instance carries on where the first left off
    again.case_reviews.assess_criteria(
        other, make_actors(again).business_manager, AssessCriteria(**SCR_FACTS)
    )
    assert again.read_models.case_review(str(other))["version"] == 2
    assert again.read_models.case_review(str(other))["required"] == "serious_case_review"


# -- the audit trail ---------------------------------------------------------------------------


def test_the_audit_trail_lists_review_and_audit_events_under_their_subgroups(ll, actors, clock):
    bm = actors.business_manager
    rid, (scr_item, training_item) = published_review(ll, bm, clock)
    audit_ids = audit_programme(ll, bm, rid)

    events = trail(ll)
    assert [e["position"] for e in events] == list(range(1, len(events) + 1))
    by_stream: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_stream.setdefault(event["stream_id"], []).append(event)

    review_events = by_stream[str(rid)]
    assert [e["type"] for e in review_events] == [
        "Notified",
        "CriteriaAssessed",
        "MilestoneReached",
        "Decided",
        "MethodologyChosen",
        "InvolvementRecorded",
        "LearningLinked",
        "LearningLinked",
        "FinalReportReceived",
        "BoardResponseAgreed",
        "Published",
    ]
    assert {e["stream_type"] for e in review_events} == {"case_review"}
    assert {e["subgroup"] for e in review_events} == {SCR}
    assert {e["actor"]["id"] for e in review_events} == {bm.id}
    assert [e["version"] for e in review_events] == list(range(1, 12))

    assert by_stream[str(scr_item)][0]["subgroup"] == SCR
    assert by_stream[str(training_item)][0]["subgroup"] == TRAINING
    assert by_stream[str(training_item)][0]["stream_type"] == "learning_item"

    for audit_id in audit_ids:
        audit_events = by_stream[str(audit_id)]
        assert {e["stream_type"] for e in audit_events} == {"audit"}
        assert {e["subgroup"] for e in audit_events} == {ME}
    assert [e["type"] for e in by_stream[str(audit_ids[0])]] == [
        "Planned",
        "FindingRecorded",
        "FindingRecorded",
        "Completed",
    ]
    programme = by_stream[str(AuditProgramme.id_for(2026))]
    assert [e["type"] for e in programme] == ["Opened", "CaseAuditScheduled"]
    assert {e["subgroup"] for e in programme} == {ME}

    scr_positions = {e["position"] for e in trail(ll, subgroup=SCR)}
    assert {e["position"] for e in review_events} <= scr_positions
    me_streams = {e["stream_id"] for e in trail(ll, subgroup=ME)}
    assert {str(a) for a in audit_ids} <= me_streams
    assert str(rid) not in me_streams
    assert {e["stream_id"] for e in trail(ll, type="Decided")} == {str(rid)}


# -- extracting learning is atomic -------------------------------------------------------------


def test_extract_learning_into_a_subgroup_the_actor_may_not_write_records_nothing(
    ll, actors, view_rows, event_count
):
    c = actors.contributor  # serious-case-review: may write the review, not training
    rid = notify(ll, c)
    count, rows, events = event_count(ll), view_rows(ll.store.engine), trail(ll)

    with pytest.raises(Forbidden):
        ll.case_reviews.extract_learning(
            rid, c, IdentifyNeed(**learning(TRAINING, "subgroup_issues"))
        )
    with pytest.raises(InvalidField):
        ll.case_reviews.extract_learning(
            rid, c, IdentifyNeed(**learning(SCR, "participant_feedback"))
        )
    with pytest.raises(Forbidden):
        ll.case_reviews.extract_learning(
            rid, actors.training_contributor, IdentifyNeed(**learning(TRAINING, "subgroup_issues"))
        )

    assert event_count(ll) == count
    assert trail(ll) == events
    assert view_rows(ll.store.engine) == rows
    assert ll.log.load(rid, CaseReview, "case review").learning == []
    assert ll.read_models.items(ll.learning.today()) == []

    item_id = ll.case_reviews.extract_learning(rid, c, IdentifyNeed(**learning()))
    assert [e["type"] for e in trail(ll)[len(events) :]] == ["Identified", "LearningLinked"]
    assert [i["id"] for i in ll.read_models.items(ll.learning.today())] == [str(item_id)]


def test_extract_learning_saves_item_and_link_together_when_the_review_moved_meanwhile(
    ll, actors, monkeypatch
):
    """A concurrent write to the review between load and save makes the save conflict; the
    item drafted for the lost attempt is not saved, and the retry saves exactly one."""
    bm = actors.business_manager
    rid = notify(ll, bm)
    drafted: list[UUID] = []
    draft = ll.learning.draft

    def draft_while_someone_else_writes(*args: Any, **kwargs: Any) -> Any:
        if not drafted:
            ll.case_reviews.reach_milestone(
                rid, bm, ReachMilestone(milestone="ofsted_notified", reached_on=date(2026, 4, 21))
            )
        item = draft(*args, **kwargs)
        drafted.append(item.id)
        return item

    monkeypatch.setattr(ll.learning, "draft", draft_while_someone_else_writes)
    count = len(trail(ll))
    item_id = ll.case_reviews.extract_learning(rid, bm, IdentifyNeed(**learning()))

    assert len(drafted) == 2 and drafted[-1] == item_id
    # the milestone, then the item and the link (not the max log position: PostgreSQL's
    # sequence skips the ids the rolled-back attempt took)
    assert [e["type"] for e in trail(ll)[count:]] == [
        "MilestoneReached",
        "Identified",
        "LearningLinked",
    ]
    # the lost attempt saved nothing, so the retry took the same reference (and id) again
    assert drafted[0] == item_id
    items = ll.read_models.items(ll.learning.today())
    assert [i["id"] for i in items] == [str(item_id)]
    assert items[0]["source"]["reference"] == str(rid)
    review = ll.read_models.case_review(str(rid))
    assert [link["item_id"] for link in review["learning_items"]] == [str(item_id)]
    assert review["milestones"] == {"ofsted_notified": "2026-04-21"}


# -- the yearly limit under a race -------------------------------------------------------------


def race_for_places(ll: Learnloop, actor: Any, monkeypatch: Any) -> list[Any]:
    """Two threads plan a multi-agency case audit in 2026 at once; both load the year's
    programme before either saves. Returns what each got: an audit id or the exception."""
    load = ll.audits._programme
    loaded = threading.local()
    barrier = threading.Barrier(2)
    calls: list[int] = []

    def load_then_wait(*args: Any) -> Any:
        programme = load(*args)
        calls.append(programme.version)
        if not getattr(loaded, "once", False):
            loaded.once = True
            barrier.wait(timeout=10)
        return programme

    monkeypatch.setattr(ll.audits, "_programme", load_then_wait)
    results: list[Any] = [None, None]

    def plan(n: int) -> None:
        try:
            results[n] = ll.audits.plan(
                actor, PlanAudit(kind=MACA, theme=f"Race {n}", planned_for=date(2026, 10, n + 1))
            )
        except BaseException as error:
            results[n] = error

    threads = [threading.Thread(target=plan, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(calls) == 3, f"expected one retry after the conflict, saw loads {calls}"
    monkeypatch.setattr(ll.audits, "_programme", load)
    return results


def test_two_requests_racing_for_the_last_place_in_the_year_get_it_once(
    ll, actors, monkeypatch, view_rows
):
    bm = actors.business_manager
    for month in (5, 6, 7):
        ll.audits.plan(
            bm, PlanAudit(kind=MACA, theme=f"Month {month}", planned_for=date(2026, month, 1))
        )

    results = race_for_places(ll, bm, monkeypatch)

    won = [r for r in results if isinstance(r, UUID)]
    lost = [r for r in results if not isinstance(r, UUID)]
    assert len(won) == 1, results
    assert len(lost) == 1 and isinstance(lost[0], RuleViolation), results
    assert "override_reason" in lost[0].rule

    assert len(ll.read_models.audits(2026)) == 4
    assert str(won[0]) in {a["id"] for a in ll.read_models.audits(2026)}
    programme = ll.log.load(AuditProgramme.id_for(2026), AuditProgramme, "programme")
    assert len(programme.scheduled) == 4
    assert len(trail(ll, type="Planned")) == 4
    assert len(trail(ll, type="CaseAuditScheduled")) == 4
    rows = view_rows(ll.store.engine)
    ll.projector.rebuild()
    assert view_rows(ll.store.engine) == rows

    with pytest.raises(RuleViolation):
        ll.audits.plan(bm, PlanAudit(kind=MACA, theme="Fifth", planned_for=date(2026, 11, 1)))
    ll.audits.plan(
        bm, PlanAudit(kind=MACA, theme="Fifth", planned_for=date(2026, 11, 1), override_reason="R")
    )
    assert len(ll.read_models.audits(2026)) == 5


def test_two_requests_opening_the_year_both_get_a_place(ll, actors, monkeypatch):
    """The first audits of a year race to open its programme: one opens it, the other retries
    on the opened programme; both are scheduled."""
    bm = actors.business_manager
    results = race_for_places(ll, bm, monkeypatch)
    assert all(isinstance(r, UUID) for r in results), results
    programme = ll.log.load(AuditProgramme.id_for(2026), AuditProgramme, "programme")
    assert set(programme.scheduled) == {str(r) for r in results}
    assert len(trail(ll, type="Opened")) == 1
    assert len(ll.read_models.audits(2026)) == 2


# -- Working Together 2023 ---------------------------------------------------------------------


def test_working_together_2023_requires_a_rapid_review_on_working_day_clocks(
    open_learnloop, make_actors, view_rows
):
    ll = open_learnloop(framework="working-together-2023")
    assert ll.framework.case_reviews is not None
    assert ll.framework.case_reviews.required_name == "rapid_review"
    bm = make_actors(ll).business_manager
    reviews = ll.case_reviews

    # Wed 1 Apr 2026; Good Friday 3 Apr and Easter Monday 6 Apr are not working days
    rid = notify(ll, bm, notified_on=date(2026, 4, 1))
    facts = {**SCR_FACTS, "concern_about_joint_working": False}  # not part of the 2023 test
    assert reviews.assess_criteria(rid, bm, AssessCriteria(**facts)) == "rapid_review"
    doc = ll.read_models.case_review(str(rid))
    assert doc["required"] == "rapid_review"
    clocks = {c["name"]: c for c in doc["clocks"]}
    assert set(clocks) == {"panel_notification", "rapid_review"}
    assert (clocks["panel_notification"]["due"], clocks["panel_notification"]["met_on"]) == (
        "2026-04-10",
        None,
    )
    assert (clocks["rapid_review"]["due"], clocks["rapid_review"]["met_on"]) == (
        "2026-04-24",
        None,
    )
    today = ll.learning.today()
    running = {(f["item_id"], f["target_id"]): f for f in ll.read_models.follow_ups(today, today)}
    assert running[(str(rid), "panel_notification")]["overdue"] is True
    assert running[(str(rid), "rapid_review")]["kind"] == "clock"

    with pytest.raises(InvalidField):  # the 2013 framework's milestone
        reviews.reach_milestone(
            rid, bm, ReachMilestone(milestone="ofsted_notified", reached_on=date(2026, 4, 2))
        )
    reviews.reach_milestone(
        rid, bm, ReachMilestone(milestone="panel_notified", reached_on=date(2026, 4, 8))
    )
    reviews.reach_milestone(
        rid, bm, ReachMilestone(milestone="rapid_review_completed", reached_on=date(2026, 4, 22))
    )
    clocks = {c["name"]: c for c in ll.read_models.case_review(str(rid))["clocks"]}
    assert clocks["panel_notification"]["met_on"] == "2026-04-08"
    assert clocks["rapid_review"]["met_on"] == "2026-04-22"
    rows = {r["name"]: r for r in view_rows(ll.store.engine)["view_review_clocks"]}
    assert rows["panel_notification"]["due"] == date(2026, 4, 10)
    assert rows["panel_notification"]["met_on"] == date(2026, 4, 8)
    assert rows["rapid_review"]["due"] == date(2026, 4, 24)
    assert rows["rapid_review"]["met_on"] == date(2026, 4, 22)
    assert ll.read_models.follow_ups(today, date(2027, 1, 1)) == []

    with pytest.raises(RuleViolation, match="rapid_review"):
        reviews.decide(
            rid, bm, DecideReview(review_type="learning_review", rationale="Proportionate")
        )
    with pytest.raises(InvalidField):
        reviews.decide(
            rid, bm, DecideReview(review_type="serious_case_review", rationale="2013 type")
        )
    lcspr = "local_child_safeguarding_practice_review"
    reviews.decide(rid, bm, DecideReview(review_type=lcspr, rationale="The Panel agreed"))
    doc = ll.read_models.case_review(str(rid))
    assert doc["decision"]["departure"] is False
    clocks = {c["name"]: c for c in doc["clocks"]}
    assert clocks["lcspr_publication"]["due"] == "2026-10-30"  # 182 days from 1 May
    with pytest.raises(RuleViolation, match="independent"):
        reviews.choose_methodology(
            rid,
            bm,
            ChooseMethodology(
                method="silp", lead_reviewer="Manager", lead_reviewer_independent=False
            ),
        )


def test_working_together_2023_criteria(open_learnloop, make_actors):
    ll = open_learnloop(framework="working-together-2023")
    bm = make_actors(ll).business_manager
    none = dict.fromkeys(SCR_FACTS, False)
    cases = [
        ({**none, "abuse_or_neglect_known_or_suspected": True, "child_died": True}, "rapid_review"),
        ({**none, "died_in_custody_or_detained": True}, "rapid_review"),
        ({**none, "child_died": True}, "discretionary"),
        ({**none, "abuse_or_neglect_known_or_suspected": True}, "discretionary"),
        ({**none, "concern_about_joint_working": True}, "none"),
    ]
    for number, (facts, required) in enumerate(cases):
        rid = notify(ll, bm, case_reference=f"CR-2026/{number:03d}")
        assert ll.case_reviews.assess_criteria(rid, bm, AssessCriteria(**facts)) == required, facts
        assert ll.read_models.case_review(str(rid))["required"] == required
