import contextlib
from datetime import UTC, date, datetime, timedelta
from functools import reduce
from operator import attrgetter

import pytest

from domain import loop
from domain.commands.learning_item import (
    ChooseMeans,
    CloseItem,
    CorrectItem,
    DefineMeasure,
    IdentifyNeed,
    RecordEvidence,
    ReopenItem,
    ReportProgress,
)
from domain.commands.withdrawal import WithdrawAction
from domain.errors import DomainError, InvalidField, RuleViolation, UnknownPart, UnknownSubgroup
from domain.learning_item import LearningItem

DUE = date(2024, 9, 30)


def only(parts: dict) -> str:
    (part_id,) = parts
    return part_id


def identify(framework, actor, now, **overrides):
    fields = {
        "subgroup": "serious-case-review",
        "title": "Neglect not recognised",
        "description": "Signs were missed.",
        "source_kind": "serious-case-review",
        "source_reference": None,
        "themes": ["neglect"],
    }
    return LearningItem.identify(
        framework, IdentifyNeed(**{**fields, **overrides}), actor=actor, now=now
    )


# -- identification -------------------------------------------------------------------------


def test_identify_records_who_a_trimmed_title_and_each_theme_once(
    framework, contributor, now, then_events
):
    item = identify(
        framework,
        contributor,
        now,
        title="  Neglect not recognised  ",
        source_reference="  SCR-2024-01 ",
        themes=["neglect", " adolescents ", "neglect", "adolescents"],
    )
    then_events(
        item,
        [
            (
                "Identified",
                {
                    "actor": {
                        "id": "u-contributor",
                        "name": "Cara Contributor",
                        "role": "contributor",
                    },
                    "subgroup": "serious-case-review",
                    "title": "Neglect not recognised",
                    "source_kind": "serious-case-review",
                    "source_reference": "SCR-2024-01",
                    "themes": ["neglect", "adolescents"],
                    "identified_on": date(2024, 6, 3),
                },
            )
        ],
    )
    assert item.stage == loop.IDENTIFICATION


def test_identified_on_is_the_partnerships_local_date(framework, contributor):
    late_summer_evening = datetime(2024, 7, 14, 23, 30, tzinfo=UTC)
    item = identify(framework, contributor, late_summer_evening)
    assert item.identified_on == date(2024, 7, 15)


def test_an_unknown_subgroup_is_refused(framework, contributor, now, then_refused):
    refused = then_refused(
        LearningItem.identify,
        UnknownSubgroup,
        framework,
        IdentifyNeed(
            subgroup="no-such-body",
            title="t",
            description="",
            source_kind="serious-case-review",
            source_reference=None,
            themes=[],
        ),
        actor=contributor,
        now=now,
        field="subgroup",
    )
    assert isinstance(refused, InvalidField)


@pytest.mark.parametrize("kind", ["self-referral", "course-evaluation"])
def test_the_source_must_be_one_of_the_subgroups_identification_sources(
    framework, contributor, now, kind
):
    with pytest.raises(InvalidField, match=kind) as refused:
        identify(framework, contributor, now, source_kind=kind)
    assert refused.value.field == "source.kind"


@pytest.mark.parametrize("title", ["", "   "])
def test_a_title_must_not_be_empty(framework, contributor, now, title):
    with pytest.raises(InvalidField) as refused:
        identify(framework, contributor, now, title=title)
    assert refused.value.field == "title"


def test_a_theme_must_not_be_empty(framework, contributor, now):
    with pytest.raises(InvalidField) as refused:
        identify(framework, contributor, now, themes=["neglect", " "])
    assert refused.value.field == "themes"


# -- improvement ----------------------------------------------------------------------------


def test_choosing_a_means_records_the_action(given, rules, contributor, now, then_events):
    item = given()
    action_id = item.choose_means(
        rules,
        ChooseMeans(
            means="practice-guidance",
            description=" Update the neglect toolkit ",
            owner="Policy lead",
            owner_email="policy@example.org",
            due=DUE,
        ),
        actor=contributor,
        now=now,
    )
    then_events(
        item,
        [
            (
                "MeansChosen",
                {
                    "action_id": action_id,
                    "means": "practice-guidance",
                    "description": "Update the neglect toolkit",
                    "owner": "Policy lead",
                    "due": DUE,
                },
            )
        ],
    )
    assert item.actions[action_id].status == loop.NOT_STARTED


