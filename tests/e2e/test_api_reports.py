"""The annual report over HTTP (`GET /api/v1/reports/annual`) and from the command line
(`learnloop report annual`): each format with its content type, reproducible `as_at`, refusals as
problem details, who may read it, and the CLI writing the file and printing the position."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Learnloop
from domain.commands.learning_item import IdentifyNeed

BASE = "/api/v1"
REPORT = f"{BASE}/reports/annual"
PROBLEM = "application/problem+json"
SCR = "serious-case-review"
TRAINING = "training"
LEARNLOOP = Path(sys.executable).parent / "learnloop"
TIMEOUT_S = 60


def position_of(learnloop: Learnloop) -> int:
    return learnloop.log.recorder.max_notification_id() or 0


def without_generated_at(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k != "generated_at"}


@pytest.fixture
def year(api: Any, chair: str, contributor_other: str, clock: Any) -> dict[str, str]:
    """A small 2026/27 over HTTP: an SCR item closed on met evidence, a training item open."""
    clock.now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    closed = api.create_item(title="Neglect signs missed")["id"]
    action = api.add_action(closed, due="2026-06-30")["id"]
    clock.now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    api.update(closed, action, "complete")
    measure = api.add_measure(closed)["id"]
    api.add_evidence(closed, measure, outcome="met")
    clock.now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    api.close(closed, chair)
    clock.now = datetime(2026, 7, 1, 12, tzinfo=UTC)
    open_ = api.create_item(
        token=contributor_other,
        subgroup=TRAINING,
        title="Course too theoretical",
        source={"kind": "participant_feedback"},
    )["id"]
    return {"closed": closed, "open": open_}


def get_report(client: TestClient, token: str, **params: Any) -> Any:
    return client.get(REPORT, params=params, headers={"Authorization": f"Bearer {token}"})


def test_the_json_report_carries_its_position_and_the_years_figures(
    client: TestClient, inspector: str, learnloop: Learnloop, year: dict[str, str]
) -> None:
    response = get_report(client, inspector, year=2026, format="json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    report = response.json()
    assert report["as_at_position"] == position_of(learnloop)
    assert report["label"] == "2026/27"
    assert report["period"] == {"from": "2026-04-01", "to": "2027-03-31"}
    totals = report["totals"]
    assert totals["needs_identified"] == 2
    assert totals["actions_chosen"] == 1
    assert totals["actions_completed"] == 1
    assert totals["measures_defined"] == 1
    assert totals["evidence"] == {"met": 1, "partly_met": 0, "not_met": 0}
    assert totals["closed_with_evidence"] == 1
    assert totals["closed_by_override"] == 0
    impact = [item["id"] for group in report["impact"] for item in group["items"]]
    assert impact == [year["closed"]]

    # JSON is the default format.
    default = get_report(client, inspector, year=2026)
    assert default.status_code == 200
    assert without_generated_at(default.json()) == without_generated_at(report)

    # A year with no data is an honest empty report, not an error.
    empty = get_report(client, inspector, year=2019)
    assert empty.status_code == 200, empty.text
    assert empty.json()["label"] == "2019/20"
    assert empty.json()["totals"]["needs_identified"] == 0
    assert empty.json()["impact"] == [] and empty.json()["little_progress"] == []
    assert "2019/20" in get_report(client, inspector, year=2019, format="md").text


def test_markdown_html_and_pdf_answer_with_their_content_types(
    client: TestClient, contributor: str, year: dict[str, str]
) -> None:
    expected = {
        "md": "text/markdown; charset=utf-8",
        "html": "text/html; charset=utf-8",
        "pdf": "application/pdf",
    }
    for fmt, content_type in expected.items():
        response = get_report(client, contributor, year=2026, format=fmt)
        assert response.status_code == 200, (fmt, response.text[:500])
        assert response.headers["content-type"] == content_type, fmt
        assert f"learnloop-annual-report-2026.{fmt}" in response.headers["content-disposition"]
        assert response.content, fmt
        if fmt == "pdf":
            assert response.content.startswith(b"%PDF")
        else:
            assert "2026/27" in response.text, fmt
            assert "Neglect signs missed" in response.text, fmt


def test_as_at_gives_the_same_report_whatever_is_recorded_since(
    client: TestClient,
    api: Any,
    inspector: str,
    contributor_other: str,
    learnloop: Learnloop,
    clock: Any,
    year: dict[str, str],
) -> None:
    first = get_report(client, inspector, year=2026).json()
    position = first["as_at_position"]

    clock.now = datetime(2026, 8, 1, 12, tzinfo=UTC)
    new = api.create_item(title="Recorded after the position")["id"]
    api.add_action(new, due="2026-09-30")
    api.add_action(
        year["open"], token=contributor_other, means="course_content_update", due="2026-12-31"
    )
    latest = get_report(client, inspector, year=2026).json()
    assert latest["as_at_position"] == position_of(learnloop) > position
    assert latest["totals"]["needs_identified"] == 3
    assert latest["totals"]["actions_chosen"] == 3

    again = get_report(client, inspector, year=2026, as_at=position)
    assert again.status_code == 200, again.text
    assert without_generated_at(again.json()) == without_generated_at(first)
    md_then = get_report(client, inspector, year=2026, format="md", as_at=position)
    assert md_then.status_code == 200
    assert "Recorded after the position" not in md_then.text


BAD_REQUESTS = [
    ({"year": 1999}, "year"),
    ({"year": 2101}, "year"),
    ({"year": "twenty"}, "year"),
    ({}, "year"),
    ({"year": 2026, "format": "docx"}, "format"),
    ({"year": 2026, "as_at": "beyond"}, "as_at"),
    ({"year": 2026, "as_at": -1}, "as_at"),
    ({"year": 2026, "as_at": "soon"}, "as_at"),
]


def test_bad_requests_are_422_problem_details(
    client: TestClient, inspector: str, learnloop: Learnloop, api: Any
) -> None:
    api.create_item()
    beyond = position_of(learnloop) + 1
    for params, field in BAD_REQUESTS:
        if params.get("as_at") == "beyond":
            params = {**params, "as_at": beyond}
        response = get_report(client, inspector, **params)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"] == PROBLEM, params
        problem = response.json()
        assert problem["status"] == 422, params
        assert {"type", "title", "detail"} <= problem.keys(), params
        assert [e["field"] for e in problem["errors"]] == [field], params
    assert position_of(learnloop) == beyond - 1  # a refused report records nothing


def test_who_may_read_the_report(
    client: TestClient,
    admin: str,
    inspector: str,
    business_manager: str,
    chair_other: str,
) -> None:
    assert client.get(REPORT, params={"year": 2026}).status_code == 401
    unknown = get_report(client, "not-a-token", year=2026)
    assert unknown.status_code == 401
    assert unknown.headers["content-type"] == PROBLEM
    refused = get_report(client, admin, year=2026)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM
    for token in (inspector, business_manager, chair_other):
        assert get_report(client, token, year=2026).status_code == 200


# -- the command line ------------------------------------------------------------------------------


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNLOOP_")}
    return subprocess.run(
        [str(LEARNLOOP), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )


def test_the_cli_writes_the_report_and_prints_its_position_alone_on_the_last_line(
    tmp_path: Path,
    api_database_url: str,
    learnloop: Learnloop,
    make_item: Callable[[str], None],
) -> None:
    make_item("Before the position")
    early = position_of(learnloop)
    make_item("After the position")
    end = position_of(learnloop)
    annual = ("report", "annual", "--year", "2026", "--database-url", api_database_url)

    done = run(tmp_path, *annual, "--format", "md", "--output", "annual.md")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == str(end)
    assert "2026/27" in (tmp_path / "annual.md").read_text(encoding="utf-8")

    done = run(
        tmp_path, *annual, "--format", "json", "--output", "then.json", "--as-at", str(early)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == str(early)
    then = json.loads((tmp_path / "then.json").read_text(encoding="utf-8"))
    assert then["as_at_position"] == early
    assert then["totals"]["needs_identified"] == 1

    refused = run(tmp_path, *annual, "--format", "md", "--output", "no.md", "--as-at", str(end + 1))
    assert refused.returncode != 0
    assert "--as-at" in refused.stderr
    assert not (tmp_path / "no.md").exists()


@pytest.fixture
def make_item(learnloop: Learnloop, clock: Any) -> Callable[[str], None]:
    known = {s.slug for s in learnloop.framework.subgroups}
    actor = learnloop.users.add("Bea Manager", "business_manager", [], known).actor
    clock.now = datetime(2026, 5, 1, 12, tzinfo=UTC)

    def make(title: str) -> None:
        learnloop.learning.identify(
            actor,
            IdentifyNeed(
                subgroup=SCR,
                title=title,
                description="The need",
                source_kind="local_serious_case_review",
            ),
        )
        assert learnloop.learning.today() == date(2026, 5, 1)

    return make
