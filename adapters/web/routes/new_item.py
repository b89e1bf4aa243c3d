"""Recording a learning need: the form for one subgroup, with its identification sources."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from adapters.http.schemas import items as schemas
from adapters.web.forms import Posted, field_errors, posted, submit
from adapters.web.pages import Visit, WebError, page_errors, render, visit
from domain import access
from domain.framework import Subgroup

router = APIRouter()
FIELDS = ["title", "description", "source.kind", "source.reference", "themes"]
REQUIRED = {
    "title": "Enter a short title for the learning need",
    "description": "Enter what was learned",
    "source.kind": "Select where the learning came from",
}


def _writable(v: Visit, slug: str) -> Subgroup:
    if not v.ll.framework.has_subgroup(slug):
        raise WebError(404, "Page not found", f"There is no subgroup '{slug}'.")
    if not access.may_write(v.actor, slug):
        raise WebError(403, "You cannot do this", f"You may not record learning in {slug}.")
    return v.ll.framework.subgroup(slug)


def _page(
    request: Request,
    v: Visit,
    subgroup: Subgroup,
    errors: dict[str, Any] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "new_item.html",
        status,
        visit=v,
        title=f"Record a learning need: {subgroup.name}",
        subgroup=subgroup,
        errors=errors,
        values={"item": values or {}},
    )


@router.get("/subgroups/{slug}/new-item")
def new_item(request: Request, slug: str, v: Annotated[Visit, Depends(visit)]) -> Response:
    return _page(request, v, _writable(v, slug))


@router.post("/subgroups/{slug}/items")
def identify(request: Request, slug: str, f: Annotated[Posted, Depends(posted)]) -> Response:
    subgroup = _writable(f.visit, slug)

    def run() -> tuple[str, str]:
        f.require(REQUIRED)
        themes = [t.strip() for t in f.get("themes").split(",") if t.strip()]
        body = schemas.NewItem(
            subgroup=slug,
            title=f.get("title"),
            description=f.get("description"),
            source=schemas.Source(
                kind=f.get("source.kind"), reference=f.optional("source.reference")
            ),
            themes=themes,
        )
        with page_errors():
            new_id = f.visit.ll.learning.identify(f.visit.actor, body.to_command())
        return f"/items/{new_id}", "Learning need recorded"

    def refused(found: list[tuple[str | None, str]]) -> Response:
        errors = field_errors("item", found, FIELDS)
        return _page(request, f.visit, subgroup, errors, f.values, 400)

    return submit(f, request.url.path, run, refused)
