"""`learnloop report annual`: the annual report, built from the event log as at a position."""

from __future__ import annotations

from pathlib import Path

import click

from adapters.cli import store


@click.group()
def report() -> None:
    """Reports built from the event log."""


@report.command("annual")
@click.option("--year", type=int, required=True, help="the reporting year 1 April YYYY to 31 March")
@click.option("--format", "fmt", type=click.Choice(["html", "md", "json", "pdf"]), default="html")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--as-at", "as_at", type=int, default=None, help="an event-log position")
@store.options
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

    ll = store.open_learnloop(store.settings_from(database_url=database_url, framework=framework))
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
