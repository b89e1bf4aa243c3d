"""The annual report (issue 5) over a known reporting year, on each store: every figure checked
against a year built event by event on chosen dates; reproducible "as at" a log position after
more is recorded and after a rebuild; an empty year is an honest empty report in every format.

The known year is 2026/27 (1 April 2026 to 31 March 2027), with history before it (2025/26) and
events after it (April and May 2027); the report is built in May 2027, so what is overdue is
judged on 31 March 2027. Events happen at noon UTC (the same calendar day in London).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from unittest.mock import ANY
from uuid import UUID

import pytest
import sqlalchemy as sa

from adapters.annual_report import build
from adapters.bank_holidays import england_and_wales
from adapters.bootstrap import Learnloop
from adapters.reports import render
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
)
from domain.commands.learning_item import (
    ChooseMeans,
    CloseItem,
    DefineMeasure,
    IdentifyNeed,
    RecordEvidence,
    ReopenItem,
    ReportProgress,
)
from domain.errors import InvalidField
from projections.projector import Projector
from projections.registry import default_views
from projections.reports.annual import annual_report
from projections.views.items import item_versions

SCR = "serious-case-review"
BOARD = "board"
TRAINING = "training"
ME = "monitoring-and-evaluation"
MACA = "multi_agency_case_audit"
BESPOKE = "bespoke_multi_agency_audit"
SINGLE = "single_agency_audit"
SCR_FACTS = {
    "abuse_or_neglect_known_or_suspected": True,
    "child_died": False,
    "child_seriously_harmed": True,
    "concern_about_joint_working": True,
    "died_in_custody_or_detained": False,
}
NO_FACTS = dict.fromkeys(SCR_FACTS, False)
OVERRIDE_REASON = "Superseded by the national panel's thematic review"
DEPARTURE_REASON = "The facts are established; the family asked for a learning review"
NO_MEANS = "no means of improvement chosen in 90 days"
RED_ACTION = "an action is off track or overdue"


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


@dataclass
class Steps:
    """Short steps over the services, each at noon UTC on a chosen day."""

    ll: Learnloop
    clock: Any
    actor: Any  # the business manager, who writes everywhere

    def on(self, day: date) -> Steps:
        self.clock.now = noon(day)
        return self

    def item(self, subgroup: str, source: str, title: str, **extra: Any) -> str:
        return str(
            self.ll.learning.identify(
                self.actor,
                IdentifyNeed(
                    subgroup=subgroup,
                    title=title,
                    description=f"The need: {title.lower()}",
                    source_kind=source,
                    source_reference=extra.pop("reference", None),
                    **extra,
                ),
            )
        )

    def action(self, item: str, means: str, due: date, what: str = "Do the work") -> str:
        return self.ll.learning.choose_means(
            UUID(item),
            self.actor,
            ChooseMeans(means=means, description=what, owner="Head of QA", due=due),
        )

    def progress(self, item: str, action: str, status: str) -> None:
        self.ll.learning.report_progress(
            UUID(item),
            self.actor,
            ReportProgress(action_id=action, status=status, note=f"now {status}"),
        )

    def measure(self, item: str, kind: str, review_due: date) -> str:
        return self.ll.learning.define_measure(
            UUID(item),
            self.actor,
            DefineMeasure(kind=kind, description=f"Measure: {kind}", review_due=review_due),
        )

    def evidence(self, item: str, measure: str, outcome: str, summary: str, ref: str) -> None:
        self.ll.learning.record_evidence(
            UUID(item),
            self.actor,
            RecordEvidence(measure_id=measure, outcome=outcome, summary=summary, reference=ref),
        )

    def close(self, item: str, by: Any = None, override_reason: str | None = None) -> None:
        self.ll.learning.close_item(
            UUID(item),
            by or self.actor,
            CloseItem(summary="Closed after review", override_reason=override_reason),
        )

    def review(self, reference: str, notified_on: date) -> UUID:
        return self.ll.case_reviews.notify(
            self.actor,
            NotifyReview(
                case_reference=reference,
                notified_on=notified_on,
                notifying_agency="rbwm-childrens-services",
                summary="Serious incident notified",
            ),
        )

    def audit(self, kind: str, theme: str, planned_for: date, **extra: Any) -> UUID:
        return self.ll.audits.plan(
            self.actor, PlanAudit(kind=kind, theme=theme, planned_for=planned_for, **extra)
        )


@dataclass
class KnownYear:
    items: dict[str, str] = field(default_factory=dict)
    actions: dict[str, str] = field(default_factory=dict)
    measures: dict[str, str] = field(default_factory=dict)
    reviews: dict[str, UUID] = field(default_factory=dict)
    audits: dict[str, UUID] = field(default_factory=dict)


def record_known_year(ll: Learnloop, actors: Any, clock: Any) -> KnownYear:
    """2025/26 history, the 2026/27 year, and April-May 2027, in the order it happened."""
    s = Steps(ll, clock, actors.business_manager)
    reviews, audits = ll.case_reviews, ll.audits
    k = KnownYear()
    i, a, m, r, au = k.items, k.actions, k.measures, k.reviews, k.audits
    bm = actors.business_manager

    # -- 2025/26: the year before ---------------------------------------------------------
    s.on(date(2025, 6, 2))
    i["P1"] = s.item(SCR, "local_serious_case_review", "Old overdue escalation need")
    a["P1"] = s.action(i["P1"], "implementation_of_recommendations", date(2026, 1, 31))
    s.on(date(2025, 6, 10))
    au["A0"] = s.audit(MACA, "Neglect 2025", date(2025, 7, 1))
    s.on(date(2025, 7, 1))
    i["P3"] = s.item(SCR, "other_local_review", "Closed last year")
    a["P3"] = s.action(i["P3"], "key_themes", date(2025, 12, 31))
    s.on(date(2025, 8, 1))
    audits.complete(au["A0"], bm, CompleteAudit(completed_on=date(2025, 8, 1), summary="Done"))
    s.on(date(2025, 9, 1))
    i["P2"] = s.item(TRAINING, "participant_feedback", "Old need with no means")
    s.on(date(2025, 10, 1))
    i["P4"] = s.item(BOARD, "jsna", "JSNA shows late early help")
    a["P4"] = s.action(
        i["P4"], "agreed_agency_action", date(2026, 9, 30), "Agencies agree an early help offer"
    )
    s.on(date(2025, 12, 1))
    s.progress(i["P3"], a["P3"], "complete")
    m["P3"] = s.measure(i["P3"], "evaluation_workshop", date(2026, 3, 1))
    s.on(date(2026, 2, 1))
    au["A0b"] = s.audit(
        SINGLE, "Police referrals", date(2026, 3, 15), agency="thames-valley-police"
    )
    s.on(date(2026, 3, 2))
    r["R0"] = s.review("CR-2025/009", date(2026, 3, 2))
    reviews.assess_criteria(r["R0"], bm, AssessCriteria(**NO_FACTS))
    reviews.decide(
        r["R0"], bm, DecideReview(review_type="no_review", rationale="Below the threshold")
    )
    s.on(date(2026, 3, 10))
    s.evidence(i["P3"], m["P3"], "met", "Workshop showed the change", "EW-2026-03")
    s.on(date(2026, 3, 20))
    s.close(i["P3"], by=actors.chair)
    r["R0b"] = s.review("CR-2025/010", date(2026, 3, 20))
    s.on(date(2026, 3, 23))
    reviews.reach_milestone(
        r["R0b"], bm, ReachMilestone(milestone="ofsted_notified", reached_on=date(2026, 3, 23))
    )

    # -- 2026/27: the known year ------------------------------------------------------------
    s.on(date(2026, 4, 10))
    reviews.assess_criteria(r["R0b"], bm, AssessCriteria(**NO_FACTS))
    reviews.decide(
        r["R0b"], bm, DecideReview(review_type="no_review", rationale="Below the threshold")
    )
    audits.complete(
        au["A0b"], bm, CompleteAudit(completed_on=date(2026, 4, 10), summary="Referrals sound")
    )
    s.on(date(2026, 5, 1))
    i["N1"] = s.item(SCR, "local_serious_case_review", "Neglect signs missed", reference="SCR-1")
    a["N1a"] = s.action(
        i["N1"], "implementation_of_recommendations", date(2026, 8, 31), "Neglect protocol"
    )
    a["N1b"] = s.action(i["N1"], "learning_into_training", date(2026, 10, 31), "Neglect course")
    au["MACA1"] = s.audit(MACA, "Neglect", date(2026, 6, 1))
    au["MACA2"] = s.audit(MACA, "Domestic abuse", date(2026, 9, 1))
    au["MACA3"] = s.audit(MACA, "Exploitation", date(2027, 1, 15))
    au["S1"] = s.audit(SINGLE, "Health visiting", date(2027, 4, 2), agency="berkshire-healthcare")
    s.on(date(2026, 5, 15))
    i["N4"] = s.item(TRAINING, "participant_feedback", "Course too theoretical")
    a["N4"] = s.action(i["N4"], "course_content_update", date(2027, 5, 31), "Add case studies")
    s.on(date(2026, 6, 1))
    i["N2"] = s.item(SCR, "serious_case_review_elsewhere", "Learning from a national review")
    a["N2"] = s.action(i["N2"], "transferable_learning", date(2026, 12, 31), "Briefing")
    m["N2"] = s.measure(i["N2"], "evaluation_workshop", date(2026, 12, 1))
    r["R1"] = s.review("CR-2026/001", date(2026, 6, 1))
    s.on(date(2026, 6, 5))
    reviews.reach_milestone(
        r["R1"], bm, ReachMilestone(milestone="ofsted_notified", reached_on=date(2026, 6, 5))
    )
    reviews.assess_criteria(r["R1"], bm, AssessCriteria(**SCR_FACTS))
    s.on(date(2026, 6, 10))
    i["N3"] = str(
        reviews.extract_learning(
            r["R1"],
            bm,
            IdentifyNeed(
                subgroup=SCR,
                title="Escalation between health and social care",
                description="The need: escalation between health and social care",
                source_kind="local_serious_case_review",
            ),
        )
    )
    s.on(date(2026, 6, 15))
    s.progress(i["P4"], a["P4"], "complete")
    m["P4"] = s.measure(i["P4"], "follow_up_reports", date(2026, 7, 1))
    s.on(date(2026, 6, 30))
    _, n8 = audits.record_finding(
        au["MACA1"],
        bm,
        RecordFinding(
            summary="Chronologies missing",
            learning=IdentifyNeed(
                subgroup=ME,
                title="Chronologies are missing",
                description="The need: chronologies",
                source_kind="targeted_multi_agency_audits",
            ),
        ),
    )
    i["N8"] = str(n8)
    audits.complete(
        au["MACA1"], bm, CompleteAudit(completed_on=date(2026, 6, 30), summary="Reported")
    )
    s.on(date(2026, 7, 1))
    s.evidence(i["P4"], m["P4"], "met", "Early help offer taken up", "FUR-2026-07")
    a["N3a"] = s.action(i["N3"], "key_themes", date(2027, 6, 30), "Escalation themes")
    a["N3b"] = s.action(i["N3"], "learning_into_training", date(2027, 9, 30), "Escalation course")
    s.on(date(2026, 7, 10))
    s.close(i["P4"])
    s.on(date(2026, 7, 15))
    reviews.decide(
        r["R1"],
        bm,
        DecideReview(
            review_type="learning_review",
            rationale="A learning review suits the case",
            departure_reason=DEPARTURE_REASON,
        ),
    )
    reviews.choose_methodology(
        r["R1"],
        bm,
        ChooseMethodology(method="silp", lead_reviewer="Dr Lead", lead_reviewer_independent=False),
    )
    s.on(date(2026, 8, 1))
    i["N5"] = s.item(TRAINING, "national_policy", "New statutory guidance")
    au["B1"] = s.audit(
        BESPOKE, "Answering CR-2026/001", date(2026, 11, 1), prompted_by=str(r["R1"])
    )
    s.on(date(2026, 8, 20))
    s.progress(i["N1"], a["N1a"], "complete")
    s.on(date(2026, 9, 1))
    i["N7"] = s.item(BOARD, "jsna", "JSNA: rising self-harm")
    a["N7"] = s.action(i["N7"], "agreed_agency_action", date(2026, 11, 30), "Self-harm pathway")
    r["R2"] = s.review("CR-2026/002", date(2026, 9, 1))
    reviews.assess_criteria(r["R2"], bm, AssessCriteria(**SCR_FACTS))
    s.on(date(2026, 9, 10))
    s.progress(i["N3"], a["N3a"], "off_track")
    s.progress(i["N3"], a["N3b"], "at_risk")
    s.on(date(2026, 9, 20))
    reviews.decide(
        r["R2"], bm, DecideReview(review_type="serious_case_review", rationale="Criteria met")
    )
    reviews.choose_methodology(
        r["R2"],
        bm,
        ChooseMethodology(
            method="root_cause_analysis", lead_reviewer="Ms Ind", lead_reviewer_independent=True
        ),
    )
    s.on(date(2026, 10, 1))
    s.progress(i["N1"], a["N1b"], "complete")
    m["N1"] = s.measure(i["N1"], "evaluation_workshop", date(2027, 1, 31))
    reviews.receive_final_report(
        r["R1"], bm, ReceiveFinalReport(received_on=date(2026, 10, 1), summary="Report")
    )
    s.on(date(2026, 10, 15))
    audits.complete(
        au["MACA2"], bm, CompleteAudit(completed_on=date(2026, 10, 15), summary="Reported")
    )
    reviews.agree_board_response(
        r["R1"], bm, AgreeBoardResponse(agreed_on=date(2026, 10, 15), summary="Agreed")
    )
    s.on(date(2026, 11, 1))
    s.evidence(i["N1"], m["N1"], "partly_met", "Half the practitioners use it", "EW-2026-11")
    reviews.publish(
        r["R1"], bm, PublishReview(published_on=date(2026, 11, 1), url="https://example.org/cr/1")
    )
    s.on(date(2026, 11, 15))
    s.progress(i["N2"], a["N2"], "complete")
    s.on(date(2026, 11, 20))
    s.progress(i["N7"], a["N7"], "complete")
    m["N7"] = s.measure(i["N7"], "follow_up_reports", date(2027, 1, 31))
    s.on(date(2026, 12, 1))
    s.evidence(i["N2"], m["N2"], "not_met", "No change seen", "EW-2026-12")
    m["N3"] = s.measure(i["N3"], "evaluation_workshop", date(2027, 6, 30))
    s.on(date(2027, 1, 10))
    s.evidence(i["N7"], m["N7"], "met", "Self-harm admissions down", "FUR-2027-01")
    s.on(date(2027, 1, 15))
    s.evidence(i["N1"], m["N1"], "met", "Nine in ten practitioners use it", "EW-2027-01")
    s.on(date(2027, 2, 1))
    s.close(i["N1"], by=actors.chair)
    i["N6"] = s.item(TRAINING, "local_policy", "New local escalation protocol")
    a["N6"] = s.action(i["N6"], "course_content_review", date(2027, 6, 30), "Review courses")
    s.progress(i["N6"], a["N6"], "on_track")
    s.on(date(2027, 3, 1))
    s.close(i["N2"], override_reason=OVERRIDE_REASON)
    r["R3"] = s.review("CR-2027/003", date(2027, 3, 1))
    reviews.receive_final_report(
        r["R2"], bm, ReceiveFinalReport(received_on=date(2027, 3, 1), summary="Report")
    )
    s.on(date(2027, 3, 3))
    reviews.reach_milestone(
        r["R3"], bm, ReachMilestone(milestone="ofsted_notified", reached_on=date(2027, 3, 3))
    )
    s.on(date(2027, 3, 15))
    s.close(i["N7"])
    s.on(date(2027, 3, 20))
    reviews.agree_board_response(
        r["R2"], bm, AgreeBoardResponse(agreed_on=date(2027, 3, 20), summary="Agreed")
    )

    # -- April and May 2027: after the year -------------------------------------------------
    s.on(date(2027, 4, 5))
    i["N9"] = s.item(SCR, "local_serious_case_review", "Identified after the year")
    s.on(date(2027, 4, 10))
    reviews.publish(
        r["R2"], bm, PublishReview(published_on=date(2027, 4, 10), url="https://example.org/cr/2")
    )
    s.on(date(2027, 4, 15))
    s.evidence(i["N3"], m["N3"], "partly_met", "Some escalation seen", "EW-2027-04")
    s.on(date(2027, 4, 20))
    s.progress(i["N4"], a["N4"], "complete")
    m["N4"] = s.measure(i["N4"], "participant_evaluation", date(2027, 6, 30))
    audits.complete(au["B1"], bm, CompleteAudit(completed_on=date(2027, 4, 20), summary="Answered"))
    s.on(date(2027, 5, 1))
    s.evidence(i["N4"], m["N4"], "met", "Participants rate it highly", "PE-2027-05")
    s.on(date(2027, 5, 15))
    return k


def without_generated_at(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "generated_at"}


def subgroup_of(report: dict[str, Any], slug: str) -> dict[str, Any]:
    (found,) = [s for s in report["subgroups"] if s["slug"] == slug]
    return found


def empty_subgroup_figures() -> dict[str, Any]:
    return {
        "needs_identified": 0,
        "sources": [],
        "actions": {
            "chosen": 0,
            "completed": 0,
            "overdue": 0,
            "by_rag": {"green": 0, "amber": 0, "red": 0, "complete": 0},
        },
        "measures_defined": 0,
        "evidence": {"met": 0, "partly_met": 0, "not_met": 0},
        "closed_with_evidence": 0,
        "closed_by_override": 0,
        "withdrawn": 0,
        "override_reasons": [],
        "loop": {"identification": 0, "improvement": 0, "effectiveness": 0, "closed": 0},
        "stages": {"identification": 0, "improvement": 0, "effectiveness": 0, "closed": 0},
    }


def figures(subgroup: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in subgroup.items() if k not in ("slug", "name", "scope")}


# -- the known year, every figure ----------------------------------------------------------------


@pytest.fixture
def known(ll: Learnloop, make_actors: Callable[[Learnloop], Any], clock: Any) -> KnownYear:
    return record_known_year(ll, make_actors(ll), clock)


def test_the_known_year_gives_every_figure(ll: Learnloop, known: KnownYear) -> None:
    i = known.items
    report = build(ll, 2026)

    assert report["year"] == 2026
    assert report["label"] == "2026/27"
    assert report["period"] == {"from": "2026-04-01", "to": "2027-03-31"}
    assert report["partnership"] == ll.framework.name
    assert report["as_at_position"] == ll.log.recorder.max_notification_id()
    assert datetime.fromisoformat(report["generated_at"]) == noon(date(2027, 5, 15))
    assert report["dataset"] == {"highlights": []}

    assert report["totals"] == {
        "needs_identified": 8,  # N1 N2 N3 (SCR), N7 (board), N4 N5 N6 (training), N8 (M&E)
        "measures_defined": 5,  # N1 N2 N3 P4 N7 (N4's came after the year)
        "closed_with_evidence": 3,  # N1, P4, N7 (P3 closed in March 2026, N4 in May 2027)
        "closed_by_override": 1,  # N2
        "withdrawn": 0,
        "actions_chosen": 8,  # N1 x2, N2, N3 x2, N7, N4, N6
        "actions_completed": 5,  # N1 x2, N2, P4, N7 (N4's was completed in April 2027)
        "actions_overdue": 1,  # P1's, due 31 January 2026 and never completed
        "evidence": {"met": 3, "partly_met": 1, "not_met": 1},
    }
    assert [s["slug"] for s in report["subgroups"]] == [s.slug for s in ll.framework.subgroups]

    # The state at the year's end (31 March 2027) sets `by_rag`, `loop` and `stages`: N4's
    # action, completed in April 2027, is still open there.
    assert figures(subgroup_of(report, SCR)) == {
        "needs_identified": 3,
        "sources": [
            {
                "slug": "local_serious_case_review",
                "label": "Learning from Windsor and Maidenhead serious case reviews",
                "count": 2,
            },
            {
                "slug": "serious_case_review_elsewhere",
                "label": "Learning from serious case reviews undertaken elsewhere",
                "count": 1,
            },
        ],
        "actions": {
            "chosen": 5,
            "completed": 3,
            "overdue": 1,
            "by_rag": {"green": 0, "amber": 1, "red": 2, "complete": 3},
        },
        "measures_defined": 3,
        "evidence": {"met": 1, "partly_met": 1, "not_met": 1},
        "closed_with_evidence": 1,
        "closed_by_override": 1,
        "withdrawn": 0,
        "override_reasons": [
            {
                "item_id": i["N2"],
                "reference": ANY,
                "title": "Learning from a national review",
                "reason": OVERRIDE_REASON,
            }
        ],
        "loop": {"identification": 4, "improvement": 4, "effectiveness": 2, "closed": 2},
        "stages": {"identification": 0, "improvement": 2, "effectiveness": 0, "closed": 2},
    }
    assert figures(subgroup_of(report, BOARD)) == {
        **empty_subgroup_figures(),
        "needs_identified": 1,
        "sources": [{"slug": "jsna", "label": "Issues emerging from the JSNA", "count": 1}],
        "actions": {
            "chosen": 1,
            "completed": 2,
            "overdue": 0,
            "by_rag": {"green": 0, "amber": 0, "red": 0, "complete": 2},
        },
        "measures_defined": 2,
        "evidence": {"met": 2, "partly_met": 0, "not_met": 0},
        "closed_with_evidence": 2,
        "loop": {"identification": 2, "improvement": 2, "effectiveness": 2, "closed": 2},
        "stages": {"identification": 0, "improvement": 0, "effectiveness": 0, "closed": 2},
    }
    assert figures(subgroup_of(report, TRAINING)) == {
        **empty_subgroup_figures(),
        "needs_identified": 3,
        "sources": [
            {
                "slug": "participant_feedback",
                "label": "Feedback from course participants",
                "count": 1,
            },
            {"slug": "national_policy", "label": "National policy initiatives", "count": 1},
            {"slug": "local_policy", "label": "Local policies and protocols", "count": 1},
        ],
        "actions": {
            "chosen": 2,
            "completed": 0,
            "overdue": 0,
            "by_rag": {"green": 2, "amber": 0, "red": 0, "complete": 0},
        },
        "loop": {"identification": 4, "improvement": 2, "effectiveness": 0, "closed": 0},
        "stages": {"identification": 2, "improvement": 2, "effectiveness": 0, "closed": 0},
    }
    assert figures(subgroup_of(report, ME)) == {
        **empty_subgroup_figures(),
        "needs_identified": 1,
        "sources": [
            {
                "slug": "targeted_multi_agency_audits",
                "label": "Targeting the Board's multi-agency audits to maximise learning"
                " within the resources available",
                "count": 1,
            }
        ],
        "loop": {"identification": 1, "improvement": 0, "effectiveness": 0, "closed": 0},
        "stages": {"identification": 1, "improvement": 0, "effectiveness": 0, "closed": 0},
    }
    for subgroup in report["subgroups"]:
        if subgroup["slug"] not in (SCR, BOARD, TRAINING, ME):
            assert figures(subgroup) == empty_subgroup_figures(), subgroup["slug"]

    # -- impact: items closed in the year on met evidence, by subgroup in framework order ------
    def evidence(measure: str, outcome: str, summary: str, ref: str, on: date) -> dict[str, Any]:
        return {
            "measure": measure,
            "outcome": outcome,
            "summary": summary,
            "reference": ref,
            "recorded_at": noon(on).isoformat(),
        }

    def action(means: str, description: str) -> dict[str, Any]:
        return {
            "means_label": means,
            "description": description,
            "owner": "Head of QA",
            "status": "complete",
        }

    follow_up = "Follow-up reports to be presented to the Board"
    workshop = "Evaluation workshop"
    agreed = "Agreeing the action to be taken by agencies"
    assert report["impact"] == [
        {
            "subgroup": BOARD,
            "name": "The Board",
            "items": [
                {
                    "id": i["P4"],
                    "reference": ANY,
                    "title": "JSNA shows late early help",
                    "description": "The need: jsna shows late early help",
                    "source": {
                        "kind": "jsna",
                        "reference": None,
                        "label": "Issues emerging from the JSNA",
                    },
                    "actions": [action(agreed, "Agencies agree an early help offer")],
                    "evidence": [
                        evidence(
                            follow_up,
                            "met",
                            "Early help offer taken up",
                            "FUR-2026-07",
                            date(2026, 7, 1),
                        )
                    ],
                    "closed_at": noon(date(2026, 7, 10)).isoformat(),
                },
                {
                    "id": i["N7"],
                    "reference": ANY,
                    "title": "JSNA: rising self-harm",
                    "description": "The need: jsna: rising self-harm",
                    "source": {
                        "kind": "jsna",
                        "reference": None,
                        "label": "Issues emerging from the JSNA",
                    },
                    "actions": [action(agreed, "Self-harm pathway")],
                    "evidence": [
                        evidence(
                            follow_up,
                            "met",
                            "Self-harm admissions down",
                            "FUR-2027-01",
                            date(2027, 1, 10),
                        )
                    ],
                    "closed_at": noon(date(2027, 3, 15)).isoformat(),
                },
            ],
        },
        {
            "subgroup": SCR,
            "name": "Serious Case Review Subgroup",
            "items": [
                {
                    "id": i["N1"],
                    "reference": ANY,
                    "title": "Neglect signs missed",
                    "description": "The need: neglect signs missed",
                    "source": {
                        "kind": "local_serious_case_review",
                        "reference": "SCR-1",
                        "label": "Learning from Windsor and Maidenhead serious case reviews",
                    },
                    "actions": [
                        action("Implementation of recommendations", "Neglect protocol"),
                        action(
                            "Identification of key learning points into the training"
                            " programmes of the Board and its partners",
                            "Neglect course",
                        ),
                    ],
                    "evidence": [
                        evidence(
                            workshop,
                            "partly_met",
                            "Half the practitioners use it",
                            "EW-2026-11",
                            date(2026, 11, 1),
                        ),
                        evidence(
                            workshop,
                            "met",
                            "Nine in ten practitioners use it",
                            "EW-2027-01",
                            date(2027, 1, 15),
                        ),
                    ],
                    "closed_at": noon(date(2027, 2, 1)).isoformat(),
                }
            ],
        },
    ]
    impact_ids = {item["id"] for group in report["impact"] for item in group["items"]}
    assert i["P3"] not in impact_ids  # closed on met evidence, but in March 2026
    assert i["N2"] not in impact_ids  # closed in the year by override, on not_met evidence

    # -- little progress: open items with no means after 90 days, or with a red action --------
    assert report["little_progress"] == [
        {
            "id": i["P1"],
            "reference": ANY,
            "title": "Old overdue escalation need",
            "subgroup": SCR,
            "stage": "improvement",
            "rag": "red",
            "reason": RED_ACTION,
        },
        {
            "id": i["P2"],
            "reference": ANY,
            "title": "Old need with no means",
            "subgroup": TRAINING,
            "stage": "identification",
            "rag": None,
            "reason": NO_MEANS,
        },
        {
            "id": i["N3"],
            "reference": ANY,
            "title": "Escalation between health and social care",
            "subgroup": SCR,
            "stage": "improvement",
            "rag": "red",
            "reason": RED_ACTION,
        },
        {
            "id": i["N8"],
            "reference": ANY,
            "title": "Chronologies are missing",
            "subgroup": ME,
            "stage": "identification",
            "rag": None,
            "reason": NO_MEANS,
        },
        {
            "id": i["N5"],
            "reference": ANY,
            "title": "New statutory guidance",
            "subgroup": TRAINING,
            "stage": "identification",
            "rag": None,
            "reason": NO_MEANS,
        },
    ]

    # -- case reviews ------------------------------------------------------------------------
    # Clocks due in the year: R0b's decision (met); R1's Ofsted notification (met) and decision
    # (missed: due 1 July, decided 15 July); R2's Ofsted notification (missed: never recorded),
    # decision (met) and completion (met: due 21 March 2027, report 1 March); R3's Ofsted
    # notification (met) and decision (running: due 31 March 2027, not decided). R2's
    # publication clock falls due in April 2027, outside the year.
    assert report["case_reviews"] == {
        "notified": 3,  # R1, R2, R3 (R0b was notified in March 2026)
        "decided": 3,  # R0b (10 April 2026), R1, R2
        "published": 1,  # R1 (R2 was published in April 2027)
        "withdrawn": 0,
        "departures": [
            {
                "case_reference": "CR-2026/001",
                "review_type": "learning_review",
                "required": "serious_case_review",
                "departure_reason": DEPARTURE_REASON,
            }
        ],
        "clocks": {"met": 5, "missed": 2, "running": 1},
        "reviews": [
            {
                "reference": ANY,
                "case_reference": "CR-2025/010",
                "status": "closed",
                "review_type": "no_review",
                "notified_on": "2026-03-20",
                "published_on": None,
                "learning_items": 0,
            },
            {
                "reference": ANY,
                "case_reference": "CR-2026/001",
                "status": "published",
                "review_type": "learning_review",
                "notified_on": "2026-06-01",
                "published_on": "2026-11-01",
                "learning_items": 1,
            },
            {
                "reference": ANY,
                "case_reference": "CR-2026/002",
                "status": "response_agreed",  # at the year's end (published in April 2027)
                "review_type": "serious_case_review",
                "notified_on": "2026-09-01",
                "published_on": None,
                "learning_items": 0,
            },
            {
                "reference": ANY,
                "case_reference": "CR-2027/003",
                "status": "notified",
                "review_type": None,
                "notified_on": "2027-03-01",
                "published_on": None,
                "learning_items": 0,
            },
        ],
    }

    # -- audits --------------------------------------------------------------------------------
    audits = report["audits"]
    assert audits["multi_agency_case_audits"] == 3
    assert audits["limit"] == 4
    assert audits["completed"] == 3  # A0b (10 April 2026), MACA1, MACA2; B1 was in April 2027
    assert audits["by_kind"] == {MACA: 3, BESPOKE: 1}  # S1 is planned for 2027/28
    assert sorted(audits["audits"], key=lambda x: x["planned_for"]) == [
        {
            "reference": ANY,
            "kind": MACA,
            "theme": "Neglect",
            "planned_for": "2026-06-01",
            "status": "completed",
            "findings": 1,
        },
        {
            "reference": ANY,
            "kind": MACA,
            "theme": "Domestic abuse",
            "planned_for": "2026-09-01",
            "status": "completed",
            "findings": 0,
        },
        {
            "reference": ANY,
            "kind": BESPOKE,
            "theme": "Answering CR-2026/001",
            "planned_for": "2026-11-01",
            "status": "planned",  # at the year's end (completed in April 2027)
            "findings": 0,
        },
        {
            "reference": ANY,
            "kind": MACA,
            "theme": "Exploitation",
            "planned_for": "2027-01-15",
            "status": "planned",
            "findings": 0,
        },
    ]

    # -- the same figures in Markdown and HTML ---------------------------------------------
    for fmt in ("md", "html"):
        text = render(report, fmt).decode()
        assert "2026/27" in text, fmt
        assert "Neglect signs missed" in text, fmt  # an impact item
        assert "Old overdue escalation need" in text, fmt  # little progress
        assert "Superseded by the national panel" in text, fmt  # an override reason
        assert "CR-2026/001" in text, fmt


def test_the_year_before_shows_only_its_own_figures(ll: Learnloop, known: KnownYear) -> None:
    """2025/26 from the same log: the earlier items, P3's closure and the earlier audits."""
    i = known.items
    report = build(ll, 2025)
    assert report["totals"] == {
        "needs_identified": 4,  # P1, P3 (SCR), P2 (training), P4 (board)
        "measures_defined": 1,  # P3's
        "closed_with_evidence": 1,  # P3
        "closed_by_override": 0,
        "withdrawn": 0,
        "actions_chosen": 3,  # P1, P3, P4
        "actions_completed": 1,  # P3's (P4's was completed in June 2026)
        "actions_overdue": 1,  # P1's, due 31 January 2026
        "evidence": {"met": 1, "partly_met": 0, "not_met": 0},
    }
    assert [item["id"] for group in report["impact"] for item in group["items"]] == [i["P3"]]
    assert report["case_reviews"]["notified"] == 2  # R0, R0b
    assert report["case_reviews"]["decided"] == 1  # R0 (R0b was decided in April 2026)
    assert report["audits"]["multi_agency_case_audits"] == 1  # A0
    assert report["audits"]["by_kind"] == {MACA: 1, SINGLE: 1}
    assert report["audits"]["completed"] == 1  # A0 (A0b was completed in April 2026)


