"""Fault proof (b), small: concurrent writers on shared items through HTTP; every command is
acknowledged or a visible conflict, and the events stored are exactly the acknowledged ones."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "concurrent_writers.py"


def test_concurrent_writers_store_exactly_the_acknowledged_commands(database_url):
    spec = importlib.util.spec_from_file_location("concurrent_writers", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    result = module.drill(database_url, writers=4, commands=15)

    assert result["other"] == 0
    assert result["acknowledged"] + result["conflicts"] == 60
    assert result["events_stored"] == result["acknowledged"]
