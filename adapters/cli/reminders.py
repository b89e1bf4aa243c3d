"""`learnloop reminders run`: one follow-up sweep, then one delivery run."""

from __future__ import annotations

from pathlib import Path

import click

from adapters.cli import store


@click.group()
def reminders() -> None:
    """Follow-up reminders."""


@reminders.command("run")
@click.option("--as-of", "as_of", default=None, help="ISO 8601 timestamp (default: now)")
@store.options
def reminders_run(as_of: str | None, database_url: str | None, framework: Path | None) -> None:
    """One follow-up sweep as at that time, then one delivery run; prints how many reminders
    the sweep issued, alone on the last line."""
    from adapters.http.params import parse_timestamp
    from domain.errors import InvalidField

    try:
        moment = parse_timestamp(as_of, "--as-of") if as_of else None
    except InvalidField as exc:
        raise click.BadParameter(exc.message, param_hint="--as-of") from None
    ll = store.open_learnloop(store.settings_from(database_url=database_url, framework=framework))
    try:
        ll.projector.catch_up()
        result = ll.reminders.sweep(moment)
        delivered = ll.reminders.deliver()
    finally:
        ll.close()
    click.echo(f"cancelled {result.cancelled}; delivered {delivered}; issued:")
    click.echo(result.issued)
