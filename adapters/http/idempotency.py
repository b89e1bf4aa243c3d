"""`Idempotency-Key` on POST (IETF httpapi idempotency-key-header draft).

The same key and request from the same user replays the first response (`Idempotent-Replayed:
true`) and records nothing new; the same key with another request is 422; while the first is
still running, 409. The user is the SHA-256 of the bearer token; the request's fingerprint is the
SHA-256 of its method, path, query, If-Match and body. A response below 500 is kept (a refusal is
deterministic and replays too); after a 5xx or a crash the key is released so a retry runs again.
A request without a bearer token passes through untouched (it is refused with 401 anyway).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.handle import Learnloop
from adapters.http.problems import problem
from adapters.persistence.idempotency import DONE

HEADER = b"idempotency-key"
REPLAYED = (b"idempotent-replayed", b"true")
# 1-255 printable ASCII characters, neither starting nor ending with a space
_VALID = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$")


def parse_key(raw: bytes) -> str | None:
    """The key from the header value (a bare token or a structured-field string), or None."""
    try:
        value = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        value = re.sub(r"\\([\\\"])", r"\1", value[1:-1])
    return value if _VALID.match(value) else None


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


class Idempotency:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        given = [value for name, value in headers if name == HEADER]
        if not given:
            await self.app(scope, receive, send)
            return
        key = parse_key(given[0]) if len(given) == 1 else None
        if key is None:
            refusal = problem(
                422,
                "Invalid request",
                "Idempotency-Key: one key of 1 to 255 printable ASCII characters",
                [{"field": "Idempotency-Key", "message": "1 to 255 printable ASCII characters"}],
            )
            await refusal(scope, receive, send)
            return
        token = _bearer(headers)
        if token is None:
            await self.app(scope, receive, send)
            return
        await self._run(scope, receive, send, key, hashlib.sha256(token.encode()).hexdigest())

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, key: str, user_hash: str
    ) -> None:
        body, receive = await _buffer(receive)
        fingerprint = _fingerprint(scope, body)
        ll: Learnloop = scope["app"].state.learnloop
        store = ll.idempotency

        def claim() -> Any:
            return store.claim(user_hash, key, fingerprint, ll.log.recorder.max_notification_id())

        recorded = await run_in_threadpool(claim)
        if recorded is not None:
            if recorded.fingerprint != fingerprint:
                refusal = problem(
                    422,
                    "Idempotency-Key reused",
                    "Idempotency-Key reused with another request; use a new key",
                )
            elif recorded.status != DONE:
                refusal = problem(
                    409,
                    "Request in progress",
                    "a request with this Idempotency-Key is still in progress; retry later",
                    headers={"Retry-After": "1"},
                )
            else:
                await _replay(send, recorded.response_status, recorded.response_headers or [])
                await send({"type": "http.response.body", "body": recorded.response_body or b""})
                return
            await refusal(scope, receive, send)
            return

        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started["status"] = message["status"]
                started["headers"] = [
                    [name.decode("latin-1"), value.decode("latin-1")]
                    for name, value in message.get("headers", [])
                ]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(store.release, user_hash, key)
            raise
        status = started.get("status", 500)
        with anyio.CancelScope(shield=True):
            if status >= 500:
                await run_in_threadpool(store.release, user_hash, key)
                return

            def complete() -> None:
                store.complete(
                    user_hash,
                    key,
                    status,
                    started["headers"],
                    b"".join(chunks),
                    ll.log.recorder.max_notification_id(),
                )

            await run_in_threadpool(complete)


async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
    """Reads the whole request body, and a `receive` that hands it to the app again."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return body, replay


def _fingerprint(scope: Scope, body: bytes) -> str:
    if_match = b",".join(v for n, v in scope["headers"] if n == b"if-match")
    digest = hashlib.sha256()
    for part in (
        scope["method"].encode(),
        scope["path"].encode(),
        scope.get("query_string", b""),
        if_match,
        body,
    ):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


async def _replay(send: Send, status: int | None, headers: list[list[str]]) -> None:
    raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    await send({"type": "http.response.start", "status": status, "headers": [*raw, REPLAYED]})
