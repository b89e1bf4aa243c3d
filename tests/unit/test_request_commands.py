"""Each request body builds its command field for field: nothing the client sent is dropped or
put in the wrong place on the way to the aggregate."""

from dataclasses import replace
from datetime import date

import pytest

from adapters.http.schemas import audits, case_reviews, corrections, dataset, items
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
from domain.commands.corrections import CorrectAudit, CorrectReviewStep
from domain.commands.indicator import CorrectValue, DefineIndicator, SubmitValue
from domain.commands.learning_item import (
    AmendAction,
    ChooseMeans,
    CloseItem,
    CorrectItem,
    DefineMeasure,
    IdentifyNeed,
    IndicatorTarget,
    RecordEvidence,
    ReopenItem,
    ReportProgress,
)
from domain.commands.withdrawal import Withdraw, WithdrawAction, WithdrawMeasure

DAY = date(2026, 5, 1)
ITEM = {
    "subgroup": "training",
    "title": "Bruising",
    "description": "Non-mobile infants",
    "source": {"kind": "subgroup_issues", "reference": "REF-1"},
    "themes": ["neglect", "bruising"],
}
NEED = IdentifyNeed(
    subgroup="training",
    title="Bruising",
    description="Non-mobile infants",
    source_kind="subgroup_issues",
    source_reference="REF-1",
    themes=("neglect", "bruising"),
)
FACTS = {
    "abuse_or_neglect_known_or_suspected": True,
    "child_died": False,
    "child_seriously_harmed": True,
    "concern_about_joint_working": False,
    "died_in_custody_or_detained": True,
}
VALUE = {"period": "2026-Q1", "agency": "police", "value": 38.5, "commentary": "c"}
QUARTER = {
    "indicator": "CP-01",
    "period": "2026-Q1",
    "agency": "police",
    "value": 38.5,
    "commentary": "c",
    "statistical_neighbours": 40.0,
    "england": 41.0,
}

