"""`learnloop users`: users and their API tokens."""

from __future__ import annotations

from pathlib import Path

import click

from adapters.cli import store
from adapters.framework.loader import FrameworkError, load_framework


@click.group()
def users() -> None:
    """Manage users and their API tokens."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role", required=True, help="contributor, chair, business_manager, inspector or admin"
)
@click.option("--subgroup", "subgroups", multiple=True, help="a subgroup slug (repeatable)")
@click.option("--email", default=None, help="where reminders for this user go (chairs, managers)")
@store.options
def users_add(
    name: str,
    role: str,
    subgroups: tuple[str, ...],
    email: str | None,
    database_url: str | None,
    framework: Path | None,
) -> None:
    """Create a user and print its API token once, alone on the last line."""
    from adapters.persistence.users import InvalidUser, check_new_user

    settings = store.settings_from(database_url=database_url, framework=framework)
    try:
        known = {s.slug for s in load_framework(settings.framework).subgroups}
        check_new_user(name, role, list(subgroups), known, email)
    except FrameworkError as exc:
        raise click.ClickException(f"invalid framework: {exc}") from None
    except InvalidUser as exc:
        raise click.ClickException(str(exc)) from None
    ll = store.open_learnloop(settings)
    try:
        created = ll.users.add(name, role, list(subgroups), known, email)
    finally:
        ll.close()
    click.echo(f"created {created.actor.role} {created.actor.id}; the token is shown once:")
    click.echo(created.token)