@pytest.mark.parametrize("means", ["e-learning", "wishful-thinking"])
def test_the_means_must_be_one_of_the_subgroups_means(
    given, rules, contributor, now, then_refused, means
):
    item = given()
    then_refused(
        item.choose_means,
        InvalidField,
        rules,
        ChooseMeans(means=means, description="d", owner="o", due=DUE),
        actor=contributor,
        now=now,
        field="means",
    )


def test_an_action_may_not_fall_due_before_identification(
    given, rules, contributor, now, then_refused
):
    item = given()
    then_refused(
        item.choose_means,
        InvalidField,
        rules,
        ChooseMeans(means="practice-guidance", description="d", owner="o", due=date(2024, 6, 2)),
        actor=contributor,
        now=now,
        field="due",
    )


def test_an_action_may_fall_due_on_the_day_of_identification(
    given, rules, contributor, now, then_events
):
    item = given()
    item.choose_means(
        rules,
        ChooseMeans(means="practice-guidance", description="d", owner="o", due=item.identified_on),
        actor=contributor,
        now=now,
    )
    then_events(item, [("MeansChosen", {"due": date(2024, 6, 3)})])


def test_reporting_progress_records_the_status(given, step, contributor, now, then_events):
    item = given(step.action())
    item.report_progress(
        ReportProgress(action_id=only(item.actions), status="at_risk", note=" Venue lost "),
        actor=contributor,
        now=now,
    )
    then_events(item, [("ProgressReported", {"status": "at_risk", "note": "Venue lost"})])


@pytest.mark.parametrize("status", ["done", "not_started"])
def test_progress_must_have_a_known_status(given, step, contributor, now, then_refused, status):
    item = given(step.action())
    then_refused(
        item.report_progress,
        InvalidField,
        ReportProgress(action_id=only(item.actions), status=status, note=""),
        actor=contributor,
        now=now,
        field="status",
    )


def test_progress_on_an_unknown_action_is_refused(given, step, contributor, now, then_refused):
    item = given(step.action())
    refused = then_refused(
        item.report_progress,
        UnknownPart,
        ReportProgress(action_id="no-such-action", status="complete", note=""),
        actor=contributor,
        now=now,
    )
    assert (refused.what, refused.part_id) == ("action", "no-such-action")


# -- effectiveness --------------------------------------------------------------------------


def test_defining_a_measure_records_it(given, rules, contributor, now, then_events):
    item = given()
    measure_id = item.define_measure(
        rules,
        DefineMeasure(
            kind="practitioner-survey",
            description="Survey of 50 practitioners",
            review_due=date(2025, 1, 31),
        ),
        actor=contributor,
        now=now,
    )
    then_events(
        item,
        [("MeasureDefined", {"measure_id": measure_id, "kind": "practitioner-survey"})],
    )
    assert item.measures[measure_id].outcome is None


@pytest.mark.parametrize("kind", ["course-feedback", "gut-feeling"])
def test_the_measure_must_be_one_of_the_subgroups_measures(
    given, rules, contributor, now, then_refused, kind
):
    item = given()
    then_refused(
        item.define_measure,
        InvalidField,
        rules,
        DefineMeasure(kind=kind, description="d", review_due=DUE),
        actor=contributor,
        now=now,
        field="kind",
    )


def test_a_measure_may_not_be_reviewed_before_identification(
    given, rules, contributor, now, then_refused
):
    item = given()
    then_refused(
        item.define_measure,
        InvalidField,
        rules,
        DefineMeasure(kind="case-file-audit", description="d", review_due=date(2024, 1, 1)),
        actor=contributor,
        now=now,
        field="review_due",
    )


def test_recording_evidence_records_the_outcome(given, step, contributor, now, then_events):
    item = given(step.measure())
    item.record_evidence(
        RecordEvidence(
            measure_id=only(item.measures),
            outcome="partly_met",
            summary="Half the files showed it",
            reference=" AUD-7 ",
        ),
        actor=contributor,
        now=now,
    )
    then_events(item, [("EvidenceRecorded", {"outcome": "partly_met", "reference": "AUD-7"})])
    assert item.measures[only(item.measures)].outcome == loop.PARTLY_MET


