"""What one caller may spend, for the HTTP edge (`adapters/http/edge.py`, ADR 0030):

- token buckets, one per key (a user, or a client address for anonymous calls and for failed
  authentications), `per_minute` deep and refilling at that rate; an empty bucket tells how long
  to wait (the edge answers 429 with `Retry-After` in whole seconds);
- the request body, read whole up to `max_bytes` (413 beyond, by its Content-Length before a byte
  is read, or while it is read when chunked) and within `timeout` seconds (408 beyond).

The clock is injectable: the app's clock (a test moves it and the bucket refills without
sleeping); with the system clock, a monotonic clock is used.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from starlette.types import Message, Receive

from adapters.handle import Clock, system_clock

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

    def wait(self, key: str) -> float:
        """The seconds until `key` may spend again (0 when it may now), spending nothing."""
        bucket = self.buckets.get(key)
        if bucket is None:
            return 0.0
        tokens = bucket.tokens + max(0.0, self.now() - bucket.updated) * self.rate
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        """Drops the buckets that have refilled (forgetting them changes nothing), and the
        oldest half when that is not enough."""
        for key, bucket in list(self.buckets.items()):
            if bucket.tokens + (now - bucket.updated) * self.rate >= self.capacity:
                del self.buckets[key]
        if len(self.buckets) >= MAX_BUCKETS:  # many unknown tokens: forget the oldest half
            for key in list(self.buckets)[: MAX_BUCKETS // 2]:
                del self.buckets[key]


def monotonic_of(clock: Clock | None) -> Callable[[], float]:
    """Seconds from the app's clock when a test injected one, else `time.monotonic`."""
    if clock is None or clock is system_clock:
        return time.monotonic
    return lambda: clock().timestamp()


def buckets(per_minute: int, now: Callable[[], float]) -> TokenBuckets | None:
    """The buckets at `per_minute`, or None when 0 turns the limit off."""
    return TokenBuckets(per_minute, now) if per_minute > 0 else None


def retry_after(wait: float) -> int:
    return max(1, math.ceil(wait))


class TooLarge(Exception):
    pass


class TooSlow(Exception):
    pass


async def read_body(
    headers: list[tuple[bytes, bytes]], receive: Receive, max_bytes: int, timeout: float
) -> tuple[bytes, Receive]:
    """The whole body (raises TooLarge or TooSlow), and a receive that replays it."""
    length = next((value for name, value in headers if name == b"content-length"), None)
    if length is not None and length.isdigit() and int(length) > max_bytes:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    other: list[Message] = []
    try:
        with anyio.fail_after(timeout):
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    other.append(message)  # a disconnect: the app sees it after the body
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
    except TimeoutError:
        raise TooSlow from None
    body = b"".join(chunks)
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}, *other]

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return body, replay
