"""`learnloop projections rebuild`: every read model dropped and built again from the log."""

from __future__ import annotations

from pathlib import Path

import click

from adapters.cli import store


@click.group()
def projections() -> None:
    """Read models built from the event log."""


@projections.command("rebuild")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="a progress bar on stderr (default: only when stderr is a terminal)",
)
@store.options
def projections_rebuild(
    progress: bool | None, database_url: str | None, framework: Path | None
) -> None:
    """Drop and rebuild every read model from the event log; prints the position reached."""
    from adapters.cli.progress import progress_bar

    ll = store.open_learnloop(store.settings_from(database_url=database_url, framework=framework))
    try:
        with progress_bar("rebuilding read models", progress) as report:
            position = ll.projector.rebuild(progress=report)
    finally:
        ll.close()
    click.echo("rebuilt item_summary, follow-ups and audit_trail up to log position:")
    click.echo(position)
