from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate

from domain.audit import Audit, AuditProgramme
from domain.commands.audit import CompleteAudit, PlanAudit, RecordFinding, ScheduleCaseAudit
from domain.commands.corrections import CorrectAudit
from domain.commands.withdrawal import Withdraw
from domain.errors import InvalidField, RuleViolation
from domain.framework import Agency, AuditRules

MACA = "multi_agency_case_audit"
BESPOKE = "bespoke_multi_agency_audit"
SINGLE = "single_agency_audit"
PLANNED_FOR = date(2024, 9, 16)
LATER = datetime(2024, 10, 1, 9, 0, tzinfo=UTC)
TZ = "Europe/London"


@pytest.fixture
def framework(framework):
    return replace(
        framework,
        agencies=(Agency("thames-valley-police", "Thames Valley Police"),),
        audits=AuditRules(subgroup="serious-case-review"),
    )


def plan(framework, actor, now, follow_up_of=None, **overrides):
    fields = {"kind": MACA, "theme": "Neglect of adolescents", "planned_for": PLANNED_FOR}
    command = PlanAudit(**{**fields, **overrides})
    return Audit.plan(framework, command, actor=actor, now=now, follow_up_of=follow_up_of)


@pytest.fixture
def given(framework, contributor, now):
    """A planned audit, after the steps (`"finding"`, `"completed"`), its events collected."""

    def _given(*steps, **overrides):
        audit = plan(framework, contributor, now, **overrides)
        for step in steps:
            if step == "finding":
                audit.record_finding(
                    RecordFinding(summary="Drift in plans", on=date(2024, 9, 10)),
                    actor=contributor,
                    now=LATER,
                )
            elif step == "completed":
                audit.complete(
                    CompleteAudit(completed_on=LATER.date(), summary="Done"),
                    actor=contributor,
                    now=LATER,
                    timezone=framework.timezone,
                )
        audit.collect_events()
        return audit

    return _given


def refused(command, error, *args, field=None, match=None, **kwargs):
    """The command raises `error` and its aggregate (if any) records nothing."""
    aggregate = getattr(command, "__self__", None)
    aggregate = aggregate if isinstance(aggregate, Aggregate) else None
    version = aggregate.version if aggregate is not None else None
    with pytest.raises(error, match=match) as raised:
        command(*args, **kwargs)
    if field is not None:
        assert raised.value.field == field
    if aggregate is not None:
        assert aggregate.version == version
        assert aggregate.collect_events() == []
    return raised.value


# -- planning -------------------------------------------------------------------------------


def test_planning_a_case_audit_records_what_when_and_who(framework, contributor, then_events):
    late_summer_evening = datetime(2024, 7, 14, 23, 30, tzinfo=UTC)
    audit = plan(framework, contributor, late_summer_evening, theme="  Neglect of adolescents ")
    then_events(
        audit,
        [
            (
                "Planned",
                {
                    "kind": MACA,
                    "theme": "Neglect of adolescents",
                    "planned_for": PLANNED_FOR,
                    "reporting_year": 2024,
                    "planned_on": date(2024, 7, 15),
                    "agency": None,
                    "prompted_by": None,
                    "follow_up_of": None,
                    "override_reason": None,
                    "actor": {
                        "id": "u-contributor",
                        "name": "Cara Contributor",
                        "role": "contributor",
                    },
                },
            )
        ],
    )
    assert audit.is_case_audit
    assert not audit.is_completed


@pytest.mark.parametrize(
    ("planned_for", "year"),
    [(date(2025, 3, 31), 2024), (date(2025, 4, 1), 2025)],
)
def test_an_audit_belongs_to_the_reporting_year_of_its_planned_date(
    framework, contributor, now, planned_for, year
):
    audit = plan(framework, contributor, now, planned_for=planned_for)
    assert audit.reporting_year == year
    assert isinstance(audit.planned_for, date)


def test_an_unknown_kind_is_refused(framework, contributor, now):
    error = refused(plan, InvalidField, framework, contributor, now, kind="deep_dive", field="kind")
    assert "multi_agency_case_audit" in error.message


@pytest.mark.parametrize("theme", ["", "   "])
def test_an_audit_needs_a_theme(framework, contributor, now, theme):
    refused(plan, InvalidField, framework, contributor, now, theme=theme, field="theme")


def test_a_single_agency_audit_names_a_known_agency(framework, contributor, now):
    audit = plan(framework, contributor, now, kind=SINGLE, agency="thames-valley-police")
    assert audit.agency == "thames-valley-police"
    refused(plan, InvalidField, framework, contributor, now, kind=SINGLE, field="agency")
    refused(
        plan, InvalidField, framework, contributor, now, kind=SINGLE, agency="  ", field="agency"
    )
    refused(
        plan,
        InvalidField,
        framework,
        contributor,
        now,
        kind=SINGLE,
        agency="mi5",
        field="agency",
        match="no agency 'mi5'",
    )


