"""The HTTP edge (ADR 0030): what an outside security test found (issue 16), one case each.

Authorization is counted and authenticated before anything else; the limiter keys on the user, or
on the client address when there is none; failed authentications are throttled per address;
nothing is written for an unauthenticated request; every answer carries the security headers;
HEAD works where GET does and a 405 names every method its path allows.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
import sqlalchemy as sa
import structlog
from fastapi.testclient import TestClient

from adapters.bootstrap import Learnloop
from adapters.http.app import create_app
from adapters.logging import configure_logging
from adapters.persistence.idempotency import idempotency_keys
from adapters.persistence.web_sessions import web_sessions
from adapters.settings import Settings

BASE = "/api/v1"
ITEMS = f"{BASE}/learning-items"
SUBGROUPS = f"{BASE}/subgroups"
PROBLEM = "application/problem+json"
PROXY = ("127.0.0.1", 40000)  # a trusted proxy by default
ELSEWHERE = ("203.0.113.9", 40000)


@pytest.fixture
def settings(api_database_url: str) -> Settings:
    return Settings(
        database_url=api_database_url,
        rate_limit_per_minute=6,
        anonymous_rate_limit_per_minute=4,
        auth_failures_per_minute=2,
    )


@pytest.fixture
def edge(settings: Settings, clock: Any, learnloop: Learnloop) -> Iterator[Any]:
    """`edge(address)`: a client whose requests come from `address` (host, port)."""
    app = create_app(settings, clock, learnloop=learnloop, run_scheduler=False)
    opened: list[TestClient] = []

    def at(address: tuple[str, int], **kwargs: Any) -> TestClient:
        client = TestClient(app, client=address, **kwargs)
        client.__enter__()
        opened.append(client)
        return client

    yield at
    for client in opened:
        client.__exit__(None, None, None)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def rows(ll: Learnloop, table: sa.Table) -> int:
    with ll.idempotency.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def item() -> dict[str, Any]:
    return {
        "subgroup": "serious-case-review",
        "title": "Agencies missed the signs",
        "description": "Referrals were not shared",
        "source": {"kind": "local_serious_case_review"},
    }


# 1. One Authorization header; the limiter's key; failed authentications


def test_a_second_authorization_header_is_400(edge: Any, contributor: str) -> None:
    client = edge(ELSEWHERE)
    headers = [("Authorization", f"Bearer {contributor}"), ("Authorization", "Bearer decoy")]
    for _ in range(8):  # past the limit of 6: none of them is served
        response = client.get(SUBGROUPS, headers=headers)
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
    assert client.get(SUBGROUPS, headers=auth(contributor)).status_code == 200


def test_the_limit_follows_the_user_not_the_address(
    edge: Any, contributor: str, inspector: str
) -> None:
    first, second = edge(("198.51.100.1", 1)), edge(("198.51.100.2", 1))
    for client in (first, second, first, second, first, second):
        assert client.get(SUBGROUPS, headers=auth(contributor)).status_code == 200
    refused = second.get(SUBGROUPS, headers=auth(contributor))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert first.get(SUBGROUPS, headers=auth(inspector)).status_code == 200


def test_anonymous_calls_are_limited_per_address(edge: Any, clock: Any) -> None:
    flood, other = edge(ELSEWHERE), edge(("198.51.100.7", 1))
    assert [flood.get(ITEMS).status_code for _ in range(4)] == [401] * 4
    refused = flood.get(ITEMS)
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["Retry-After"]) == 15  # four a minute
    assert other.get(ITEMS).status_code == 401
    clock.advance(seconds=15)
    assert flood.get(ITEMS).status_code == 401


def test_failed_authentications_are_throttled_per_address(
    edge: Any, clock: Any, contributor: str, inspector: str
) -> None:
    client = edge(ELSEWHERE)
    assert client.get(SUBGROUPS, headers=auth(contributor)).status_code == 200
    assert [client.get(SUBGROUPS, headers=auth(f"guess-{n}")).status_code for n in range(2)] == [
        401,
        401,
    ]
    refused = client.get(SUBGROUPS, headers=auth("guess-3"))
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "30"
    # a token already found is still served, after its memory expired too; another address
    # may still try
    assert client.get(SUBGROUPS, headers=auth(contributor)).status_code == 200
    clock.advance(seconds=6)
    assert client.get(SUBGROUPS, headers=auth(contributor)).status_code == 200
    assert client.get(SUBGROUPS, headers=auth("guess-5")).status_code == 429
    assert edge(("198.51.100.8", 1)).get(SUBGROUPS, headers=auth(inspector)).status_code == 200
    clock.advance(seconds=24)
    assert client.get(SUBGROUPS, headers=auth("guess-4")).status_code == 401


# 2. Nothing written for an unauthenticated request


def test_an_unknown_token_with_an_idempotency_key_stores_nothing(
    edge: Any, learnloop: Learnloop
) -> None:
    client = edge(ELSEWHERE)
    for n in range(2):
        headers = {**auth("not-a-token"), "Idempotency-Key": f"key-{n}"}
        assert client.post(ITEMS, json=item(), headers=headers).status_code == 401
    assert client.post(ITEMS, json=item(), headers={"Idempotency-Key": "k"}).status_code == 401
    assert rows(learnloop, idempotency_keys) == 0


def test_the_sign_in_page_stores_no_row_per_visitor(edge: Any, learnloop: Learnloop) -> None:
    for n in range(3):
        page = edge((f"198.51.100.{20 + n}", 1)).get("/sign-in")
        assert page.status_code == 200 and 'name="csrf_token"' in page.text
    assert rows(learnloop, web_sessions) == 0


# 6. Authentication before validation


@pytest.mark.parametrize("body", [b'{"subgroup": ', b"not json", b'{"unknown": 1}'])
def test_no_token_is_401_before_the_body_is_looked_at(edge: Any, body: bytes) -> None:
    response = edge(ELSEWHERE).post(
        ITEMS, content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401, response.text
    assert "WWW-Authenticate" in response.headers


def test_malformed_json_names_the_body_not_a_byte_offset(edge: Any, contributor: str) -> None:
    response = edge(ELSEWHERE).post(
        ITEMS,
        content=b'{"subgroup": ',
        headers={**auth(contributor), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body"]


def test_a_422_names_at_most_twenty_errors(edge: Any, contributor: str) -> None:
    body = {**item(), **{f"unknown_{n}": n for n in range(500)}}
    response = edge(ELSEWHERE).post(ITEMS, json=body, headers=auth(contributor))
    assert response.status_code == 422
    problem = response.json()
    assert len(problem["errors"]) == 20
    assert "and 480 more" in problem["detail"]
    assert len(response.content) < 4000


# 7. Security headers


def test_every_answer_carries_the_security_headers(edge: Any, contributor: str) -> None:
    client = edge(ELSEWHERE)
    for response in (
        client.get(SUBGROUPS, headers=auth(contributor)),
        client.get(ITEMS),  # a 401
        client.get("/sign-in"),
        client.get("/healthz"),
    ):
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in headers  # plain HTTP


def test_the_pages_policy_allows_govuk_frontends_inline_scripts_by_hash(edge: Any) -> None:
    policy = edge(ELSEWHERE).get("/sign-in").headers["content-security-policy"]
    script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and script_src.count("'sha256-") == 2


def test_https_through_a_trusted_proxy_gets_hsts_and_a_secure_cookie(edge: Any) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.30"}
    through_proxy = edge(PROXY).get("/sign-in", headers=forwarded)
    assert "max-age=" in through_proxy.headers["strict-transport-security"]
    assert "Secure" in through_proxy.headers["set-cookie"]

    forged = edge(ELSEWHERE).get("/sign-in", headers=forwarded)  # not a trusted proxy
    assert "strict-transport-security" not in forged.headers
    assert "Secure" not in forged.headers["set-cookie"]


def test_a_trusted_proxys_client_is_limited_as_itself(edge: Any) -> None:
    proxy = edge(PROXY)
    for _ in range(4):
        assert proxy.get(ITEMS, headers={"X-Forwarded-For": "198.51.100.40"}).status_code == 401
    assert proxy.get(ITEMS, headers={"X-Forwarded-For": "198.51.100.40"}).status_code == 429
    assert proxy.get(ITEMS, headers={"X-Forwarded-For": "198.51.100.41"}).status_code == 401


# 8. HEAD and 405


def test_head_answers_as_get_does_without_a_body(edge: Any, contributor: str) -> None:
    client = edge(ELSEWHERE)
    response = client.head(SUBGROUPS, headers=auth(contributor))
    assert response.status_code == 200 and response.content == b""
    assert client.head("/healthz").status_code == 200


def test_a_405_lists_every_method_of_its_path(edge: Any, contributor: str) -> None:
    response = edge(ELSEWHERE).put(ITEMS, headers=auth(contributor))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
    assert response.headers["content-type"].startswith(PROBLEM)


# 9. The actor on every log line


def test_a_page_view_logs_its_actor_and_request_id(
    edge: Any, contributor: str, learnloop: Learnloop
) -> None:
    stream = io.StringIO()
    configure_logging("info", stream)
    try:
        client = edge(ELSEWHERE)
        page = client.get("/sign-in")
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        data = {"csrf_token": csrf, "token": contributor, "next": "/"}
        assert client.post("/sign-in", data=data, follow_redirects=False).status_code == 303
        assert client.get("/", headers={"X-Request-ID": "page-1"}).status_code == 200
    finally:
        structlog.reset_defaults()
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    request = [line for line in lines if line.get("event") == "request"][-1]
    assert request["request_id"] == "page-1" and request["path"] == "/"
    actor = learnloop.users.authenticate(contributor)
    assert actor is not None and request["actor_id"] == actor.id


# 3. A body that does not arrive in time


def test_a_body_that_does_not_arrive_in_time_is_408() -> None:
    from adapters.http import limits

    async def stalled() -> Any:
        await anyio.Event().wait()  # a client that sent its head and stopped

    async def read() -> None:
        await limits.read_body([], stalled, max_bytes=1024, timeout=0.01)

    with pytest.raises(limits.TooSlow):
        anyio.run(read)


# 5. Reports and exports: fewer per user, few at once


def test_reports_are_limited_per_user(
    api_database_url: str, clock: Any, learnloop: Learnloop, inspector: str, contributor: str
) -> None:
    settings = Settings(database_url=api_database_url, renders_per_minute=2)
    app = create_app(settings, clock, learnloop=learnloop, run_scheduler=False)
    report = f"{BASE}/reports/annual?year=2026&format=md"
    with TestClient(app) as client:
        for _ in range(2):
            assert client.get(report, headers=auth(inspector)).status_code == 200
        refused = client.get(report, headers=auth(inspector))
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "30"
        assert client.get(SUBGROUPS, headers=auth(inspector)).status_code == 200  # only renders
        assert client.get(report, headers=auth(contributor)).status_code == 200  # per user
        clock.advance(seconds=30)
        assert client.get(report, headers=auth(inspector)).status_code == 200


def test_at_most_n_renders_run_at_once() -> None:
    from adapters.http.edge import Edge

    release = anyio.Event()
    statuses: list[int] = []

    async def slow_report(scope: Any, receive: Any, send: Any) -> None:
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"report"})

    edge = Edge(slow_report, Settings(max_concurrent_renders=2), None, "default-src 'self'")

    async def get(path: str) -> None:
        async def receive() -> Any:
            return {"type": "http.request", "body": b""}

        async def send(message: Any) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        scope = {"type": "http", "method": "GET", "path": path, "headers": [], "client": None}
        await edge(scope, receive, send)

    async def main() -> None:
        async with anyio.create_task_group() as group:
            for n in range(2):
                group.start_soon(get, f"{BASE}/exports/{n}")
            await anyio.wait_all_tasks_blocked()
            await get(f"{BASE}/reports/annual")  # a third while two are under way
            assert statuses == [503]
            release.set()
        assert sorted(statuses) == [200, 200, 503]

    anyio.run(main)


def test_signed_in_pages_are_limited_per_session_not_per_address(
    edge: Any, contributor: str, business_manager: str
) -> None:
    """Two people behind one address: each signed-in session has a bucket of its own."""
    first, second = edge(ELSEWHERE), edge(ELSEWHERE)
    for client, token in ((first, contributor), (second, business_manager)):
        page = client.get("/sign-in")
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        data = {"csrf_token": csrf, "token": token, "next": "/"}
        assert client.post("/sign-in", data=data, follow_redirects=False).status_code == 303
    for _ in range(6):  # past the address's anonymous limit of 4: the user limit of 6 counts
        assert first.get("/").status_code == 200
    assert first.get("/").status_code == 429
    assert second.get("/").status_code == 200


def test_the_openapi_document_declares_the_edges_headers_and_answers(edge: Any) -> None:
    document = edge(ELSEWHERE).get("/openapi.json").json()
    create = document["paths"]["/api/v1/learning-items"]["post"]
    headers = {p["name"] for p in create["parameters"] if p["in"] == "header"}
    assert {"Idempotency-Key", "If-Match"} <= headers
    assert {"400", "401", "408", "413", "422", "429"} <= set(create["responses"])
    assert "X-Request-ID" in create["responses"]["201"]["headers"]
