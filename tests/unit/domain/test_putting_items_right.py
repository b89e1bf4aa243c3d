"""Withdrawing an item, an action or a measure; amendments that change nothing; closing only once
every action is complete or withdrawn, and on `met` evidence recorded since the last reopening."""

from datetime import date, timedelta

import pytest

from domain import loop
from domain.commands.learning_item import (
    AmendAction,
    CloseItem,
    RecordEvidence,
    ReopenItem,
    ReportProgress,
)
from domain.commands.withdrawal import Withdraw, WithdrawAction, WithdrawMeasure
from domain.errors import InvalidField, RuleViolation, UnknownPart

TZ = "Europe/London"


def action_ids(item, status=None):
    return [a.id for a in item.actions.values() if status is None or a.status == status]


def measure_id(item):
    (only,) = item.measures
    return only


# -- withdrawing the item -------------------------------------------------------------------


def test_withdrawing_an_item_records_the_reason_and_the_day(given, contributor, now, then_events):
    item = given()
    item.withdraw(
        Withdraw(reason="  A duplicate of another item ", on=now.date()),
        actor=contributor,
        now=now,
        timezone=TZ,
    )
    then_events(
        item,
        [("Withdrawn", {"reason": "A duplicate of another item", "withdrawn_on": now.date()})],
    )
    assert item.is_withdrawn


