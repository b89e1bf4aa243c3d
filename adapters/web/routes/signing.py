"""Signing in with the API token once, and signing out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from adapters.sessions import SIGN_IN_COOKIE, csrf_ok
from adapters.web.pages import HEADERS, WebError, render, session_of, sessions, set_cookie

router = APIRouter()
NO_TOKEN = "Enter the API token that `learnloop users add` printed for you"
UNKNOWN = "The token is not recognised: check you copied all of it, or ask your administrator"


def _safe_next(target: str | None) -> str:
    """Only a path of this site: never `//elsewhere` or `https://elsewhere`."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _form(request: Request, error: str | None, status: int = 200) -> Response:
    session = session_of(request)
    nonce, signed = sessions(request).sign_in_nonce() if session is None else (None, None)
    expired = request.query_params.get("expired") == "1"
    response = render(
        request,
        "sign_in.html",
        status,
        session=session,
        csrf=nonce,
        title="Sign in",
        error=error,
        expired=expired and error is None,
        next_path=_safe_next(request.query_params.get("next")),
    )
    set_cookie(request, response, session, signed)
    return response


@router.get("/sign-in")
def sign_in_page(request: Request) -> Response:
    return _form(request, None)


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_sign_in, request, form)  # sessions are database rows


def _sign_in(request: Request, form: FormData) -> Response:
    session = session_of(request)
    sent = form.get("csrf_token")
    cookie = request.cookies.get(SIGN_IN_COOKIE)
    if not (csrf_ok(session, sent) or sessions(request).sign_in_nonce_ok(cookie, sent)):
        return _form(request, "Your session had ended: enter your token again", 400)
    token = str(form.get("token") or "").strip()
    ll = request.app.state.learnloop
    if not token:
        return _form(request, NO_TOKEN, 400)
    if ll.users.authenticate(token) is None:
        return _form(request, UNKNOWN, 400)
    if session is not None:
        sessions(request).end(session)
    signed_in = sessions(request).start(token)  # a new id: no session fixation
    response = RedirectResponse(
        _safe_next(str(form.get("next") or "/")), status_code=303, headers=HEADERS
    )
    set_cookie(request, response, signed_in)
    response.delete_cookie(SIGN_IN_COOKIE, path="/")
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_sign_out, request, form)


def _sign_out(request: Request, form: FormData) -> Response:
    session = session_of(request)
    if session is not None:
        if not csrf_ok(session, form.get("csrf_token")):
            raise WebError(403, "The form could not be checked", "Reload the page and try again.")
        sessions(request).end(session)
    response = RedirectResponse("/sign-in", status_code=303, headers=HEADERS)
    response.delete_cookie("learnloop_session", path="/")
    return response
