"""Each step of a learning item happened on a day of its own (ADR 0040): given, or today;
never in the future, never before the step it depends on, each refusal naming both dates."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.commands.learning_item import (
    AmendAction,
    ChooseMeans,
    CloseItem,
    DefineMeasure,
    IdentifyNeed,
    RecordEvidence,
    ReopenItem,
    ReportProgress,
)
from domain.errors import InvalidField
from domain.learning_item import LearningItem

IDENTIFIED = date(2024, 5, 1)
CHOSEN = date(2024, 5, 10)
DEFINED = date(2024, 5, 12)
MET = date(2024, 5, 20)


def only(parts: dict) -> str:
    (part_id,) = parts
    return part_id


@pytest.fixture
def item(framework, contributor, now) -> LearningItem:
    """Identified on 1 May, an action chosen on 10 May, a measure defined on 12 May, recorded
    on 3 June (`now`)."""
    item = LearningItem.identify(
        framework,
        IdentifyNeed(
            subgroup="serious-case-review",
            title="Neglect not recognised",
            description="",
            source_kind="serious-case-review",
            on=IDENTIFIED,
        ),
        actor=contributor,
        now=now,
    )
    rules = framework.subgroup("serious-case-review")
    at: dict[str, Any] = {"actor": contributor, "now": now}
    item.choose_means(rules, choose(on=CHOSEN), **at)
    item.define_measure(rules, measure(on=DEFINED), **at)
    item.collect_events()
    return item


def choose(**fields: Any) -> ChooseMeans:
    return ChooseMeans(
        **{
            "means": "multi-agency-training",
            "description": "Briefings",
            "owner": "Training lead",
            "due": date(2024, 5, 31),
            **fields,
        }
    )


def measure(**fields: Any) -> DefineMeasure:
    return DefineMeasure(
        **{
            "kind": "case-file-audit",
            "description": "Audit",
            "review_due": date(2024, 12, 31),
            **fields,
        }
    )


def test_a_need_identified_earlier_keeps_its_day(item):
    assert item.identified_on == IDENTIFIED
    assert item.actions[only(item.actions)].chosen_on == CHOSEN
    assert item.measures[only(item.measures)].defined_on == DEFINED


def test_a_step_without_a_day_happened_today_in_the_partnerships_time_zone(framework, contributor):
    late_evening = datetime(2024, 6, 3, 23, 30, tzinfo=UTC)  # 4 June in London
    item = LearningItem.identify(
        framework,
        IdentifyNeed(
            subgroup="serious-case-review",
            title="T",
            description="",
            source_kind="serious-case-review",
        ),
        actor=contributor,
        now=late_evening,
    )
    assert item.identified_on == date(2024, 6, 4)


def test_a_need_identified_in_the_future_is_refused(framework, contributor, now, then_refused):
    command = IdentifyNeed(
        subgroup="serious-case-review",
        title="T",
        description="",
        source_kind="serious-case-review",
        on=date(2024, 6, 4),
    )
    error = then_refused(
        LearningItem.identify,
        InvalidField,
        framework,
        command,
        actor=contributor,
        now=now,
        field="on",
    )
    assert "2024-06-04 is in the future (today is 2024-06-03)" in str(error)


def test_an_action_recorded_late_may_be_due_before_today(item, rules, contributor, now):
    action_id = item.choose_means(
        rules, choose(due=date(2024, 5, 15), on=CHOSEN), actor=contributor, now=now
    )
    assert item.actions[action_id].due == date(2024, 5, 15)


def test_an_action_due_before_identification_is_refused(
    item, rules, contributor, now, then_refused
):
    error = then_refused(
        item.choose_means,
        InvalidField,
        rules,
        choose(due=date(2024, 4, 30)),
        actor=contributor,
        now=now,
        field="due",
    )
    assert "2024-04-30" in str(error) and "2024-05-01" in str(error)


def test_means_chosen_before_identification_is_refused(item, rules, contributor, now, then_refused):
    error = then_refused(
        item.choose_means,
        InvalidField,
        rules,
        choose(on=date(2024, 4, 30)),
        actor=contributor,
        now=now,
        field="on",
    )
    assert "2024-04-30 is before the need was identified (2024-05-01)" in str(error)


def test_a_measure_defined_before_identification_is_refused(
    item, rules, contributor, now, then_refused
):
    then_refused(
        item.define_measure,
        InvalidField,
        rules,
        measure(on=date(2024, 4, 1)),
        actor=contributor,
        now=now,
        field="on",
        match="before the need was identified",
    )


def test_progress_before_the_action_was_chosen_is_refused(item, contributor, now, then_refused):
    command = ReportProgress(action_id=only(item.actions), status="on_track", on=date(2024, 5, 9))
    error = then_refused(
        item.report_progress, InvalidField, command, actor=contributor, now=now, field="on"
    )
    assert "2024-05-09 is before the action was chosen (2024-05-10)" in str(error)


def test_progress_before_the_last_progress_report_is_refused(item, contributor, now, then_refused):
    action_id = only(item.actions)
    item.report_progress(
        ReportProgress(action_id=action_id, status="at_risk", on=date(2024, 5, 20)),
        actor=contributor,
        now=now,
    )
    item.collect_events()
    command = ReportProgress(action_id=action_id, status="complete", on=date(2024, 5, 19))
    then_refused(
        item.report_progress,
        InvalidField,
        command,
        actor=contributor,
        now=now,
        field="on",
        match="before its last progress report",
    )


def test_progress_in_the_future_is_refused(item, contributor, now, then_refused):
    command = ReportProgress(action_id=only(item.actions), status="complete", on=date(2025, 1, 1))
    then_refused(
        item.report_progress,
        InvalidField,
        command,
        actor=contributor,
        now=now,
        field="on",
        match="in the future",
    )


def test_an_amendment_before_the_action_was_chosen_is_refused(item, contributor, now, then_refused):
    command = AmendAction(
        action_id=only(item.actions), reason="New lead", owner="Someone", on=date(2024, 5, 2)
    )
    then_refused(
        item.amend_action,
        InvalidField,
        command,
        actor=contributor,
        now=now,
        field="on",
        match=r"2024-05-02 is before the action was chosen \(2024-05-10\)",
    )


def test_evidence_before_the_measure_was_defined_is_refused(item, contributor, now, then_refused):
    command = RecordEvidence(
        measure_id=only(item.measures), outcome="met", summary="Audit", on=date(2024, 5, 11)
    )
    then_refused(
        item.record_evidence,
        InvalidField,
        command,
        actor=contributor,
        now=now,
        field="on",
        match=r"2024-05-11 is before the measure was defined \(2024-05-12\)",
    )


def with_met_evidence(item, contributor, now):
    item.report_progress(
        ReportProgress(action_id=only(item.actions), status="complete", on=MET),
        actor=contributor,
        now=now,
    )
    item.record_evidence(
        RecordEvidence(measure_id=only(item.measures), outcome="met", summary="A", on=MET),
        actor=contributor,
        now=now,
    )
    item.collect_events()
    return item


def test_closing_before_the_met_evidence_is_refused(item, chair, contributor, now, then_refused):
    with_met_evidence(item, contributor, now)
    then_refused(
        item.close,
        InvalidField,
        CloseItem(summary="Done", on=date(2024, 5, 19)),
        actor=chair,
        now=now,
        field="on",
        match=r"2024-05-19 is before the 'met' evidence \(2024-05-20\)",
    )


def test_closing_on_the_day_of_the_evidence_records_that_day(item, chair, contributor, now):
    with_met_evidence(item, contributor, now)
    item.close(CloseItem(summary="Done", on=MET), actor=chair, now=now)
    (closed,) = item.collect_events()
    assert closed.on == MET and item.closed_on == MET


def test_reopening_before_the_closure_is_refused(item, chair, contributor, now, then_refused):
    with_met_evidence(item, contributor, now)
    item.close(CloseItem(summary="Done", on=date(2024, 5, 25)), actor=chair, now=now)
    item.collect_events()
    then_refused(
        item.reopen,
        InvalidField,
        ReopenItem(reason="More", on=date(2024, 5, 24)),
        actor=chair,
        now=now,
        field="on",
        match=r"before it was closed \(2024-05-25\)",
    )


def test_after_a_reopening_no_step_is_dated_before_it(
    item, rules, chair, contributor, now, then_refused
):
    with_met_evidence(item, contributor, now)
    item.close(CloseItem(summary="Done", on=date(2024, 5, 25)), actor=chair, now=now)
    item.reopen(ReopenItem(reason="More", on=date(2024, 5, 28)), actor=chair, now=now)
    item.collect_events()
    then_refused(
        item.choose_means,
        InvalidField,
        rules,
        choose(on=date(2024, 5, 27)),
        actor=contributor,
        now=now,
        field="on",
        match="before the item was reopened",
    )