# -- reproducible as at a position ----------------------------------------------------------------


def test_as_at_a_position_gives_the_same_figures_whatever_is_recorded_since(
    ll: Learnloop, known: KnownYear, make_actors: Callable[[Learnloop], Any], clock: Any
) -> None:
    i = known.items
    first = build(ll, 2026)
    position = first["as_at_position"]

    bm = ll.users.add("Second Manager", "business_manager", [], set()).actor
    s = Steps(ll, clock, bm)
    # Closures and an item after the year, and, back-dated into the year, new evidence, a new
    # item, a new case review and a new audit: each would change the year's figures.
    s.on(date(2027, 5, 20))
    s.close(i["N3"], override_reason="Merged into the national review's actions")
    s.close(i["N5"], override_reason="Guidance withdrawn")
    s.item(SCR, "local_serious_case_review", "After the position, after the year")
    s.on(date(2027, 3, 10))
    measure = s.measure(i["N6"], "participant_evaluation", date(2027, 6, 30))
    s.evidence(i["N6"], measure, "met", "Recorded late", "PE-LATE")
    s.item(BOARD, "subgroup_reports", "After the position, in the year")
    s.review("CR-2026/099", date(2026, 12, 1))
    s.audit(MACA, "Late-recorded audit", date(2027, 2, 1))
    s.on(date(2027, 6, 1))

    latest = build(ll, 2026)
    assert latest["as_at_position"] > position
    assert latest["totals"] != first["totals"]
    assert latest["case_reviews"]["notified"] == first["case_reviews"]["notified"] + 1

    again = build(ll, 2026, as_at=position)
    assert again["as_at_position"] == position
    assert without_generated_at(again) == without_generated_at(first)

    ll.projector.rebuild()
    rebuilt = build(ll, 2026, as_at=position)
    assert without_generated_at(rebuilt) == without_generated_at(first)
    assert without_generated_at(build(ll, 2026)) == without_generated_at(latest)


