"""`learnloop export KIND --format xlsx|csv --output FILE [--subgroup SLUG]`: moving out, the
same files as `GET /api/v1/exports/{kind}` (ADR 0052), as a business manager reads them."""

from __future__ import annotations

from pathlib import Path

import click

from adapters.cli import store
from adapters.spreadsheets.exports import KINDS, table
from adapters.spreadsheets.write import FORMATS, write


@click.command("export")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--format", "format_", type=click.Choice(FORMATS), default="xlsx", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--subgroup", default=None, help="one subgroup's slug (default: every subgroup)")
@store.options
def export(
    kind: str,
    format_: str,
    output: Path,
    subgroup: str | None,
    database_url: str | None,
    framework: Path | None,
) -> None:
    """Write KIND (action-plan, loop, follow-ups, audit-trail) to FILE; prints the number of
    rows written, alone on the last line."""
    ll = store.open_learnloop(store.settings_from(database_url=database_url, framework=framework))
    try:
        if subgroup is not None and not ll.framework.has_subgroup(subgroup):
            raise click.BadParameter(f"no subgroup '{subgroup}'", param_hint="--subgroup")
        ll.projector.catch_up()
        found = table(kind, ll.framework, ll.read_models, ll.learning.today(), subgroup=subgroup)
        rows = list(found.rows)
        output.write_bytes(write(type(found)(found.name, found.columns, rows), format_))
    finally:
        ll.close()
    click.echo(f"{kind} written to {output}; rows:")
    click.echo(len(rows))
