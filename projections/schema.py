"""The read models' tables. Built by `create_all`; dropped and rebuilt by a rebuild."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

# Bump when a view's tables or folds change: a store built by another version is rebuilt at
# start-up (read models are derived; the event log is never touched).
SCHEMA_VERSION = 10

metadata = sa.MetaData()
# Plain `json` on PostgreSQL too: no query looks inside a document, and `jsonb` costs a parse on
# every write and a rendering on every read (ADR 0015).
Json = sa.JSON()

schema_version = sa.Table(
    "view_schema",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
)

tracking = sa.Table(
    "view_tracking",
    metadata,
    sa.Column("view", sa.String(64), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

items = sa.Table(
    "view_items",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("subgroup", sa.String(64), nullable=False, index=True),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("doc", Json, nullable=False),
)

follow_ups = sa.Table(
    "view_follow_ups",
    metadata,
    sa.Column("target_id", sa.String(36), primary_key=True),
    sa.Column("item_id", sa.String(36), nullable=False, index=True),
    sa.Column("subgroup", sa.String(64), nullable=False),
    sa.Column("item_title", sa.Text, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("due", sa.Date, nullable=False, index=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("owner", sa.Text),
    sa.Column("owner_email", sa.Text),
    sa.Column("status", sa.String(32), nullable=False),
)

audit_streams = sa.Table(
    "view_audit_streams",
    metadata,
    sa.Column("stream_id", sa.String(36), primary_key=True),
    sa.Column("subgroup", sa.String(64)),
)

audit_trail = sa.Table(
    "view_audit_trail",
    metadata,
    sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("stream_id", sa.String(36), nullable=False),
    sa.Column("stream_type", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
    sa.Column("actor_id", sa.String(64), nullable=False),
    sa.Column("actor_name", sa.Text, nullable=False),
    sa.Column("actor_role", sa.String(32), nullable=False),
    sa.Column("subgroup", sa.String(64)),
    sa.Column("data", Json, nullable=False),
    sa.Index("ix_audit_stream", "stream_id", "version"),
    sa.Index("ix_audit_subgroup", "subgroup", "position"),
    sa.Index("ix_audit_actor", "actor_id", "position"),
    sa.Index("ix_audit_type", "type", "position"),
    sa.Index("ix_audit_recorded_at", "recorded_at"),
)

case_reviews = sa.Table(
    "view_case_reviews",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("case_reference", sa.Text, nullable=False, index=True),
    sa.Column("status", sa.String(32), nullable=False, index=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("doc", Json, nullable=False),
)

review_clocks = sa.Table(
    "view_review_clocks",
    metadata,
    sa.Column("review_id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("case_reference", sa.Text, nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("due", sa.Date, nullable=False, index=True),
    sa.Column("met_on", sa.Date),
)

audits = sa.Table(
    "view_audits",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("reporting_year", sa.Integer, nullable=False, index=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("doc", Json, nullable=False),
)


OPEN_END = date(9999, 12, 31)


def versions_table(name: str) -> sa.Table:
    """Every version of a view's documents, with the log positions it held between, so a
    report can read the views as they stood at any position (issue 5: reports "as at")."""
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("position", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("valid_to", sa.BigInteger),
        sa.Column("created_on", sa.Date, nullable=False),
        # The last day this version describes something open: its subject's closing day, or
        # the day a later version replaced it; OPEN_END while neither. A year's report reads
        # only versions alive in the year, however long the history before it.
        sa.Column("until_on", sa.Date, nullable=False),
        sa.Column("doc", Json, nullable=False),
        sa.Index(f"ix_{name}_until", "until_on", "created_on"),
    )


item_versions = versions_table("view_item_versions")
case_review_versions = versions_table("view_case_review_versions")
audit_versions = versions_table("view_audit_versions")
