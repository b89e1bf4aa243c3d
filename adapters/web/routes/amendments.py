"""Correcting an item's title or description, and amending an action's owner or due date: the
history keeps the old values."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from adapters.http.schemas import items as schemas
from adapters.web.forms import Posted, posted
from adapters.web.routes.writes import command

router = APIRouter()
Form = Annotated[Posted, Depends(posted)]


@router.post("/items/{raw_id}/actions/{action_id}/amendments")
def amend_action(request: Request, raw_id: str, action_id: str, f: Form) -> Response:
    def act(uid: UUID) -> None:
        body = schemas.ActionAmendment(
            owner=f.optional("owner"),
            owner_email=f.optional("owner_email"),
            due=f.optional("due"),
            reason=f.get("reason"),
        )
        command = body.to_command(action_id)
        f.visit.ll.learning.amend_action(uid, f.visit.actor, command, f.version())

    required = {"reason": "Enter why the action changes"}
    name, fields = f"amend-{action_id}", ["owner", "owner_email", "due", "reason"]
    return command(request, f, raw_id, name, fields, required, act, "Action changed")


@router.post("/items/{raw_id}/corrections")
def correct(request: Request, raw_id: str, f: Form) -> Response:
    def act(uid: UUID) -> None:
        body = schemas.Correction(
            title=f.optional("title"), description=f.optional("description"), reason=f.get("reason")
        )
        f.visit.ll.learning.correct(uid, f.visit.actor, body.to_command(), f.version())

    required = {"reason": "Enter why the record is corrected"}
    fields = ["title", "description", "reason"]
    return command(request, f, raw_id, "correct", fields, required, act, "Item corrected")
