"""`learnloop dataset import FILE`: the multi-agency dataset's values from a file."""

from __future__ import annotations

from pathlib import Path

import click

from adapters.cli import store
from adapters.cli.dataset_file import ImportRefused, import_file
from adapters.cli.import_plan import importer
from adapters.spreadsheets.plan_import import sha256_of


@click.group()
def dataset() -> None:
    """The multi-agency dataset."""


@dataset.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--token",
    envvar="LEARNLOOP_TOKEN",
    default=None,
    help="the importing person's API token (LEARNLOOP_TOKEN); default: learnloop on behalf"
    " of the operating-system user running the command",
)
@store.options
def dataset_import(
    file: Path, token: str | None, database_url: str | None, framework: Path | None
) -> None:
    """Record the values in FILE (.csv or .xlsx), every row or none; prints how many values
    were recorded, alone on the last line. Every event names the importer and the file's
    SHA-256."""
    ll = store.open_learnloop(store.settings_from(database_url=database_url, framework=framework))
    try:
        user = importer(ll.users.authenticate(token) if token else None, token, "dataset import")
        recorded = import_file(ll.dataset, file, user.importing(sha256_of(file)))
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
