"""Rendering pages, who is visiting, and the errors a page answers with (GOV.UK error pages)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import uuid4

import structlog
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from adapters.handle import Learnloop
from adapters.http.edge import note_actor
from adapters.sessions import COOKIE, SIGN_IN_COOKIE, Session, Sessions
from adapters.web import text
from domain import access
from domain.actor import Actor
from domain.errors import UnknownPart
from services.errors import Forbidden, NotFound

TEMPLATES = Path(__file__).parent / "templates"
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
}


class WebError(Exception):
    """A page that answers with an error: 403, 404, 409..."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


class SignInRequired(Exception):
    def __init__(self, next_path: str, expired: bool) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.expired = expired


@dataclass
class Visit:
    """A signed-in user's request: the app, their session and who they are."""

    ll: Learnloop
    session: Session
    actor: Actor

    @property
    def today(self) -> Any:
        return self.ll.learning.today()

    def hidden(self) -> frozenset[str]:
        return access.hidden_subgroups(self.actor, self.ll.framework.subgroups)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(text.FILTERS)
    env.globals["new_form_id"] = lambda: uuid4().hex
    return env


def sessions(request: Request) -> Sessions:
    ll: Learnloop = request.app.state.learnloop
    return ll.web_sessions


def session_of(request: Request) -> Session | None:
    return sessions(request).find(request.cookies.get(COOKIE))


def visit(request: Request) -> Visit:
    """The signed-in visitor, or a redirect to sign in (their session ended or never began)."""
    ll: Learnloop = request.app.state.learnloop
    session = session_of(request)
    actor = _actor(ll, session)
    if session is None or actor is None:
        target = request.url.path if request.method == "GET" else "/"
        raise SignInRequired(target, expired=COOKIE in request.cookies)
    structlog.contextvars.bind_contextvars(actor_id=actor.id, actor_role=actor.role)
    note_actor(request.scope, actor)  # the edge's log line of this request names them too
    if not access.may_read_learning(actor):
        raise WebError(403, "You cannot use these pages", f"An {actor.role} reads no learning.")
    return Visit(ll, session, actor)


def _actor(ll: Learnloop, session: Session | None) -> Actor | None:
    return (
        ll.users.authenticate_hash(session.token_hash) if session and session.token_hash else None
    )


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    v: Visit | None = context.pop("visit", None)
    session = v.session if v else context.pop("session", None)
    flash = sessions(request).take_flash(session) if session else []
    page = (
        environment()
        .get_template(name)
        .render(
            request_path=request.url.path,
            actor=v.actor if v else None,
            csrf=context.pop("csrf", None) or (session.csrf if session else ""),
            flash=flash,
            **context,
        )
    )
    return HTMLResponse(page, status_code=status, headers=HEADERS)


def set_cookie(
    request: Request, response: Response, session: Session | None, sign_in: str | None = None
) -> None:
    """The session's cookie; or, before sign-in, the signed nonce of the sign-in form."""
    name, value = (
        (COOKIE, sessions(request).cookie_value(session))
        if session
        else (
            SIGN_IN_COOKIE,
            sign_in or "",
        )
    )
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


@contextmanager
def page_errors() -> Iterator[None]:
    """The services' refusals that end the page: unknown ids (404) and roles (403)."""
    try:
        yield
    except (NotFound, UnknownPart) as exc:
        raise WebError(404, "Page not found", str(exc).capitalize()) from None
    except Forbidden as exc:
        raise WebError(403, "You cannot do this", str(exc).capitalize()) from None


def error_page(request: Request, exc: WebError) -> HTMLResponse:
    session = session_of(request)
    ll: Learnloop = request.app.state.learnloop
    actor = _actor(ll, session)
    v = Visit(ll, session, actor) if session and actor else None
    return render(
        request, "error.html", exc.status, visit=v, session=session, title=exc.title, error=exc
    )


def to_sign_in(_: Request, exc: SignInRequired) -> RedirectResponse:
    query = f"?next={quote(exc.next_path)}" + ("&expired=1" if exc.expired else "")
    return RedirectResponse("/sign-in" + query, status_code=303, headers=HEADERS)
