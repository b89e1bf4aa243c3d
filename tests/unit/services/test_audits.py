"""The audit service on the in-memory store: the yearly limit, findings that identify learning
(saved with the finding or not at all), completion, follow-ups and who may do what."""

from dataclasses import replace
from datetime import date
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate

from domain.actor import ADMIN, BUSINESS_MANAGER, CHAIR, CONTRIBUTOR, INSPECTOR, Actor
from domain.audit import Audit, AuditProgramme
from domain.commands.audit import CompleteAudit, PlanAudit, RecordFinding
from domain.commands.corrections import CorrectAudit
from domain.commands.learning_item import IdentifyNeed
from domain.commands.withdrawal import Withdraw
from domain.errors import InvalidField, RuleViolation
from domain.framework import Agency, AuditRules, Framework, Option, Subgroup
from domain.learning_item import LearningItem
from services.audits import Audits
from services.errors import Forbidden, NotFound, VersionMismatch
from services.event_log import EventLog

MANDE = "monitoring-and-evaluation"
TRAINING = "training"
MACA = "multi_agency_case_audit"
BESPOKE = "bespoke_multi_agency_audit"
SINGLE = "single_agency_audit"
IN_2026 = date(2026, 9, 14)  # the clock starts 1 May 2026: reporting year 2026/27


class CaseReview(Aggregate):
    """Stands in for the case-review aggregate, which the service knows only by name."""

    class Notified(Aggregate.Created):
        case_reference: str

    def __init__(self, case_reference: str) -> None:
        self.case_reference = case_reference


def _subgroup(slug: str, *sources: str) -> Subgroup:
    return Subgroup(
        slug=slug,
        name=slug.replace("-", " ").capitalize(),
        scope="local",
        identification_sources=tuple(Option(s, s) for s in sources),
        means_of_improvement=(Option("agency_feedback", "Feedback"),),
        measures_of_effectiveness=(Option("follow_up_audits", "Follow-up audits"),),
    )


@pytest.fixture
def framework() -> Framework:
    return Framework(
        name="Test partnership",
        timezone="Europe/London",
        subgroups=(
            _subgroup(MANDE, "targeted_multi_agency_audits", "single_agency_audits"),
            _subgroup(TRAINING, "course_evaluation"),
        ),
        agencies=(Agency("thames-valley-police", "Thames Valley Police"),),
        audits=AuditRules(subgroup=MANDE),
    )


