"""What every `learnloop` command shares: the store options, the settings they give, and the
handle opened on them (a refusal to open is the command's error, not a traceback)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from adapters.framework.loader import FrameworkError
from adapters.handle import Learnloop
from adapters.persistence.database import UnsupportedDatabase
from adapters.persistence.durability import UnsafeDurability
from adapters.settings import Settings


def options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--database-url and --framework (LEARNLOOP_DATABASE_URL and LEARNLOOP_FRAMEWORK set their
    defaults)."""
    command = click.option(
        "--framework",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="framework definition file (TOML); default: the packaged framework",
    )(command)
    return click.option(
        "--database-url",
        default=None,
        help="sqlite:///FILE (default sqlite:///learnloop.db) or postgresql+psycopg://...",
    )(command)


def settings_from(
    *,
    database_url: str | None,
    framework: Path | None,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
) -> Settings:
    """The settings, with what the command line gave over the environment's."""
    given: dict[str, Any] = {
        "database_url": database_url,
        "framework": framework,
        "host": host,
        "port": port,
        "workers": workers,
    }
    return Settings(**{k: v for k, v in given.items() if v is not None})


def refuse_workers_without_postgres(settings: Settings) -> None:
    """`serve --workers N` needs PostgreSQL: the same refusal the composition root gives."""
    from adapters.bootstrap import SHARED_NEEDS_POSTGRES

    if not settings.database_url.startswith("postgresql"):
        raise click.ClickException(SHARED_NEEDS_POSTGRES)


def open_learnloop(settings: Settings) -> Learnloop:
    """The composition root, imported here, when a command runs (never at import time)."""
    from adapters.bootstrap import SharedProjectionNeedsPostgres, bootstrap

    try:
        return bootstrap(settings)
    except FrameworkError as exc:
        raise click.ClickException(f"invalid framework: {exc}") from None
    except (UnsupportedDatabase, UnsafeDurability, SharedProjectionNeedsPostgres) as exc:
        raise click.ClickException(str(exc)) from None