def test_a_withdrawn_item_cannot_change_or_be_withdrawn_again(
    given, step, contributor, now, then_refused
):
    item = given(step.action("on_track"))
    item.withdraw(Withdraw(reason="Duplicate"), actor=contributor, now=now, timezone=TZ)
    item.collect_events()
    then_refused(
        item.withdraw,
        RuleViolation,
        Withdraw(reason="again"),
        actor=contributor,
        now=now,
        timezone=TZ,
        match="withdrawn on",
    )
    (action_id,) = action_ids(item)
    then_refused(
        item.amend_action,
        RuleViolation,
        AmendAction(action_id=action_id, reason="r", owner="x"),
        actor=contributor,
        now=now,
        match="withdrawn item cannot change",
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_withdrawal_needs_a_reason(given, contributor, now, then_refused, reason):
    then_refused(
        given().withdraw,
        InvalidField,
        Withdraw(reason=reason),
        actor=contributor,
        now=now,
        timezone=TZ,
        field="reason",
    )


def test_a_withdrawal_is_neither_in_the_future_nor_before_identification(
    given, contributor, now, then_refused
):
    item = given()
    then_refused(
        item.withdraw,
        InvalidField,
        Withdraw(reason="r", on=now.date() + timedelta(days=1)),
        actor=contributor,
        now=now,
        timezone=TZ,
        field="on",
        match="future",
    )
    then_refused(
        item.withdraw,
        InvalidField,
        Withdraw(reason="r", on=item.identified_on - timedelta(1)),
        actor=contributor,
        now=now,
        timezone=TZ,
        field="on",
        match="before identification",
    )


# -- withdrawing an action or a measure -----------------------------------------------------


def test_a_withdrawn_action_leaves_the_stage_and_the_rag(
    given, step, contributor, now, today, then_events
):
    item = given(step.action("complete"), step.action("off_track"))
    assert (item.stage, item.rag(today)) == (loop.IMPROVEMENT, loop.RED)
    (off_track,) = action_ids(item, "off_track")
    item.withdraw_action(
        WithdrawAction(action_id=off_track, reason="Entered twice"),
        actor=contributor,
        now=now,
        timezone=TZ,
    )
    then_events(item, [("ActionWithdrawn", {"action_id": off_track, "reason": "Entered twice"})])
    assert (item.stage, item.rag(today)) == (loop.EFFECTIVENESS, None)


def test_a_withdrawn_action_takes_no_progress_no_amendment_and_no_second_withdrawal(
    given, step, contributor, now, then_refused
):
    item = given(step.action("on_track"))
    (action_id,) = action_ids(item)
    item.withdraw_action(
        WithdrawAction(action_id=action_id, reason="r"), actor=contributor, now=now, timezone=TZ
    )
    item.collect_events()
    then_refused(
        item.report_progress,
        RuleViolation,
        ReportProgress(action_id=action_id, status="complete"),
        actor=contributor,
        now=now,
        match="withdrawn",
    )
    then_refused(
        item.amend_action,
        RuleViolation,
        AmendAction(action_id=action_id, reason="r", owner="Someone else"),
        actor=contributor,
        now=now,
        match="withdrawn",
    )
    then_refused(
        item.withdraw_action,
        RuleViolation,
        WithdrawAction(action_id=action_id, reason="r"),
        actor=contributor,
        now=now,
        timezone=TZ,
        match="already withdrawn",
    )


def test_a_withdrawn_measure_takes_no_evidence_and_its_met_evidence_no_longer_closes(
    given, step, contributor, chair, now, then_refused
):
    item = given(step.action("complete"), step.measure("met"))
    mid = measure_id(item)
    item.withdraw_measure(
        WithdrawMeasure(measure_id=mid, reason="Wrong measure"),
        actor=contributor,
        now=now,
        timezone=TZ,
    )
    item.collect_events()
    assert not item.has_met_evidence
    then_refused(
        item.record_evidence,
        RuleViolation,
        RecordEvidence(measure_id=mid, outcome="met", summary="s"),
        actor=contributor,
        now=now,
        match="withdrawn measure",
    )
    then_refused(
        item.close, RuleViolation, CloseItem(summary="s"), actor=chair, now=now, match="'met'"
    )


def test_withdrawing_an_unknown_part_is_refused(given, contributor, now, then_refused):
    then_refused(
        given().withdraw_action,
        UnknownPart,
        WithdrawAction(action_id="nope", reason="r"),
        actor=contributor,
        now=now,
        timezone=TZ,
    )


# -- amendments that change nothing ---------------------------------------------------------


def test_an_amendment_that_changes_nothing_is_refused(given, step, contributor, now, then_refused):
    item = given(step.action("on_track", due=date(2024, 9, 30)))
    (action_id,) = action_ids(item)
    action = item.actions[action_id]
    then_refused(
        item.amend_action,
        InvalidField,
        AmendAction(action_id=action_id, reason="r", owner=action.owner, due=action.due),
        actor=contributor,
        now=now,
        match="must change",
    )
    then_refused(
        item.amend_action,
        InvalidField,
        AmendAction(action_id=action_id, reason="r", due=action.due),
        actor=contributor,
        now=now,
        field="due",
    )


def test_an_amendment_records_only_what_changes(given, step, contributor, now, then_events):
    item = given(step.action("on_track", due=date(2024, 9, 30)))
    (action_id,) = action_ids(item)
    owner = item.actions[action_id].owner
    item.amend_action(
        AmendAction(action_id=action_id, reason="Moved", owner=owner, due=date(2024, 10, 31)),
        actor=contributor,
        now=now,
    )
    then_events(
        item,
        [
            (
                "ActionAmended",
                {"owner": None, "due": date(2024, 10, 31), "previous": {"due": "2024-09-30"}},
            )
        ],
    )


# -- closing ----------------------------------------------------------------------------------


def test_an_item_closes_only_once_every_action_is_complete_or_withdrawn(
    given, step, chair, then_refused, now
):
    item = given(step.action("complete"), step.action("on_track"), step.measure("met"))
    refusal = then_refused(
        item.close,
        RuleViolation,
        CloseItem(summary="s"),
        actor=chair,
        now=now,
        match="every action is complete or withdrawn",
    )
    assert "'Briefings on the review's findings' (on_track)" in str(refusal)


def test_a_business_manager_closes_with_open_actions_by_override(
    given, step, business_manager, now, today, then_events
):
    item = given(step.action("on_track"), step.measure("met"))
    item.close(
        CloseItem(summary="s", override_reason="Superseded by the national review"),
        actor=business_manager,
        now=now,
    )
    then_events(item, ["Closed"])
    assert item.rag(today) == loop.CLOSED


def test_closing_after_withdrawing_the_open_action(given, step, chair, contributor, now):
    item = given(step.action("complete"), step.action("at_risk"), step.measure("met"))
    (at_risk,) = action_ids(item, "at_risk")
    item.withdraw_action(
        WithdrawAction(action_id=at_risk, reason="Not needed"),
        actor=contributor,
        now=now,
        timezone=TZ,
    )
    item.close(CloseItem(summary="Embedded"), actor=chair, now=now)
    assert item.is_closed


def test_after_a_reopen_closing_needs_met_evidence_recorded_since(
    given, step, chair, contributor, now, then_refused
):
    item = given(step.action("complete"), step.measure("met"))
    item.close(CloseItem(summary="s"), actor=chair, now=now)
    later = now + timedelta(days=2)
    item.reopen(ReopenItem(reason="Practice slipped"), actor=chair, now=later)
    item.collect_events()
    then_refused(
        item.close,
        RuleViolation,
        CloseItem(summary="s"),
        actor=chair,
        now=later,
        match="recorded since it was reopened",
    )
    item.record_evidence(
        RecordEvidence(measure_id=measure_id(item), outcome="met", summary="Re-audited"),
        actor=contributor,
        now=later + timedelta(hours=1),
    )
    item.close(CloseItem(summary="s"), actor=chair, now=later + timedelta(hours=2))
    assert item.is_closed


def test_a_closed_items_rag_is_closed(given, step, today):
    assert given(step.action("complete"), step.closed()).rag(today) == loop.CLOSED


def test_a_closed_item_withdrawn_is_not_reopened(given, step, chair, now, then_refused):
    item = given(step.action("complete"), step.closed())
    item.withdraw(Withdraw(reason="A duplicate"), actor=chair, now=now, timezone=TZ)
    item.collect_events()
    then_refused(
        item.reopen, RuleViolation, ReopenItem(reason="r"), actor=chair, now=now, match="withdrawn"
    )