@pytest.fixture
def log() -> EventLog:
    return EventLog(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


@pytest.fixture
def audits(log, framework, clock) -> Audits:
    return Audits(log, framework, clock)


def actor(role: str, *subgroups: str) -> Actor:
    return Actor(f"u-{role}", role.capitalize(), role, subgroups=subgroups)


MANAGER = actor(BUSINESS_MANAGER)
ANALYST = actor(CONTRIBUTOR, MANDE)
MANDE_CHAIR = actor(CHAIR, MANDE)
TRAINER = actor(CONTRIBUTOR, TRAINING)


def recorded(log: EventLog) -> int:
    return log.recorder.max_notification_id() or 0


def refused(log, command, error, *args, field=None, match=None, **kwargs):
    """The command raises `error` and the log records nothing."""
    before = recorded(log)
    with pytest.raises(error, match=match) as raised:
        command(*args, **kwargs)
    if field is not None:
        assert raised.value.field == field
    assert recorded(log) == before
    return raised.value


def plan_case_audits(audits, count, planned_for=IN_2026):
    return [
        audits.plan(ANALYST, PlanAudit(kind=MACA, theme=f"Theme {n}", planned_for=planned_for))
        for n in range(count)
    ]


def programme(log, year) -> AuditProgramme:
    return log.load(AuditProgramme.id_for(year), AuditProgramme, "audit programme")


def completed_audit(audits, clock):
    audit_id = audits.plan(ANALYST, PlanAudit(kind=BESPOKE, theme="Neglect", planned_for=IN_2026))
    audits.complete(
        audit_id, ANALYST, CompleteAudit(completed_on=clock().date(), summary="Drift found")
    )
    return audit_id


# -- the yearly limit on multi-agency case audits ---------------------------------------------


def test_four_case_audits_a_year_are_planned_and_a_fifth_is_refused(audits, log):
    ids = plan_case_audits(audits, 4)
    assert list(programme(log, 2026).scheduled) == [str(i) for i in ids]
    refused(
        log,
        audits.plan,
        RuleViolation,
        ANALYST,
        PlanAudit(kind=MACA, theme="Fifth", planned_for=IN_2026),
        match=r"up to 4 .*2026/27",
    )


def test_a_fifth_is_planned_with_an_override_reason(audits, log):
    plan_case_audits(audits, 4)
    audit_id = audits.plan(
        ANALYST,
        PlanAudit(kind=MACA, theme="Fifth", planned_for=IN_2026, override_reason="Ofsted asked"),
    )
    assert audits.get(audit_id).override_reason == "Ofsted asked"
    assert programme(log, 2026).scheduled[str(audit_id)] == "Ofsted asked"


def test_the_next_reporting_year_starts_on_1_april(audits, log):
    plan_case_audits(audits, 4)
    audit_id = audits.plan(
        ANALYST, PlanAudit(kind=MACA, theme="April", planned_for=date(2027, 4, 1))
    )
    assert audits.get(audit_id).reporting_year == 2027
    assert list(programme(log, 2027).scheduled) == [str(audit_id)]


def test_31_march_counts_in_the_year_it_ends(audits, log):
    plan_case_audits(audits, 4)
    refused(
        log,
        audits.plan,
        RuleViolation,
        ANALYST,
        PlanAudit(kind=MACA, theme="March", planned_for=date(2027, 3, 31)),
    )


def test_bespoke_and_single_agency_audits_do_not_count(audits, log):
    plan_case_audits(audits, 4)
    before = recorded(log)
    audits.plan(ANALYST, PlanAudit(kind=BESPOKE, theme="After a review", planned_for=IN_2026))
    audits.plan(
        ANALYST,
        PlanAudit(kind=SINGLE, theme="Missing", planned_for=IN_2026, agency="thames-valley-police"),
    )
    assert recorded(log) == before + 2
    assert len(programme(log, 2026).scheduled) == 4


def racing(log, audits, racer, times=1):
    """Runs `racer` (which plans through `audits`) just before each of the next `times` saves."""
    save = log.record
    races = []

    def record(*aggregates):
        if len(races) < times and not log.racing:
            races.append(True)
            log.racing = True
            racer()
            log.racing = False
        return save(*aggregates)

    log.racing = False

    log.record = record


def test_a_race_for_the_last_place_is_decided_again(audits, log):
    plan_case_audits(audits, 3)
    racing(log, audits, lambda: plan_case_audits(audits, 1))
    before = recorded(log)
    with pytest.raises(RuleViolation, match="up to 4"):
        audits.plan(ANALYST, PlanAudit(kind=MACA, theme="Late", planned_for=IN_2026))
    assert recorded(log) == before + 2  # the racer's audit and its place, nothing of ours
    assert len(programme(log, 2026).scheduled) == 4


def test_a_race_with_places_to_spare_schedules_both(audits, log):
    plan_case_audits(audits, 2)
    racing(log, audits, lambda: plan_case_audits(audits, 1))
    audit_id = audits.plan(ANALYST, PlanAudit(kind=MACA, theme="Also", planned_for=IN_2026))
    scheduled = programme(log, 2026).scheduled
    assert len(scheduled) == 4
    assert str(audit_id) in scheduled


def test_a_race_to_open_the_years_programme_is_decided_again(audits, log):
    racing(log, audits, lambda: plan_case_audits(audits, 1))
    audit_id = audits.plan(ANALYST, PlanAudit(kind=MACA, theme="First", planned_for=IN_2026))
    assert list(programme(log, 2026).scheduled)[1] == str(audit_id)


def test_losing_every_race_is_a_version_conflict(audits, log):
    def racer():
        audits.plan(
            ANALYST, PlanAudit(kind=MACA, theme="Rival", planned_for=IN_2026, override_reason="Ok")
        )

    plan_case_audits(audits, 1)
    racing(log, audits, racer, times=3)
    before = recorded(log)
    with pytest.raises(VersionMismatch):
        audits.plan(ANALYST, PlanAudit(kind=MACA, theme="Unlucky", planned_for=IN_2026))
    assert recorded(log) == before + 3 * 2  # three rivals' audits and places, nothing of ours


# -- what an audit refers to -------------------------------------------------------------------


def test_a_bespoke_audit_may_answer_a_case_review(audits, log):
    review = CaseReview(case_reference="SCR-2026-01")
    log.record(review)
    audit_id = audits.plan(
        ANALYST,
        PlanAudit(kind=BESPOKE, theme="Neglect", planned_for=IN_2026, prompted_by=str(review.id)),
    )
    assert audits.get(audit_id).prompted_by == str(review.id)


@pytest.mark.parametrize("what", ["unknown", "not-an-id", "an-audit"])
def test_prompted_by_must_name_a_case_review(audits, log, clock, what):
    if what == "an-audit":
        prompted_by = str(completed_audit(audits, clock))
    else:
        prompted_by = str(uuid4()) if what == "unknown" else "SCR-2026-01"
    refused(
        log,
        audits.plan,
        InvalidField,
        ANALYST,
        PlanAudit(kind=BESPOKE, theme="Neglect", planned_for=IN_2026, prompted_by=prompted_by),
        field="prompted_by",
    )


def test_a_follow_up_is_planned_from_a_completed_audit(audits, clock):
    original = completed_audit(audits, clock)
    follow_up = audits.plan(
        ANALYST,
        PlanAudit(kind=MACA, theme="Drift, again", planned_for=IN_2026, follow_up_of=str(original)),
    )
    assert audits.get(follow_up).follow_up_of == str(original)


def test_a_follow_up_of_an_audit_still_running_is_refused(audits, log):
    original = audits.plan(ANALYST, PlanAudit(kind=BESPOKE, theme="Neglect", planned_for=IN_2026))
    refused(
        log,
        audits.plan,
        RuleViolation,
        ANALYST,
        PlanAudit(kind=BESPOKE, theme="Again", planned_for=IN_2026, follow_up_of=str(original)),
    )


@pytest.mark.parametrize("follow_up_of", ["71412d40-dbde-42aa-bccf-e860ba0027cc", "audit 7"])
def test_a_follow_up_of_no_audit_is_refused(audits, log, follow_up_of):
    refused(
        log,
        audits.plan,
        InvalidField,
        ANALYST,
        PlanAudit(kind=BESPOKE, theme="Again", planned_for=IN_2026, follow_up_of=str(follow_up_of)),
        field="follow_up_of",
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "deep_dive"}, "kind"),
        ({"theme": " "}, "theme"),
        ({"kind": SINGLE}, "agency"),
    ],
)
def test_bad_input_is_refused_and_nothing_recorded(audits, log, fields, field):
    body = {"kind": MACA, "theme": "Neglect", "planned_for": IN_2026, **fields}
    refused(log, audits.plan, InvalidField, ANALYST, PlanAudit(**body), field=field)