def test_as_at_any_position_equals_a_report_from_views_rebuilt_to_that_position(
    ll: Learnloop, known: KnownYear, tmp_path: Any
) -> None:
    """Versions are stored compactly (whole every few versions, deltas between, ADR 0010): the
    report read through them at each position is the report of views built afresh from the log
    up to that position, and nothing after it."""
    end = ll.log.recorder.max_notification_id()
    with ll.store.engine.connect() as conn:
        deltas = conn.execute(
            sa.select(sa.func.count()).select_from(item_versions).where(item_versions.c.delta)
        ).scalar_one()
    assert deltas > 0
    today, now = ll.learning.today(), ll.clock()

    def report(engine: sa.Engine, year: int, position: int) -> dict[str, Any]:
        return annual_report(engine, ll.framework, year, position, today, now)

    for position in [*range(1, end, 9), end]:
        fresh = sa.create_engine(f"sqlite:///{tmp_path}/views-{position}.db")
        rebuilt = Projector(
            fresh,
            ll.log.recorder,
            ll.log.mapper.to_domain_event,
            default_views(ll.framework, england_and_wales()),
            batch_size=position,  # one batch, ending at `position`
        )
        rebuilt.create_tables()
        assert rebuilt.catch_up(until=position) == position
        for year in (2025, 2026):
            assert report(ll.store.engine, year, position) == report(fresh, year, position), (
                year,
                position,
            )
        fresh.dispose()


