"""Every endpoint refuses a query parameter it does not know (422, naming it), after the token
is checked; the audit trail's filters are checked too (issue 12 item 4)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import as_

BASE = "/api/v1"


@pytest.mark.parametrize(
    "path",
    [
        "/learning-items",
        "/subgroups",
        "/subgroups/serious-case-review/loop",
        "/case-reviews",
        "/audits",
        "/audit-trail",
        "/follow-ups",
        "/reminders",
        "/dataset/indicators",
        "/integrity/digest",
    ],
)
def test_an_unknown_query_parameter_is_422_naming_it(client, inspector, path):
    response = client.get(f"{BASE}{path}", params={"asof": "2026-01-01"}, headers=as_(inspector))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["asof"]


def test_a_misspelt_as_of_on_an_item_is_refused_not_ignored(client, api, inspector):
    item = api.create_item()
    url = f"{BASE}/learning-items/{item['id']}"
    assert (
        client.get(
            url, params={"as_of": "2026-05-01T12:00:00Z"}, headers=as_(inspector)
        ).status_code
        == 200
    )
    refused = client.get(url, params={"asof": "2026-05-01T12:00:00Z"}, headers=as_(inspector))
    assert refused.status_code == 422
    assert "as_of" in refused.json()["errors"][0]["message"]  # the parameters it does know


def test_without_a_token_an_unknown_parameter_is_still_401(client):
    assert client.get(f"{BASE}/learning-items", params={"asof": "x"}).status_code == 401


def test_the_health_check_refuses_unknown_parameters_too(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz", params={"verbose": "1"}).status_code == 422


def trail(client, token, **params):
    return client.get(f"{BASE}/audit-trail", params=params, headers=as_(token))


def test_an_unknown_subgroup_is_422_listing_the_valid_ones(client, inspector):
    response = trail(client, inspector, subgroup="trainin")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "subgroup"
    assert "trainin" in error["message"] and "training" in error["message"]


def test_an_unknown_event_type_is_422_listing_the_valid_ones(client, inspector):
    response = trail(client, inspector, type="closed-ish")
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "type" and "MeansChosen" in error["message"]


def test_an_event_type_is_matched_whatever_its_case(client, api, inspector):
    api.create_item()
    exact = trail(client, inspector, type="Identified").json()["events"]
    assert len(exact) == 1
    assert trail(client, inspector, type="identified").json()["events"] == exact
    assert trail(client, inspector, type="IDENTIFIED").json()["events"] == exact


def test_the_actor_filter_takes_an_id_or_a_name(client, api, inspector):
    item = api.create_item()
    [identified] = api.history(item["id"])
    actor = identified["actor"]
    by_id = trail(client, inspector, actor=actor["id"]).json()["events"]
    by_name = trail(client, inspector, actor=actor["name"]).json()["events"]
    by_lower = trail(client, inspector, actor=actor["name"].lower()).json()["events"]
    assert [e["position"] for e in by_id] == [identified_position(by_id)]
    assert by_name == by_id == by_lower
    assert trail(client, inspector, actor="Nobody at all").json()["events"] == []


def identified_position(events):
    (event,) = events
    return event["position"]