# -- findings and the learning they identify ---------------------------------------------------

LEARNING = IdentifyNeed(
    subgroup=MANDE,
    title="Plans drift in neglect cases",
    description="Four of six plans had no review date.",
    source_kind="targeted_multi_agency_audits",
    themes=("neglect",),
)


def test_a_finding_with_learning_identifies_a_linked_item(audits, log):
    audit_id = audits.plan(ANALYST, PlanAudit(kind=MACA, theme="Neglect", planned_for=IN_2026))
    before = recorded(log)
    finding_id, item_id = audits.record_finding(
        audit_id, ANALYST, RecordFinding(summary="Plans drift", learning=LEARNING)
    )
    assert recorded(log) == before + 2
    item = log.load(item_id, LearningItem, "learning item")
    assert (item.subgroup, item.source_kind) == (MANDE, "targeted_multi_agency_audits")
    assert item.source_reference == str(audit_id)
    assert audits.get(audit_id).findings[finding_id].learning_item_id == str(item_id)


def test_a_learning_source_reference_given_is_kept(audits):
    audit_id = audits.plan(ANALYST, PlanAudit(kind=MACA, theme="Neglect", planned_for=IN_2026))
    learning = replace(LEARNING, source_kind="single_agency_audits", source_reference="TVP-7")
    _, item_id = audits.record_finding(
        audit_id, ANALYST, RecordFinding(summary="Drift", learning=learning)
    )
    assert audits.log.load(item_id, LearningItem, "learning item").source_reference == "TVP-7"


def test_a_finding_without_learning_identifies_nothing(audits, log):
    audit_id = audits.plan(ANALYST, PlanAudit(kind=MACA, theme="Neglect", planned_for=IN_2026))
    before = recorded(log)
    finding_id, item_id = audits.record_finding(
        audit_id, MANDE_CHAIR, RecordFinding(summary="Good practice")
    )
    assert item_id is None
    assert recorded(log) == before + 1
    assert audits.get(audit_id).findings[finding_id].summary == "Good practice"


