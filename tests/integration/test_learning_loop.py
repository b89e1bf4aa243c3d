"""The learning loop through the services, read back from the views, on each store.

Every command returns only after the read models show it (read-your-writes), so no test here
calls `catch_up` itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from adapters.bootstrap import Learnloop
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
from domain.errors import InvalidField, RuleViolation, UnknownPart
from projections.read import AuditFilter
from projections.views import items as item_summary
from services.errors import Forbidden, VersionMismatch

SCR = "serious-case-review"
TRAINING = "training"
SOURCE = "local_serious_case_review"
MEANS = "implementation_of_recommendations"
MEASURE = "evaluation_workshop"


def identify(ll: Learnloop, actor: Any, title: str = "Escalation was slow", **fields: Any) -> UUID:
    values = {"subgroup": SCR, "description": "Agencies did not escalate", "source_kind": SOURCE}
    return ll.learning.identify(actor, IdentifyNeed(title=title, **{**values, **fields}))


def without_rag(doc: dict[str, Any]) -> dict[str, Any]:
    actions = [{k: v for k, v in a.items() if k != "rag"} for a in doc["actions"]]
    return {**{k: v for k, v in doc.items() if k != "rag"}, "actions": actions}


def board_stage_of(ll: Learnloop, item_id: UUID) -> str:
    board = ll.read_models.loop_board(SCR, ll.learning.today())
    found = [
        name
        for name, column in board["stages"].items()
        for doc in column["items"]
        if doc["id"] == str(item_id)
    ]
    assert len(found) == 1, found
    return found[0]


def test_full_loop_shows_each_step_at_once(ll, actors, clock):
    c, chair = actors.contributor, actors.chair
    today = ll.learning.today
    stages = []

    def seen(item_id: UUID) -> dict[str, Any]:
        doc = ll.read_models.item(str(item_id), today())
        assert doc is not None
        assert board_stage_of(ll, item_id) == doc["stage"]
        assert [e["version"] for e in ll.read_models.history(str(item_id))] == list(
            range(1, doc["version"] + 1)
        )
        if not stages or stages[-1] != doc["stage"]:
            stages.append(doc["stage"])
        return doc

    item_id = identify(ll, c, source_reference="SCR Child F", themes=["escalation"])
    doc = seen(item_id)
    assert (doc["stage"], doc["version"], doc["rag"]) == ("identification", 1, None)
    assert doc["source"] == {"kind": SOURCE, "reference": "SCR Child F"}
    assert doc["identified_on"] == "2026-05-01"
    assert ll.read_models.history(str(item_id))[0]["actor"] == c.as_record()

    clock.advance(days=1)
    due = date(2026, 6, 30)
    action = ll.learning.choose_means(
        item_id,
        c,
        ChooseMeans(means=MEANS, description="Revise escalation policy", owner="LSCB", due=due),
    )
    doc = seen(item_id)
    assert doc["stage"] == "improvement"
    assert doc["actions"] == [
        {
            "id": action,
            "means": MEANS,
            "description": "Revise escalation policy",
            "owner": "LSCB",
            "owner_email": None,
            "due": "2026-06-30",
            "status": "not_started",
            "chosen_on": today().isoformat(),
            "chosen_at": clock.now.isoformat(),
            "status_on": None,
            "completed_on": None,
            "completed_at": None,
            "withdrawn": False,
            "rag": "green",
        }
    ]
    follow = ll.read_models.follow_ups(today(), due)
    assert [(f["kind"], f["target_id"], f["overdue"]) for f in follow] == [
        ("action", action, False)
    ]

    clock.advance(days=1)
    ll.learning.report_progress(
        item_id, c, ReportProgress(action_id=action, status="at_risk", note="short of staff")
    )
    doc = seen(item_id)
    assert (doc["stage"], doc["rag"], doc["actions"][0]["status"]) == (
        "improvement",
        "amber",
        "at_risk",
    )

    ll.learning.report_progress(
        item_id, c, ReportProgress(action_id=action, status="complete", note="policy published")
    )
    doc = seen(item_id)
    assert (doc["stage"], doc["rag"], doc["version"]) == ("effectiveness", None, 4)
    assert ll.read_models.follow_ups(today(), due) == []

    clock.advance(days=1)
    measure = ll.learning.define_measure(
        item_id,
        c,
        DefineMeasure(
            kind=MEASURE, description="Workshop with practitioners", review_due=date(2026, 9, 1)
        ),
    )
    doc = seen(item_id)
    assert doc["measures"][0]["id"] == measure
    assert (doc["measures"][0]["outcome"], doc["stage"]) == (None, "effectiveness")
    follow = ll.read_models.follow_ups(today(), date(2026, 9, 1))
    assert [(f["kind"], f["target_id"], f["status"]) for f in follow] == [
        ("measure", measure, "awaiting_evidence")
    ]

    clock.advance(days=30)
    ll.learning.record_evidence(
        item_id,
        c,
        RecordEvidence(
            measure_id=measure, outcome="met", summary="Practitioners escalate", reference="WS-1"
        ),
    )
    doc = seen(item_id)
    assert doc["measures"][0]["outcome"] == "met"
    assert doc["measures"][0]["evidence"][0]["recorded_by"] == c.as_record()
    assert ll.read_models.follow_ups(today(), date(2026, 9, 1)) == []

    ll.learning.close_item(
        item_id, chair, CloseItem(summary="Learning embedded", override_reason=None)
    )
    doc = seen(item_id)
    assert doc["stage"] == "closed"
    assert doc["closed_at"] == clock.now.isoformat()
    assert doc["closure"] == {
        "summary": "Learning embedded",
        "override_reason": None,
        "on": today().isoformat(),
    }
    assert doc["closed_on"] == today().isoformat()
    assert doc["version"] == 7
    assert stages == ["identification", "improvement", "effectiveness", "closed"]
    assert [e["type"] for e in ll.read_models.history(str(item_id))] == [
        "Identified",
        "MeansChosen",
        "ProgressReported",
        "ProgressReported",
        "MeasureDefined",
        "EvidenceRecorded",
        "Closed",
    ]
    assert ll.read_models.items(today(), subgroup=SCR, stage="closed")[0]["id"] == str(item_id)


def test_reopen_and_correct_show_at_once(ll, actors):
    c, chair, bm = actors.contributor, actors.chair, actors.business_manager
    today = ll.learning.today()
    item_id = identify(ll, c)
    action = ll.learning.choose_means(
        item_id,
        c,
        ChooseMeans(means=MEANS, description="d", owner="o", due=today + timedelta(days=10)),
    )
    ll.learning.correct(
        item_id, c, CorrectItem(title="Escalation was too slow", description=None, reason="typo")
    )
    doc = ll.read_models.item(str(item_id), today)
    assert doc["title"] == "Escalation was too slow"
    assert ll.read_models.follow_ups(today, today + timedelta(days=10))[0]["item_title"] == (
        "Escalation was too slow"
    )
    ll.learning.close_item(item_id, bm, CloseItem(summary="Stopped", override_reason="Superseded"))
    doc = ll.read_models.item(str(item_id), today)
    assert doc["closure"] == {
        "summary": "Stopped",
        "override_reason": "Superseded",
        "on": today.isoformat(),
    }
    assert ll.read_models.follow_ups(today, today + timedelta(days=10)) == []
    ll.learning.reopen_item(item_id, chair, ReopenItem(reason="Not finished"))
    doc = ll.read_models.item(str(item_id), today)
    assert (doc["stage"], doc["closed_at"], doc["closure"]) == ("improvement", None, None)
    assert [f["target_id"] for f in ll.read_models.follow_ups(today, today + timedelta(10))] == [
        action
    ]


def run_loop(ll: Learnloop, actors: Any, clock: Any) -> list[UUID]:
    """Two items in two subgroups, one round the whole loop, one part-way."""
    c, chair, t = actors.contributor, actors.chair, actors.training_contributor
    done = identify(ll, c)
    action = ll.learning.choose_means(
        done, c, ChooseMeans(means=MEANS, description="d", owner="o", due=date(2026, 5, 20))
    )
    clock.advance(days=2)
    ll.learning.report_progress(
        done, c, ReportProgress(action_id=action, status="complete", note="n")
    )
    measure = ll.learning.define_measure(
        done, c, DefineMeasure(kind=MEASURE, description="m", review_due=date(2026, 7, 1))
    )
    ll.learning.record_evidence(
        done, c, RecordEvidence(measure_id=measure, outcome="met", summary="s", reference=None)
    )
    ll.learning.close_item(done, chair, CloseItem(summary="done", override_reason=None))
    clock.advance(days=1)
    open_item = ll.learning.identify(
        t,
        IdentifyNeed(
            subgroup=TRAINING,
            title="Course feedback",
            description="",
            source_kind="participant_feedback",
        ),
    )
    ll.learning.choose_means(
        open_item,
        t,
        ChooseMeans(
            means="course_content_update", description="d", owner="o", due=date(2026, 5, 10)
        ),
    )
    return [done, open_item]


def test_restart_keeps_everything_and_rebuild_gives_identical_rows(
    open_learnloop, make_actors, clock, view_rows, event_count
):
    ll = open_learnloop()
    actors = make_actors(ll)
    item_ids = run_loop(ll, actors, clock)
    today = ll.learning.today()
    before = view_rows(ll.store.engine)
    docs = [ll.read_models.item(str(i), today) for i in item_ids]
    count = event_count(ll)
    ll.close()

    again = open_learnloop()
    assert event_count(again) == count
    assert view_rows(again.store.engine) == before
    assert [again.read_models.item(str(i), today) for i in item_ids] == docs
    assert again.users.authenticate("not a token") is None
    assert again.log.repository.get(item_ids[0]).is_closed

    assert again.projector.rebuild() == count
    assert view_rows(again.store.engine) == before
    views = ["audit_trail", "audits", "case_reviews", "indicators", "item_summary", "reminder_log"]
    assert before["view_tracking"] == [{"view": v, "position": count} for v in views]
    assert [r["position"] for r in before["view_audit_trail"]] == list(range(1, count + 1))

    c = make_actors(again).contributor
    later = identify(again, c, title="After the restart")
    assert again.read_models.item(str(later), today)["version"] == 1
    assert [r["position"] for r in view_rows(again.store.engine)["view_audit_trail"]][-1] == (
        count + 1
    )


def _refusals() -> dict[str, tuple[type[Exception], Callable[..., Any]]]:
    def due_before(ll, a, s):
        return ll.learning.choose_means(
            s["open"],
            a.contributor,
            ChooseMeans(means=MEANS, description="d", owner="o", due=date(2026, 4, 30)),
        )

    return {
        "unknown source kind": (
            InvalidField,
            lambda ll, a, s: identify(ll, a.contributor, source_kind="gossip"),
        ),
        "due before identification": (InvalidField, due_before),
        "close without met": (
            RuleViolation,
            lambda ll, a, s: ll.learning.close_item(
                s["open"], a.chair, CloseItem(summary="x", override_reason=None)
            ),
        ),
        "chair closes by override": (
            RuleViolation,
            lambda ll, a, s: ll.learning.close_item(
                s["open"], a.chair, CloseItem(summary="x", override_reason="because")
            ),
        ),
        "command on closed item": (
            RuleViolation,
            lambda ll, a, s: ll.learning.report_progress(
                s["closed"],
                a.contributor,
                ReportProgress(action_id=s["closed_action"], status="on_track", note=""),
            ),
        ),
        "reopen an open item": (
            RuleViolation,
            lambda ll, a, s: ll.learning.reopen_item(s["open"], a.chair, ReopenItem(reason="why")),
        ),
        "unknown action": (
            UnknownPart,
            lambda ll, a, s: ll.learning.report_progress(
                s["open"],
                a.contributor,
                ReportProgress(action_id="no-such-action", status="on_track", note=""),
            ),
        ),
        "inspector identifies": (Forbidden, lambda ll, a, s: identify(ll, a.inspector)),
        "inspector reports progress": (
            Forbidden,
            lambda ll, a, s: ll.learning.report_progress(
                s["open"],
                a.inspector,
                ReportProgress(action_id=s["action"], status="on_track", note=""),
            ),
        ),
        "contributor of another subgroup": (
            Forbidden,
            lambda ll, a, s: ll.learning.report_progress(
                s["open"],
                a.training_contributor,
                ReportProgress(action_id=s["action"], status="on_track", note=""),
            ),
        ),
        "contributor closes": (
            Forbidden,
            lambda ll, a, s: ll.learning.close_item(
                s["open"], a.contributor, CloseItem(summary="x", override_reason=None)
            ),
        ),
        "stale expected version": (
            VersionMismatch,
            lambda ll, a, s: ll.learning.report_progress(
                s["open"],
                a.contributor,
                ReportProgress(action_id=s["action"], status="complete", note=""),
                expected_version=2,
            ),
        ),
    }


REFUSALS = _refusals()


@pytest.mark.parametrize("refusal", REFUSALS)
def test_refused_command_records_nothing(ll, actors, refusal, view_rows, event_count):
    c, bm = actors.contributor, actors.business_manager
    due = date(2026, 6, 1)
    state = {"open": identify(ll, c), "closed": identify(ll, c, title="Closed one")}
    state["action"] = ll.learning.choose_means(
        state["open"], c, ChooseMeans(means=MEANS, description="d", owner="o", due=due)
    )
    ll.learning.report_progress(
        state["open"], c, ReportProgress(action_id=state["action"], status="on_track", note="")
    )
    measure = ll.learning.define_measure(
        state["open"], c, DefineMeasure(kind=MEASURE, description="m", review_due=due)
    )
    ll.learning.record_evidence(
        state["open"],
        c,
        RecordEvidence(measure_id=measure, outcome="not_met", summary="s", reference=None),
    )
    state["closed_action"] = ll.learning.choose_means(
        state["closed"], c, ChooseMeans(means=MEANS, description="d", owner="o", due=due)
    )
    ll.learning.close_item(
        state["closed"], bm, CloseItem(summary="x", override_reason="superseded")
    )
    count, rows = event_count(ll), view_rows(ll.store.engine)
    histories = {k: ll.read_models.history(str(state[k])) for k in ("open", "closed")}
    versions = {k: ll.log.repository.get(state[k]).version for k in ("open", "closed")}

    error, command = REFUSALS[refusal]
    with pytest.raises(error):
        command(ll, actors, state)

    assert event_count(ll) == count
    assert view_rows(ll.store.engine) == rows
    assert {k: ll.read_models.history(str(state[k])) for k in histories} == histories
    assert {k: ll.log.repository.get(state[k]).version for k in versions} == versions


def test_events_until_gives_the_item_as_it_stood(ll, actors, clock):
    c, chair = actors.contributor, actors.chair
    item_id = identify(ll, c)
    moments = [(clock.now, ll.read_models.item(str(item_id), ll.learning.today()))]

    def step(command: Callable[[], Any]) -> Any:
        clock.advance(hours=5)
        result = command()
        moments.append((clock.now, ll.read_models.item(str(item_id), ll.learning.today())))
        return result

    action = step(
        lambda: ll.learning.choose_means(
            item_id, c, ChooseMeans(means=MEANS, description="d", owner="o", due=date(2026, 6, 1))
        )
    )
    step(
        lambda: ll.learning.report_progress(
            item_id, c, ReportProgress(action_id=action, status="complete", note="n")
        )
    )
    measure = step(
        lambda: ll.learning.define_measure(
            item_id, c, DefineMeasure(kind=MEASURE, description="m", review_due=date(2026, 6, 1))
        )
    )
    step(
        lambda: ll.learning.record_evidence(
            item_id,
            c,
            RecordEvidence(measure_id=measure, outcome="met", summary="s", reference=None),
        )
    )
    step(
        lambda: ll.learning.close_item(
            item_id, chair, CloseItem(summary="done", override_reason=None)
        )
    )

    for version, (moment, doc) in enumerate(moments, start=1):
        for at in (moment, moment + timedelta(hours=4, minutes=59)):
            events = ll.learning.events_until(item_id, at)
            assert [e.originator_version for e in events] == list(range(1, version + 1))
            folded = None
            for event in events:
                folded = item_summary.evolve(folded, event)
            assert folded == without_rag(doc)
    assert ll.learning.events_until(item_id, moments[0][0] - timedelta(seconds=1)) == []


def test_audit_trail_pages_through_every_event_with_filters(ll, actors, clock, event_count):
    item_ids = run_loop(ll, actors, clock)
    clock.advance(days=3)
    ll.learning.correct(
        item_ids[1],
        actors.business_manager,
        CorrectItem(title="Course feedback!", description=None, reason="r"),
    )
    count = event_count(ll)

    everything, after = [], 0
    while True:
        page, next_after = ll.read_models.audit_trail(after, 3, AuditFilter())
        assert len(page) <= 3
        if not page:
            assert next_after == after
            break
        assert next_after == page[-1]["position"]
        everything += page
        after = next_after
    assert [e["position"] for e in everything] == list(range(1, count + 1))
    histories = {str(i): ll.read_models.history(str(i)) for i in item_ids}
    for entry in everything:
        assert entry["stream_type"] == "learning_item"
        stream = histories[entry["stream_id"]]
        shared = {k: v for k, v in entry.items() if k not in ("position", "stream_id")}
        assert {k: v for k, v in shared.items() if k != "stream_type"} == (
            stream[entry["version"] - 1]
        )

    def paged(where: AuditFilter) -> list[dict[str, Any]]:
        found, after = [], 0
        while page := ll.read_models.audit_trail(after, 2, where)[0]:
            found += page
            after = page[-1]["position"]
        return found

    start = clock.now.replace(year=2026, month=5, day=3, hour=0)
    cases = [
        (AuditFilter(subgroup=TRAINING), lambda e: e["subgroup"] == TRAINING),
        (AuditFilter(actor=actors.chair.id), lambda e: e["actor"]["id"] == actors.chair.id),
        (AuditFilter(type="MeansChosen"), lambda e: e["type"] == "MeansChosen"),
        (AuditFilter(since=start), lambda e: e["recorded_at"] >= start.isoformat()),
        (AuditFilter(until=start), lambda e: e["recorded_at"] < start.isoformat()),
        (
            AuditFilter(subgroup=SCR, type="ProgressReported", since=start - timedelta(days=9)),
            lambda e: e["subgroup"] == SCR and e["type"] == "ProgressReported",
        ),
    ]
    for where, keep in cases:
        expected = [e for e in everything if keep(e)]
        assert expected, where
        assert paged(where) == expected, where
    assert paged(AuditFilter(subgroup="board")) == []


def test_follow_ups_within_days_and_overdue_as_the_clock_moves(ll, actors, clock):
    c = actors.contributor
    item_id = identify(ll, c)
    soon = ll.learning.choose_means(
        item_id, c, ChooseMeans(means=MEANS, description="soon", owner="o", due=date(2026, 5, 8))
    )
    later = ll.learning.choose_means(
        item_id, c, ChooseMeans(means=MEANS, description="later", owner="o", due=date(2026, 6, 15))
    )
    measure = ll.learning.define_measure(
        item_id, c, DefineMeasure(kind=MEASURE, description="m", review_due=date(2026, 5, 20))
    )

    def within(days: int) -> list[tuple[str, bool]]:
        today = ll.learning.today()
        return [
            (f["target_id"], f["overdue"])
            for f in ll.read_models.follow_ups(today, today + timedelta(days=days))
        ]

    assert within(7) == [(soon, False)]
    assert within(30) == [(soon, False), (measure, False)]
    assert within(60) == [(soon, False), (measure, False), (later, False)]
    assert ll.read_models.item(str(item_id), ll.learning.today())["rag"] == "green"

    clock.advance(days=7)
    assert within(0) == [(soon, False)]
    assert ll.read_models.items(ll.learning.today(), overdue=True) == []

    clock.advance(days=1)
    assert ll.learning.today() == date(2026, 5, 9)
    assert within(0) == [(soon, True)]
    assert within(11) == [(soon, True), (measure, False)]
    doc = ll.read_models.item(str(item_id), ll.learning.today())
    assert [a["rag"] for a in doc["actions"]] == ["red", "green"]
    assert doc["rag"] == "red"
    assert [d["id"] for d in ll.read_models.items(ll.learning.today(), overdue=True)] == [
        str(item_id)
    ]

    ll.learning.report_progress(
        item_id, c, ReportProgress(action_id=soon, status="complete", note="done late")
    )
    ll.learning.record_evidence(
        item_id,
        c,
        RecordEvidence(measure_id=measure, outcome="partly_met", summary="s", reference=None),
    )
    clock.advance(days=20)
    assert within(0) == [(measure, True)]
    ll.learning.record_evidence(
        item_id, c, RecordEvidence(measure_id=measure, outcome="met", summary="s", reference=None)
    )
    assert within(0) == []
    assert within(30) == [(later, False)]


def test_concurrent_commands_each_read_their_own_writes(ll, actors, view_rows, event_count):
    c = actors.contributor
    today = ll.learning.today()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(worker: int) -> None:
        try:
            start.wait(timeout=10)
            for n in range(3):
                item_id = identify(ll, c, title=f"Worker {worker} item {n}")
                assert ll.read_models.item(str(item_id), today)["version"] == 1
                ll.learning.choose_means(
                    item_id,
                    c,
                    ChooseMeans(means=MEANS, description="d", owner="o", due=date(2026, 6, 1)),
                )
                assert ll.read_models.item(str(item_id), today)["stage"] == "improvement"
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    # Gaps and all: on PostgreSQL a writer that lost a race for the next reference rolled back,
    # and sequence numbers are not reused.
    recorded = [n.id for n in ll.log.recorder.select_notifications(start=1, limit=10_000)]
    assert len(recorded) == 4 * 3 * 2
    rows = view_rows(ll.store.engine)
    assert [r["position"] for r in rows["view_audit_trail"]] == recorded
    assert ll.projector.rebuild() == event_count(ll) == recorded[-1]
    assert view_rows(ll.store.engine) == rows
