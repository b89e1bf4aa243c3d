"""What one connection may cost a real `learnloop serve` with nothing in front (ADR 0030): a
request line or head over its limit is refused and the connection closed; a head that never
completes is dropped after the header timeout; keep-alive and concurrency are uvicorn's own."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

from adapters.http.server import Guarded, uvicorn_options
from adapters.settings import Settings


def _exchange(url: str, request: bytes, timeout: float = 10) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        answer = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return answer
            answer += chunk


def test_an_oversized_request_line_or_head_is_refused(
    serve: Callable[..., Any], tmp_path: Any
) -> None:
    server = serve(f"sqlite:///{tmp_path}/learnloop.db", LEARNLOOP_MAX_HEADER_BYTES="4096")
    long_line = b"GET /healthz?" + b"q" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    assert _exchange(server.url, long_line).startswith(b"HTTP/1.1 414")
    big_head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"h" * 5000 + b"\r\n\r\n"
    assert _exchange(server.url, big_head).startswith(b"HTTP/1.1 431")
    fine = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    assert _exchange(server.url, fine).startswith(b"HTTP/1.1 200")


def test_a_head_that_never_completes_is_dropped(serve: Callable[..., Any], tmp_path: Any) -> None:
    server = serve(f"sqlite:///{tmp_path}/learnloop.db", LEARNLOOP_HEADER_TIMEOUT_SECONDS="1")
    started = time.monotonic()
    answer = _exchange(server.url, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", timeout=15)
    assert answer == b""  # closed without an answer
    assert time.monotonic() - started < 10


def test_the_server_options_follow_the_settings() -> None:
    options = uvicorn_options(Settings(keep_alive_seconds=3, max_connections=50))
    assert options["timeout_keep_alive"] == 3 and options["limit_concurrency"] == 50
    assert options["proxy_headers"] is False
    assert options["http"].func is Guarded
    defaults = Settings()
    assert (defaults.max_request_line_bytes, defaults.max_header_bytes) == (8192, 16384)
    assert defaults.header_timeout_seconds == 10 and defaults.body_timeout_seconds == 30
