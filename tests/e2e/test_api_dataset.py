"""The multi-agency dataset over HTTP: indicators, quarterly values and corrections, the series
read with its trend, major changes and comparators, and measures met by the dataset."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.http.app import create_app
from adapters.http.routes import dataset
from projections.projector import Projector
from projections.sources import IndicatorMeasures
from projections.views.indicators import IndicatorView
from services.dataset import Dataset

BASE = "/api/v1"
INDICATORS = f"{BASE}/dataset/indicators"
ITEMS = f"{BASE}/learning-items"
PROBLEM = "application/problem+json"
ME = "monitoring-and-evaluation"
POLICE = "thames-valley-police"


def wired(ll: Any) -> Any:
    """Adds the dataset's view and service, unless the composition root already has."""
    if not any(view.name == "indicators" for view in ll.projector.views):
        views = [*ll.projector.views, IndicatorView()]
        log = ll.log
        ll.projector = Projector(
            ll.store.write_engine, log.recorder, log.mapper.to_domain_event, views
        )
        ll.projector.create_tables()
        ll.projector.catch_up()
        log.recorder.on_committed = ll.projector.project
    ll.dataset = Dataset(ll.log, ll.framework, ll.clock, IndicatorMeasures(ll.store.engine))
    return ll


@pytest.fixture(autouse=True)
def _after_the_quarters(clock):
    """Every quarter these tests submit (to 2026-Q4) has ended."""
    clock.now = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)


@pytest.fixture
def client(settings, clock, learnloop) -> Iterator[TestClient]:
    app = create_app(settings, clock, learnloop=wired(learnloop), run_scheduler=False)
    if not any(getattr(route, "path", "").startswith(INDICATORS) for route in app.routes):
        app.include_router(dataset.router)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def monitor(learnloop, tokens) -> str:
    known = {s.slug for s in learnloop.framework.subgroups}
    return learnloop.users.add("Mo Monitor", "contributor", [ME], known).token


def indicator_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "code": "CP-01",
        "name": "Children on a child protection plan",
        "unit": "per 10,000 children",
        "polarity": "lower_is_better",
        "major_change_pct": 10,
    }
    return {**body, **overrides}


def define(client, token, **overrides):
    response = client.post(INDICATORS, json=indicator_body(**overrides), headers=as_(token))
    assert response.status_code == 201, response.text
    return response


def submit(client, token, period, value, code="CP-01", **fields):
    body = {"period": period, "agency": POLICE, "value": value, **fields}
    return client.post(f"{INDICATORS}/{code}/values", json=body, headers=as_(token))


def as_(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_indicators_values_are_read_with_trend_major_changes_and_comparators(client, monitor):
    created = define(client, monitor)
    assert created.headers["Location"] == f"{INDICATORS}/CP-01"
    assert created.headers["ETag"] == '"1"'
    assert created.json()["values"] == []
    for period, value in (("2025-Q3", 50), ("2025-Q4", 48), ("2026-Q1", 41)):
        response = submit(client, monitor, period, value, england=42, statistical_neighbours=45.5)
        assert response.status_code == 201, response.text
    answer = submit(client, monitor, "2026-Q2", 39.5, commentary="Front door changes")
    assert answer.status_code == 201
    assert answer.json()["indicator"] == "CP-01"
    assert (answer.json()["period"], answer.json()["value"]) == ("2026-Q2", 39.5)
    assert answer.json()["evidence"] == []

    response = client.get(f"{INDICATORS}/cp-01", headers=as_(monitor))

    assert response.status_code == 200
    assert response.headers["ETag"] == '"5"'
    doc = response.json()
    assert [v["value"] for v in doc["values"]] == [50, 48, 41, 39.5]
    assert doc["trend"] == "improving"
    assert [(c["period"], c["direction"]) for c in doc["major_changes"]] == [
        ("2026-Q1", "improved")
    ]
    assert doc["values"][2]["position"] == {"statistical_neighbours": "better", "england": "better"}
    assert doc["values"][2]["major_change"] is True
    assert doc["comparators"][0] == {
        "period": "2025-Q3",
        "statistical_neighbours": 45.5,
        "england": 42,
    }
    listed = client.get(INDICATORS, headers=as_(monitor)).json()["indicators"]
    assert [(i["code"], i["trend"], i["latest_period"]) for i in listed] == [
        ("CP-01", "improving", "2026-Q2")
    ]


def test_a_duplicate_is_409_unless_sent_as_a_correction_which_keeps_both(client, monitor):
    define(client, monitor)
    assert submit(client, monitor, "2026-Q1", 42).status_code == 201

    duplicate = submit(client, monitor, "2026-Q1", 44)
    assert duplicate.status_code == 409
    assert duplicate.headers["content-type"] == PROBLEM
    assert "correction" in duplicate.json()["detail"]

    corrected = submit(client, monitor, "2026-Q1", 44, correction_reason="Late returns")
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["value"] == 44
    assert corrected.json()["corrections"][0]["previous_value"] == 42
    history = client.get(f"{INDICATORS}/CP-01/history", headers=as_(monitor)).json()["events"]
    assert [(e["type"], e["data"]["value"]) for e in history[1:]] == [
        ("ValueSubmitted", 42),
        ("ValueCorrected", 44),
    ]
    assert define_again(client, monitor).status_code == 409

    stale = client.post(
        f"{INDICATORS}/CP-01/values",
        json={"period": "2026-Q2", "agency": POLICE, "value": 40},
        headers={**as_(monitor), "If-Match": '"2"'},
    )
    assert stale.status_code == 412
    fresh = client.post(
        f"{INDICATORS}/CP-01/values",
        json={"period": "2026-Q2", "agency": POLICE, "value": 40},
        headers={**as_(monitor), "If-Match": corrected.headers["ETag"]},
    )
    assert fresh.status_code == 201
    assert fresh.headers["ETag"] == '"4"'


def define_again(client, token):
    return client.post(INDICATORS, json=indicator_body(code="cp-01"), headers=as_(token))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"period": "2026-Q5"}, "period"),
        ({"period": "Q1 2026"}, "period"),
        ({"period": "2027-Q1"}, "period"),  # not ended yet
        ({"value": "forty"}, "value"),
        ({"value": "42"}, "value"),
        ({"agency": "nowhere-police"}, "agency"),
        ({"england": "n/a"}, "england"),
        ({"source": "x"}, "source"),
    ],
)
def test_bad_values_are_422_and_record_nothing(client, monitor, fields, field):
    define(client, monitor)
    body = {"period": "2026-Q1", "agency": POLICE, "value": 42, **fields}
    response = client.post(f"{INDICATORS}/CP-01/values", json=body, headers=as_(monitor))
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert client.get(f"{INDICATORS}/CP-01", headers=as_(monitor)).json()["version"] == 1


