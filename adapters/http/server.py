"""What one connection may cost `learnloop serve` (ADR 0030), where no proxy sits in front.

uvicorn's httptools protocol reads a request's head without bound in size or time. `Guarded`
adds both: a request line over `max_request_line_bytes` is 414 and a head (line and headers)
over `max_header_bytes` is 431, each closing the connection; a head not complete within
`header_timeout_seconds` of its first byte (or of the connection opening) closes it. uvicorn's
own settings do the rest: keep-alive (`timeout_keep_alive`) and concurrent connections
(`limit_concurrency`, 503 beyond). The body's size and time are the edge's (413, 408).
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from adapters.settings import Settings

_STATUS = {414: b"414 URI Too Long", 431: b"431 Request Header Fields Too Large"}


@dataclass(frozen=True)
class HeadLimits:
    max_request_line_bytes: int
    max_header_bytes: int
    header_timeout_seconds: float


class Guarded(HttpToolsProtocol):
    def __init__(self, *args: Any, limits: HeadLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self._in_head = True
        self._head_bytes = 0  # of the request line and headers, as parsed
        self._raw_bytes = 0  # received while in the head (a backstop: one chunk may hold a body)
        self._refusal: int | None = None
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def _await_head(self) -> None:
        self._in_head = True
        self._head_bytes = self._raw_bytes = 0
        self._stop_head_timer()
        self._head_timer = self.loop.call_later(
            self.limits.header_timeout_seconds, self._head_too_slow
        )

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self._in_head and not self.transport.is_closing():
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._refusal is not None:
            return
        if self._in_head:
            self._raw_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._raw_bytes > 4 * self.limits.max_header_bytes + 65536:
            self._refusal = 431
        if self._refusal is not None:
            self._refuse(self._refusal)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_timer is None:  # a keep-alive connection's next request
            self._await_head()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._count(len(url))
        if len(self.url) > self.limits.max_request_line_bytes:
            self._refusal = 414

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        self._count(len(name) + len(value) + 4)

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.limits.max_header_bytes and self._refusal is None:
            self._refusal = 431

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._stop_head_timer()
        if self._refusal is None:
            super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if self._refusal is None:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refusal is None:
            super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._in_head = True  # counting again for the next request on this connection
        self._head_bytes = self._raw_bytes = 0

    def _refuse(self, status: int) -> None:
        self._stop_head_timer()
        if self.transport.is_closing():
            return
        self.transport.write(
            b"HTTP/1.1 " + _STATUS[status] + b"\r\n"
            b"content-type: text/plain; charset=utf-8\r\ncontent-length: 0\r\n"
            b"connection: close\r\n\r\n"
        )
        self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of `uvicorn.run` that bound a connection, from the settings."""
    limits = HeadLimits(
        settings.max_request_line_bytes,
        settings.max_header_bytes,
        settings.header_timeout_seconds,
    )
    return {
        "http": functools.partial(Guarded, limits=limits),
        "timeout_keep_alive": settings.keep_alive_seconds,
        "limit_concurrency": settings.max_connections,
        "proxy_headers": False,  # the edge reads X-Forwarded-* from trusted proxies only
        "h11_max_incomplete_event_size": settings.max_header_bytes,
    }
