"""The `learnloop` command. Each subcommand takes --database-url and --framework; the
LEARNLOOP_DATABASE_URL and LEARNLOOP_FRAMEWORK variables set their defaults."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from adapters.dataset_import import register as register_dataset
from adapters.framework.loader import FrameworkError, load_framework
from adapters.persistence.database import UnsupportedDatabase
from adapters.persistence.durability import UnsafeDurability
from adapters.settings import Settings


def store_options(command: Callable[..., Any]) -> Callable[..., Any]:
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


def settings_from(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def open_learnloop(settings: Settings) -> Any:
    from adapters.bootstrap import SharedProjectionNeedsPostgres, bootstrap

    try:
        return bootstrap(settings)
    except FrameworkError as exc:
        raise click.ClickException(f"invalid framework: {exc}") from None
    except (UnsupportedDatabase, UnsafeDurability, SharedProjectionNeedsPostgres) as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main() -> None:
    """learnloop: the learning-and-improvement loop of a safeguarding children partnership."""


@main.command()
@click.option("--host", default=None, help="interface to listen on (default 127.0.0.1)")
@click.option("--port", type=int, default=None, help="port (default 8000)")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="server processes (default 1); more than one needs PostgreSQL",
)
@store_options
def serve(
    host: str | None,
    port: int | None,
    workers: int | None,
    database_url: str | None,
    framework: Path | None,
) -> None:
    """Run the API (and its scheduled jobs)."""
    import uvicorn

    from adapters.http.app import create_app
    from adapters.logging import configure_logging

    settings = settings_from(
        host=host, port=port, workers=workers, database_url=database_url, framework=framework
    )
    if settings.workers > 1:
        settings = settings.model_copy(update={"shared_projection": True})
    configure_logging(settings.log_level)
    ll = open_learnloop(settings)  # creates the tables and catches up once, before any worker
    if settings.workers > 1:
        ll.close()
        _serve_workers(settings)
        return
    try:
        app = create_app(settings, learnloop=ll)
        uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False)
    finally:
        ll.close()


def _serve_workers(settings: Settings) -> None:
    """uvicorn's worker processes each build the service from LEARNLOOP_* variables: the
    settings this command resolved are handed to them there (ADR 0018)."""
    import os

    import uvicorn

    os.environ.update(worker_environment(settings))
    uvicorn.run(
        "adapters.http.worker:create_worker_app",
        factory=True,
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
    )


def worker_environment(settings: Settings) -> dict[str, str]:
    env = {
        "LEARNLOOP_DATABASE_URL": settings.database_url,
        "LEARNLOOP_SHARED_PROJECTION": "true",
        "LEARNLOOP_WORKERS": "1",
    }
    if settings.framework is not None:
        env["LEARNLOOP_FRAMEWORK"] = str(settings.framework.resolve())
    return env


@main.group()
def users() -> None:
    """Manage users and their API tokens."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role", required=True, help="contributor, chair, business_manager, inspector or admin"
)
@click.option("--subgroup", "subgroups", multiple=True, help="a subgroup slug (repeatable)")
@click.option("--email", default=None, help="where reminders for this user go (chairs, managers)")
@store_options
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

    settings = settings_from(database_url=database_url, framework=framework)
    try:
        known = {s.slug for s in load_framework(settings.framework).subgroups}
        check_new_user(name, role, list(subgroups), known, email)
    except FrameworkError as exc:
        raise click.ClickException(f"invalid framework: {exc}") from None
    except InvalidUser as exc:
        raise click.ClickException(str(exc)) from None
    ll = open_learnloop(settings)
    try:
        created = ll.users.add(name, role, list(subgroups), known, email)
    finally:
        ll.close()
    click.echo(f"created {created.actor.role} {created.actor.id}; the token is shown once:")
    click.echo(created.token)


@main.group()
def projections() -> None:
    """Read models built from the event log."""


@projections.command("rebuild")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="a progress bar on stderr (default: only when stderr is a terminal)",
)
@store_options
def projections_rebuild(
    progress: bool | None, database_url: str | None, framework: Path | None
) -> None:
    """Drop and rebuild every read model from the event log; prints the position reached."""
    from adapters.cli.progress import progress_bar

    ll = open_learnloop(settings_from(database_url=database_url, framework=framework))
    try:
        with progress_bar("rebuilding read models", progress) as report:
            position = ll.projector.rebuild(progress=report)
    finally:
        ll.close()
    click.echo("rebuilt item_summary, follow-ups and audit_trail up to log position:")
    click.echo(position)


