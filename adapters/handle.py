"""The handle the edges share: what `bootstrap` builds, and the clock it reads.

Routes, pages, the scheduler and the CLI's commands import these types from here, never from the
composition root (`adapters.bootstrap`), which stays at the top of the import graph.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.persistence.database import Store
from adapters.persistence.idempotency import IdempotencyKeys
from adapters.persistence.users import Users
from adapters.sessions import Sessions
from adapters.settings import Settings
from adapters.shared_projection import SharedProjection
from domain.framework import Framework
from projections.projector import Projector
from projections.read import ReadModels
from services.audits import Audits
from services.case_reviews import CaseReviews
from services.dataset import Dataset
from services.event_log import EventLog
from services.learning import LearningItems
from services.reminders import Reminders

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Learnloop:
    settings: Settings
    framework: Framework
    store: Store
    log: EventLog
    learning: LearningItems
    case_reviews: CaseReviews
    audits: Audits
    reminders: Reminders
    dataset: Dataset
    projector: Projector
    read_models: ReadModels
    users: Users
    clock: Clock
    idempotency: IdempotencyKeys
    web_sessions: Sessions
    shared_projection: SharedProjection | None = None

    def close(self) -> None:
        if self.shared_projection is not None:
            self.shared_projection.stop()
        self.log.close()
        self.store.dispose()
