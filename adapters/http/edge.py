"""The HTTP edge: one pure ASGI layer in front of the API and the pages (ADR 0030).

In order, for each request: a request id (the client's `X-Request-ID` when sane) bound to every
log line; the client address and scheme through trusted proxies; exactly one `Authorization`
header (400); for `/api/`, the bearer token authenticated here, before any body is read or
validated (401; an unknown token also spends the client's failed-authentication bucket, and an
empty one is 429 before any lookup); the rate limit, per user when authenticated, per client
address otherwise (429 with `Retry-After`); the body read whole within its size and time limits
(413, 408); a POST with `Idempotency-Key` from an authenticated user run under its key (ADR 0012).
Every answer gets the security headers and the request id; HEAD is served as GET without a body;
a 405 lists every method the path allows. One log line per request names the actor when known.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections import OrderedDict
from typing import Any

import structlog
from starlette.concurrency import run_in_threadpool
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.handle import Clock
from adapters.http import idempotency, limits
from adapters.http.forwarded import Forwarded, parse_networks
from adapters.http.methods import allowed
from adapters.http.problems import problem
from adapters.http.security_headers import SecurityHeaders
from adapters.sessions import COOKIE
from adapters.settings import Settings
from domain.actor import Actor

ACTOR = "learnloop.actor"  # the scope key naming the authenticated actor, for routes and the log
log = structlog.get_logger("learnloop.http")
METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UNLIMITED = ("/assets/", "/healthz")  # static files and the load balancer's probe
# What takes seconds to build: reports (every format), exports, the inspection pack, PDFs.
RENDERS = ("/api/v1/reports/", "/api/v1/exports/", "/api/v1/inspection-pack", "/reports/annual.")
UNAUTHENTICATED = {"WWW-Authenticate": 'Bearer realm="learnloop"'}


def _request_id(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == b"x-request-id" and 1 <= len(value) <= 64:
            text = value.decode("latin-1")
            if all(c.isascii() and (c.isalnum() or c in "._-") for c in text):
                return text
    return uuid.uuid4().hex


def note_actor(scope: Scope, actor: Actor) -> None:
    """Names the request's actor for its log line (the pages find theirs in a thread)."""
    scope[ACTOR] = actor


