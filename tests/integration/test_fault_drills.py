"""The fault drill in small: the real server killed -9 under write load, six times on SQLite.

benchmarks/fault_drills.py runs it in full (200 kills over SQLite and PostgreSQL); here its
`main` runs with a few kills and must report no failed check: every acknowledged command present
after the restart, none half-recorded, the views equal to a rebuild.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.mark.slow
def test_kill_9_under_write_load_loses_no_acknowledged_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    drill = importlib.import_module("fault_drills")

    failures = drill.main(["--kills", "6", "--stores", "sqlite", "--seed", "20261126"])

    out = capsys.readouterr().out
    assert failures == 0, out
    row = next(line for line in out.splitlines() if line.startswith("sqlite "))
    store, kills, acknowledged, verified, *_ = (cell.strip() for cell in row.split("|"))
    assert (store, kills) == ("sqlite", "6"), out
    assert int(acknowledged) > 0 and verified == acknowledged, out
