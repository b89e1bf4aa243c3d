"""Reminders: every reminder issued, in the order issued, with what became of its delivery."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from adapters.http.auth import App, Reader, hidden_subgroups
from adapters.http.params import MAX_POSITION

router = APIRouter(prefix="/api/v1", tags=["reminders"])


@router.get("/reminders")
def reminders(
    ll: App,
    reader: Reader,
    after: Annotated[
        int, Query(ge=0, le=MAX_POSITION, description="a position from a previous next_after")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    found, next_after = ll.read_models.reminders(after, limit, hidden_subgroups(ll, reader))
    return {"reminders": found, "next_after": next_after}