@main.command()
@store_options
def worker(database_url: str | None, framework: Path | None) -> None:
    """Run the scheduled jobs (projections, reminder sweeps and deliveries) without the API."""
    import signal
    import threading

    from adapters.logging import configure_logging
    from adapters.scheduler import start_scheduler, stop_scheduler

    settings = settings_from(database_url=database_url, framework=framework)
    configure_logging(settings.log_level)
    ll = open_learnloop(settings)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    scheduler = start_scheduler(ll)
    try:
        stopped.wait()
    finally:
        stop_scheduler(scheduler)
        ll.close()


@main.group()
def reminders() -> None:
    """Follow-up reminders."""


@reminders.command("run")
@click.option("--as-of", "as_of", default=None, help="ISO 8601 timestamp (default: now)")
@store_options
def reminders_run(as_of: str | None, database_url: str | None, framework: Path | None) -> None:
    """One follow-up sweep as at that time, then one delivery run; prints how many reminders
    the sweep issued, alone on the last line."""
    from adapters.http.params import parse_timestamp
    from domain.errors import InvalidField

    try:
        moment = parse_timestamp(as_of, "--as-of") if as_of else None
    except InvalidField as exc:
        raise click.BadParameter(exc.message, param_hint="--as-of") from None
    ll = open_learnloop(settings_from(database_url=database_url, framework=framework))
    try:
        ll.projector.catch_up()
        result = ll.reminders.sweep(moment)
        delivered = ll.reminders.deliver()
    finally:
        ll.close()
    click.echo(f"cancelled {result.cancelled}; delivered {delivered}; issued:")
    click.echo(result.issued)


@main.group()
def report() -> None:
    """Reports built from the event log."""


@report.command("annual")
@click.option("--year", type=int, required=True, help="the reporting year 1 April YYYY to 31 March")
@click.option("--format", "fmt", type=click.Choice(["html", "md", "json", "pdf"]), default="html")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--as-at", "as_at", type=int, default=None, help="an event-log position")
@store_options
def report_annual(
    year: int,
    fmt: str,
    output: Path,
    as_at: int | None,
    database_url: str | None,
    framework: Path | None,
) -> None:
    """The annual report for 1 April YYYY to 31 March YYYY+1, as at a log position; prints the
    position it was built from, alone on the last line."""
    from adapters.annual_report import build, render_report
    from domain.errors import InvalidField

    ll = open_learnloop(settings_from(database_url=database_url, framework=framework))
    try:
        built = build(ll, year, as_at)
        output.write_bytes(render_report(built, fmt))
    except InvalidField as exc:
        raise click.BadParameter(
            exc.message, param_hint=f"--{exc.field.replace('_', '-')}"
        ) from None
    finally:
        ll.close()
    click.echo(f"wrote {output} ({fmt}) for {built['label']}, built from the event log up to:")
    click.echo(built["as_at_position"])


@main.command()
@click.option(
    "--digest",
    default=None,
    help="POSITION:HEXHASH saved earlier (from verify or /api/v1/integrity/digest): "
    "also catches a truncated or rolled-back tail",
)
@store_options
def verify(digest: str | None, database_url: str | None, framework: Path | None) -> None:
    """Recompute the event log's hash chain. Exit 0 and print the head POSITION:HASH, alone on
    the last line, when intact; exit 1 naming the first bad position otherwise."""
    from adapters.persistence.database import open_store
    from adapters.persistence.integrity import Digest
    from adapters.persistence.integrity import verify as verify_chain
    from services.event_log import EventLog

    try:
        saved = Digest.parse(digest) if digest else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--digest") from None
    settings = settings_from(database_url=database_url, framework=framework)
    try:
        store = open_store(settings.database_url)
    except UnsupportedDatabase as exc:
        raise click.ClickException(str(exc)) from None
    log = EventLog(env=store.event_store_env)
    try:
        verdict = verify_chain(log.recorder, saved)
    finally:
        log.close()
        store.dispose()
    if not verdict.chained:
        click.echo("this store keeps no hash chain; only a saved digest is checked")
    if verdict.fault is not None:
        click.echo(
            f"TAMPERED at position {verdict.fault.position}: {verdict.fault.reason} "
            f"({verdict.checked} events verified before it)",
            err=True,
        )
        raise SystemExit(1)
    click.echo(f"intact: {verdict.checked} events chained; head POSITION:HASH:")
    click.echo(str(verdict.head))


register_dataset(main)
