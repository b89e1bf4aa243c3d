"""Moving out: `GET /api/v1/exports/{kind}?format=xlsx|csv[&subgroup=]`, each file read back
(by python-calamine, and by LibreOffice headless); the action plan imports into another store
as it was; cells that a spreadsheet would run as formulas are neutralised."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from adapters.bootstrap import bootstrap
from adapters.cli.main import main
from adapters.settings import Settings
from adapters.spreadsheets.plan_import import import_action_plan
from adapters.spreadsheets.read import read_rows
from domain.actor import system_actor
from services.migration import ActionPlans

API = "/api/v1"
FIXTURE = Path(__file__).parent / "fixtures" / "migration-plan-2025.csv"
KINDS = ("action-plan", "loop", "follow-ups", "audit-trail")
HOSTILE = '=HYPERLINK("https://example.org","click")'


@pytest.fixture
def settings(api_database_url: str) -> Settings:
    """Without the per-user limit on reports and exports: these tests ask for many."""
    return Settings(database_url=api_database_url, renders_per_minute=0)


@pytest.fixture
def plan(learnloop, client, business_manager) -> dict[str, Any]:
    """The 64-row migration plan imported, and one item whose text a spreadsheet would run."""
    plans = ActionPlans(learnloop.log, learnloop.framework, learnloop.clock)
    import_action_plan(plans, FIXTURE, system_actor("import by test"))
    item = client.post(
        f"{API}/learning-items",
        json={
            "subgroup": "training",
            "title": HOSTILE,
            "description": "@SUM(A1:A9)",
            "source": {"kind": "subgroup_issues"},
            "themes": ["+44 escalation"],
        },
        headers={"Authorization": f"Bearer {business_manager}"},
    )
    assert item.status_code == 201, item.text
    return item.json()


def get(client, token: str, kind: str, **params: str) -> Any:
    return client.get(
        f"{API}/exports/{kind}", params=params, headers={"Authorization": f"Bearer {token}"}
    )


def rows_of(body: bytes, format: str, tmp_path: Path) -> list[list[Any]]:
    path = tmp_path / f"export.{format}"
    path.write_bytes(body)
    return [cells for _, cells in read_rows(path)]


@pytest.mark.parametrize("format", ["xlsx", "csv"])
@pytest.mark.parametrize("kind", KINDS)
def test_each_export_is_a_file_with_a_name(client, inspector, plan, kind, format, tmp_path):
    response = get(client, inspector, kind, format=format)
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="{kind}-all-2026-05-01.{format}"'
    assert response.headers["content-type"].startswith(
        "text/csv" if format == "csv" else "application/vnd.openxmlformats"
    )
    rows = rows_of(response.content, format, tmp_path)
    assert len(rows) > 1
    header = rows[0]
    assert all(isinstance(name, str) and name[:1].isupper() for name in header)


def test_the_action_plan_has_every_field_and_real_dates(client, inspector, plan, tmp_path):
    response = get(client, inspector, "action-plan", format="xlsx")
    header, *rows = rows_of(response.content, "xlsx", tmp_path)
    cells = [dict(zip(header, row, strict=False)) for row in rows]
    assert len(rows) == 65  # the 64 rows of the plan, and the new item's one
    first = next(
        c
        for c in cells
        if c["Action"] == "Action 1 for escalation between agencies" and c["Subgroup"] == "board"
    )
    assert first["Identified on"] == date(2025, 4, 7)
    assert first["Due"] == date(2025, 6, 6)
    assert (first["Status"], first["Status on"]) == ("complete", date(2025, 6, 1))
    assert (first["Evidence outcome"], first["Evidence on"]) == ("met", date(2025, 9, 4))
    assert first["Closed on"] == date(2025, 9, 24)
    assert first["Subgroup name"] == "The Board"
    assert first["Means label"] and first["Measure label"]


def test_cells_a_spreadsheet_would_run_are_neutralised(client, inspector, plan, tmp_path):
    for format in ("xlsx", "csv"):
        response = get(client, inspector, "action-plan", format=format, subgroup="training")
        header, *rows = rows_of(response.content, format, tmp_path)
        hostile = next(dict(zip(header, r, strict=False)) for r in rows if "HYPERLINK" in str(r))
        assert hostile["Title"] == "'" + HOSTILE
        assert hostile["Description"] == "'@SUM(A1:A9)"
        assert hostile["Themes"] == "'+44 escalation"


def test_libreoffice_opens_every_export(client, inspector, plan, tmp_path, libreoffice):
    """Every export, as .xlsx and as .csv, opened by LibreOffice and written back as CSV: the
    same text, dates shown day-month-year, no formula run."""
    files = {}
    for kind in KINDS:
        for format in ("xlsx", "csv"):
            path = tmp_path / "exports" / format / f"{kind}.{format}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(get(client, inspector, kind, format=format).content)
            files[kind, format] = path
    xlsx = libreoffice(
        [files[k, "xlsx"] for k in KINDS], "csv:Text - txt - csv (StarCalc):44,34,76"
    )
    back = {
        k: list(csv.reader(io.StringIO(p.read_text("utf-8"))))
        for k, p in zip(KINDS, xlsx, strict=True)
    }
    for kind in KINDS:
        original = [cells for _, cells in read_rows(files[kind, "csv"])]
        assert len(back[kind]) == len(original), kind
        assert back[kind][0] == original[0], kind
    plan_rows = back["action-plan"]
    header = plan_rows[0]
    cells = [dict(zip(header, row, strict=False)) for row in plan_rows[1:]]
    first = next(
        c for c in cells if c["Subgroup"] == "board" and c["Action"].startswith("Action 1")
    )
    assert first["Identified on"] == "07/04/2025"  # a date cell, formatted dd/mm/yyyy
    assert any(row[header.index("Title")] == "'" + HOSTILE for row in plan_rows)
    assert not any(cell == "click" for row in plan_rows for cell in row)
    ods = libreoffice([files[k, "csv"] for k in KINDS], "ods")
    for kind, path in zip(KINDS, ods, strict=True):
        assert read_rows(path)[0][1] == back[kind][0], kind


def test_the_action_plan_moves_into_another_store_as_it_was(
    client, inspector, plan, tmp_path, clock
):
    exported = tmp_path / "moving-out.xlsx"
    exported.write_bytes(get(client, inspector, "action-plan", format="xlsx").content)
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    other = bootstrap(Settings(database_url=url), clock)
    try:
        plans = ActionPlans(other.log, other.framework, other.clock)
        outcome = import_action_plan(plans, exported, system_actor("import by test"))
        assert outcome.rows == 65
        other.projector.catch_up()
        again = tmp_path / "again.csv"
        result = CliRunner().invoke(
            main,
            [
                "export",
                "action-plan",
                "--format",
                "csv",
                "--output",
                str(again),
                "--database-url",
                url,
            ],
        )
    finally:
        other.close()
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "65"
    first = get(client, inspector, "action-plan", format="csv").content
    ids = ("Item reference", "Item id", "Action id")

    def without_ids(rows: list[list[Any]]) -> list[list[Any]]:
        header = rows[0]
        keep = [i for i, name in enumerate(header) if name not in ids]
        return sorted([[row[i] if i < len(row) else None for i in keep] for row in rows[1:]])

    assert without_ids(rows_of(first, "csv", tmp_path)) == without_ids(
        [c for _, c in read_rows(again)]
    )


def test_an_export_is_filtered_and_checked(client, inspector, plan, tmp_path):
    one = get(client, inspector, "loop", format="csv", subgroup="training")
    header, *rows = rows_of(one.content, "csv", tmp_path)
    assert rows and {r[header.index("Subgroup")] for r in rows} == {"training"}
    assert 'filename="loop-training-2026-05-01.csv"' in one.headers["content-disposition"]
    trail = get(client, inspector, "audit-trail", format="csv", type="Identified")
    header, *rows = rows_of(trail.content, "csv", tmp_path)
    assert len(rows) == 33 and {r[header.index("Type")] for r in rows} == {"Identified"}
    assert get(client, inspector, "loop", format="csv", subgroup="trainin").status_code == 422
    assert get(client, inspector, "loop", format="pdf").status_code == 422
    assert get(client, inspector, "minutes", format="csv").status_code == 422
    assert get(client, inspector, "loop", format="csv", type="Identified").status_code == 422
