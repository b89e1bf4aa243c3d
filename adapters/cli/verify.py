"""`learnloop verify`: the event log's hash chain, recomputed."""

from __future__ import annotations

from pathlib import Path

import click

from adapters.cli import store
from adapters.persistence.database import UnsupportedDatabase


@click.command()
@click.option(
    "--digest",
    default=None,
    help="POSITION:HEXHASH saved earlier (from verify or /api/v1/integrity/digest): "
    "also catches a truncated or rolled-back tail",
)
@store.options
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
    settings = store.settings_from(database_url=database_url, framework=framework)
    try:
        opened = open_store(settings.database_url)
    except UnsupportedDatabase as exc:
        raise click.ClickException(str(exc)) from None
    log = EventLog(env=opened.event_store_env)
    try:
        verdict = verify_chain(log.recorder, saved)
    finally:
        log.close()
        opened.dispose()
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