def test_learning_in_a_subgroup_the_actor_may_not_write_records_neither(audits, log):
    audit_id = audits.plan(ANALYST, PlanAudit(kind=MACA, theme="Neglect", planned_for=IN_2026))
    learning = replace(LEARNING, subgroup=TRAINING, source_kind="course_evaluation")
    refused(
        log,
        audits.record_finding,
        Forbidden,
        audit_id,
        ANALYST,
        RecordFinding(summary="Training gap", learning=learning),
        match="training",
    )
    assert audits.get(audit_id).findings == {}


def test_the_business_manager_may_identify_learning_in_any_subgroup(audits):
    audit_id = audits.plan(MANAGER, PlanAudit(kind=MACA, theme="Neglect", planned_for=IN_2026))
    learning = replace(LEARNING, subgroup=TRAINING, source_kind="course_evaluation")
    _, item_id = audits.record_finding(
        audit_id, MANAGER, RecordFinding(summary="Gap", learning=learning)
    )
    assert audits.log.load(item_id, LearningItem, "learning item").subgroup == TRAINING


@pytest.mark.parametrize(
    ("learning", "field"),
    [
        (replace(LEARNING, subgroup="nowhere"), "learning.subgroup"),
        (replace(LEARNING, title=""), "learning.title"),
        (replace(LEARNING, source_kind="gossip"), "learning.source.kind"),
        (replace(LEARNING, themes=("neglect", " ")), "learning.themes"),
    ],
)
def test_a_finding_with_bad_learning_records_neither(audits, log, learning, field):
    audit_id = audits.plan(ANALYST, PlanAudit(kind=MACA, theme="Neglect", planned_for=IN_2026))
    refused(
        log,
        audits.record_finding,
        InvalidField,
        audit_id,
        ANALYST,
        RecordFinding(summary="Drift", learning=learning),
        field=field,
    )


def test_a_completed_audit_takes_no_findings_nor_their_learning(audits, log, clock):
    audit_id = completed_audit(audits, clock)
    refused(
        log,
        audits.record_finding,
        RuleViolation,
        audit_id,
        ANALYST,
        RecordFinding(summary="Late", learning=LEARNING),
    )


# -- completion ------------------------------------------------------------------------------


def test_completing_an_audit(audits, clock):
    audit_id = audits.plan(ANALYST, PlanAudit(kind=MACA, theme="Neglect", planned_for=IN_2026))
    audits.record_finding(audit_id, ANALYST, RecordFinding(summary="Drift"))
    clock.advance(days=30)
    audits.complete(
        audit_id, ANALYST, CompleteAudit(completed_on=date(2026, 5, 20), summary="Drift found"), 2
    )
    audit = audits.get(audit_id)
    assert (audit.completed_on, audit.completion_summary) == (date(2026, 5, 20), "Drift found")


def test_completing_twice_is_refused(audits, log, clock):
    audit_id = completed_audit(audits, clock)
    refused(
        log,
        audits.complete,
        RuleViolation,
        audit_id,
        ANALYST,
        CompleteAudit(completed_on=clock().date(), summary="Again"),
    )


def test_a_completion_in_the_future_is_refused(audits, log, clock):
    audit_id = audits.plan(ANALYST, PlanAudit(kind=MACA, theme="Neglect", planned_for=IN_2026))
    refused(
        log,
        audits.complete,
        InvalidField,
        audit_id,
        ANALYST,
        CompleteAudit(completed_on=date(2026, 5, 2), summary="Done"),
        field="completed_on",
    )


def test_a_stale_version_is_refused(audits, log, clock):
    audit_id = audits.plan(ANALYST, PlanAudit(kind=MACA, theme="Neglect", planned_for=IN_2026))
    audits.record_finding(audit_id, ANALYST, RecordFinding(summary="Drift"))
    refused(
        log,
        audits.complete,
        VersionMismatch,
        audit_id,
        ANALYST,
        CompleteAudit(completed_on=clock().date(), summary="Done"),
        1,
    )


def test_an_unknown_audit_is_not_found(audits, log, clock):
    refused(log, audits.record_finding, NotFound, uuid4(), ANALYST, RecordFinding(summary="Drift"))
    refused(
        log,
        audits.complete,
        NotFound,
        uuid4(),
        ANALYST,
        CompleteAudit(completed_on=clock().date(), summary="x"),
    )


