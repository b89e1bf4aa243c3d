"""Paging of the list endpoints (v1.1 "Limits"): `limit` (at most MAX_LIMIT, the default) and
`after`, the id (or code) of the last row of the previous page; the answer's `next_after` names
the last row of this page when more follow, else null. The order is the list's own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from adapters.http.params import PRINTABLE
from domain.errors import InvalidField

MAX_LIMIT = 500

Limit = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"at most this many rows (at most {MAX_LIMIT})")
]
After = Annotated[
    str | None,
    Query(max_length=128, pattern=PRINTABLE, description="the last id of the previous page"),
]


def page(
    rows: list[dict[str, Any]], after: str | None, limit: int, key: str = "id"
) -> tuple[list[dict[str, Any]], str | None]:
    """The rows after `after` (422 when it names no row of the list), at most `limit`."""
    start = 0
    if after is not None:
        keys = [str(row[key]) for row in rows]
        if after not in keys:
            raise InvalidField("after", f"'{after}' names no row of this list")
        start = keys.index(after) + 1
    chosen = rows[start : start + limit]
    more = start + limit < len(rows)
    return chosen, (str(chosen[-1][key]) if more and chosen else None)