def test_evidence_for_an_unknown_measure_is_refused(given, step, contributor, now, then_refused):
    item = given(step.measure())
    then_refused(
        item.record_evidence,
        UnknownPart,
        RecordEvidence(measure_id="no-such-measure", outcome="met", summary="s", reference=None),
        actor=contributor,
        now=now,
        match="measure",
    )


@pytest.mark.parametrize(
    ("outcome", "summary", "field"),
    [("exceeded", "s", "outcome"), ("met", "", "summary"), ("met", "  ", "summary")],
)
def test_evidence_needs_a_known_outcome_and_a_summary(
    given, step, contributor, now, then_refused, outcome, summary, field
):
    item = given(step.measure())
    then_refused(
        item.record_evidence,
        InvalidField,
        RecordEvidence(
            measure_id=only(item.measures), outcome=outcome, summary=summary, reference=None
        ),
        actor=contributor,
        now=now,
        field=field,
    )


# -- the stage ------------------------------------------------------------------------------


def test_the_stage_follows_the_loop_and_reopen_returns_to_the_stage_the_state_implies(
    given, rules, contributor, business_manager, chair, now
):
    item = given()
    assert item.stage == loop.IDENTIFICATION
    action_id = item.choose_means(
        rules,
        ChooseMeans(means="practice-guidance", description="d", owner="o", due=DUE),
        actor=contributor,
        now=now,
    )
    assert item.stage == loop.IMPROVEMENT
    item.report_progress(
        ReportProgress(action_id=action_id, status="complete", note=""), actor=contributor, now=now
    )
    assert item.stage == loop.EFFECTIVENESS
    item.close(CloseItem(summary="s", override_reason="o"), actor=business_manager, now=now)
    assert item.stage == loop.CLOSED
    item.reopen(ReopenItem(reason="The audit found it slipped"), actor=chair, now=now)
    assert item.stage == loop.EFFECTIVENESS


def test_a_second_action_not_complete_returns_the_stage_to_improvement(given, step):
    item = given(step.action("complete"))
    assert item.stage == loop.EFFECTIVENESS
    assert given(step.action("complete"), step.action()).stage == loop.IMPROVEMENT


def test_reopening_an_item_with_no_actions_returns_it_to_identification(
    given, step, chair, now, then_events
):
    item = given(step.closed())
    item.reopen(ReopenItem(reason="  Closed in error "), actor=chair, now=now)
    then_events(item, [("Reopened", {"reason": "Closed in error"})])
    assert (item.stage, item.closed_at) == (loop.IDENTIFICATION, None)


# -- closing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "measures",
    [(), ((),), (("partly_met",),), (("not_met",), ("partly_met",))],
    ids=["no measure", "no evidence", "partly met", "not met and partly met"],
)
def test_an_item_closes_only_when_a_measure_has_met_evidence(
    given, step, chair, now, then_refused, measures
):
    item = given(step.action("complete"), *(step.measure(*outcomes) for outcomes in measures))
    then_refused(
        item.close,
        RuleViolation,
        CloseItem(summary="s", override_reason=None),
        actor=chair,
        now=now,
        match="'met' evidence",
    )


def test_the_latest_evidence_of_a_measure_counts(given, step, chair, now, then_refused):
    item = given(step.action("complete"), step.measure("met", "not_met"))
    then_refused(
        item.close,
        RuleViolation,
        CloseItem(summary="s", override_reason=None),
        actor=chair,
        now=now,
    )


def test_closing_with_met_evidence_records_the_summary(given, step, chair, now, then_events):
    item = given(step.action("complete"), step.measure("not_met"), step.measure("met"))
    item.close(CloseItem(summary=" Learning embedded ", override_reason=None), actor=chair, now=now)
    then_events(item, [("Closed", {"summary": "Learning embedded", "override_reason": None})])
    assert item.closed_at == now


@pytest.mark.parametrize("who", ["contributor", "chair"])
def test_only_a_business_manager_may_close_by_override(
    given, step, now, then_refused, request, who
):
    item = given(step.action("complete"))
    then_refused(
        item.close,
        RuleViolation,
        CloseItem(summary="s", override_reason="Superseded"),
        actor=request.getfixturevalue(who),
        now=now,
        match="business manager",
    )