@pytest.mark.parametrize("kind", [MACA, BESPOKE])
def test_a_multi_agency_audit_names_no_single_agency(framework, contributor, now, kind):
    refused(
        plan,
        InvalidField,
        framework,
        contributor,
        now,
        kind=kind,
        agency="thames-valley-police",
        field="agency",
    )


@pytest.mark.parametrize("kind", [BESPOKE, SINGLE])
def test_a_bespoke_audit_may_answer_a_case_review(framework, contributor, now, kind):
    review_id = str(uuid4())
    agency = "thames-valley-police" if kind == SINGLE else None
    audit = plan(framework, contributor, now, kind=kind, agency=agency, prompted_by=review_id)
    assert audit.prompted_by == review_id


def test_a_case_audit_takes_its_theme_from_the_business_plan_not_a_review(
    framework, contributor, now
):
    refused(
        plan,
        InvalidField,
        framework,
        contributor,
        now,
        prompted_by=str(uuid4()),
        field="prompted_by",
    )


@pytest.mark.parametrize("kind", [BESPOKE, SINGLE])
def test_only_case_audits_take_an_override_reason(framework, contributor, now, kind):
    agency = "thames-valley-police" if kind == SINGLE else None
    refused(
        plan,
        InvalidField,
        framework,
        contributor,
        now,
        kind=kind,
        agency=agency,
        override_reason="Board asked",
        field="override_reason",
    )


def test_an_override_reason_is_trimmed_and_a_blank_one_is_none(framework, contributor, now):
    assert plan(framework, contributor, now, override_reason=" Ofsted ").override_reason == "Ofsted"
    assert plan(framework, contributor, now, override_reason="  ").override_reason is None


def test_a_follow_up_is_planned_from_a_completed_audit(framework, contributor, given):
    original = given("completed")
    follow_up = plan(framework, contributor, LATER, kind=BESPOKE, follow_up_of=original)
    assert follow_up.follow_up_of == str(original.id)


def test_a_follow_up_of_an_audit_not_yet_completed_is_refused(framework, contributor, given):
    refused(
        plan,
        RuleViolation,
        framework,
        contributor,
        LATER,
        follow_up_of=given("finding"),
        match="completed",
    )


# -- findings -------------------------------------------------------------------------------


def test_a_finding_records_its_summary_and_the_learning_it_identified(
    given, contributor, then_events
):
    audit = given()
    item_id = uuid4()
    finding_id = audit.record_finding(
        RecordFinding(summary="  Plans drift  "),
        learning_item_id=item_id,
        actor=contributor,
        now=LATER,
    )
    then_events(
        audit,
        [
            (
                "FindingRecorded",
                {
                    "finding_id": finding_id,
                    "summary": "Plans drift",
                    "learning_item_id": str(item_id),
                    "timestamp": LATER,
                },
            )
        ],
    )
    assert audit.findings[finding_id].learning_item_id == str(item_id)


def test_a_finding_without_learning_links_no_item(given, contributor):
    audit = given()
    finding_id = audit.record_finding(
        RecordFinding(summary="Good practice"), actor=contributor, now=LATER
    )
    assert audit.findings[finding_id].learning_item_id is None


def test_a_finding_needs_a_summary(given, contributor):
    audit = given()
    refused(
        audit.record_finding, InvalidField, RecordFinding(summary=" "), actor=contributor, now=LATER
    )


def test_a_completed_audit_takes_no_more_findings(given, contributor):
    audit = given("finding", "completed")
    refused(
        audit.record_finding,
        RuleViolation,
        RecordFinding(summary="Late"),
        actor=contributor,
        now=LATER,
    )


# -- completion -----------------------------------------------------------------------------


def complete(audit, framework, actor, now=LATER, **overrides):
    fields = {"completed_on": now.date(), "summary": "Plans drift in neglect cases"}
    command = CompleteAudit(**{**fields, **overrides})
    audit.complete(command, actor=actor, now=now, timezone=framework.timezone)


def test_completing_records_the_day_and_summary(given, framework, contributor, then_events):
    audit = given("finding")
    complete(audit, framework, contributor, completed_on=date(2024, 9, 20), summary=" Drift found ")
    then_events(
        audit, [("Completed", {"completed_on": date(2024, 9, 20), "summary": "Drift found"})]
    )
    assert audit.is_completed
    assert audit.completion_summary == "Drift found"


