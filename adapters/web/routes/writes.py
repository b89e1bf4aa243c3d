"""The item forms: each calls the service the API calls; a refusal shows the page again with an
error summary and what the user typed, and records nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from adapters.http.schemas import items as schemas
from adapters.web.forms import Posted, field_errors, posted, submit
from adapters.web.pages import page_errors
from adapters.web.routes.items import item_id, item_page

router = APIRouter()
Form = Annotated[Posted, Depends(posted)]


def command(
    request: Request,
    form: Posted,
    raw_id: str,
    name: str,
    fields: list[str],
    required: dict[str, str],
    act: Callable[[UUID], Any],
    message: str,
) -> Response:
    uid = item_id(raw_id)

    def run() -> tuple[str, str]:
        form.require(required)
        with page_errors():
            act(uid)
        return f"/items/{uid}", message

    def refused(found: list[tuple[str | None, str]]) -> Response:
        errors = field_errors(name, found, fields)
        values = {name: form.values}
        return item_page(request, form.visit, raw_id, errors=errors, values=values, status=400)

    return submit(form, request.url.path, run, refused)


@router.post("/items/{raw_id}/actions")
def choose_means(request: Request, raw_id: str, f: Form) -> Response:
    def act(uid: UUID) -> None:
        body = schemas.NewAction(
            means=f.get("means"),
            description=f.get("description"),
            owner=f.get("owner"),
            due=f.get("due"),
            owner_email=f.optional("owner_email"),
        )
        f.visit.ll.learning.choose_means(uid, f.visit.actor, body.to_command(), f.version())

    required = {
        "means": "Select a means of improvement",
        "description": "Enter what will be done",
        "owner": "Enter who owns the action",
        "due": "Enter the date the action is due",
    }
    fields = [*required, "owner_email"]
    return command(request, f, raw_id, "action", fields, required, act, "Action added")


@router.post("/items/{raw_id}/actions/{action_id}/progress")
def report_progress(request: Request, raw_id: str, action_id: str, f: Form) -> Response:
    def act(uid: UUID) -> None:
        body = schemas.ProgressUpdate(status=f.get("status"), note=f.get("note"))
        command = body.to_command(action_id)
        f.visit.ll.learning.report_progress(uid, f.visit.actor, command, f.version())

    required = {"status": "Select how the action is going"}
    name = f"progress-{action_id}"
    return command(request, f, raw_id, name, ["status", "note"], required, act, "Progress recorded")


@router.post("/items/{raw_id}/measures")
def define_measure(request: Request, raw_id: str, f: Form) -> Response:
    def act(uid: UUID) -> None:
        body = schemas.NewMeasure(
            kind=f.get("kind"), description=f.get("description"), review_due=f.get("review_due")
        )
        f.visit.ll.learning.define_measure(uid, f.visit.actor, body.to_command(), f.version())

    required = {
        "kind": "Select a measure of effectiveness",
        "description": "Enter what will show whether practice changed",
        "review_due": "Enter the date of the review",
    }
    return command(request, f, raw_id, "measure", [*required], required, act, "Measure defined")


@router.post("/items/{raw_id}/measures/{measure_id}/evidence")
def record_evidence(request: Request, raw_id: str, measure_id: str, f: Form) -> Response:
    def act(uid: UUID) -> None:
        body = schemas.NewEvidence(
            outcome=f.get("outcome"), summary=f.get("summary"), reference=f.optional("reference")
        )
        command = body.to_command(measure_id)
        f.visit.ll.learning.record_evidence(uid, f.visit.actor, command, f.version())

    required = {"outcome": "Select the outcome", "summary": "Enter what the evidence shows"}
    name, fields = f"evidence-{measure_id}", ["outcome", "summary", "reference"]
    return command(request, f, raw_id, name, fields, required, act, "Evidence recorded")


@router.post("/items/{raw_id}/close")
def close(request: Request, raw_id: str, f: Form) -> Response:
    def act(uid: UUID) -> None:
        body = schemas.Closure(
            summary=f.get("summary"), override_reason=f.optional("override_reason")
        )
        f.visit.ll.learning.close_item(uid, f.visit.actor, body.to_command(), f.version())

    required = {"summary": "Enter why the learning need is met"}
    fields = ["summary", "override_reason"]
    return command(request, f, raw_id, "close", fields, required, act, "Learning item closed")


@router.post("/items/{raw_id}/reopen")
def reopen(request: Request, raw_id: str, f: Form) -> Response:
    def act(uid: UUID) -> None:
        body = schemas.Reopening(reason=f.get("reason"))
        f.visit.ll.learning.reopen_item(uid, f.visit.actor, body.to_command(), f.version())

    required = {"reason": "Enter why the item is reopened"}
    return command(request, f, raw_id, "reopen", ["reason"], required, act, "Item reopened")