def test_refusals_unknown_indicators_and_who_may_do_what(client, monitor, tokens):
    bad = client.post(INDICATORS, json=indicator_body(polarity="up"), headers=as_(monitor))
    assert bad.status_code == 422
    zero = client.post(INDICATORS, json=indicator_body(major_change_pct=0), headers=as_(monitor))
    assert zero.status_code == 422
    assert client.post(INDICATORS, json=indicator_body()).status_code == 401
    for token in (tokens.contributor, tokens.chair, tokens.inspector, tokens.admin):
        response = client.post(INDICATORS, json=indicator_body(), headers=as_(token))
        assert response.status_code == 403
    define(client, tokens.business_manager)
    assert submit(client, tokens.contributor, "2026-Q1", 1).status_code == 403
    assert submit(client, monitor, "2026-Q1", 1, code="CP-99").status_code == 404
    assert client.get(f"{INDICATORS}/CP-99", headers=as_(monitor)).status_code == 404
    assert client.get(f"{INDICATORS}/CP-01", headers=as_(tokens.inspector)).status_code == 200
    assert client.get(INDICATORS, headers=as_(tokens.admin)).status_code == 403


def test_a_measure_naming_an_indicator_is_met_by_the_system_when_the_target_is_reached(
    client, monitor, api, chair, bodies
):
    define(client, monitor)
    item = api.create_item(on="2025-12-01")
    unknown = client.post(
        f"{ITEMS}/{item['id']}/measures",
        json=bodies["measure"](indicator={"code": "CP-99", "target": 40}),
        headers=as_(api.token),
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "indicator.code"
    measure = api.add_measure(
        item["id"], indicator={"code": "CP-01", "target": 40}, on="2025-12-02"
    )
    assert measure["indicator"] == {"code": "CP-01", "target": 40}

    before = submit(client, monitor, "2025-Q3", 30)  # ended before the measure was defined
    assert before.json()["evidence"] == []
    response = submit(client, monitor, "2026-Q1", 38)

    [evidence] = response.json()["evidence"]
    assert (evidence["measure_id"], evidence["outcome"]) == (measure["id"], "met")
    shown = api.get(item["id"])["measures"][0]
    assert shown["outcome"] == "met"
    assert shown["evidence"][0]["recorded_by"] == {
        "id": "system",
        "name": "learnloop",
        "role": "system",
    }
    assert shown["evidence"][0]["summary"] == (
        f"Indicator CP-01 reached 38 in 2026-Q1 for {POLICE} (target 40)"
    )
    submit(client, monitor, "2026-Q2", 41)
    assert api.get(item["id"])["measures"][0]["outcome"] == "not_met"
    submit(client, monitor, "2026-Q3", 40)
    api.close(item["id"], chair)


def test_a_percentage_outside_0_to_100_is_422_naming_the_field(client, monitor):
    define(client, monitor, unit="%")
    body = {"period": "2026-Q1", "agency": POLICE, "value": 250}
    response = client.post(f"{INDICATORS}/CP-01/values", json=body, headers=as_(monitor))
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["value"]
    assert "250 is not a percentage" in response.text
