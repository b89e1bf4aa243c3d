"""`learnloop dataset import FILE`: the multi-agency dataset's values from a file."""

from __future__ import annotations

from pathlib import Path

import click

from adapters.cli import store
from adapters.cli.dataset_file import ImportRefused, import_file


@click.group()
def dataset() -> None:
    """The multi-agency dataset."""


@dataset.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store.options
def dataset_import(file: Path, database_url: str | None, framework: Path | None) -> None:
    """Record the values in FILE (.csv or .xlsx), every row or none; prints how many values
    were recorded, alone on the last line."""
    ll = store.open_learnloop(store.settings_from(database_url=database_url, framework=framework))
    try:
        recorded = import_file(ll.dataset, file)
    except ImportRefused as refused:
        problems = "\n".join(refused.problems)
        raise click.ClickException(f"{problems}\nnothing from {file.name} was recorded") from None
    finally:
        ll.close()
    met = sum(1 for e in recorded.evidence if e["outcome"] == "met")
    click.echo(
        f"evidence recorded for {len(recorded.evidence)} measure(s), {met} met;"
        f" values recorded from {file.name}:"
    )
    click.echo(len(recorded.submissions))
