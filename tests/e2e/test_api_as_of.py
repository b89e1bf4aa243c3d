"""`as_of` (as recorded by then, ADR 0041) on items, case reviews, audits, indicators, loop
boards and follow-ups; a bad timestamp is 422, and a record not yet recorded then is 404."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.conftest import BASE, ITEMS, as_

POLICE = "thames-valley-police"


def later(clock, **delta):
    """The moment now (as `as_of`), then the clock moved on."""
    moment = clock.now.isoformat()
    clock.now += timedelta(**delta)
    return moment


def get(client, token, path, **params):
    response = client.get(f"{BASE}{path}", params=params, headers=as_(token))
    assert response.status_code == 200, response.text
    return response.json()


def test_a_case_review_as_it_stood(client, clock, business_manager, inspector):
    before = later(clock, minutes=5)
    body = {
        "case_reference": "CR/2026-020",
        "notified_on": "2026-04-28",
        "notifying_agency": POLICE,
        "summary": "Serious injury",
    }
    review = client.post(f"{BASE}/case-reviews", json=body, headers=as_(business_manager)).json()
    notified = later(clock, hours=1)
    facts = {
        "abuse_or_neglect_known_or_suspected": True,
        "child_died": False,
        "child_seriously_harmed": True,
        "concern_about_joint_working": True,
        "died_in_custody_or_detained": False,
    }
    path = f"/case-reviews/{review['id']}"
    client.post(f"{BASE}{path}/criteria", json=facts, headers=as_(business_manager))
    assert get(client, inspector, path)["status"] == "criteria_assessed"
    then = get(client, inspector, path, as_of=notified)
    assert (then["status"], then["required"], then["as_of"]) == ("notified", None, notified)
    response = client.get(f"{BASE}{path}", params={"as_of": before}, headers=as_(inspector))
    assert response.status_code == 404


def test_an_audit_as_it_stood(client, clock, business_manager, inspector):
    body = {"kind": "multi_agency_case_audit", "theme": "Neglect", "planned_for": "2026-06-15"}
    audit = client.post(f"{BASE}/audits", json=body, headers=as_(business_manager)).json()
    planned = later(clock, hours=1)
    path = f"/audits/{audit['id']}"
    client.post(f"{BASE}{path}/findings", json={"summary": "Gaps"}, headers=as_(business_manager))
    assert len(get(client, inspector, path)["findings"]) == 1
    assert get(client, inspector, path, as_of=planned)["findings"] == []


def test_an_indicator_as_it_stood(client, clock, business_manager, inspector):
    body = {
        "code": "CP-01",
        "name": "Plans",
        "unit": "per 10,000 children",
        "polarity": "lower_is_better",
        "major_change_pct": 10,
    }
    client.post(f"{BASE}/dataset/indicators", json=body, headers=as_(business_manager))
    value = {"period": "2025-Q4", "agency": POLICE, "value": 40}
    url = f"{BASE}/dataset/indicators/CP-01/values"
    assert client.post(url, json=value, headers=as_(business_manager)).status_code == 201
    first = later(clock, days=1)
    value = {"period": "2026-Q1", "agency": POLICE, "value": 38}
    assert client.post(url, json=value, headers=as_(business_manager)).status_code == 201
    now = get(client, inspector, "/dataset/indicators/CP-01")
    then = get(client, inspector, "/dataset/indicators/CP-01", as_of=first)
    assert then["version"] < now["version"]
    assert "2026-Q1" in str(now) and "2026-Q1" not in str(then)


def test_a_loop_board_and_the_follow_ups_as_they_stood(client, clock, api, inspector):
    item = api.create_item()
    action = api.add_action(item["id"], due="2026-05-10")
    chosen = later(clock, days=2)
    api.update(item["id"], action["id"], "complete")
    board = "/subgroups/serious-case-review/loop"
    now = get(client, inspector, board)["stages"]
    then = get(client, inspector, board, as_of=chosen)["stages"]
    assert [i["id"] for i in now["effectiveness"]["items"]] == [item["id"]]
    assert [i["id"] for i in then["improvement"]["items"]] == [item["id"]]
    assert [a["rag"] for a in then["improvement"]["items"][0]["actions"]] == ["green"]

    def due(**params):
        found = get(client, inspector, "/follow-ups", within_days=30, **params)
        return [(f["kind"], f["target_id"]) for f in found["follow_ups"] if f["kind"] != "clock"]

    assert ("action", action["id"]) not in due()
    assert ("action", action["id"]) in due(as_of=chosen)


def test_an_item_as_it_stood_and_a_bad_timestamp(client, clock, api, inspector):
    item = api.create_item()
    created = later(clock, hours=1)
    api.add_action(item["id"])
    url = f"{ITEMS}/{item['id']}"
    then = client.get(url, params={"as_of": created}, headers=as_(inspector)).json()
    assert then["actions"] == [] and then["stage"] == "identification"
    for path in (url, f"{BASE}/subgroups/serious-case-review/loop", f"{BASE}/follow-ups"):
        bad = client.get(path, params={"as_of": "yesterday"}, headers=as_(inspector))
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "as_of"


def test_an_item_as_it_stood_several_versions_in(client, clock, api, inspector):
    """Versions after the first are stored as changes (ADR 0010's frames): as_of rebuilds them."""
    item = api.create_item()
    action = api.add_action(item["id"], due="2026-05-10")
    api.update(item["id"], action["id"], "at_risk")
    at_risk = later(clock, hours=1)
    api.update(item["id"], action["id"], "complete")
    url = f"{ITEMS}/{item['id']}"
    then = client.get(url, params={"as_of": at_risk}, headers=as_(inspector)).json()
    assert (then["version"], then["actions"][0]["status"], then["rag"]) == (3, "at_risk", "amber")
    assert then["title"] == item["title"]