CASES = [
    (items.NewItem, ITEM, (), NEED),
    (
        items.NewAction,
        {
            "means": "m",
            "description": "d",
            "owner": "o",
            "due": "2026-05-01",
            "owner_email": "o@x.org",
        },
        (),
        ChooseMeans(means="m", description="d", owner="o", due=DAY, owner_email="o@x.org"),
    ),
    (
        items.ProgressUpdate,
        {"status": "at_risk", "note": "short of staff"},
        ("a1",),
        ReportProgress(action_id="a1", status="at_risk", note="short of staff"),
    ),
    (
        items.ActionAmendment,
        {"owner": "o", "owner_email": "o@x.org", "due": "2026-05-01", "reason": "r"},
        ("a1",),
        AmendAction(action_id="a1", reason="r", owner="o", owner_email="o@x.org", due=DAY),
    ),
    (
        items.NewMeasure,
        {
            "kind": "k",
            "description": "d",
            "review_due": "2026-05-01",
            "indicator": {"code": "CP-01", "target": 40, "agency": "police"},
        },
        (),
        DefineMeasure(
            kind="k",
            description="d",
            review_due=DAY,
            indicator=IndicatorTarget(code="CP-01", target=40.0, agency="police"),
        ),
    ),
    (
        items.NewEvidence,
        {"outcome": "partly_met", "summary": "s", "reference": "MACA-1"},
        ("m1",),
        RecordEvidence(measure_id="m1", outcome="partly_met", summary="s", reference="MACA-1"),
    ),
    (
        items.Correction,
        {"title": "t", "description": "d", "reason": "r"},
        (),
        CorrectItem(reason="r", title="t", description="d"),
    ),
    (
        items.Closure,
        {"summary": "s", "override_reason": "o"},
        (),
        CloseItem(summary="s", override_reason="o"),
    ),
    (items.Reopening, {"reason": "r"}, (), ReopenItem(reason="r")),
    (
        case_reviews.Notification,
        {
            "case_reference": "CR/1",
            "notified_on": "2026-05-01",
            "notifying_agency": "police",
            "summary": "s",
        },
        (),
        NotifyReview(
            case_reference="CR/1", notified_on=DAY, notifying_agency="police", summary="s"
        ),
    ),
    (case_reviews.Criteria, FACTS, (), AssessCriteria(**FACTS)),
    (
        case_reviews.Decision,
        {"review_type": "learning_review", "rationale": "r", "departure_reason": "d"},
        (),
        DecideReview(review_type="learning_review", rationale="r", departure_reason="d"),
    ),
    (
        case_reviews.Methodology,
        {"method": "silp", "lead_reviewer": "L", "lead_reviewer_independent": True},
        (),
        ChooseMethodology(method="silp", lead_reviewer="L", lead_reviewer_independent=True),
    ),
    (
        case_reviews.Involvement,
        {"party": "family", "status": "declined", "note": "n"},
        (),
        RecordInvolvement(party="family", status="declined", note="n"),
    ),
    (
        case_reviews.FinalReport,
        {"received_on": "2026-05-01", "summary": "s"},
        (),
        ReceiveFinalReport(received_on=DAY, summary="s"),
    ),
    (
        case_reviews.BoardResponse,
        {"agreed_on": "2026-05-01", "summary": "s"},
        (),
        AgreeBoardResponse(agreed_on=DAY, summary="s"),
    ),
    (
        case_reviews.Publication,
        {"published_on": "2026-05-01", "url": "https://x.org/r"},
        (),
        PublishReview(published_on=DAY, url="https://x.org/r"),
    ),
    (
        case_reviews.Milestone,
        {"milestone": "ofsted_notified", "reached_on": "2026-05-01"},
        (),
        ReachMilestone(milestone="ofsted_notified", reached_on=DAY),
    ),
    (
        audits.NewAudit,
        {
            "kind": "single_agency_audit",
            "theme": "t",
            "planned_for": "2026-05-01",
            "agency": "police",
            "prompted_by": "p",
            "follow_up_of": "f",
            "override_reason": "o",
        },
        (),
        PlanAudit(
            kind="single_agency_audit",
            theme="t",
            planned_for=DAY,
            agency="police",
            prompted_by="p",
            follow_up_of="f",
            override_reason="o",
        ),
    ),
    (
        audits.Finding,
        {"summary": "s", "learning": ITEM},
        (),
        RecordFinding(summary="s", learning=NEED),
    ),
    (audits.Finding, {"summary": "s"}, (), RecordFinding(summary="s")),
    (
        audits.AuditCompletion,
        {"completed_on": "2026-05-01", "summary": "s"},
        (),
        CompleteAudit(completed_on=DAY, summary="s"),
    ),
    (
        dataset.NewIndicator,
        {
            "code": "CP-01",
            "name": "n",
            "unit": "u",
            "polarity": "lower_is_better",
            "major_change_pct": 10.0,
        },
        (),
        DefineIndicator(
            code="CP-01", name="n", unit="u", polarity="lower_is_better", major_change_pct=10.0
        ),
    ),
    (
        dataset.NewValue,
        {**VALUE, "statistical_neighbours": 40.0, "england": 41.0},
        ("CP-01",),
        SubmitValue(**QUARTER),
    ),
    (
        dataset.NewValue,
        {**VALUE, "statistical_neighbours": 40.0, "england": 41.0, "correction_reason": "late"},
        ("CP-01",),
        CorrectValue(**QUARTER, reason="late"),
    ),
    (
        corrections.Withdrawal,
        {"reason": "r", "on": "2026-05-01"},
        (),
        Withdraw(reason="r", on=DAY),
    ),
    (
        corrections.ActionWithdrawal,
        {"reason": "r"},
        ("a-1",),
        WithdrawAction(action_id="a-1", reason="r"),
    ),
    (
        corrections.MeasureWithdrawal,
        {"reason": "r", "on": "2026-05-01"},
        ("m-1",),
        WithdrawMeasure(measure_id="m-1", reason="r", on=DAY),
    ),
    (
        corrections.StepCorrection,
        {
            "step": "criteria_assessed",
            "reason": "r",
            "happened_on": "2026-05-01",
            "criteria": FACTS,
            "on": "2026-05-01",
        },
        (),
        CorrectReviewStep(
            step="criteria_assessed",
            reason="r",
            happened_on=DAY,
            criteria=AssessCriteria(**FACTS),
            on=DAY,
        ),
    ),
    (
        corrections.AuditCorrection,
        {
            "reason": "r",
            "kind": "single_agency_audit",
            "theme": "t",
            "planned_for": "2026-05-01",
            "agency": "police",
            "override_reason": "o",
            "on": "2026-05-01",
        },
        (),
        CorrectAudit(
            reason="r",
            kind="single_agency_audit",
            theme="t",
            planned_for=DAY,
            agency="police",
            override_reason="o",
            on=DAY,
        ),
    ),
]


@pytest.mark.parametrize(
    ("body", "fields", "path", "command"),
    CASES,
    ids=[f"{body.__name__}-{type(command).__name__}" for body, _, _, command in CASES],
)
def test_a_body_builds_its_command(body, fields, path, command):
    assert body.model_validate(fields).to_command(*path) == command


def test_every_body_with_a_command_is_covered():
    modules = (items, case_reviews, audits, dataset, corrections)
    bodies = {
        cls
        for module in modules
        for cls in vars(module).values()
        if isinstance(cls, type)
        and hasattr(cls, "to_command")
        and cls.__module__ == module.__name__
    }
    assert bodies == {body for body, *_ in CASES}


DATED = [case for case in CASES if "on" in case[0].model_fields]


@pytest.mark.parametrize(
    ("body", "fields", "path", "command"),
    DATED,
    ids=[f"{body.__name__}-{type(command).__name__}" for body, _, _, command in DATED],
)
def test_a_dated_body_carries_the_day_the_step_happened(body, fields, path, command):
    built = body.model_validate({**fields, "on": "2026-04-30"}).to_command(*path)
    assert built == replace(command, on=date(2026, 4, 30))


def test_every_step_that_happens_in_the_world_takes_a_day():
    own_day = {
        case_reviews.Notification,
        case_reviews.FinalReport,
        case_reviews.BoardResponse,
        case_reviews.Publication,
        case_reviews.Milestone,
        audits.AuditCompletion,
    }
    not_a_step = {items.Correction, dataset.NewIndicator, dataset.NewValue}
    undated = {body for body, *_ in CASES} - {body for body, *_ in DATED}
    assert undated == own_day | not_a_step
