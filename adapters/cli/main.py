"""The `learnloop` command: one group, its commands each in a module of their own. Each takes
--database-url and --framework; LEARNLOOP_DATABASE_URL and LEARNLOOP_FRAMEWORK set their
defaults."""

from __future__ import annotations

import click

from adapters.cli.dataset import dataset
from adapters.cli.export import export
from adapters.cli.import_plan import import_
from adapters.cli.rebuild import projections
from adapters.cli.reminders import reminders
from adapters.cli.report import report
from adapters.cli.serve import serve, worker
from adapters.cli.users import users
from adapters.cli.verify import verify


@click.group()
def main() -> None:
    """learnloop: the learning-and-improvement loop of a safeguarding children partnership."""


for command in (
    serve,
    worker,
    users,
    projections,
    reminders,
    report,
    verify,
    dataset,
    import_,
    export,
):
    main.add_command(command)
