"""The framework: subgroups with their lists, agencies, and each subgroup's loop board."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from adapters.http.auth import App, CurrentActor, Reader, check_subgroup_readable
from adapters.http.params import AsOf, as_of_moment, stood
from domain.framework import Option, Subgroup
from domain.loop import local_date
from services.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["framework"])


def _options(options: tuple[Option, ...]) -> list[dict[str, str]]:
    return [{"slug": o.slug, "label": o.label} for o in options]


def _subgroup(s: Subgroup) -> dict[str, Any]:
    return {
        "slug": s.slug,
        "name": s.name,
        "scope": s.scope,
        "restricted": s.restricted,
        "identification_sources": _options(s.identification_sources),
        "means_of_improvement": _options(s.means_of_improvement),
        "measures_of_effectiveness": _options(s.measures_of_effectiveness),
    }


# The framework is in memory: these answer on the event loop, with no thread-pool hop (ADR 0030).
@router.get("/subgroups")
async def subgroups(ll: App, _: CurrentActor) -> list[dict[str, Any]]:
    return [_subgroup(s) for s in ll.framework.subgroups]


@router.get("/agencies")
async def agencies(ll: App, _: CurrentActor) -> list[dict[str, str]]:
    return [{"slug": a.slug, "name": a.name} for a in ll.framework.agencies]


@router.get("/subgroups/{slug}/loop")
def loop_board(slug: str, ll: App, reader: Reader, as_of: AsOf = None) -> dict[str, Any]:
    """403 for a restricted subgroup the reader is not a member of. With `as_of`, the board as
    recorded by then, rated on that moment's local date."""
    if not ll.framework.has_subgroup(slug):
        raise NotFound("subgroup", slug)
    check_subgroup_readable(ll, reader, slug)
    moment = as_of_moment(as_of)
    if moment is None:
        return ll.read_models.loop_board(slug, ll.learning.today())
    today = local_date(moment, ll.framework.timezone)
    return stood(ll.read_models.loop_board(slug, today, as_of=moment), moment)
