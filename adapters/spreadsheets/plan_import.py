"""An action-plan file, read, checked and recorded whole (or, as a dry run, only checked)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from adapters.spreadsheets.plan_file import Unusable, plan_rows
from adapters.spreadsheets.read import Unreadable, read_rows
from domain.action_plan import Problem, plan
from domain.actor import Actor
from services.migration import ActionPlans, Outcome, PlanRefused


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def import_action_plan(
    plans: ActionPlans, path: Path, actor: Actor, *, dry_run: bool = False
) -> Outcome:
    """What the file recorded (or would record); PlanRefused naming each bad row and column,
    sorted by row, when anything is wrong (then nothing is recorded)."""
    sha256 = sha256_of(path)
    previous = plans.previous(sha256)
    if previous is not None:
        return Outcome(previous=previous)
    try:
        rows, problems = plan_rows(plans.framework, read_rows(path))
    except Unreadable as error:
        raise PlanRefused([Problem(0, None, str(error))]) from None
    except Unusable as error:
        raise PlanRefused(error.problems) from None
    items, more = plan(rows)
    problems += more
    if not problems and not items:
        problems.append(Problem(1, None, f"{path.name} has no rows below its header"))
    if problems or dry_run:  # every row is decided too, so that one run names every problem
        outcome = plans.check(actor, items, sha256)
        problems += [p for p in outcome.problems if p not in problems]
        if problems:
            raise PlanRefused(_sorted(problems))
        return outcome
    try:
        return plans.record(actor, items, sha256, path.name)
    except PlanRefused as refused:
        raise PlanRefused(_sorted(refused.problems)) from None


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.row)