def test_an_audit_may_complete_on_the_day_it_was_planned(given, framework, contributor, now):
    audit = given()
    complete(audit, framework, contributor, now=now, completed_on=audit.planned_on)
    assert audit.completed_on == date(2024, 6, 3)


def test_today_is_the_partnerships_local_date(given, framework, contributor):
    audit = given()
    late_evening = datetime(2024, 10, 1, 23, 30, tzinfo=UTC)
    complete(audit, framework, contributor, now=late_evening, completed_on=date(2024, 10, 2))
    assert audit.completed_on == date(2024, 10, 2)


@pytest.mark.parametrize(
    ("completed_on", "match"),
    [
        (date(2024, 10, 2), "in the future"),
        (date(2024, 6, 2), "before the audit was planned"),
    ],
)
def test_a_completion_day_in_the_future_or_before_planning_is_refused(
    given, framework, contributor, completed_on, match
):
    audit = given()
    refused(
        complete,
        InvalidField,
        audit,
        framework,
        contributor,
        completed_on=completed_on,
        field="completed_on",
        match=match,
    )
    assert audit.collect_events() == []
    assert not audit.is_completed


def test_a_completion_needs_a_summary(given, framework, contributor):
    audit = given()
    refused(complete, InvalidField, audit, framework, contributor, summary="", field="summary")
    assert audit.collect_events() == []


def test_an_audit_completes_once(given, framework, contributor):
    audit = given("completed")
    refused(
        audit.complete,
        RuleViolation,
        CompleteAudit(completed_on=LATER.date(), summary="Again"),
        actor=contributor,
        now=LATER,
        timezone=framework.timezone,
        match="was completed on",
    )


# -- the year's programme of case audits ------------------------------------------------------


def open_programme(actor, now, scheduled=0):
    programme = AuditProgramme.open(2024, actor=actor, now=now)
    for _ in range(scheduled):
        programme.schedule(
            ScheduleCaseAudit(audit_id=str(uuid4()), override_reason=None),
            limit=4,
            actor=actor,
            now=now,
        )
    programme.collect_events()
    return programme


def test_each_year_has_one_programme_whose_id_is_known_in_advance(contributor, now):
    assert AuditProgramme.id_for(2024) == AuditProgramme.id_for(2024)
    assert AuditProgramme.id_for(2024) != AuditProgramme.id_for(2025)
    programme = AuditProgramme.open(2024, actor=contributor, now=now)
    assert programme.id == AuditProgramme.id_for(2024)
    assert programme.label == "2024/25"


def test_case_audits_are_scheduled_up_to_the_limit(contributor, now, then_events):
    programme = open_programme(contributor, now, scheduled=3)
    audit_id = uuid4()
    programme.schedule(
        ScheduleCaseAudit(audit_id=str(audit_id), override_reason=None),
        limit=4,
        actor=contributor,
        now=now,
    )
    then_events(
        programme,
        [("CaseAuditScheduled", {"audit_id": str(audit_id), "override_reason": None})],
    )
    assert len(programme.scheduled) == 4


@pytest.mark.parametrize("override_reason", [None, "   "])
def test_one_beyond_the_limit_is_refused_without_an_override_reason(
    contributor, now, override_reason
):
    programme = open_programme(contributor, now, scheduled=4)
    refused(
        programme.schedule,
        RuleViolation,
        ScheduleCaseAudit(audit_id=str(uuid4()), override_reason=override_reason),
        limit=4,
        actor=contributor,
        now=now,
        match=r"up to 4 .* 2024/25 \(1 April 2024 to 31 March 2025\)",
    )


def test_one_beyond_the_limit_is_scheduled_with_an_override_reason(contributor, now, then_events):
    programme = open_programme(contributor, now, scheduled=4)
    audit_id = uuid4()
    programme.schedule(
        ScheduleCaseAudit(audit_id=str(audit_id), override_reason=" Ofsted asked "),
        limit=4,
        actor=contributor,
        now=now,
    )
    then_events(programme, [("CaseAuditScheduled", {"override_reason": "Ofsted asked"})])
    assert programme.scheduled[str(audit_id)] == "Ofsted asked"


def test_an_audit_is_scheduled_once(contributor, now):
    programme = open_programme(contributor, now)
    audit_id = uuid4()
    programme.schedule(
        ScheduleCaseAudit(audit_id=str(audit_id), override_reason=None),
        limit=4,
        actor=contributor,
        now=now,
    )
    programme.collect_events()
    refused(
        programme.schedule,
        RuleViolation,
        ScheduleCaseAudit(audit_id=str(audit_id), override_reason=None),
        limit=4,
        actor=contributor,
        now=now,
        match="already",
    )