def test_a_business_manager_may_close_by_override_with_a_reason(
    given, step, business_manager, now, then_events
):
    item = given(step.action())
    item.close(
        CloseItem(summary="s", override_reason=" Superseded by the national review "),
        actor=business_manager,
        now=now,
    )
    then_events(item, [("Closed", {"override_reason": "Superseded by the national review"})])
    assert item.is_closed


@pytest.mark.parametrize("override_reason", [None, "", "   "])
def test_a_business_manager_without_a_reason_closes_only_with_met_evidence(
    given, step, business_manager, now, then_refused, override_reason
):
    item = given(step.action("complete"), step.measure("partly_met"))
    then_refused(
        item.close,
        RuleViolation,
        CloseItem(summary="s", override_reason=override_reason),
        actor=business_manager,
        now=now,
    )


def test_closing_needs_a_summary(given, step, chair, now, then_refused):
    item = given(step.measure("met"))
    then_refused(
        item.close,
        InvalidField,
        CloseItem(summary=" ", override_reason=None),
        actor=chair,
        now=now,
        field="summary",
    )


def _choose_means(item, rules):
    command = ChooseMeans(means="practice-guidance", description="d", owner="o", due=DUE)
    return item.choose_means, (rules, command)


def _report_progress(item, rules):
    command = ReportProgress(action_id=only(item.actions), status="on_track", note="")
    return item.report_progress, (command,)


def _define_measure(item, rules):
    command = DefineMeasure(kind="case-file-audit", description="d", review_due=DUE)
    return item.define_measure, (rules, command)


def _record_evidence(item, rules):
    command = RecordEvidence(
        measure_id=only(item.measures), outcome="met", summary="s", reference=None
    )
    return item.record_evidence, (command,)


def _correct(item, rules):
    return item.correct, (CorrectItem(title="New title", description=None, reason="Typo"),)


def _close(item, rules):
    return item.close, (CloseItem(summary="s", override_reason="again"),)


@pytest.mark.parametrize(
    "command",
    [_choose_means, _report_progress, _define_measure, _record_evidence, _correct, _close],
)
def test_a_closed_item_cannot_change(
    given, step, rules, business_manager, now, then_refused, command
):
    item = given(step.action("complete"), step.measure("met"), step.closed())
    method, args = command(item, rules)
    then_refused(
        method,
        RuleViolation,
        *args,
        actor=business_manager,
        now=now,
        match="closed item cannot change",
    )