def test_as_at_an_earlier_position_gives_the_figures_as_they_stood_then(
    ll: Learnloop, make_actors: Callable[[Learnloop], Any], clock: Any
) -> None:
    actors = make_actors(ll)
    s = Steps(ll, clock, actors.business_manager)
    s.on(date(2026, 5, 1))
    item = s.item(SCR, "local_serious_case_review", "Escalation")
    before = build(ll, 2026)
    action = s.action(item, "key_themes", date(2026, 6, 30))
    s.progress(item, action, "complete")
    after = build(ll, 2026)
    assert after["totals"]["actions_completed"] == 1

    earlier = build(ll, 2026, as_at=before["as_at_position"])
    assert without_generated_at(earlier) == without_generated_at(before)
    assert earlier["totals"]["actions_chosen"] == 0
    assert earlier["totals"]["needs_identified"] == 1
    assert build(ll, 2026, as_at=0)["totals"]["needs_identified"] == 0


@pytest.mark.parametrize("as_at", [-1, "beyond"])
def test_as_at_outside_the_log_is_refused(
    ll: Learnloop, make_actors: Callable[[Learnloop], Any], clock: Any, as_at: Any
) -> None:
    actors = make_actors(ll)
    Steps(ll, clock, actors.business_manager).on(date(2026, 5, 1)).item(
        SCR, "local_serious_case_review", "One item"
    )
    end = build(ll, 2026)["as_at_position"]
    with pytest.raises(InvalidField) as refused:
        build(ll, 2026, as_at=end + 1 if as_at == "beyond" else as_at)
    assert refused.value.field == "as_at"


