"""Idempotency-Key on every POST: a retry replays the first response and records nothing new."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from adapters.bootstrap import Learnloop
from adapters.http.app import create_app
from adapters.persistence.idempotency import IN_FLIGHT, idempotency_keys

BASE = "/api/v1"
ITEMS = f"{BASE}/learning-items"
PROBLEM = "application/problem+json"
KEY = "5c1e7a52-0b6f-4d0a-9a57-1f1d2b3c4d5e"


def key(value: str = KEY, **headers: str) -> dict[str, str]:
    return {"Idempotency-Key": value, **headers}


@pytest.fixture
def trail(api: Any, inspector: str) -> Callable[[], int]:
    """How many events the audit trail holds."""
    return lambda: len(api.audit_trail(token=inspector))


def post(client: TestClient, as_: Any, token: str, path: str, body: Any, **headers: str) -> Any:
    return client.post(path, json=body, headers={**as_(token), **headers})


def test_the_same_key_and_request_replays_the_first_response_and_records_nothing(
    client, as_, contributor, bodies, trail
) -> None:
    before = trail()
    first = post(client, as_, contributor, ITEMS, bodies["item"](), **key())
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    assert trail() == before + 1

    again = post(client, as_, contributor, ITEMS, bodies["item"](), **key())
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert trail() == before + 1


def test_the_key_is_stored_with_the_log_positions_of_the_events_it_produced(
    client, as_, contributor, bodies, learnloop: Learnloop
) -> None:
    before = learnloop.log.recorder.max_notification_id() or 0
    response = post(client, as_, contributor, ITEMS, bodies["item"](), **key())
    assert response.status_code == 201, response.text
    with learnloop.store.engine.connect() as conn:
        row = conn.execute(sa.select(idempotency_keys)).mappings().one()
    assert row["key"] == KEY
    assert row["status"] == "done"
    assert (row["first_position"] or 0) == before
    assert row["last_position"] == learnloop.log.recorder.max_notification_id()
    assert row["last_position"] > before
    assert row["user_hash"] == hashlib.sha256(contributor.encode()).hexdigest()
    assert contributor not in repr(dict(row))


def test_the_same_key_with_another_request_is_422_and_records_nothing(
    client, as_, contributor, bodies, trail
) -> None:
    assert post(client, as_, contributor, ITEMS, bodies["item"](), **key()).status_code == 201
    before = trail()
    other = post(client, as_, contributor, ITEMS, bodies["item"](title="Another"), **key())
    assert other.status_code == 422, other.text
    assert other.headers["content-type"] == PROBLEM
    assert "Idempotency-Key" in other.json()["detail"]
    assert trail() == before


def test_a_key_is_the_users_own(client, as_, contributor, chair, bodies, trail) -> None:
    before = trail()
    mine = post(client, as_, contributor, ITEMS, bodies["item"](), **key())
    theirs = post(client, as_, chair, ITEMS, bodies["item"](), **key())
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert "Idempotent-Replayed" not in theirs.headers
    assert trail() == before + 2


def test_a_request_still_in_flight_is_409(
    client, as_, contributor, bodies, trail, learnloop: Learnloop
) -> None:
    # The first request with this key (same request: same fingerprint) is still running.
    assert post(client, as_, contributor, ITEMS, bodies["item"](), **key()).status_code == 201
    with learnloop.store.write_engine.begin() as conn:
        conn.execute(sa.update(idempotency_keys).values(status=IN_FLIGHT))
    before = trail()
    response = post(client, as_, contributor, ITEMS, bodies["item"](), **key())
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM
    assert "in progress" in response.json()["detail"]
    assert trail() == before


def test_an_in_flight_row_inserted_directly_is_409(
    client, as_, contributor, bodies, trail, learnloop: Learnloop, clock
) -> None:
    with learnloop.store.write_engine.begin() as conn:
        conn.execute(
            sa.insert(idempotency_keys).values(
                user_hash=hashlib.sha256(contributor.encode()).hexdigest(),
                key="running",
                fingerprint="0" * 64,
                status=IN_FLIGHT,
                created_at=clock().astimezone(UTC).replace(tzinfo=None),
            )
        )
    before = trail()
    # another fingerprint: reused with another request wins over in flight
    response = post(client, as_, contributor, ITEMS, bodies["item"](), **key("running"))
    assert response.status_code == 422, response.text
    assert trail() == before


def test_a_refusal_replays_the_same_refusal(
    api, client, as_, contributor, chair, bodies, trail
) -> None:
    invalid = bodies["item"](title="")
    first = post(client, as_, contributor, ITEMS, invalid, **key("bad-item"))
    assert first.status_code == 422
    again = post(client, as_, contributor, ITEMS, invalid, **key("bad-item"))
    assert again.status_code == 422
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"

    item = api.create_item()
    before = trail()
    close = f"{ITEMS}/{item['id']}/close"
    first = post(client, as_, chair, close, {"summary": "done"}, **key("close"))
    assert first.status_code == 409, first.text
    again = post(client, as_, chair, close, {"summary": "done"}, **key("close"))
    assert again.status_code == 409
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert trail() == before


def test_a_key_expires_after_a_day(client, as_, contributor, bodies, trail, clock) -> None:
    before = trail()
    first = post(client, as_, contributor, ITEMS, bodies["item"](), **key())
    clock.advance(hours=24, seconds=1)
    later = post(client, as_, contributor, ITEMS, bodies["item"](), **key())
    assert later.status_code == 201
    assert "Idempotent-Replayed" not in later.headers
    assert later.json()["id"] != first.json()["id"]
    assert trail() == before + 2


def test_without_a_key_every_post_records(client, as_, contributor, bodies, trail) -> None:
    before = trail()
    first = post(client, as_, contributor, ITEMS, bodies["item"]())
    again = post(client, as_, contributor, ITEMS, bodies["item"]())
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] != again.json()["id"]
    assert "Idempotent-Replayed" not in again.headers
    assert trail() == before + 2


def test_a_key_in_structured_field_form_is_the_same_key(
    client, as_, contributor, bodies, trail
) -> None:
    first = post(client, as_, contributor, ITEMS, bodies["item"](), **key())
    again = post(client, as_, contributor, ITEMS, bodies["item"](), **key(f'"{KEY}"'))
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


@pytest.mark.parametrize("value", ["", " ", "x" * 256, "caf\u00e9", "tab\there"])
def test_an_invalid_key_is_422_and_records_nothing(
    client, as_, contributor, bodies, trail, value
) -> None:
    before = trail()
    response = client.post(
        ITEMS,
        json=bodies["item"](),
        headers=[
            ("Authorization", f"Bearer {contributor}"),
            ("Idempotency-Key", value.encode("utf-8")),
        ],
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert trail() == before


def test_a_longest_key_is_accepted(client, as_, contributor, bodies) -> None:
    response = post(client, as_, contributor, ITEMS, bodies["item"](), **key("k" * 255))
    assert response.status_code == 201, response.text


def test_a_key_without_a_token_is_401(client, bodies) -> None:
    response = client.post(ITEMS, json=bodies["item"](), headers=key())
    assert response.status_code == 401


NOTIFICATION = {
    "case_reference": "CR-2026/014",
    "notified_on": "2026-04-20",
    "notifying_agency": "rbwm-childrens-services",
    "summary": "Infant admitted with unexplained injuries; agencies had prior concerns.",
}
AUDIT = {
    "kind": "multi_agency_case_audit",
    "theme": "Neglect in pre-school children",
    "planned_for": "2026-06-15",
}


@pytest.mark.parametrize("route", ["item", "action", "measure", "case-review", "audit"])
def test_a_key_works_on_every_post_route(
    api, client, as_, contributor, business_manager, bodies, trail, route
) -> None:
    item = api.create_item()
    path, body, token = {
        "item": (ITEMS, bodies["item"](), contributor),
        "action": (f"{ITEMS}/{item['id']}/actions", bodies["action"](), contributor),
        "measure": (f"{ITEMS}/{item['id']}/measures", bodies["measure"](), contributor),
        "case-review": (f"{BASE}/case-reviews", NOTIFICATION, business_manager),
        "audit": (f"{BASE}/audits", AUDIT, business_manager),
    }[route]
    before = trail()
    first = post(client, as_, token, path, body, **key(route))
    assert first.status_code == 201, first.text
    recorded = trail()
    assert recorded > before
    again = post(client, as_, token, path, body, **key(route))
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert trail() == recorded


def test_a_server_failure_releases_the_key_so_a_retry_runs_again(
    settings, clock, learnloop: Learnloop, contributor, bodies, monkeypatch
) -> None:
    app = create_app(settings, clock, learnloop=learnloop, run_scheduler=False)
    identify = learnloop.learning.identify

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the store went away")

    headers = {"Authorization": f"Bearer {contributor}", **key()}
    with TestClient(app, raise_server_exceptions=False) as client:
        monkeypatch.setattr(learnloop.learning, "identify", fail)
        failed = client.post(ITEMS, json=bodies["item"](), headers=headers)
        assert failed.status_code == 500
        monkeypatch.setattr(learnloop.learning, "identify", identify)
        retried = client.post(ITEMS, json=bodies["item"](), headers=headers)
        assert retried.status_code == 201, retried.text
        assert "Idempotent-Replayed" not in retried.headers
        again = client.post(ITEMS, json=bodies["item"](), headers=headers)
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == retried.json()