def test_only_a_closed_item_can_be_reopened(given, step, chair, now, then_refused):
    item = given(step.action("complete"), step.measure("met"))
    then_refused(
        item.reopen, RuleViolation, ReopenItem(reason="r"), actor=chair, now=now, match="closed"
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_reopening_needs_a_reason(given, step, chair, now, then_refused, reason):
    item = given(step.closed())
    then_refused(
        item.reopen, InvalidField, ReopenItem(reason=reason), actor=chair, now=now, field="reason"
    )


# -- correction -----------------------------------------------------------------------------


def test_a_correction_keeps_the_previous_values_and_changes_the_item(
    given, contributor, now, then_events
):
    item = given()
    item.correct(
        CorrectItem(
            title=" Neglect of adolescents not recognised ",
            description="Signs of neglect were missed.",
            reason="Clearer wording",
        ),
        actor=contributor,
        now=now,
    )
    then_events(
        item,
        [
            (
                "Corrected",
                {
                    "title": "Neglect of adolescents not recognised",
                    "previous_title": "Neglect not recognised in adolescents",
                    "description": "Signs of neglect were missed.",
                    "previous_description": (
                        "Practitioners missed signs of neglect in a 15-year-old."
                    ),
                    "reason": "Clearer wording",
                },
            )
        ],
    )
    assert item.title == "Neglect of adolescents not recognised"
    assert item.description == "Signs of neglect were missed."


def test_a_correction_of_the_title_alone_leaves_the_description(
    given, contributor, now, then_events
):
    item = given()
    item.correct(
        CorrectItem(title="New title", description=None, reason="r"), actor=contributor, now=now
    )
    then_events(item, [("Corrected", {"description": None, "previous_description": None})])
    assert item.description == "Practitioners missed signs of neglect in a 15-year-old."


@pytest.mark.parametrize(
    ("title", "description"),
    [
        (None, None),
        (" Neglect not recognised in adolescents ", None),
        (
            "Neglect not recognised in adolescents",
            "Practitioners missed signs of neglect in a 15-year-old.",
        ),
    ],
)
def test_a_correction_must_change_something(
    given, contributor, now, then_refused, title, description
):
    item = given()
    then_refused(
        item.correct,
        InvalidField,
        CorrectItem(title=title, description=description, reason="r"),
        actor=contributor,
        now=now,
        match="must change",
    )


@pytest.mark.parametrize("reason", ["", "  "])
def test_a_correction_needs_a_reason(given, contributor, now, then_refused, reason):
    item = given()
    then_refused(
        item.correct,
        InvalidField,
        CorrectItem(title="New title", description=None, reason=reason),
        actor=contributor,
        now=now,
        field="reason",
    )


# -- every event ----------------------------------------------------------------------------


def test_every_event_carries_its_actor(build, step, chair, business_manager, contributor, now):
    item = build(step.action("complete"), step.measure("met"))
    item.close(CloseItem(summary="s", override_reason=None), actor=chair, now=now)
    item.reopen(ReopenItem(reason="r"), actor=business_manager, now=now)
    actors = [event.actor for event in item.collect_events()]
    expected = [contributor] * 5 + [chair, business_manager]
    assert actors == [actor.as_record() for actor in expected]
    assert actors[0] == {"id": "u-contributor", "name": "Cara Contributor", "role": "contributor"}


def test_event_timestamps_are_the_injected_now(build, rules, contributor, now):
    item = build()
    times = [now + timedelta(days=n, minutes=n) for n in range(1, 5)]
    action_id = item.choose_means(
        rules,
        ChooseMeans(means="practice-guidance", description="d", owner="o", due=DUE),
        actor=contributor,
        now=times[0],
    )
    item.report_progress(
        ReportProgress(action_id=action_id, status="complete", note=""),
        actor=contributor,
        now=times[1],
    )
    item.correct(
        CorrectItem(title="New", description=None, reason="r"), actor=contributor, now=times[2]
    )
    item.define_measure(
        rules,
        DefineMeasure(kind="case-file-audit", description="d", review_due=DUE),
        actor=contributor,
        now=times[3],
    )
    assert [event.timestamp for event in item.collect_events()] == [now, *times]
    assert (item.created_on, item.modified_on) == (now, times[-1])


def test_an_item_rebuilt_from_its_events_equals_the_original(build, step, chair, contributor, now):
    item = build(step.action("complete"), step.action("at_risk"), step.measure("not_met", "met"))
    item.correct(
        CorrectItem(title="New title", description="New", reason="r"), actor=contributor, now=now
    )
    at_risk = next(a.id for a in item.actions.values() if a.status == "at_risk")
    item.withdraw_action(
        WithdrawAction(action_id=at_risk, reason="A duplicate"),
        actor=contributor,
        now=now,
        timezone="Europe/London",
    )
    item.close(
        CloseItem(summary="s", override_reason=None), actor=chair, now=now + timedelta(hours=1)
    )
    rebuilt = reduce(lambda aggregate, event: event.mutate(aggregate), item.collect_events(), None)
    assert rebuilt == item
    state = attrgetter("title", "actions", "measures", "closed_at", "version")
    assert state(rebuilt) == state(item)


def test_an_item_rates_its_worst_open_action(given, step, today):
    assert given().rag(today) is None
    assert given(step.action("complete")).rag(today) is None
    assert given(step.action("at_risk"), step.action("complete")).rag(today) == loop.AMBER
    due_today = given(step.action("on_track", due=today))
    assert due_today.rag(today) == loop.GREEN
    assert due_today.rag(today + timedelta(days=1)) == loop.RED


# -- known gaps (the lead decides; see the reasons) -----------------------------------------


def test_another_subgroups_rules_cannot_decide_for_an_item(
    given, framework, contributor, now, then_refused
):
    item = given()
    then_refused(
        item.choose_means,
        DomainError,
        framework.subgroup("training"),
        ChooseMeans(means="e-learning", description="d", owner="o", due=DUE),
        actor=contributor,
        now=now,
    )


def test_only_a_business_managers_override_reason_is_recorded(given, step, contributor, now):
    item = given(step.measure("met"))
    with contextlib.suppress(RuleViolation):
        item.close(CloseItem(summary="s", override_reason="Because"), actor=contributor, now=now)
    assert [event.override_reason for event in item.collect_events()] in ([], [None])
