"""`learnloop dataset import FILE` (CSV and XLSX): every row recorded, or none with each bad row
named by its number."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from adapters.bootstrap import bootstrap
from adapters.cli.main import main
from adapters.settings import Settings
from domain.commands.indicator import DefineIndicator
from domain.commands.learning_item import DefineMeasure, IdentifyNeed, IndicatorTarget
from projections.projector import Projector
from projections.sources import IndicatorMeasures
from projections.views.indicators import IndicatorView
from services.dataset import Dataset

SCR = "serious-case-review"
POLICE = "thames-valley-police"
HEALTH = "berkshire-healthcare"
HEADER = "indicator,period,agency,value,commentary,statistical_neighbours,england"


def wired(ll: Any) -> Any:
    """Adds the dataset's view and service, unless the composition root already has."""
    if not any(view.name == "indicators" for view in ll.projector.views):
        views = [*ll.projector.views, IndicatorView()]
        log = ll.log
        ll.projector = Projector(
            ll.store.write_engine, log.recorder, log.mapper.to_domain_event, views
        )
        ll.projector.create_tables()
        ll.projector.catch_up()
        log.recorder.on_committed = ll.projector.project
    ll.dataset = Dataset(ll.log, ll.framework, ll.clock, IndicatorMeasures(ll.store.engine))
    return ll


@pytest.fixture
def ll(database_url, clock, monkeypatch):
    """The store the CLI imports into, with two indicators and a measure that follows one;
    the CLI's own bootstrap is given the dataset too."""
    monkeypatch.setattr(
        "adapters.cli.store.open_learnloop", lambda settings: wired(bootstrap(settings, clock))
    )
    ll = wired(bootstrap(Settings(database_url=database_url), clock))
    bm = ll.users.add("Bea Manager", "business_manager", [], set()).actor
    for code, polarity in (("CP-01", "lower_is_better"), ("EHA-03", "higher_is_better")):
        ll.dataset.define_indicator(
            bm,
            DefineIndicator(
                code=code, name=code, unit="count", polarity=polarity, major_change_pct=10
            ),
        )
    yield ll
    ll.close()


@pytest.fixture
def run(database_url):
    def _run(path: Path) -> Any:
        args = ["dataset", "import", str(path), "--database-url", database_url]
        return CliRunner().invoke(main, args)

    return _run


def values(ll) -> list[tuple[str, str, str, float]]:
    ll.projector.catch_up()
    return [
        (code, v["period"], v["agency"], v["value"])
        for code in ("CP-01", "EHA-03")
        for v in ll.read_models.indicator(code)["values"]
    ]


def recorded(ll) -> int:
    return ll.log.recorder.max_notification_id() or 0


def csv_file(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "2026-Q1.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def xlsx_file(tmp_path: Path, *rows: list[Any]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    for row in rows:
        sheet.append(row)
    path = tmp_path / "2026-Q1.xlsx"
    workbook.save(path)
    return path


@pytest.fixture(autouse=True)
def _after_the_quarters(clock):
    """Every quarter these tests submit (to 2026-Q2) has ended."""
    clock.now = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)


def test_a_csv_file_records_every_row_and_meets_the_measures_it_reaches(ll, run, tmp_path):
    bm = ll.users.add("Bo Manager", "business_manager", [], set()).actor
    item = ll.learning.identify(
        bm,
        IdentifyNeed(
            subgroup=SCR,
            title="t",
            description="d",
            source_kind="local_serious_case_review",
            on=date(2025, 12, 1),
        ),
    )
    ll.learning.define_measure(
        item,
        bm,
        DefineMeasure(
            kind="evaluation_workshop",
            description="Fewer plans",
            review_due=date(2026, 12, 31),
            indicator=IndicatorTarget(code="CP-01", target=40),
            on=date(2025, 12, 2),
        ),
    )
    path = csv_file(
        tmp_path,
        f'CP-01,2026-Q1,{POLICE},38,"Front door, new triage",41,42.5',
        "",
        f"EHA-03,2026-Q1,{HEALTH},120,,,",
    )

    result = run(path)

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "2"
    assert "evidence recorded for 1 measure(s), 1 met" in result.output
    assert values(ll) == [("CP-01", "2026-Q1", POLICE, 38.0), ("EHA-03", "2026-Q1", HEALTH, 120.0)]
    doc = ll.read_models.indicator("CP-01")
    assert doc["values"][0]["commentary"] == "Front door, new triage"
    assert doc["values"][0]["position"] == {"statistical_neighbours": "better", "england": "better"}
    measure = ll.read_models.item(str(item), ll.learning.today())["measures"][0]
    assert measure["outcome"] == "met"


