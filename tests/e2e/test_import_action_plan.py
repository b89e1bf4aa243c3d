"""`learnloop import action-plan FILE [--dry-run]`: every row recorded with its own dates, or
none, each bad row named by row and column; the same file twice records nothing; files as
Excel and LibreOffice write them."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from adapters.bootstrap import bootstrap
from adapters.cli.main import main
from adapters.settings import Settings
from domain.imported_file import ImportedFile

FIXTURE = Path(__file__).parent / "fixtures" / "migration-plan-2025.csv"
HEADER = (
    "Item reference,Subgroup,Title,Source kind,Identified on,Themes,Means,Action,Owner,"
    "Owner email,Due,Status,Status on,Measure kind,Review due,Evidence outcome,"
    "Evidence summary,Evidence on"
)
SCR = "serious-case-review"
GOOD = [
    f"AP-1,{SCR},Escalation between agencies,local_serious_case_review,2025-05-10,"
    "escalation; neglect,implementation_of_recommendations,Brief all teams,Children's Services,"
    "cs@example.org,2025-09-30,complete,2025-09-01,evaluation_workshop,2026-01-31,met,"
    "9 of 10 escalated,2026-01-15",
    f"AP-1,{SCR},Escalation between agencies,local_serious_case_review,2025-05-10,"
    "escalation; neglect,Implementation of recommendations,Update the policy,Policy team,,"
    "30/11/2025,On track,01/10/2025,,,,,",
    "AP-2,Training Subgroup,Bruising in infants,subgroup_issues,2025-06-02,bruising,"
    "course_content_review,Add bruising to the course,Training team,,2025-12-31,,,,,,,",
]


@pytest.fixture
def ll(database_url, clock, monkeypatch):
    """The store the CLI imports into; the CLI's own bootstrap runs on the test's clock."""
    monkeypatch.setattr(
        "adapters.cli.store.open_learnloop", lambda settings: bootstrap(settings, clock)
    )
    ll = bootstrap(Settings(database_url=database_url), clock)
    yield ll
    ll.close()


@pytest.fixture
def run(database_url):
    def _run(path: Path, *extra: str) -> Any:
        args = ["import", "action-plan", str(path), "--database-url", database_url, *extra]
        return CliRunner().invoke(main, args)

    return _run


def recorded(ll) -> int:
    return ll.log.recorder.max_notification_id() or 0


def csv_file(tmp_path: Path, rows: list[str], name: str = "plan.csv", **encoding: Any) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", **(encoding or {"encoding": "utf-8"}))
    return path


def items(ll) -> list[dict[str, Any]]:
    ll.projector.catch_up()
    return ll.read_models.items(ll.learning.today())


def _numbered(docs):
    """Each item with its number in its year, in the order the items were created."""
    seen: dict[str, int] = {}
    for doc in docs:
        year = doc["identified_on"][:4]
        seen[year] = seen.get(year, 0) + 1
        yield seen[year], doc


def test_a_plan_records_every_row_with_its_own_dates(ll, run, tmp_path):
    path = csv_file(tmp_path, GOOD)
    result = run(path)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "3"
    found = {d["title"]: d for d in items(ll)}
    # each item numbered in its year as it is decided, in the file's order (ADR 0045)
    assert sorted(d["reference"] for d in found.values()) == sorted(
        {f"LL-{d['identified_on'][:4]}-{n:04d}" for n, d in _numbered(items(ll))}
    )
    escalation = found["Escalation between agencies"]
    assert escalation["subgroup"] == SCR
    assert escalation["identified_on"] == "2025-05-10"
    assert escalation["themes"] == ["escalation", "neglect"]
    brief, policy = escalation["actions"]
    assert (brief["owner"], brief["owner_email"], brief["due"]) == (
        "Children's Services",
        "cs@example.org",
        "2025-09-30",
    )
    assert (brief["status"], brief["status_on"], brief["chosen_on"]) == (
        "complete",
        "2025-09-01",
        "2025-05-10",
    )
    assert (policy["means"], policy["due"], policy["status"], policy["status_on"]) == (
        "implementation_of_recommendations",
        "2025-11-30",
        "on_track",
        "2025-10-01",
    )
    (measure,) = escalation["measures"]
    assert (measure["kind"], measure["review_due"], measure["outcome"]) == (
        "evaluation_workshop",
        "2026-01-31",
        "met",
    )
    assert measure["evidence"][0]["on"] == "2026-01-15"
    training = found["Bruising in infants"]
    assert training["subgroup"] == "training"
    assert [a["status"] for a in training["actions"]] == ["not_started"]


def test_every_event_names_the_importer_and_the_files_sha256(ll, run, tmp_path):
    bm = ll.users.add("Bea Manager", "business_manager", [], set())
    path = csv_file(tmp_path, GOOD)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert run(path, "--token", bm.token).exit_code == 0
    events = [e for n in ll.log.recorder.select_notifications(1, 1000) for e in [n]]
    assert events
    for notification in events:
        event = ll.log.mapper.to_domain_event(notification)
        assert event.actor["id"] == bm.actor.id
        assert event.actor["name"] == "Bea Manager"
        assert event.actor["file_sha256"] == digest
    imported = ll.log.load(ImportedFile.id_for("action-plan", digest), ImportedFile, "import")
    assert (imported.file_name, imported.rows, sorted(imported.items)) == (
        "plan.csv",
        3,
        ["AP-1", "AP-2"],
    )


def test_the_same_file_again_records_nothing(ll, run, tmp_path):
    path = csv_file(tmp_path, GOOD)
    assert run(path).output.splitlines()[-1] == "3"
    before = recorded(ll)
    again = run(path)
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[-1] == "0"
    assert "imported before" in again.output
    assert recorded(ll) == before
    assert len(items(ll)) == 2


def test_a_dry_run_checks_and_records_nothing(ll, run, tmp_path):
    result = run(csv_file(tmp_path, GOOD), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "0"
    assert "3 row(s), 2 item(s)" in result.output
    assert recorded(ll) == 0
    bad = run(csv_file(tmp_path, [GOOD[0].replace("2025-05-10", "2025-13-10")], "bad.csv"))
    assert bad.exit_code != 0 and recorded(ll) == 0


BAD = {
    # row number (the header is row 1): a bad row, the problem its message must name
    2: (GOOD[0].replace(SCR, "serious-case-reveiw", 1), "row 2: subgroup: no subgroup"),
    3: (GOOD[2].replace("2025-06-02", "2025-06-31"), "row 3: identified_on: '2025-06-31'"),
    4: (GOOD[2].replace("Bruising in infants", ""), "row 4: title: is empty"),
    5: (GOOD[2].replace(",,,,,,,", ",bogus,2025-07-01,,,,,"), "row 5: status: 'bogus'"),
    6: (GOOD[2].replace("course_content_review", "board_website"), "row 6: means: 'board_website'"),
    7: (GOOD[2].replace("2025-12-31", "2025-01-31"), "row 7: due: 2025-01-31 is before"),
    8: (
        GOOD[2].replace("2025-06-02", "2027-06-02"),
        "row 8: identified_on: 2027-06-02 is in the future",
    ),
    9: (
        GOOD[2].replace(",,,,,,,", ",,,,,met,done,2025-07-01"),
        "row 9: measure_kind: is empty",
    ),
    10: (GOOD[2].replace("Training team,", ",", 1), "row 10: owner: is empty"),
    11: (
        GOOD[2].replace(",,,,,,,", ",complete,,,,,,"),
        "row 11: status_on: is empty",
    ),
    12: (GOOD[1].replace("AP-1", "AP-12"), None),  # a good row
    13: (
        GOOD[1].replace("AP-1", "AP-12").replace("2025-05-10", "2025-05-11"),
        "row 13: identified_on: differs from row 12",
    ),
    14: (GOOD[1].replace("AP-1", "AP-12"), "row 14: repeats row 12"),
    15: (GOOD[2] + ",extra", "row 15: 19 cells for 18 columns"),
    16: (
        GOOD[0].replace("AP-1", "AP-16").replace(",met,", ",maybe,"),
        "row 16: evidence_outcome: 'maybe'",
    ),
    17: (
        GOOD[0].replace("AP-1", "AP-17").replace("2026-01-15", "2025-04-01"),
        "row 17: evidence_on: 2025-04-01 is before",
    ),
}


def test_a_bad_file_names_every_bad_row_and_records_nothing(ll, run, tmp_path):
    rows = [row.replace("AP-2,", f"AP-{n},", 1) for n, (row, _) in BAD.items()]
    path = csv_file(tmp_path, rows)
    result = run(path)
    assert result.exit_code != 0
    output = result.output
    for number, (_, problem) in BAD.items():
        if problem is None:
            assert f"row {number}:" not in output, output
        else:
            assert problem in output, f"{problem!r} not in:\n{output}"
    assert "nothing from plan.csv was recorded" in output
    assert recorded(ll) == 0
    assert run(path, "--dry-run").exit_code != 0


def test_a_header_it_cannot_read_names_the_columns(ll, run, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("Item reference,Subgroup,Colour\nAP-1,training,red\n", encoding="utf-8")
    result = run(path)
    assert result.exit_code != 0
    assert "row 1: colour: unknown column" in result.output
    assert "row 1: title: no such column" in result.output
    assert "expected columns: item_reference, subgroup" in result.output


def test_utf8_with_a_byte_order_mark_and_semicolons_is_read(ll, run, tmp_path):
    rows = [r.replace(",", ";") for r in [HEADER, *GOOD]]
    rows = [r.replace("escalation; neglect", "escalation, neglect") for r in rows]
    path = tmp_path / "excel.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode("utf-8-sig"))
    result = run(path)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "3"


def test_a_windows_1252_csv_is_refused_with_advice(ll, run, tmp_path):
    rows = [GOOD[2].replace("Bruising in infants", "Bruising in infants \u2013 café")]
    path = csv_file(tmp_path, rows, "cp1252.csv", encoding="cp1252")
    result = run(path)
    assert result.exit_code != 0
    assert "Windows-1252" in result.output
    assert 'save it again as "CSV UTF-8' in result.output
    assert recorded(ll) == 0


def test_an_unreadable_workbook_is_refused(ll, run, tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"not a workbook")
    result = run(path)
    assert result.exit_code != 0
    assert "plan.xlsx is not a readable workbook" in result.output


@pytest.mark.parametrize("to", ["xlsx", "ods", "xls"])
def test_files_libreoffice_writes_are_read(tmp_path, clock, monkeypatch, libreoffice, to):
    """The fixture plan saved by LibreOffice as .xlsx, .ods and legacy .xls: each imports the
    same 64 rows, with the same dates (written as day-month-year text in half the rows)."""
    monkeypatch.setattr(
        "adapters.cli.store.open_learnloop", lambda settings: bootstrap(settings, clock)
    )
    url = f"sqlite:///{tmp_path / 'lo.db'}"
    converted = libreoffice(FIXTURE, to)
    result = CliRunner().invoke(
        main, ["import", "action-plan", str(converted), "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "64"
    ll = bootstrap(Settings(database_url=url), clock)
    try:
        ll.projector.catch_up()
        docs = ll.read_models.items(ll.learning.today())
    finally:
        ll.close()
    with FIXTURE.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len(docs) == len({r["Item reference"] for r in rows}) == 32
    identified = sorted(d["identified_on"] for d in docs)
    expected = sorted({(r["Item reference"], _iso(r["Identified on"])) for r in rows})
    assert identified == sorted(day for _, day in expected)
    dues = sorted(a["due"] for d in docs for a in d["actions"])
    assert dues == sorted(r["Due"] for r in rows)


def _iso(text: str) -> str:
    if "/" in text:
        day, month, year = text.split("/")
        return f"{year}-{month}-{day}"
    return text