@pytest.mark.parametrize("year", [1999, 2101])
def test_a_year_out_of_range_is_refused(ll: Learnloop, year: int) -> None:
    with pytest.raises(InvalidField) as refused:
        build(ll, year)
    assert refused.value.field == "year"


# -- a year with no data -------------------------------------------------------------------------


def test_a_year_with_no_data_is_an_honest_empty_report_in_every_format(
    ll: Learnloop, make_actors: Callable[[Learnloop], Any], clock: Any
) -> None:
    actors = make_actors(ll)
    s = Steps(ll, clock, actors.business_manager)
    s.on(date(2026, 5, 1))
    s.item(SCR, "local_serious_case_review", "Not in 2019")
    s.audit(MACA, "Not in 2019", date(2026, 6, 1))
    report = build(ll, 2019)

    assert report["label"] == "2019/20"
    assert report["period"] == {"from": "2019-04-01", "to": "2020-03-31"}
    assert report["totals"] == {
        "needs_identified": 0,
        "measures_defined": 0,
        "closed_with_evidence": 0,
        "closed_by_override": 0,
        "withdrawn": 0,
        "actions_chosen": 0,
        "actions_completed": 0,
        "actions_overdue": 0,
        "evidence": {"met": 0, "partly_met": 0, "not_met": 0},
    }
    assert len(report["subgroups"]) == len(ll.framework.subgroups)
    for subgroup in report["subgroups"]:
        assert figures(subgroup) == empty_subgroup_figures(), subgroup["slug"]
    assert report["impact"] == []
    assert report["little_progress"] == []
    assert report["case_reviews"] == {
        "notified": 0,
        "withdrawn": 0,
        "decided": 0,
        "published": 0,
        "departures": [],
        "clocks": {"met": 0, "missed": 0, "running": 0},
        "reviews": [],
    }
    assert report["audits"] == {
        "withdrawn": 0,
        "multi_agency_case_audits": 0,
        "limit": 4,
        "completed": 0,
        "by_kind": {},
        "audits": [],
    }

    assert render(report, "json").decode().strip().startswith("{")
    assert "2019/20" in render(report, "md").decode()
    assert "2019/20" in render(report, "html").decode()
    assert render(report, "pdf").startswith(b"%PDF")


