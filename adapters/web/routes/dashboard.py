"""The dashboard (every visible subgroup's loop at a glance) and one subgroup's loop."""

from __future__ import annotations

import calendar
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from adapters.http.auth import check_subgroup_readable
from adapters.web.pages import Visit, WebError, page_errors, render, visit
from domain import access, loop

router = APIRouter()
PAGE_SIZE = 20
RAGS = ("red", "amber", "green", "complete")
Visitor = Annotated[Visit, Depends(visit)]


def _action_rags(board: dict[str, Any]) -> Counter[str]:
    return Counter(
        a["rag"] for stage in board["stages"].values() for i in stage["items"] for a in i["actions"]
    )


@router.get("/")
def dashboard(request: Request, v: Visitor) -> Response:
    ll, today, hidden = v.ll, v.today, v.hidden()
    loops = []
    for subgroup in ll.framework.subgroups:
        if subgroup.slug in hidden:
            continue
        board = ll.read_models.loop_board(subgroup.slug, today)
        counts = {name: stage["count"] for name, stage in board["stages"].items()}
        loops.append({"subgroup": subgroup, "counts": counts, "rags": _action_rags(board)})
    month_end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    follow_ups = ll.read_models.follow_ups(today, month_end, hidden)
    reviews = [
        r for r in ll.read_models.case_reviews() if any(c["met_on"] is None for c in r["clocks"])
    ]
    return render(
        request,
        "dashboard.html",
        visit=v,
        title="Dashboard",
        loops=loops,
        stages=loop.STAGES,
        rags=RAGS,
        overdue=[f for f in follow_ups if f["overdue"]],
        due=[f for f in follow_ups if not f["overdue"]],
        month=today.strftime("%B %Y"),
        reviews=reviews,
        today=today.isoformat(),
    )


@router.get("/subgroups/{slug}")
def subgroup_loop(
    request: Request,
    slug: str,
    v: Visitor,
    theme: str = "",
    rag: str = "",
    overdue: str = "",
    page: int = 1,
) -> Response:
    ll, today = v.ll, v.today
    if not ll.framework.has_subgroup(slug):
        raise WebError(404, "Page not found", f"There is no subgroup '{slug}'.")
    with page_errors():
        check_subgroup_readable(ll, v.actor, slug)
    items = ll.read_models.items(today, subgroup=slug)
    themes = sorted({t for i in items for t in i["themes"]})
    if overdue:
        late = {i["id"] for i in ll.read_models.items(today, subgroup=slug, overdue=True)}
        items = [i for i in items if i["id"] in late]
    if theme:
        items = [i for i in items if theme in i["themes"]]
    if rag:
        items = [i for i in items if i["rag"] == rag]
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    columns = {name: [i for i in shown if i["stage"] == name] for name in loop.STAGES}
    query = {"theme": theme, "rag": rag, "overdue": overdue}
    return render(
        request,
        "loop.html",
        visit=v,
        title=ll.framework.subgroup(slug).name,
        subgroup=ll.framework.subgroup(slug),
        columns=columns,
        total=len(items),
        themes=themes,
        rags=RAGS,
        filters=query,
        page=page,
        pages=pages,
        may_write=access.may_write(v.actor, slug),
    )
