"""What the reminder sweep reads: only targets a rule could owe a reminder for today, and, for the
reminders still pending, whether their targets are open and when they are due. Both stores."""

from __future__ import annotations

from datetime import timedelta

from adapters.bootstrap import Learnloop
from domain.commands.learning_item import ChooseMeans, IdentifyNeed, ReportProgress

SCR = "serious-case-review"
MEANS = "implementation_of_recommendations"


def test_the_sweep_reads_targets_due_by_a_day_and_pending_targets_by_id(
    ll: Learnloop, actors, clock
) -> None:
    c = actors.contributor
    today = ll.learning.today()
    item = ll.learning.identify(
        c,
        IdentifyNeed(
            subgroup=SCR, title="t", description="d", source_kind="local_serious_case_review"
        ),
    )
    soon = ll.learning.choose_means(
        item,
        c,
        ChooseMeans(means=MEANS, description="soon", owner="o", due=today + timedelta(days=5)),
    )
    later = ll.learning.choose_means(
        item,
        c,
        ChooseMeans(means=MEANS, description="later", owner="o", due=today + timedelta(days=200)),
    )
    sources = ll.reminders.sources

    due_by = today + timedelta(days=14)
    assert [f.target_id for f in sources.follow_ups(due_by)] == [soon]
    assert {f.target_id for f in sources.follow_ups(today + timedelta(days=200))} == {soon, later}

    asked = {soon, later, "not-a-target"}
    assert sources.open_dues(asked) == {
        (soon, today + timedelta(days=5)),
        (later, today + timedelta(days=200)),
    }
    ll.learning.report_progress(
        item, c, ReportProgress(action_id=soon, status="complete", note="done")
    )
    assert sources.open_dues(asked) == {(later, today + timedelta(days=200))}
