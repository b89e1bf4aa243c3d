"""Inserting a batch of view rows in one statement, below SQLAlchemy's per-row handling.

A rebuild writes a few rows per event, and SQLAlchemy's executemany spends more per row
(parameter dicts, type processors, json.dumps) than the database does. Here each table's rows go
as tuples in column order: JSON through orjson, other values through the dialect's own bind
processors, so SQLAlchemy reads back exactly what it would have written. SQLite takes one
`executemany`, PostgreSQL one `COPY`, both on the caller's connection inside its transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import orjson
import sqlalchemy as sa

Row = Mapping[str, Any]
Convert = Callable[[Any], Any]
Writer = Callable[[Any, list[list[Any]]], None]
Plan = tuple[Callable[[Row], tuple[Any, ...]], tuple[tuple[int, Convert], ...], Writer]

_writers: dict[tuple[str, sa.Table], Plan] = {}


def dumps(value: Any) -> str:
    """JSON text, as the views store documents (orjson; the stdlib for what orjson refuses,
    such as integers past 64 bits)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


def insert(conn: sa.Connection, table: sa.Table, rows: Sequence[Row]) -> None:
    """Inserts `rows` (every column of `table` by name) in the connection's transaction."""
    if not rows:
        return
    get, converts, write = _writer(conn.dialect, table)
    values = [list(get(row)) for row in rows]
    for i, convert in converts:
        for value in values:
            if value[i] is not None:
                value[i] = convert(value[i])
    write(conn.connection.dbapi_connection, values)


def _writer(dialect: sa.Dialect, table: sa.Table) -> Plan:
    key = (dialect.name, table)
    if key not in _writers:
        names = tuple(c.name for c in table.columns)
        found = ((i, _convert(c, dialect)) for i, c in enumerate(table.columns))
        converts = tuple((i, c) for i, c in found if c is not None)
        quote = dialect.identifier_preparer.quote
        columns = ", ".join(quote(n) for n in names)
        if dialect.name == "postgresql":
            write = _copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN")
        else:
            marks = ", ".join("?" for _ in names)
            write = _executemany(f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})")
        _writers[key] = (itemgetter(*names), converts, write)
    return _writers[key]


def _convert(column: sa.Column[Any], dialect: sa.Dialect) -> Convert | None:
    impl = column.type.dialect_impl(dialect)
    if isinstance(impl, sa.JSON):
        return dumps
    return impl.bind_processor(dialect)


def _executemany(sql: str) -> Writer:
    def write(dbapi_connection: Any, values: list[list[Any]]) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.executemany(sql, values)
        finally:
            cursor.close()

    return write


def _copy(sql: str) -> Writer:
    def write(dbapi_connection: Any, values: list[list[Any]]) -> None:
        with dbapi_connection.cursor() as cursor, cursor.copy(sql) as copy:
            for value in values:
                copy.write_row(value)

    return write