class Edge:
    def __init__(self, app: ASGIApp, settings: Settings, clock: Clock | None, policy: str) -> None:
        self.app = app
        self.settings = settings
        now = limits.monotonic_of(clock)
        self.users = limits.buckets(settings.rate_limit_per_minute, now)
        self.anonymous = limits.buckets(settings.anonymous_rate_limit_per_minute, now)
        self.failures = limits.buckets(settings.auth_failures_per_minute, now)
        self.renders = limits.buckets(settings.renders_per_minute, now)
        self.rendering = 0  # renders under way in this process (one event loop: no lock)
        self.forwarded = Forwarded(parse_networks(settings.trusted_proxies))
        self.headers = SecurityHeaders(policy)
        self.https_only = settings.public_url.startswith("https://")
        self.known: OrderedDict[str, None] = OrderedDict()  # SHA-256 of tokens found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        request_id = _request_id(headers)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        host, port = scope.get("client") or (None, 0)
        host, scheme = self.forwarded.resolve(host, scope.get("scheme", "http"), headers)
        scope["client"] = (host, port) if host else None
        scope["scheme"] = scheme
        method = scope["method"]
        head = method == "HEAD"
        if head:
            scope["method"] = "GET"
        sent: dict[str, Any] = {"status": 500}
        https = scheme == "https" or self.https_only

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent["status"] = status = message["status"]
                out = list(message.get("headers", []))
                if status == 405:
                    out = [(n, v) for n, v in out if n.lower() != b"allow"]
                    out.append((b"allow", allowed(scope).encode()))
                out.append((b"x-request-id", request_id.encode()))
                self.headers.add(scope["path"], https, out)
                message = {**message, "headers": out}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            await self._serve(scope, receive, answer)
        finally:
            actor: Actor | None = scope.get(ACTOR)
            log.info(
                "request",
                method=method,
                path=scope["path"],
                status=sent["status"],
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                **({"actor_id": actor.id, "actor_role": actor.role} if actor else {}),
            )
            structlog.contextvars.clear_contextvars()

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        given = [value for name, value in headers if name == b"authorization"]
        if len(given) > 1:
            detail = "send exactly one Authorization header"
            await problem(400, "Bad request", detail)(scope, receive, send)
            return
        api = scope["path"].startswith("/api/")
        client = (scope.get("client") or ("unknown", 0))[0]
        token: str | None = None
        if api and given:
            token = _bearer(given[0])
            refusal = await self._authenticate(scope, token, client)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        elif api and scope["method"] in METHODS_WITH_BODY:
            await _unauthenticated("an Authorization: Bearer token is required")(
                scope, receive, send
            )
            return
        actor: Actor | None = scope.get(ACTOR)
        if not scope["path"].startswith(UNLIMITED):
            wait = self._spend(scope, actor, client)
            if wait > 0:
                await _too_many(wait, "requests")(scope, receive, send)
                return
        if _is_render(scope):
            await self._render(scope, receive, send, actor, client)
            return
        if scope["method"] not in METHODS_WITH_BODY:
            await self.app(scope, receive, send)
            return
        key = idempotency.given_key(headers)
        if key is None:
            await problem(422, "Invalid request", *idempotency.INVALID)(scope, receive, send)
            return
        try:
            body, receive = await limits.read_body(
                headers,
                receive,
                self.settings.max_body_bytes,
                self.settings.body_timeout_seconds,
            )
        except limits.TooLarge:
            detail = f"the request body is larger than {self.settings.max_body_bytes} bytes"
            await problem(413, "Content too large", detail)(scope, receive, send)
            return
        except limits.TooSlow:
            detail = f"the request body took over {self.settings.body_timeout_seconds} s"
            response = problem(408, "Request timeout", detail, headers={"Connection": "close"})
            await response(scope, receive, send)
            return
        if isinstance(key, str) and token is not None and scope["method"] == "POST":
            user_hash = hashlib.sha256(token.encode()).hexdigest()
            await idempotency.run(self.app, scope, receive, send, key, user_hash, body)
            return
        await self.app(scope, receive, send)

    async def _authenticate(self, scope: Scope, token: str | None, client: str) -> Any:
        """None once the actor is in the scope; else the refusal to send."""
        if token is None:
            return _unauthenticated("an Authorization: Bearer token is required")
        ll = scope["app"].state.learnloop
        actor = ll.users.recently_authenticated(token)
        if actor is None:
            digest = hashlib.sha256(token.encode()).hexdigest()
            throttled = self.failures is not None and digest not in self.known
            if throttled and (wait := self.failures.wait(client)) > 0:  # type: ignore[union-attr]
                return _too_many(wait, "failed authentications from this address")
            actor = await run_in_threadpool(ll.users.authenticate, token)
            if actor is None:
                if self.failures is not None:
                    self.failures.take(client)
                return _unauthenticated("the token is not recognised")
            self._remember(digest)
        note_actor(scope, actor)
        structlog.contextvars.bind_contextvars(actor_id=actor.id, actor_role=actor.role)
        return None

    async def _render(
        self, scope: Scope, receive: Receive, send: Send, actor: Actor | None, client: str
    ) -> None:
        """A report or export: `renders_per_minute` built per user (or page session, or
        address), and at most
        `max_concurrent_renders` at once in this process (503 beyond: try again shortly)."""
        key = f"u:{actor.id}" if actor else (_session_key(scope) or f"a:{client}")
        if self.renders is not None and (wait := self.renders.wait(key)) > 0:
            await _too_many(wait, "reports and exports")(scope, receive, send)
            return
        if self.rendering >= self.settings.max_concurrent_renders:
            detail = "the server is building other reports; retry in a few seconds"
            busy = problem(503, "Busy", detail, headers={"Retry-After": "5"})
            await busy(scope, receive, send)
            return
        status: list[int] = []

        async def sent(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        self.rendering += 1
        try:
            await self.app(scope, receive, sent)
        finally:
            self.rendering -= 1
            if self.renders is not None and status and status[0] < 400:
                self.renders.take(key)  # a refusal (401, 404, 422) built nothing

    def _remember(self, digest: str) -> None:
        """A token found once is not held up by its address's failed authentications (a
        neighbour guessing tokens must not lock a user out); it is still looked up."""
        self.known[digest] = None
        self.known.move_to_end(digest)
        if len(self.known) > limits.MAX_BUCKETS:
            self.known.popitem(last=False)

    def _spend(self, scope: Scope, actor: Actor | None, client: str) -> float:
        """Per user; a page with a signed session cookie per session, as a user is (many
        people may share one address); anyone else per address."""
        key = f"u:{actor.id}" if actor is not None else _session_key(scope)
        if key is not None:
            return self.users.take(key) if self.users is not None else 0.0
        return self.anonymous.take(client) if self.anonymous is not None else 0.0


def _session_key(scope: Scope) -> str | None:
    if scope["path"].startswith("/api/"):
        return None
    cookie = next((v for n, v in scope["headers"] if n == b"cookie"), None)
    if cookie is None or COOKIE.encode() not in cookie:
        return None
    value = cookie_parser(cookie.decode("latin-1")).get(COOKIE)
    key = scope["app"].state.learnloop.web_sessions.signed_key(value)
    return f"s:{key}" if key else None


def _is_render(scope: Scope) -> bool:
    return scope["method"] == "GET" and scope["path"].startswith(RENDERS)


def _bearer(value: bytes) -> str | None:
    scheme, _, token = value.decode("latin-1").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _unauthenticated(detail: str) -> Any:
    return problem(401, "Unauthenticated", detail, headers=UNAUTHENTICATED)


def _too_many(wait: float, what: str) -> Any:
    seconds = limits.retry_after(wait)
    detail = f"too many {what}; retry after {seconds} s"
    return problem(429, "Too many requests", detail, headers={"Retry-After": str(seconds)})
