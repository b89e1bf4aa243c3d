"""`Idempotency-Key` on POST (IETF httpapi idempotency-key-header draft).

The same key and request from the same user replays the first response (`Idempotent-Replayed:
true`) and records nothing new; the same key with another request is 422; while the first is
still running, 409. The user is the SHA-256 of the bearer token; the request's fingerprint is the
SHA-256 of its method, path, query, If-Match and body. A response below 500 is kept (a refusal is
deterministic and replays too); after a 5xx or a crash the key is released so a retry runs again.
The edge (ADR 0030) calls `run` only once the caller is authenticated: an unauthenticated request
is refused before anything is written for it.
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


INVALID = (
    "Idempotency-Key: one key of 1 to 255 printable ASCII characters",
    [{"field": "Idempotency-Key", "message": "1 to 255 printable ASCII characters"}],
)


def given_key(headers: list[tuple[bytes, bytes]]) -> str | bool | None:
    """False when the request names no key; None when it names a bad one (or two); the key."""
    given = [value for name, value in headers if name == HEADER]
    if not given:
        return False
    return parse_key(given[0]) if len(given) == 1 else None


async def run(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    key: str,
    user_hash: str,
    body: bytes,
) -> None:
    """Runs an authenticated POST under its key; `receive` replays `body`, already read."""
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
        await app(scope, receive, capture)
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
