"""What all the views' tables share: their metadata, the schema version and the tracking rows.

Each view's own tables live in its module (`projections/views/`); `projections.registry` imports
them all, so `metadata` then holds every table. Built by `create_all`; dropped and rebuilt by a
rebuild.
"""

from __future__ import annotations

import sqlalchemy as sa

# Bump when a view's tables or folds change: a store built by another version is rebuilt at
# start-up (read models are derived; the event log is never touched).
SCHEMA_VERSION = 11

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