# -- the day each step happened (ADR 0040) ----------------------------------------------------


def test_an_audit_planned_in_the_past_keeps_the_day_it_was_planned(framework, contributor, now):
    audit = plan(framework, contributor, now, on=date(2024, 4, 2))
    assert audit.planned_on == date(2024, 4, 2)


def test_planning_on_a_day_in_the_future_is_refused(framework, contributor, now):
    with pytest.raises(InvalidField, match="2024-06-04 is in the future") as raised:
        plan(framework, contributor, now, on=date(2024, 6, 4))
    assert raised.value.field == "on"


def test_a_finding_before_the_audit_was_planned_is_refused_naming_both_dates(given, contributor):
    audit = given()
    with pytest.raises(InvalidField, match="2024-06-02 is before the audit was planned") as raised:
        audit.record_finding(
            RecordFinding(summary="Drift", on=date(2024, 6, 2)), actor=contributor, now=LATER
        )
    assert "2024-06-03" in str(raised.value)
    assert audit.collect_events() == []


def test_a_completion_before_the_last_finding_is_refused_naming_both_dates(
    given, framework, contributor
):
    audit = given("finding")
    with pytest.raises(InvalidField, match="2024-09-09 is before its last finding") as raised:
        complete(audit, framework, contributor, completed_on=date(2024, 9, 9))
    assert raised.value.field == "completed_on" and "2024-09-10" in str(raised.value)
    assert audit.collect_events() == []


# -- withdrawal and corrections (issue 12) -------------------------------------------------


def test_a_withdrawn_audit_records_why_and_changes_no_more(given, contributor):
    audit = given("finding")
    audit.withdraw(
        Withdraw(reason="Will not happen this year"), actor=contributor, now=LATER, timezone=TZ
    )
    (event,) = audit.collect_events()
    assert (type(event).__name__, event.reason) == ("Withdrawn", "Will not happen this year")
    refused(
        audit.complete,
        RuleViolation,
        CompleteAudit(completed_on=LATER.date(), summary="s"),
        actor=contributor,
        now=LATER,
        timezone=TZ,
        match="withdrawn",
    )
    refused(
        audit.withdraw,
        RuleViolation,
        Withdraw(reason="r"),
        actor=contributor,
        now=LATER,
        timezone=TZ,
    )


def test_a_withdrawn_case_audit_frees_its_place_in_the_programme(contributor, now):
    programme = AuditProgramme.open(2024, actor=contributor, now=now)
    audit_ids = [str(uuid4()) for _ in range(4)]
    for audit_id in audit_ids:
        programme.schedule(
            ScheduleCaseAudit(audit_id=audit_id), limit=4, actor=contributor, now=now
        )
    programme.release(audit_ids[0], "Withdrawn", actor=contributor, now=now)
    programme.schedule(
        ScheduleCaseAudit(audit_id=str(uuid4())), limit=4, actor=contributor, now=now
    )
    assert len(programme.scheduled) == 4 and audit_ids[0] not in programme.scheduled


def test_correcting_an_audit_records_what_changed_and_what_it_was(framework, given, contributor):
    audit = given()
    audit.correct(
        framework,
        CorrectAudit(
            reason="Wrong theme", theme=" Neglect of infants ", planned_for=date(2025, 4, 2)
        ),
        actor=contributor,
        now=LATER,
    )
    (event,) = audit.collect_events()
    assert event.changes == {"theme": "Neglect of infants", "planned_for": date(2025, 4, 2)}
    assert event.previous == {"theme": "Neglect of adolescents", "planned_for": PLANNED_FOR}
    assert (audit.theme, audit.reporting_year) == ("Neglect of infants", 2025)


def test_correcting_the_kind_keeps_the_planning_rules(framework, given, contributor):
    audit = given()
    refused(
        audit.correct,
        InvalidField,
        framework,
        CorrectAudit(reason="r", kind=SINGLE),
        actor=contributor,
        now=LATER,
        field="agency",
    )
    audit.correct(
        framework,
        CorrectAudit(reason="r", kind=SINGLE, agency="thames-valley-police"),
        actor=contributor,
        now=LATER,
    )
    assert (audit.kind, audit.agency, audit.is_case_audit) == (
        SINGLE,
        "thames-valley-police",
        False,
    )


def test_an_audit_correction_that_changes_nothing_is_refused(framework, given, contributor):
    audit = given()
    refused(
        audit.correct,
        InvalidField,
        framework,
        CorrectAudit(reason="r", theme="Neglect of adolescents", kind=MACA),
        actor=contributor,
        now=LATER,
        match="must change",
    )
