"""`learnloop import action-plan FILE [--dry-run]`: a partnership's action plan moved in from a
spreadsheet (.xlsx, .ods, .xls or CSV), every row or none."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from adapters.cli import store
from adapters.spreadsheets.plan_import import import_action_plan
from domain.actor import Actor, system_actor
from services.migration import ActionPlans, PlanRefused


@click.group("import")
def import_() -> None:
    """Moving in: records from a partnership's own files."""


@import_.command("action-plan")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="check every row and record nothing")
@click.option(
    "--token",
    envvar="LEARNLOOP_TOKEN",
    default=None,
    help="the importing person's API token (LEARNLOOP_TOKEN); default: learnloop on behalf"
    " of the operating-system user running the command",
)
@store.options
def action_plan(
    file: Path,
    dry_run: bool,
    token: str | None,
    database_url: str | None,
    framework: Path | None,
) -> None:
    """Record the action plan in FILE, one row per action; prints how many rows were recorded
    (0 for a dry run or a file imported before), alone on the last line."""
    ll = store.open_learnloop(store.settings_from(database_url=database_url, framework=framework))
    try:
        actor = importer(ll.users.authenticate(token) if token else None, token)
        plans = ActionPlans(ll.log, ll.framework, ll.clock)
        outcome = import_action_plan(plans, file, actor, dry_run=dry_run)
    except PlanRefused as refused:
        problems = "\n".join(str(p).removeprefix("row 0: ") for p in refused.problems)
        raise click.ClickException(f"{problems}\nnothing from {file.name} was recorded") from None
    finally:
        ll.close()
    if outcome.previous is not None:
        by = outcome.previous.imported_by.get("name", "?")
        click.echo(f"{file.name} was imported before (by {by}); nothing recorded")
        click.echo(0)
    elif dry_run:
        click.echo(
            f"{file.name}: {outcome.rows} row(s), {len(outcome.items)} item(s) would be"
            " recorded; dry run, nothing recorded"
        )
        click.echo(0)
    else:
        click.echo(f"{len(outcome.items)} item(s) recorded from {file.name}; row(s) recorded:")
        click.echo(outcome.rows)


def importer(user: Actor | None, token: str | None, what: str = "import") -> Actor:
    """The person importing: the user of the token given, or learnloop on behalf of the
    operating-system user who runs the command."""
    if token and user is None:
        raise click.ClickException("the token names no user")
    if user is not None:
        return user
    return system_actor(f"{what} by {getpass.getuser()}")
