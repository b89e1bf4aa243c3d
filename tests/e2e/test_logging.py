"""Logs are JSON lines with a request id on every line of a request, and never carry tokens or
the free text of request bodies."""

import io
import json
import sys
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import bootstrap
from adapters.http.app import create_app
from adapters.logging import configure_logging
from adapters.settings import Settings

SECRET_TITLE = "Concerns raised by a neighbour about the household in case C-0042"


@pytest.fixture
def logged(tmp_path):
    stream = io.StringIO()
    configure_logging("info", stream)
    settings = Settings(database_url=f"sqlite:///{tmp_path}/learnloop.db")
    ll = bootstrap(settings, clock=lambda: datetime(2026, 5, 1, 9, tzinfo=UTC))
    token = ll.users.add(
        "Casey", "contributor", ["serious-case-review"], {"serious-case-review"}
    ).token
    app = create_app(settings, learnloop=ll, run_scheduler=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, token, stream
    ll.close()
    configure_logging("warning", sys.stderr)  # as tests/conftest.py left it


def _lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_each_request_logs_json_with_its_request_id(logged):
    client, token, stream = logged
    response = client.get(
        "/api/v1/subgroups", headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-42"}
    )
    assert response.headers["x-request-id"] == "req-42"
    requests = [line for line in _lines(stream) if line.get("event") == "request"]
    assert requests[-1]["request_id"] == "req-42"
    assert requests[-1]["status"] == 200
    assert requests[-1]["path"] == "/api/v1/subgroups"


def test_a_request_without_an_id_is_given_one(logged):
    client, token, stream = logged
    response = client.get("/api/v1/subgroups", headers={"Authorization": f"Bearer {token}"})
    given = response.headers["x-request-id"]
    assert len(given) == 32
    assert _lines(stream)[-1]["request_id"] == given


def test_no_token_and_no_body_text_reaches_the_logs(logged):
    client, token, stream = logged
    body = {
        "subgroup": "serious-case-review",
        "title": SECRET_TITLE,
        "description": SECRET_TITLE,
        "source": {"kind": "local_serious_case_review"},
    }
    assert (
        client.post(
            "/api/v1/learning-items", json=body, headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 201
    )
    bad = {**body, "source": {"kind": "not-a-source"}}
    assert (
        client.post(
            "/api/v1/learning-items", json=bad, headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 422
    )
    client.get("/api/v1/subgroups", headers={"Authorization": "Bearer wrong-token-value"})
    text = stream.getvalue()
    assert text.strip()
    assert token not in text
    assert "wrong-token-value" not in text
    assert "C-0042" not in text


def test_the_scheduler_logs_problems_but_not_every_run_of_every_job():
    stream = io.StringIO()
    configure_logging("info", stream)
    import logging

    executor = logging.getLogger("apscheduler.executors.default")
    executor.info('Running job "_catch_up" (scheduled at ...)')
    executor.warning('Run time of job "sweep" was missed by 0:05:00')
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ['Run time of job "sweep" was missed by 0:05:00']