def test_an_empty_store_gives_an_empty_report_at_position_zero(ll: Learnloop) -> None:
    report = build(ll, 2026)
    assert report["as_at_position"] == 0
    assert report["totals"]["needs_identified"] == 0
    assert report["impact"] == [] and report["little_progress"] == []


# -- defects found while writing these tests (fixed) --------------------------------------------


def test_an_item_closed_just_after_midnight_on_1_april_counts_in_the_new_year(
    ll: Learnloop, make_actors: Callable[[Learnloop], Any], clock: Any
) -> None:
    actors = make_actors(ll)
    s = Steps(ll, clock, actors.business_manager)
    s.on(date(2026, 3, 2))
    item = s.item(SCR, "local_serious_case_review", "Closed at 00:30 BST on 1 April")
    measure = s.measure(item, "evaluation_workshop", date(2026, 3, 31))
    s.evidence(item, measure, "met", "Works", "EW-1")
    clock.now = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 April 2026 in London
    s.close(item)
    s.on(date(2026, 5, 1))

    assert build(ll, 2025)["totals"]["closed_with_evidence"] == 0
    report = build(ll, 2026)
    assert report["totals"]["closed_with_evidence"] == 1
    assert [i["id"] for g in report["impact"] for i in g["items"]] == [item]


def test_overdue_at_the_years_end_stays_overdue_when_completed_after_it(
    ll: Learnloop, make_actors: Callable[[Learnloop], Any], clock: Any
) -> None:
    actors = make_actors(ll)
    s = Steps(ll, clock, actors.business_manager)
    s.on(date(2026, 5, 1))
    item = s.item(SCR, "local_serious_case_review", "Overdue at the year's end")
    action = s.action(item, "key_themes", date(2026, 12, 31))
    s.on(date(2027, 4, 15))  # after the year: the action completes, the item closes
    s.progress(item, action, "complete")
    measure = s.measure(item, "evaluation_workshop", date(2027, 6, 30))
    s.evidence(item, measure, "met", "Works", "EW-1")
    s.close(item)
    s.on(date(2027, 5, 1))

    report = build(ll, 2026)
    scr = subgroup_of(report, SCR)
    assert scr["actions"]["completed"] == 0
    assert scr["closed_with_evidence"] == 0
    # On 31 March 2027 the action was three months overdue and the item open.
    assert report["totals"]["actions_overdue"] == 1
    assert scr["actions"]["by_rag"]["red"] == 1
    assert [i["id"] for i in report["little_progress"]] == [item]


