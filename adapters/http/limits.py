"""Request limits, as one pure ASGI middleware in front of the routes:

- per-token rate limiting: a token bucket per API token (keyed by the token's SHA-256, never the
  token itself) holding `rate_limit_per_minute` requests and refilling at that rate; an empty
  bucket answers 429 with `Retry-After` (whole seconds until a request is allowed again).
  `rate_limit_per_minute = 0` turns it off. Requests without a bearer token are not counted:
  they are refused with 401 before they reach anything costly.
- request size: a body over `max_body_bytes` answers 413 (by its Content-Length before a byte is
  read, or while it is read when it is sent chunked).

Both answer RFC 9457 problem details. The clock is injectable: the app's clock (a test moves it
and the bucket refills without sleeping); with the system clock, a monotonic clock is used.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.handle import Clock, system_clock
from adapters.http.problems import problem
from adapters.settings import Settings

METHODS_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_BUCKETS = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """One bucket per key, `per_minute` deep, refilled continuously at `per_minute` a minute."""

    def __init__(self, per_minute: int, now: Callable[[], float]) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.now = now
        self.buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """Takes one request from `key`'s bucket: 0 when allowed, else the seconds to wait."""
        now = self.now()
        bucket = self.buckets.get(key)
        if bucket is None:
            if len(self.buckets) >= MAX_BUCKETS:
                self._forget_full(now)
            bucket = self.buckets[key] = _Bucket(self.capacity, now)
        elapsed = max(0.0, now - bucket.updated)  # a clock that steps back refills nothing
        bucket.tokens = min(self.capacity, bucket.tokens + elapsed * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        """Drops the buckets that have refilled (forgetting them changes nothing), and the
        oldest half when that is not enough."""
        for key, bucket in list(self.buckets.items()):
            if bucket.tokens + (now - bucket.updated) * self.rate >= self.capacity:
                del self.buckets[key]
        if len(self.buckets) >= MAX_BUCKETS:  # many unknown tokens: forget the oldest half
            for key in list(self.buckets)[: MAX_BUCKETS // 2]:
                del self.buckets[key]


class _TooLarge(Exception):
    pass


class Limits:
    def __init__(self, app: ASGIApp, settings: Settings, clock: Clock | None = None) -> None:
        self.app = app
        self.max_body_bytes = settings.max_body_bytes
        now: Callable[[], float]
        if clock is None or clock is system_clock:
            now = time.monotonic
        else:
            now = lambda: clock().timestamp()  # noqa: E731
        per_minute = settings.rate_limit_per_minute
        self.buckets = TokenBuckets(per_minute, now) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if self.buckets is not None:
            token = _bearer(headers.get(b"authorization", b""))
            if token is not None:
                wait = self.buckets.take(hashlib.sha256(token).hexdigest())
                if wait > 0:
                    seconds = max(1, math.ceil(wait))
                    detail = f"too many requests with this token; retry after {seconds} s"
                    response = problem(
                        429, "Too many requests", detail, headers={"Retry-After": str(seconds)}
                    )
                    await response(scope, receive, send)
                    return
        if scope["method"] in METHODS_WITH_BODY:
            try:
                receive = await self._bounded_body(headers, receive)
            except _TooLarge:
                detail = f"the request body is larger than {self.max_body_bytes} bytes"
                await problem(413, "Content too large", detail)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _bounded_body(self, headers: dict[bytes, bytes], receive: Receive) -> Receive:
        """Reads the whole body (at most `max_body_bytes`) and hands back a receive that
        replays it; raises _TooLarge as soon as it is known to be over."""
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            raise _TooLarge
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                raise _TooLarge
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            return await receive()

        return replay


def _bearer(value: bytes) -> bytes | None:
    scheme, _, token = value.partition(b" ")
    token = token.strip()
    return token if scheme.lower() == b"bearer" and token else None
