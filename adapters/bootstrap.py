"""The composition root: everything the service and the CLI use is built here, once.

Nothing imports this module but the entry points (the FastAPI lifespan, the CLI, tests): the
types the edges share live in `adapters.handle`."""

from __future__ import annotations

from datetime import timedelta

from adapters.bank_holidays import england_and_wales
from adapters.framework.loader import load_framework
from adapters.handle import Clock, Learnloop, system_clock
from adapters.persistence.database import Store, open_store
from adapters.persistence.durability import assert_durable
from adapters.persistence.idempotency import IdempotencyKeys
from adapters.persistence.upgrades import REFERENCES, Upgrades
from adapters.persistence.users import Users
from adapters.persistence.web_sessions import SessionTable
from adapters.reminders import build_reminders
from adapters.sessions import Sessions
from adapters.settings import Settings
from adapters.shared_projection import SharedProjection
from domain.actor import system_actor
from domain.framework import Framework
from projections.projector import Projector
from projections.read import ReadModels
from projections.registry import default_views
from projections.sources import IndicatorMeasures, ReminderSources
from services.audits import Audits
from services.case_reviews import CaseReviews
from services.dataset import Dataset
from services.event_log import EventLog
from services.learning import LearningItems
from services.reference_upgrade import assign_missing_references


def _cipher_env(settings: Settings) -> dict[str, str]:
    """Events encrypted at rest with the library's AES-GCM cipher, when a key is set (ADR 0013)."""
    if settings.cipher_key is None:
        return {}
    return {
        "CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher",
        "CIPHER_KEY": settings.cipher_key.get_secret_value(),
    }


def bootstrap(
    settings: Settings, clock: Clock = system_clock, framework: Framework | None = None
) -> Learnloop:
    framework = framework or load_framework(settings.framework)
    store = open_store(settings.database_url)
    log = EventLog(env={**store.event_store_env, **_cipher_env(settings)})
    projector = Projector(
        store.write_engine,
        log.recorder,
        log.mapper.to_domain_event,
        default_views(framework, england_and_wales()),
        batch_size=settings.projection_batch_size,
        rebuild_batch_size=settings.projection_rebuild_batch_size,
    )
    projector.create_tables()
    assert_durable(store, settings.allow_unsafe_durability)
    shared = _shared_projection(settings, store, log, projector)
    log.recorder.on_committed = shared.follow if shared else projector.project
    users = Users(store.write_engine, clock, reader=store.engine)
    users.create_tables()
    idempotency = IdempotencyKeys(store.write_engine, clock)
    idempotency.create_tables()
    web_sessions = _web_sessions(settings, store, clock)
    if shared is None:
        projector.catch_up()
    else:
        shared.start()
    _upgrade_references(store, log, clock)
    learning = LearningItems(log, framework, clock)
    sources = ReminderSources(store.engine, framework)
    return Learnloop(
        settings=settings,
        framework=framework,
        store=store,
        log=log,
        learning=learning,
        case_reviews=CaseReviews(log, framework, clock, learning),
        audits=Audits(log, framework, clock, learning),
        reminders=build_reminders(settings, log, framework, clock, sources, users),
        dataset=Dataset(log, framework, clock, IndicatorMeasures(store.engine)),
        projector=projector,
        read_models=ReadModels(store.engine),
        users=users,
        clock=clock,
        idempotency=idempotency,
        web_sessions=web_sessions,
        shared_projection=shared,
    )


def _upgrade_references(store: Store, log: EventLog, clock: Clock) -> None:
    """Gives records from before references theirs, walking the log only until one walk has
    completed on this store (ADR 0045): the marker is a row of its own, not an event."""
    upgrades = Upgrades(store.write_engine, reader=store.engine)
    upgrades.create_tables()
    if upgrades.done(REFERENCES):
        return
    assign_missing_references(
        log,
        system_actor("upgrade"),
        clock,
        completed=lambda: upgrades.mark_done(REFERENCES, clock()),
    )


def _web_sessions(settings: Settings, store: Store, clock: Clock) -> Sessions:
    """Kept in the database with one cookie secret, so any server process finds any session:
    the configured secret, else the one the first process stored (ADR 0016)."""
    table = SessionTable(store.write_engine, reader=store.engine)
    table.create_tables()
    configured = settings.session_secret
    return Sessions(
        configured.get_secret_value() if configured else table.shared_secret(),
        table,
        clock,
        idle=timedelta(minutes=settings.session_idle_minutes),
        max_age=timedelta(hours=settings.session_max_hours),
    )


class SharedProjectionNeedsPostgres(ValueError):
    pass


SHARED_NEEDS_POSTGRES = (
    "several server processes need PostgreSQL: SQLite serves one process at a time"
)


def _shared_projection(
    settings: Settings, store: Store, log: EventLog, projector: Projector
) -> SharedProjection | None:
    if not settings.shared_projection:
        return None
    if store.kind != "postgresql":
        raise SharedProjectionNeedsPostgres(SHARED_NEEDS_POSTGRES)
    conninfo = store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    return SharedProjection(projector, conninfo, log.recorder.channel_name)
