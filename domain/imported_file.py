"""A file imported: which file (its SHA-256), what it gave, and who imported it.

Its id is derived from the file's kind and SHA-256, so the same file is imported once: a second
import finds it recorded (and two at the same moment collide on the id, one of them recording).
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.actor import Actor

NAMESPACE = uuid5(NAMESPACE_URL, "https://learnloop.invalid/imported-file")


class ImportedFile(Aggregate):
    class Event(Aggregate.Event):
        actor: dict[str, str]

    class Imported(Event, Aggregate.Created):
        kind: str
        sha256: str
        file_name: str
        rows: int
        items: dict[str, str]  # the file's item reference -> the learning item recorded

    def __init__(
        self,
        actor: dict[str, str],
        kind: str,
        sha256: str,
        file_name: str,
        rows: int,
        items: dict[str, str],
    ) -> None:
        self.imported_by = actor
        self.kind = kind
        self.sha256 = sha256
        self.file_name = file_name
        self.rows = rows
        self.items = dict(items)

    @staticmethod
    def id_for(kind: str, sha256: str) -> UUID:
        return uuid5(NAMESPACE, f"{kind}:{sha256.lower()}")

    @classmethod
    def record(
        cls,
        kind: str,
        sha256: str,
        file_name: str,
        rows: int,
        items: dict[str, str],
        *,
        actor: Actor,
        now: datetime,
    ) -> ImportedFile:
        return cls._create(
            cls.Imported,
            id=cls.id_for(kind, sha256),
            actor=actor.as_record(),
            kind=kind,
            sha256=sha256.lower(),
            file_name=file_name,
            rows=rows,
            items=items,
            timestamp=now,
        )