def test_a_file_with_bad_rows_records_nothing_and_names_each_row(ll, run, tmp_path):
    path = csv_file(
        tmp_path,
        f"CP-01,2026-Q1,{POLICE},38,,,",
        f"CP-01,2026-Q5,{POLICE},38,,,",
        f"CP-01,2026-Q2,{POLICE},thirty,,,",
        "CP-01,2026-Q2,nowhere-police,3,,,",
        f"CP-99,2026-Q2,{POLICE},3,,,",
        f"CP-01,2026-Q1,{POLICE},39,,,",
        f"EHA-03,2026-Q1,{POLICE},,,,",
    )
    before = recorded(ll)

    result = run(path)

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "Error",
        "row 4",
        "row 5",
        "row 6",
        "row 7",
        "row 8",
    ]
    assert "row 3: period: '2026-Q5' is not a quarter" in lines[0]
    assert "row 5: agency: no agency 'nowhere-police'" in result.output
    assert "row 6: indicator: no indicator 'CP-99'" in result.output
    assert "row 7: " in result.output and "already submitted" in result.output
    assert "row 8: value: is empty" in result.output
    assert lines[-1] == "nothing from 2026-Q1.csv was recorded"
    assert recorded(ll) == before
    assert values(ll) == []


def test_a_correction_row_replaces_the_value_and_keeps_the_first(ll, run, tmp_path):
    assert run(csv_file(tmp_path, f"CP-01,2026-Q1,{POLICE},38,,,")).exit_code == 0
    header = f"{HEADER},correction_reason"
    path = csv_file(tmp_path, f"CP-01,2026-Q1,{POLICE},39,,,,Late returns", header=header)

    result = run(path)

    assert result.exit_code == 0, result.output
    [value] = ll.read_models.indicator("CP-01")["values"]
    assert (value["value"], value["corrections"][0]["previous_value"]) == (39.0, 38.0)


def test_an_xlsx_file_is_read_like_a_csv_file(ll, run, tmp_path):
    good = xlsx_file(tmp_path, ["CP-01", "2026-Q1", POLICE, 38, "ok", None, 42.5])
    assert run(good).exit_code == 0
    assert values(ll) == [("CP-01", "2026-Q1", POLICE, 38.0)]

    before = recorded(ll)
    bad = xlsx_file(
        tmp_path,
        ["EHA-03", "2026-Q1", POLICE, 100],
        ["EHA-03", date(2026, 1, 1), HEALTH, 100],
        ["EHA-03", "2026-Q2", HEALTH, "n/a"],
    )
    result = run(bad)
    assert result.exit_code == 1
    assert "row 3: period: 2026-01-01 00:00:00 is not a quarter" in result.output
    assert "row 4: value: 'n/a' is not a number" in result.output
    assert recorded(ll) == before


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("values.csv", "indicator,period,agency\n", "row 1: no 'value' column"),
        ("values.csv", f"{HEADER},owner\n", "row 1: unknown column 'owner'"),
        ("values.csv", f"{HEADER}\n", "has no values to import"),
        ("values.csv", "", "row 1: expected a header"),
        ("values.txt", f"{HEADER}\n", "expected a .csv or .xlsx file"),
        ("values.xlsx", "not a workbook", "is not a readable .xlsx workbook"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused(ll, run, tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = run(path)
    assert result.exit_code == 1
    assert problem in result.output


def test_the_values_name_the_importer_and_the_files_sha256(ll, database_url, tmp_path):
    import hashlib

    bm = ll.users.add("Di Importer", "business_manager", [], set())
    path = csv_file(tmp_path, f"CP-01,2026-Q1,{POLICE},38,,,")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    before = recorded(ll)
    args = ["dataset", "import", str(path), "--database-url", database_url, "--token", bm.token]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    events = [
        ll.log.mapper.to_domain_event(n)
        for n in ll.log.recorder.select_notifications(before + 1, 100)
    ]
    assert events
    assert {(e.actor["id"], e.actor["file_sha256"]) for e in events} == {(bm.actor.id, digest)}
