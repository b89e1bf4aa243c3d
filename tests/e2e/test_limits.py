"""Request limits: a body over `max_body_bytes` is 413; a token that spends its bucket gets 429
with Retry-After, and is served again once the (injected) clock has moved on. Nothing sleeps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.http.app import create_app
from adapters.settings import Settings

BASE = "/api/v1"
ITEMS = f"{BASE}/learning-items"
PROBLEM = "application/problem+json"


@pytest.fixture
def settings(api_database_url: str) -> Settings:
    return Settings(database_url=api_database_url, max_body_bytes=2048, rate_limit_per_minute=6)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def item(description: str) -> dict[str, Any]:
    return {
        "subgroup": "serious-case-review",
        "title": "Agencies missed the signs",
        "description": description,
        "source": {"kind": "local_serious_case_review"},
    }


def test_a_body_over_the_limit_is_413_and_records_nothing(
    client: TestClient, contributor: str, business_manager: str
) -> None:
    response = client.post(ITEMS, json=item("x" * 4096), headers=auth(contributor))
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["status"] == 413
    assert client.get(ITEMS, headers=auth(business_manager)).json()["items"] == []

    response = client.post(ITEMS, json=item("short"), headers=auth(contributor))
    assert response.status_code == 201, response.text


def test_a_chunked_body_over_the_limit_is_413(client: TestClient, contributor: str) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(10):
            yield b"x" * 512

    response = client.post(
        ITEMS, content=chunks(), headers={**auth(contributor), "Content-Type": "application/json"}
    )
    assert response.status_code == 413, response.text


def test_a_token_that_spends_its_bucket_gets_429_until_the_clock_moves(
    client: TestClient, clock: Any, contributor: str, inspector: str
) -> None:
    for _ in range(6):
        assert client.get(ITEMS, headers=auth(contributor)).status_code == 200
    refused = client.get(ITEMS, headers=auth(contributor))
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"].startswith(PROBLEM)
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 10  # 6 a minute: one every 10 s

    # the bucket is per token: another user is not held up
    assert client.get(ITEMS, headers=auth(inspector)).status_code == 200

    clock.advance(seconds=retry_after - 1)
    assert client.get(ITEMS, headers=auth(contributor)).status_code == 429
    clock.advance(seconds=1)
    assert client.get(ITEMS, headers=auth(contributor)).status_code == 200
    assert client.get(ITEMS, headers=auth(contributor)).status_code == 429


def test_no_token_is_not_rate_limited_but_refused(client: TestClient) -> None:
    for _ in range(10):
        assert client.get(ITEMS).status_code == 401


def test_zero_turns_rate_limiting_off(
    api_database_url: str, clock: Any, learnloop: Any, contributor: str
) -> None:
    settings = Settings(database_url=api_database_url, rate_limit_per_minute=0)
    app = create_app(settings, clock, learnloop=learnloop, run_scheduler=False)
    with TestClient(app) as client:
        for _ in range(20):
            assert client.get(ITEMS, headers=auth(contributor)).status_code == 200


def test_the_defaults() -> None:
    settings = Settings()
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.rate_limit_per_minute == 600
