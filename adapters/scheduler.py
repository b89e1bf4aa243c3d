"""Background jobs inside `learnloop serve`, run by APScheduler.

The projector is caught up after every command in the request that made it; this job picks up
what other processes recorded (another server, the CLI) on stores that cannot push.
"""

from __future__ import annotations

import structlog
from apscheduler.schedulers.background import BackgroundScheduler

from adapters.bootstrap import Learnloop

log = structlog.get_logger("learnloop.scheduler")


def start_scheduler(ll: Learnloop) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        _catch_up,
        "interval",
        args=[ll],
        seconds=ll.settings.projection_poll_seconds,
        id="projections.catch_up",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=30,
    )
    scheduler.start()
    return scheduler


def _catch_up(ll: Learnloop) -> None:
    try:
        ll.projector.catch_up()
    except Exception:
        log.exception("projection_catch_up_failed")
        raise