def test_a_learning_item_is_not_an_audit(audits, log, clock):
    audit_id = audits.plan(ANALYST, PlanAudit(kind=MACA, theme="Neglect", planned_for=IN_2026))
    _, item_id = audits.record_finding(
        audit_id, ANALYST, RecordFinding(summary="Drift", learning=LEARNING)
    )
    refused(log, audits.record_finding, NotFound, item_id, ANALYST, RecordFinding(summary="Drift"))


# -- who may run audits ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "who",
    [actor(INSPECTOR), actor(ADMIN), TRAINER, actor(CHAIR, TRAINING)],
    ids=["inspector", "admin", "another-subgroups-contributor", "another-subgroups-chair"],
)
def test_only_the_manager_and_the_audit_subgroup_run_audits(audits, log, clock, who):
    audit_id = audits.plan(MANDE_CHAIR, PlanAudit(kind=MACA, theme="Neglect", planned_for=IN_2026))
    refused(
        log, audits.plan, Forbidden, who, PlanAudit(kind=MACA, theme="Neglect", planned_for=IN_2026)
    )
    refused(log, audits.record_finding, Forbidden, audit_id, who, RecordFinding(summary="Drift"))
    refused(
        log,
        audits.complete,
        Forbidden,
        audit_id,
        who,
        CompleteAudit(completed_on=clock().date(), summary="x"),
    )


def test_without_audit_rules_no_one_runs_audits(log, framework, clock):
    audits = Audits(log, Framework(framework.name, framework.timezone, framework.subgroups), clock)
    refused(
        log,
        audits.plan,
        Forbidden,
        MANAGER,
        PlanAudit(kind=MACA, theme="Neglect", planned_for=IN_2026),
    )


def test_what_was_recorded_reads_back_from_the_store(audits):
    audit_id = audits.plan(
        ANALYST,
        PlanAudit(kind=SINGLE, theme="Missing", planned_for=IN_2026, agency="thames-valley-police"),
    )
    audits.record_finding(audit_id, ANALYST, RecordFinding(summary="Drift", learning=LEARNING))
    audit = audits.get(audit_id)
    assert isinstance(audit, Audit)
    assert (audit.planned_for, audit.planned_on) == (IN_2026, date(2026, 5, 1))
    assert audit.agency == "thames-valley-police"
    assert len(audit.findings) == 1


# -- withdrawal and corrections (issue 12) -------------------------------------------------


def test_a_withdrawn_case_audit_frees_its_place_for_another(audits, log):
    first, *_ = plan_case_audits(audits, 4)
    audits.withdraw(first, ANALYST, Withdraw(reason="Will not happen"))
    assert str(first) not in programme(log, 2026).scheduled
    plan_case_audits(audits, 1)
    assert len(programme(log, 2026).scheduled) == 4


def test_correcting_a_case_audit_into_another_year_moves_its_place(audits, log):
    first, *_ = plan_case_audits(audits, 4)
    audits.correct(first, ANALYST, CorrectAudit(reason="Typo", planned_for=date(2027, 5, 1)))
    assert str(first) not in programme(log, 2026).scheduled
    assert list(programme(log, 2027).scheduled) == [str(first)]


def test_correcting_into_a_full_year_needs_an_override_reason(audits, log):
    plan_case_audits(audits, 4)
    bespoke = audits.plan(ANALYST, PlanAudit(kind=BESPOKE, theme="Neglect", planned_for=IN_2026))
    refused(
        log,
        audits.correct,
        RuleViolation,
        bespoke,
        ANALYST,
        CorrectAudit(reason="It was a case audit", kind=MACA),
        match="override_reason",
    )
    audits.correct(
        bespoke, ANALYST, CorrectAudit(reason="r", kind=MACA, override_reason="Ofsted asked")
    )
    assert programme(log, 2026).scheduled[str(bespoke)] == "Ofsted asked"


def test_correcting_a_case_audit_into_a_bespoke_one_frees_its_place(audits, log):
    first, *_ = plan_case_audits(audits, 4)
    audits.correct(first, ANALYST, CorrectAudit(reason="r", kind=BESPOKE))
    assert len(programme(log, 2026).scheduled) == 3


def test_withdrawing_is_for_those_who_run_audits(audits, log):
    audit_id = audits.plan(ANALYST, PlanAudit(kind=BESPOKE, theme="Neglect", planned_for=IN_2026))
    refused(log, audits.withdraw, Forbidden, audit_id, TRAINER, Withdraw(reason="r"))