def test_an_item_closed_before_the_year_and_reopened_after_it_is_not_in_the_year(
    ll: Learnloop, make_actors: Callable[[Learnloop], Any], clock: Any
) -> None:
    actors = make_actors(ll)
    s = Steps(ll, clock, actors.business_manager)
    s.on(date(2025, 6, 2))
    item = s.item(SCR, "local_serious_case_review", "Closed all through 2026/27")
    measure = s.measure(item, "evaluation_workshop", date(2025, 12, 1))
    s.evidence(item, measure, "met", "Works", "EW-1")
    s.on(date(2026, 2, 1))
    s.close(item)
    s.on(date(2027, 5, 1))  # reopened after the year
    ll.learning.reopen_item(
        UUID(item), actors.business_manager, ReopenItem(reason="Concerns again")
    )

    report = build(ll, 2026)
    assert subgroup_of(report, SCR)["loop"]["identification"] == 0
    assert report["little_progress"] == []


def test_an_audit_recorded_after_the_year_for_a_date_in_it_counts_in_that_year(
    ll: Learnloop, make_actors: Callable[[Learnloop], Any], clock: Any
) -> None:
    actors = make_actors(ll)
    s = Steps(ll, clock, actors.business_manager)
    s.on(date(2027, 4, 10))  # recorded late, for a day in 2026/27
    s.audit(MACA, "Recorded late", date(2027, 3, 15))

    report = build(ll, 2026)
    assert report["audits"]["multi_agency_case_audits"] == 1  # as the 2026 programme counts it
    assert report["audits"]["by_kind"] == {MACA: 1}


