"""Given these events, when this command, then these events or this error.

`given(*steps)` identifies an item in the serious-case-review subgroup, runs each step on it and
collects the events it recorded, so that only the command under test leaves pending events.
`then_events` and `then_refused` check what that command recorded, or that it recorded nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.actor import BUSINESS_MANAGER, CHAIR, CONTRIBUTOR, Actor
from domain.commands.learning_item import (
    ChooseMeans,
    CloseItem,
    DefineMeasure,
    IdentifyNeed,
    RecordEvidence,
    ReportProgress,
)
from domain.framework import Framework, Option, Subgroup
from domain.learning_item import LearningItem

SCR = "serious-case-review"
TRAINING = "training"


def _options(*slugs: str) -> tuple[Option, ...]:
    return tuple(Option(slug, slug.replace("-", " ").capitalize()) for slug in slugs)


@pytest.fixture
def framework() -> Framework:
    return Framework(
        name="Test partnership",
        timezone="Europe/London",
        subgroups=(
            Subgroup(
                slug=SCR,
                name="Serious Case Review",
                scope="local",
                identification_sources=_options("serious-case-review", "learning-review"),
                means_of_improvement=_options("multi-agency-training", "practice-guidance"),
                measures_of_effectiveness=_options("case-file-audit", "practitioner-survey"),
            ),
            Subgroup(
                slug=TRAINING,
                name="Training",
                scope="pan-berkshire",
                identification_sources=_options("course-evaluation"),
                means_of_improvement=_options("e-learning"),
                measures_of_effectiveness=_options("course-feedback"),
            ),
        ),
    )


@pytest.fixture
def rules(framework: Framework) -> Subgroup:
    return framework.subgroup(SCR)


@pytest.fixture
def contributor() -> Actor:
    return Actor("u-contributor", "Cara Contributor", CONTRIBUTOR, subgroups=(SCR,))


@pytest.fixture
def chair() -> Actor:
    return Actor("u-chair", "Chen Chair", CHAIR, subgroups=(SCR,))


@pytest.fixture
def business_manager() -> Actor:
    return Actor("u-bm", "Bea Manager", BUSINESS_MANAGER)


@pytest.fixture
def now() -> datetime:
    return datetime(2024, 6, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def today(now: datetime) -> date:
    return now.date()


@dataclass
class Scene:
    framework: Framework
    rules: Subgroup
    contributor: Actor
    business_manager: Actor
    now: datetime


Step = Callable[[LearningItem, Scene], None]


class Steps:
    """What may already have happened to an item, each step one or more commands."""

    def action(self, status: str | None = None, due: date = date(2024, 9, 30)) -> Step:
        def step(item: LearningItem, scene: Scene) -> None:
            action_id = item.choose_means(
                scene.rules,
                ChooseMeans(
                    means="multi-agency-training",
                    description="Briefings on the review's findings",
                    owner="LSCP training lead",
                    due=due,
                ),
                actor=scene.contributor,
                now=scene.now,
            )
            if status is not None:
                item.report_progress(
                    ReportProgress(action_id=action_id, status=status, note=""),
                    actor=scene.contributor,
                    now=scene.now,
                )

        return step

    def measure(self, *outcomes: str) -> Step:
        def step(item: LearningItem, scene: Scene) -> None:
            measure_id = item.define_measure(
                scene.rules,
                DefineMeasure(
                    kind="case-file-audit",
                    description="Audit of 20 case files",
                    review_due=date(2024, 12, 31),
                ),
                actor=scene.contributor,
                now=scene.now,
            )
            for outcome in outcomes:
                item.record_evidence(
                    RecordEvidence(
                        measure_id=measure_id,
                        outcome=outcome,
                        summary=f"Audit found the learning {outcome}",
                        reference=None,
                    ),
                    actor=scene.contributor,
                    now=scene.now,
                )

        return step

    def closed(self) -> Step:
        def step(item: LearningItem, scene: Scene) -> None:
            item.close(
                CloseItem(
                    summary="Closed by the Board",
                    override_reason="Superseded by the national review",
                ),
                actor=scene.business_manager,
                now=scene.now,
            )

        return step


@pytest.fixture
def step() -> Steps:
    return Steps()


@pytest.fixture
def build(
    framework: Framework,
    rules: Subgroup,
    contributor: Actor,
    business_manager: Actor,
    now: datetime,
) -> Callable[..., LearningItem]:
    """An identified item after the steps, its events still pending."""
    scene = Scene(framework, rules, contributor, business_manager, now)

    def _build(*steps: Step) -> LearningItem:
        item = LearningItem.identify(
            framework,
            IdentifyNeed(
                subgroup=SCR,
                title="Neglect not recognised in adolescents",
                description="Practitioners missed signs of neglect in a 15-year-old.",
                source_kind="serious-case-review",
                source_reference="SCR-2024-01",
                themes=["neglect"],
            ),
            actor=contributor,
            now=now,
        )
        for each in steps:
            each(item, scene)
        return item

    return _build


@pytest.fixture
def given(build: Callable[..., LearningItem]) -> Callable[..., LearningItem]:
    def _given(*steps: Step) -> LearningItem:
        item = build(*steps)
        item.collect_events()
        return item

    return _given


Expected = str | tuple[str, dict[str, Any]]


def _then_events(item: LearningItem, expected: list[Expected]) -> list[Any]:
    events = list(item.collect_events())
    wanted = [(e, {}) if isinstance(e, str) else e for e in expected]
    assert [type(e).__name__ for e in events] == [name for name, _ in wanted]
    for event, (_, fields) in zip(events, wanted, strict=True):
        assert {name: getattr(event, name) for name in fields} == fields
    return events


def _then_refused(
    command: Callable[..., Any],
    error: type[Exception],
    *args: Any,
    match: str | None = None,
    field: str | None = None,
    **kwargs: Any,
) -> Exception:
    item = getattr(command, "__self__", None)
    item = item if isinstance(item, LearningItem) else None
    version = item.version if item is not None else None
    with pytest.raises(error, match=match) as refused:
        command(*args, **kwargs)
    if field is not None:
        assert refused.value.field == field
    if item is not None:
        assert item.version == version
        assert item.collect_events() == []
    return refused.value


@pytest.fixture
def then_events() -> Callable[..., list[Any]]:
    return _then_events


@pytest.fixture
def then_refused() -> Callable[..., Exception]:
    return _then_refused
