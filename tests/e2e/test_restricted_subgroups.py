"""A restricted subgroup (the Child Death Overview Panel, by the default framework): only its
members, business managers and inspectors read its learning. Lists leave its rows out for anyone
else; its items answer 404 to them, as if they did not exist; its board and calendar 403.
Runs on both stores (the smoke subset of the access matrix)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

CDOP = "child-death-overview"
SCR = "serious-case-review"
BASE = "/api/v1"
ITEMS = f"{BASE}/learning-items"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def member(learnloop: Any, tokens: Any) -> str:
    known = {s.slug for s in learnloop.framework.subgroups}
    return learnloop.users.add("Pat Panel", "contributor", [CDOP], known).token


@pytest.fixture
def cdop_item(client: TestClient, member: str) -> str:
    body = {
        "subgroup": CDOP,
        "title": "Safe sleeping advice was not repeated",
        "description": "Modifiable factor in two deaths",
        "source": {"kind": "all_cases_reviewed"},
    }
    response = client.post(ITEMS, json=body, headers=auth(member))
    assert response.status_code == 201, response.text
    item_id = response.json()["id"]
    action = {
        "means": "modifiable_factors_action",
        "description": "Repeat safe sleeping advice at every health visit",
        "owner": "Health visiting lead",
        "due": "2026-05-10",
    }
    response = client.post(f"{ITEMS}/{item_id}/actions", json=action, headers=auth(member))
    assert response.status_code == 201, response.text
    return item_id


def ok(client: TestClient, token: str, path: str) -> bool:
    return client.get(path, headers=auth(token)).status_code == 200


def visible(client: TestClient, token: str, item_id: str) -> dict[str, bool]:
    """Where `token` sees the item: each list endpoint, and the item itself."""
    items = client.get(ITEMS, headers=auth(token)).json()["items"]
    trail = client.get(f"{BASE}/audit-trail", headers=auth(token)).json()["events"]
    follow = client.get(f"{BASE}/follow-ups?within_days=60", headers=auth(token)).json()
    return {
        "list": item_id in {i["id"] for i in items},
        "audit_trail": item_id in {e["stream_id"] for e in trail},
        "follow_ups": item_id in {f["item_id"] for f in follow["follow_ups"]},
        "item": ok(client, token, f"{ITEMS}/{item_id}"),
        "history": ok(client, token, f"{ITEMS}/{item_id}/history"),
        "board": ok(client, token, f"{BASE}/subgroups/{CDOP}/loop"),
        "calendar": ok(client, token, f"{BASE}/subgroups/{CDOP}/calendar.ics"),
    }


def test_members_business_managers_and_inspectors_see_a_restricted_item(
    client: TestClient, cdop_item: str, member: str, business_manager: str, inspector: str
) -> None:
    for token in (member, business_manager, inspector):
        seen = visible(client, token, cdop_item)
        assert all(seen.values()), seen


@pytest.mark.parametrize("who", ["contributor", "chair", "contributor_other", "chair_other"])
def test_anyone_else_sees_no_trace_of_it(
    client: TestClient, cdop_item: str, tokens: Any, who: str
) -> None:
    token = getattr(tokens, who)
    seen = visible(client, token, cdop_item)
    assert not any(seen.values()), seen
    response = client.get(f"{ITEMS}/{cdop_item}", headers=auth(token))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    board = client.get(f"{BASE}/subgroups/{CDOP}/loop", headers=auth(token))
    assert board.status_code == 403
    # the subgroup itself is public: the list of subgroups names it, marked restricted
    subgroups = client.get(f"{BASE}/subgroups", headers=auth(token)).json()
    assert {s["slug"]: s["restricted"] for s in subgroups}[CDOP] is True


def test_other_subgroups_are_unaffected(
    client: TestClient, cdop_item: str, contributor: str, api: Any
) -> None:
    item = api.create_item()
    seen = visible(client, contributor, item["id"])
    assert seen["list"] and seen["audit_trail"] and seen["item"] and seen["history"]


def test_a_reviews_link_into_a_restricted_subgroup_is_listed_only_for_those_who_may_read_it(
    client: TestClient, learnloop: Any, tokens: Any
) -> None:
    known = {s.slug for s in learnloop.framework.subgroups}
    panel_manager = learnloop.users.add("Pat Lead", "business_manager", [], known).token
    review = client.post(
        "/api/v1/case-reviews",
        json={
            "case_reference": "CR-2026/9",
            "notified_on": "2026-04-20",
            "notifying_agency": "thames-valley-police",
            "summary": "s",
        },
        headers=auth(panel_manager),
    ).json()
    body = {
        "subgroup": CDOP,
        "title": "Panel learning",
        "description": "",
        "source": {"kind": "all_cases_reviewed"},
    }
    linked = client.post(
        f"/api/v1/case-reviews/{review['id']}/learning", json=body, headers=auth(panel_manager)
    )
    assert linked.status_code == 201, linked.text

    def links(token: str) -> list[str]:
        doc = client.get(f"/api/v1/case-reviews/{review['id']}", headers=auth(token)).json()
        return [link["subgroup"] for link in doc["learning_items"]]

    assert links(tokens.inspector) == [CDOP]
    assert links(tokens.contributor) == []


def test_the_annual_report_leaves_out_a_restricted_subgroup_for_non_members(
    client: TestClient, cdop_item: str, tokens: Any
) -> None:
    def subgroups(token: str) -> list[str]:
        report = client.get("/api/v1/reports/annual?year=2026", headers=auth(token)).json()
        return [s["slug"] for s in report["subgroups"]]

    assert CDOP in subgroups(tokens.inspector)
    assert CDOP not in subgroups(tokens.contributor)
    report = client.get("/api/v1/reports/annual?year=2026", headers=auth(tokens.contributor))
    assert report.json()["totals"]["needs_identified"] == 0