def test_an_item_closed_by_override_before_its_actions_completed_never_reached_effectiveness(
    ll: Learnloop, make_actors: Callable[[Learnloop], Any], clock: Any
) -> None:
    actors = make_actors(ll)
    s = Steps(ll, clock, actors.business_manager)
    s.on(date(2026, 5, 1))
    item = s.item(SCR, "local_serious_case_review", "Closed in improvement")
    s.action(item, "key_themes", date(2026, 12, 31))
    s.on(date(2026, 6, 1))
    s.close(item, override_reason="No longer relevant")
    s.on(date(2027, 5, 1))

    loop = subgroup_of(build(ll, 2026), SCR)["loop"]
    assert loop == {"identification": 1, "improvement": 1, "effectiveness": 0, "closed": 1}


def test_steps_entered_after_the_year_count_in_the_year_they_happened(
    ll: Learnloop, make_actors: Callable[[Learnloop], Any], clock: Any
) -> None:
    """December's minutes typed up in April (ADR 0040): the figures go by the days the steps
    happened; the state the year ended in stays as the log knew it then."""
    actors = make_actors(ll)
    bm = actors.business_manager
    clock.now = noon(date(2027, 4, 20))  # all of it recorded after the year
    item = ll.learning.identify(
        bm,
        IdentifyNeed(
            subgroup=SCR,
            title="Minutes typed up late",
            description="",
            source_kind="local_serious_case_review",
            on=date(2026, 12, 2),
        ),
    )
    action = ll.learning.choose_means(
        item,
        bm,
        ChooseMeans(
            means="key_themes",
            description="Brief",
            owner="QA",
            due=date(2027, 2, 28),
            on=date(2026, 12, 9),
        ),
    )
    ll.learning.report_progress(
        item, bm, ReportProgress(action_id=action, status="complete", on=date(2027, 2, 20))
    )
    measure = ll.learning.define_measure(
        item,
        bm,
        DefineMeasure(
            kind="evaluation_workshop",
            description="Workshop",
            review_due=date(2027, 6, 30),
            on=date(2027, 1, 5),
        ),
    )
    ll.learning.record_evidence(
        item,
        bm,
        RecordEvidence(measure_id=measure, outcome="met", summary="Works", on=date(2027, 3, 10)),
    )
    ll.learning.close_item(item, bm, CloseItem(summary="Done", on=date(2027, 3, 24)))

    report = build(ll, 2026)
    scr = subgroup_of(report, SCR)
    assert scr["needs_identified"] == 1
    assert (scr["actions"]["chosen"], scr["actions"]["completed"]) == (1, 1)
    assert scr["measures_defined"] == 1 and scr["evidence"]["met"] == 1
    assert scr["closed_with_evidence"] == 1
    assert [i["id"] for g in report["impact"] for i in g["items"]] == [str(item)]
    assert build(ll, 2027)["totals"]["needs_identified"] == 0
