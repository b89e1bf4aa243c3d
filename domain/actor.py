"""Who did something, as every event records it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

CONTRIBUTOR = "contributor"
CHAIR = "chair"
BUSINESS_MANAGER = "business_manager"
INSPECTOR = "inspector"
ADMIN = "admin"
SYSTEM = "system"

ROLES = (CONTRIBUTOR, CHAIR, BUSINESS_MANAGER, INSPECTOR, ADMIN)


@dataclass(frozen=True)
class Actor:
    """A user (or the system) at the moment they acted: id, name and role as they were then."""

    id: str
    name: str
    role: str
    subgroups: tuple[str, ...] = field(default=(), compare=False)
    file_sha256: str | None = field(default=None, compare=False)  # acting through an import

    def as_record(self) -> dict[str, str]:
        record = {"id": self.id, "name": self.name, "role": self.role}
        if self.file_sha256 is not None:
            record["file_sha256"] = self.file_sha256
        return record

    def importing(self, sha256: str) -> Actor:
        """The same person, acting through an imported file (its SHA-256, hex): every event the
        import records names both."""
        return replace(self, file_sha256=sha256)

    @classmethod
    def from_record(cls, record: dict[str, str]) -> Actor:
        return cls(id=record["id"], name=record["name"], role=record["role"])


def system_actor(part: str | None = None) -> Actor:
    """learnloop itself, acting where no person does (a reminder sweep, an import, evidence the
    dataset records): one id and role, named by the part of learnloop that acted."""
    return Actor(SYSTEM, f"learnloop {part}" if part else "learnloop", SYSTEM)
