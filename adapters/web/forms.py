"""Posting a form: CSRF, a one-time form id (a form sent twice records once), refusals.

Each form carries the session's CSRF token and a fresh `form_id`. The form id is claimed in the
API's idempotency table (ADR 0012) under the user's token hash before the service runs: a second
post of the same form finds it done and is sent to the page the first one led to, recording
nothing. A refused form releases its id, so the corrected form can be sent again. Item forms also
carry the item's version (the API's If-Match): a page left open while someone else changed the
item is refused with a clear message.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from adapters.persistence.idempotency import DONE
from adapters.persistence.users import token_hash
from adapters.sessions import csrf_ok
from adapters.web.pages import HEADERS, Visit, WebError, visit
from domain.errors import InvalidField, RuleViolation
from services.errors import VersionMismatch

_FORM_ID = re.compile(r"^[0-9a-f]{32}$")
Refusal = tuple[str | None, str]  # (field, message); no field: the form as a whole
STALE = "Someone changed this record since you opened the page: check it and send the form again"


class Missing(Exception):
    """Required fields left empty: each with the message to show."""

    def __init__(self, found: list[Refusal]) -> None:
        super().__init__("missing fields")
        self.found = found


@dataclass
class Posted:
    visit: Visit
    values: dict[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "").strip()

    def optional(self, name: str) -> str | None:
        return self.get(name) or None

    def require(self, messages: dict[str, str]) -> None:
        """Raises `Missing` naming each empty field, in the form's order."""
        found: list[Refusal] = [(f, m) for f, m in messages.items() if not self.get(f)]
        if found:
            raise Missing(found)

    def version(self) -> frozenset[int] | None:
        raw = self.get("version")
        return frozenset({int(raw)}) if raw.isdigit() else None


async def posted(request: Request, v: Annotated[Visit, Depends(visit)]) -> Posted:
    """The signed-in user's form, once its CSRF token matched (else a 403 page)."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    if not csrf_ok(v.session, values.get("csrf_token")):
        raise WebError(
            403,
            "The form could not be checked",
            "Go back, reload the page and try again. Nothing was recorded.",
        )
    return Posted(v, values)


def refusals(exc: Exception) -> list[Refusal]:
    if isinstance(exc, Missing):
        return exc.found
    if isinstance(exc, ValidationError):
        return [
            (".".join(str(p) for p in e["loc"]) or None, e["msg"].removeprefix("Value error, "))
            for e in exc.errors()
        ]
    if isinstance(exc, InvalidField):
        return [(exc.field, exc.message[:1].upper() + exc.message[1:])]
    if isinstance(exc, RuleViolation):
        return [(None, exc.rule[:1].upper() + exc.rule[1:])]
    if isinstance(exc, VersionMismatch):
        return [(None, STALE)]
    raise exc


def submit(
    form: Posted,
    path: str,
    run: Callable[[], tuple[str, str]],
    refused: Callable[[list[Refusal]], Response],
) -> Response:
    """Runs `run` (-> where to go next, what to tell the user) once per form id."""
    ll, session = form.visit.ll, form.visit.session
    sessions = ll.web_sessions
    form_id = form.get("form_id")
    if not _FORM_ID.match(form_id):
        raise WebError(400, "The form could not be checked", "Reload the page and try again.")
    user, key = session.token_hash or token_hash(""), f"web-form:{form_id}"
    fingerprint = hashlib.sha256(path.encode()).hexdigest()
    earlier = ll.idempotency.claim(user, key, fingerprint, None)
    if earlier is not None:
        headers = dict(earlier.response_headers or [])
        if earlier.fingerprint != fingerprint or earlier.status != DONE:
            raise WebError(409, "This form was already sent", "Reload the page and try again.")
        sessions.flash(session, "That form had already been sent: it was recorded once.")
        return RedirectResponse(headers["location"], status_code=303, headers=HEADERS)
    try:
        location, message = run()
    except (Missing, ValidationError, InvalidField, RuleViolation, VersionMismatch) as exc:
        ll.idempotency.release(user, key)
        return refused(refusals(exc))
    except BaseException:
        ll.idempotency.release(user, key)
        raise
    ll.idempotency.complete(user, key, 303, [["location", location]], b"", None)
    sessions.flash(session, message)
    return RedirectResponse(location, status_code=303, headers=HEADERS)


def field_errors(form_name: str, found: list[Refusal], fields: list[str]) -> dict[str, Any]:
    """The error summary's entries (linked to the inputs) and each input's message."""
    by_field: dict[str, str] = {}
    summary = []
    for field, message in found:
        name = field if field in fields else None
        anchor = f"{form_name}-{(name or fields[0]).replace('.', '-')}"
        summary.append({"href": f"#{anchor}", "text": message})
        if name is not None:
            by_field.setdefault(name, message)
    return {"summary": summary, "fields": by_field, "form": form_name}
