"""Whatever commands arrive, the views built as they happen equal a rebuild and the aggregates."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings, target
from hypothesis import strategies as st

from adapters.bootstrap import Learnloop, bootstrap
from adapters.settings import Settings
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
from domain.errors import DomainError
from services.errors import Forbidden

SUBGROUPS = ("serious-case-review", "training", "board")
ACTORS = ("contributor", "chair", "business_manager", "inspector")

few = st.integers(min_value=0, max_value=2)
index = st.integers(min_value=0, max_value=7)
text = st.text(alphabet="ab ", min_size=0, max_size=3)
actor = st.sampled_from(ACTORS[:3] * 3 + ACTORS[3:])
status = st.sampled_from((*loop.PROGRESS_STATUSES, loop.COMPLETE, loop.COMPLETE))
outcome = st.sampled_from((*loop.OUTCOMES, loop.MET))
identify = st.tuples(st.just("identify"), actor, st.sampled_from(SUBGROUPS), index, text)
means = st.tuples(st.just("means"), actor, few, index, st.integers(-2, 40))
progress = st.tuples(st.just("progress"), actor, few, index, status)
measure = st.tuples(st.just("measure"), actor, few, index, st.integers(-2, 40))
evidence = st.tuples(st.just("evidence"), actor, few, index, outcome)
close = st.tuples(st.just("close"), actor, few, st.booleans())
reopen = st.tuples(st.just("reopen"), actor, few, text)
correct = st.tuples(st.just("correct"), actor, few, text, st.none() | text)
advance = st.tuples(st.just("advance"), st.integers(0, 20))
nudge = st.tuples(st.just("nudge"), st.sampled_from(ACTORS[:3]), few, st.integers(1, 6))
# A nudge takes the item's next steps round the loop, so that random scripts reach every stage.
commands = st.one_of(
    identify,
    identify,
    means,
    progress,
    measure,
    evidence,
    close,
    reopen,
    correct,
    advance,
    nudge,
    nudge,
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class World:
    """A learnloop, its actors, and the ids the commands so far have returned."""

    def __init__(self, ll: Learnloop, clock: Clock) -> None:
        self.ll, self.clock = ll, clock
        known = {s.slug for s in ll.framework.subgroups}
        self.actors = {
            "contributor": ll.users.add("C", "contributor", list(SUBGROUPS), known).actor,
            "chair": ll.users.add("Ch", "chair", list(SUBGROUPS), known).actor,
            "business_manager": ll.users.add("B", "business_manager", [], known).actor,
            "inspector": ll.users.add("I", "inspector", [], known).actor,
        }
        self.items: list[uuid.UUID] = []
        self.actions: dict[uuid.UUID, list[str]] = {}
        self.measures: dict[uuid.UUID, list[str]] = {}

    def item(self, n: int) -> uuid.UUID:
        return self.items[n % len(self.items)]

    @staticmethod
    def part(parts: list[str], n: int) -> str:
        return parts[n % len(parts)] if parts else "no-such-part"

    def next_step(self, item_id: uuid.UUID, who: str) -> tuple[Any, ...]:
        """The command that takes the item on round the loop."""
        item = self.ll.log.repository.get(item_id)
        n = self.items.index(item_id)
        actions = self.actions.get(item_id, [])
        if item.is_closed:
            return ("reopen", "chair", n, "more to do")
        if not item.actions:
            return ("means", who, n, 0, 5)
        for i, action in enumerate(actions):
            if item.actions[action].status != loop.COMPLETE:
                return ("progress", who, n, i, loop.COMPLETE)
        if not item.measures:
            return ("measure", who, n, 0, 5)
        if not item.has_met_evidence:
            return ("evidence", who, n, 0, loop.MET)
        return ("close", "chair", n, False)

    def run(self, command: tuple[Any, ...]) -> None:
        kind, *args = command
        if kind == "advance":
            self.clock.now += timedelta(days=args[0])
            return
        who = self.actors[args[0]]
        learning = self.ll.learning
        try:
            if kind == "identify":
                rules = self.ll.framework.subgroup(args[1])
                source = rules.identification_sources[args[2] % len(rules.identification_sources)]
                self.items.append(
                    learning.identify(
                        who,
                        IdentifyNeed(
                            subgroup=args[1],
                            title=f"t{args[3]}",
                            description=args[3],
                            source_kind=source.slug,
                        ),
                    )
                )
                return
            if not self.items:
                return
            item_id = self.item(args[1])
            if kind in ("means", "measure"):
                rules = self.ll.framework.subgroup(self.ll.log.repository.get(item_id).subgroup)
                due = learning.today() + timedelta(days=args[3])
                if kind == "means":
                    means = rules.means_of_improvement[args[2] % len(rules.means_of_improvement)]
                    self.actions.setdefault(item_id, []).append(
                        learning.choose_means(
                            item_id,
                            who,
                            ChooseMeans(means=means.slug, description="d", owner="o", due=due),
                        )
                    )
                else:
                    kinds = rules.measures_of_effectiveness
                    self.measures.setdefault(item_id, []).append(
                        learning.define_measure(
                            item_id,
                            who,
                            DefineMeasure(
                                kind=kinds[args[2] % len(kinds)].slug,
                                description="m",
                                review_due=due,
                            ),
                        )
                    )
            elif kind == "nudge":
                for _ in range(args[2]):
                    self.run(self.next_step(item_id, args[0]))
            elif kind == "progress":
                action = self.part(self.actions.get(item_id, []), args[2])
                learning.report_progress(
                    item_id, who, ReportProgress(action_id=action, status=args[3], note="")
                )
            elif kind == "evidence":
                measure = self.part(self.measures.get(item_id, []), args[2])
                learning.record_evidence(
                    item_id,
                    who,
                    RecordEvidence(
                        measure_id=measure, outcome=args[3], summary="s", reference=None
                    ),
                )
            elif kind == "close":
                learning.close_item(
                    item_id,
                    who,
                    CloseItem(summary="s", override_reason="override" if args[2] else None),
                )
            elif kind == "reopen":
                learning.reopen_item(item_id, who, ReopenItem(reason=args[2]))
            elif kind == "correct":
                learning.correct(
                    item_id, who, CorrectItem(title=args[2], description=args[3], reason="r")
                )
        except (DomainError, Forbidden):
            pass


def state_of_aggregate(item: Any) -> dict[str, Any]:
    return {
        "stage": item.stage,
        "version": item.version,
        "title": item.title,
        "description": item.description,
        "subgroup": item.subgroup,
        "actions": {a.id: (a.status, a.due.isoformat()) for a in item.actions.values()},
        "measures": {m.id: m.outcome for m in item.measures.values()},
        "closed": item.is_closed,
    }


def state_of_doc(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "stage": doc["stage"],
        "version": doc["version"],
        "title": doc["title"],
        "description": doc["description"],
        "subgroup": doc["subgroup"],
        "actions": {a["id"]: (a["status"], a["due"]) for a in doc["actions"]},
        "measures": {m["id"]: m["outcome"] for m in doc["measures"]},
        "closed": doc["closed_at"] is not None,
    }


def expected_follow_ups(item: Any) -> set[tuple[str, str, date]]:
    if item.is_closed:
        return set()
    actions = {("action", a.id, a.due) for a in item.actions.values() if a.status != loop.COMPLETE}
    measures = {
        ("measure", m.id, m.review_due) for m in item.measures.values() if m.outcome != loop.MET
    }
    return actions | measures


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> str:
    return request.param


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=st.lists(commands, min_size=1, max_size=40))
def test_views_equal_a_rebuild_and_the_aggregates(store, tmp_path, view_rows, event_count, script):
    url = "memory://" if store == "memory" else f"sqlite:///{tmp_path}/{uuid.uuid4().hex}.db"
    clock = Clock()
    ll = bootstrap(Settings(database_url=url), clock=clock)
    try:
        world = World(ll, clock)
        for n, command in enumerate(script):
            if n == len(script) // 2:
                ll.projector.rebuild()  # and carry on building incrementally from there
            world.run(command)
        count = event_count(ll)
        target(float(count))
        built = view_rows(ll.store.engine)
        assert [r["position"] for r in built["view_audit_trail"]] == list(range(1, count + 1))
        assert ll.projector.rebuild() == count
        assert view_rows(ll.store.engine) == built

        today = ll.learning.today()
        docs = {d["id"]: d for d in ll.read_models.items(today)}
        assert set(docs) == {str(i) for i in world.items}
        follow_ups = {
            (f["kind"], f["target_id"], date.fromisoformat(f["due"]))
            for f in ll.read_models.follow_ups(today, date(2100, 1, 1))
        }
        expected: set[tuple[str, str, date]] = set()
        for item_id in world.items:
            item = ll.log.repository.get(item_id)
            assert state_of_doc(docs[str(item_id)]) == state_of_aggregate(item)
            assert docs[str(item_id)]["rag"] == item.rag(today)
            assert len(ll.read_models.history(str(item_id))) == item.version
            expected |= expected_follow_ups(item)
            event(f"an item reached {item.stage}")
        assert follow_ups == expected
    finally:
        ll.close()
