"""Users and their API tokens. A token is shown once and stored only as its SHA-256 hash.

Tokens are 256 random bits, so a fast hash is enough: there is nothing to guess by brute force.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from domain.actor import ROLES, Actor

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("subgroups", sa.JSON, nullable=False),
    sa.Column("email", sa.Text),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

SUBGROUP_ROLES = ("contributor", "chair")
# A token found is remembered this long, so most requests authenticate without a query. The
# v1.1 contract refuses a disabled user's or a rotated-out token within 5 s in every process:
# this is the bound (ADR 0030), whatever else is added for people.
REMEMBER_FOR = timedelta(seconds=5)
REMEMBER_AT_MOST = 10_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidUser(ValueError):
    pass


@dataclass(frozen=True)
class NewUser:
    actor: Actor
    token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_new_user(
    name: str, role: str, subgroups: list[str], known_subgroups: set[str], email: str | None = None
) -> None:
    if email is not None and not _EMAIL.match(email):
        raise InvalidUser(f"'{email}' is not an email address")
    if not name.strip():
        raise InvalidUser("a user needs a name")
    if role not in ROLES:
        raise InvalidUser(f"unknown role '{role}'; expected one of: {', '.join(ROLES)}")
    unknown = sorted(set(subgroups) - known_subgroups)
    if unknown:
        raise InvalidUser(f"unknown subgroup(s): {', '.join(unknown)}")
    if role in SUBGROUP_ROLES and not subgroups:
        raise InvalidUser(f"a {role} needs at least one --subgroup")
    if role not in SUBGROUP_ROLES and subgroups:
        raise InvalidUser(
            f"a {role} acts partnership-wide; --subgroup applies to contributors and chairs"
        )


class Users:
    """`engine` writes; `reader` (default: the same) answers lookups without taking SQLite's
    write lock, which every request's authentication would otherwise queue behind."""

    def __init__(
        self, engine: sa.Engine, clock: Callable[[], datetime], reader: sa.Engine | None = None
    ) -> None:
        self.engine = engine
        self.reader = reader or engine
        self.clock = clock
        self._remembered: dict[str, tuple[Actor, datetime]] = {}

    def create_tables(self) -> None:
        metadata.create_all(self.engine)
        columns = {c["name"] for c in sa.inspect(self.engine).get_columns(users.name)}
        if "email" not in columns:  # a store made before users had email addresses
            with self.engine.begin() as conn:
                conn.exec_driver_sql("ALTER TABLE users ADD COLUMN email TEXT")

    def emails(self, role: str, subgroup: str | None = None) -> list[str]:
        """The addresses of users with `role` (in `subgroup`, when given), for reminders."""
        query = sa.select(users.c.email, users.c.subgroups).where(
            users.c.role == role, users.c.email.is_not(None)
        )
        with self.reader.connect() as conn:
            rows = conn.execute(query).all()
        return sorted({e for e, groups in rows if subgroup is None or subgroup in groups})

    def add(
        self,
        name: str,
        role: str,
        subgroups: list[str],
        known_subgroups: set[str],
        email: str | None = None,
    ) -> NewUser:
        check_new_user(name, role, subgroups, known_subgroups, email)
        token = secrets.token_urlsafe(32)
        actor = Actor(str(uuid.uuid4()), name.strip(), role, tuple(dict.fromkeys(subgroups)))
        with self.engine.begin() as conn:
            conn.execute(
                sa.insert(users).values(
                    id=actor.id,
                    name=actor.name,
                    role=actor.role,
                    subgroups=list(actor.subgroups),
                    email=email,
                    token_sha256=token_hash(token),
                    created_at=self.clock().astimezone(UTC).replace(tzinfo=None),
                )
            )
        return NewUser(actor, token)

    def authenticate(self, token: str) -> Actor | None:
        return self.authenticate_hash(token_hash(token))

    def authenticate_hash(self, digest: str) -> Actor | None:
        """The user whose token has this SHA-256 (a web session keeps only that), or None."""
        remembered = self._remembered_for(digest)
        if remembered is not None:
            return remembered
        query = sa.select(users).where(users.c.token_sha256 == digest)
        with self.reader.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None  # unknown tokens are not remembered: nothing to fill memory with
        actor = Actor(row["id"], row["name"], row["role"], tuple(row["subgroups"]))
        if len(self._remembered) >= REMEMBER_AT_MOST:
            self._remembered.clear()
        self._remembered[digest] = (actor, self.clock() + REMEMBER_FOR)
        return actor

    def recently_authenticated(self, token: str) -> Actor | None:
        """The user `authenticate` found for this token within REMEMBER_FOR, else None: no
        query, so a caller on the event loop can ask it first."""
        return self._remembered_for(token_hash(token))

    def _remembered_for(self, digest: str) -> Actor | None:
        found = self._remembered.get(digest)
        if found is None or found[1] <= self.clock():
            return None
        return found[0]
