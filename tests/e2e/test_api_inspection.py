"""Inspection over HTTP: item history, the item as it stood, the audit trail, follow-ups, and who
may read (the inspector everything, the admin no learning content); health and API docs."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

SCR = "serious-case-review"
TRAINING = "training"
BASE = "/api/v1"
ITEMS = f"{BASE}/learning-items"
PROBLEM = "application/problem+json"


def _utc(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert moment.utcoffset() is not None, f"{stamp} has no offset"
    return moment


# -- history and the item as it stood ---------------------------------------------------------


def test_history_is_oldest_first_with_version_type_time_actor_and_data(api, chair, clock) -> None:
    t0 = clock.now
    item = api.create_item()
    clock.advance(hours=1)
    action = api.add_action(item["id"])
    clock.advance(hours=1)
    api.update(item["id"], action["id"], "complete")
    clock.advance(hours=1)
    measure = api.add_measure(item["id"])
    clock.advance(days=30)
    api.add_evidence(item["id"], measure["id"])
    clock.advance(days=1)
    api.close(item["id"], chair)

    events = api.history(item["id"])
    assert [e["type"] for e in events] == [
        "Identified",
        "MeansChosen",
        "ProgressReported",
        "MeasureDefined",
        "EvidenceRecorded",
        "Closed",
    ]
    assert [e["version"] for e in events] == [1, 2, 3, 4, 5, 6]
    assert [_utc(e["recorded_at"]) for e in events] == [
        t0,
        t0 + timedelta(hours=1),
        t0 + timedelta(hours=2),
        t0 + timedelta(hours=3),
        t0 + timedelta(hours=3, days=30),
        t0 + timedelta(hours=3, days=31),
    ]
    for event in events:
        assert set(event) >= {"version", "type", "recorded_at", "actor", "data"}
        assert set(event["actor"]) >= {"id", "name", "role"}
    assert [e["actor"]["role"] for e in events] == ["contributor"] * 5 + ["chair"]
    assert events[0]["actor"]["name"] == "Cara Contributor"
    assert events[-1]["actor"]["name"] == "Chidi Chair"
    assert events[0]["data"]["title"] == item["title"]
    assert events[1]["data"]["means"] == "implementation_of_recommendations"
    assert events[1]["data"]["due"] == "2026-06-30"
    assert events[2]["data"]["status"] == "complete"
    assert events[4]["data"]["outcome"] == "met"


def test_as_of_returns_the_item_as_it_stood(api, client, as_, contributor, clock) -> None:
    t0 = clock.now
    item = api.create_item()
    clock.advance(hours=2)
    api.add_action(item["id"])
    clock.advance(hours=2)
    api.add_action(item["id"], description="Second action")

    def as_of(moment: str) -> Any:
        return client.get(
            f"{ITEMS}/{item['id']}", params={"as_of": moment}, headers=as_(contributor)
        )

    before_action = as_of((t0 + timedelta(hours=1)).isoformat())
    assert before_action.status_code == 200, before_action.text
    doc = before_action.json()
    assert doc["stage"] == "identification"
    assert doc["version"] == 1
    assert doc["actions"] == []
    assert before_action.headers["etag"] == '"1"'

    # "Z" is UTC, and the instant of a recording includes it
    at_first_action = as_of((t0 + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert at_first_action.status_code == 200, at_first_action.text
    assert at_first_action.json()["version"] == 2
    assert at_first_action.json()["stage"] == "improvement"
    assert len(at_first_action.json()["actions"]) == 1

    in_london = (t0 + timedelta(hours=2)).astimezone(timezone(timedelta(hours=1)))
    assert as_of(in_london.isoformat()).json()["version"] == 2
    assert as_of((in_london - timedelta(seconds=1)).isoformat()).json()["version"] == 1

    now = as_of(clock.now.isoformat())
    assert now.json()["version"] == 3
    assert now.json()["actions"] == api.get(item["id"])["actions"]

    before_it_existed = as_of((t0 - timedelta(seconds=1)).isoformat())
    assert before_it_existed.status_code == 404
    assert before_it_existed.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize("moment", ["yesterday", "2026-13-01T00:00:00Z", "1714550400x"])
def test_a_malformed_as_of_is_422(api, client, as_, contributor, moment: str) -> None:
    item = api.create_item()
    response = client.get(
        f"{ITEMS}/{item['id']}", params={"as_of": moment}, headers=as_(contributor)
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == 422
    assert [e["field"] for e in body["errors"]] == ["as_of"]


def test_as_of_rates_actions_on_the_date_it_names(api, client, as_, contributor, clock) -> None:
    item = api.create_item()
    api.add_action(item["id"], due="2026-05-10")
    clock.advance(days=30)
    assert api.get(item["id"])["rag"] == "red"
    then = (clock.now - timedelta(days=25)).isoformat()
    response = client.get(f"{ITEMS}/{item['id']}", params={"as_of": then}, headers=as_(contributor))
    assert response.json()["rag"] == "green"


# -- the audit trail --------------------------------------------------------------------------


@pytest.fixture
def busy_partnership(api, contributor_other, chair, clock) -> dict[str, Any]:
    """Two SCR items and a training item, with events spread over three days."""
    t0 = clock.now
    first = api.create_item(title="First")
    action = api.add_action(first["id"])
    clock.advance(days=1)
    training = api.create_item(
        token=contributor_other,
        subgroup=TRAINING,
        title="Training",
        source={"kind": "participant_feedback"},
    )
    api.add_action(
        training["id"], token=contributor_other, means="course_content_update", due="2026-07-01"
    )
    second = api.create_item(token=chair, title="Second")
    clock.advance(days=1)
    api.update(first["id"], action["id"], "at_risk")
    api.add_measure(second["id"], token=chair)
    return {"t0": t0, "first": first, "second": second, "training": training}


def test_audit_trail_pages_through_every_event_in_position_order(
    api, client, as_, inspector, busy_partnership
) -> None:
    pages: list[list[dict[str, Any]]] = []
    after = 0
    for _ in range(20):
        response = client.get(
            f"{BASE}/audit-trail", params={"after": after, "limit": 3}, headers=as_(inspector)
        )
        assert response.status_code == 200, response.text
        page = response.json()
        if not page["events"]:
            assert page["next_after"] == after
            break
        assert len(page["events"]) <= 3
        assert page["next_after"] == page["events"][-1]["position"]
        pages.append(page["events"])
        after = page["next_after"]
    else:
        pytest.fail("the audit trail never ran out")
    events = [e for page in pages for e in page]
    assert [len(p) for p in pages] == [3, 3, 1]

    positions = [e["position"] for e in events]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions) == 7
    for event in events:
        expected = {"position", "stream_id", "stream_type", "version", "type", "recorded_at"}
        assert set(event) >= expected | {"actor", "data"}
        assert set(event["actor"]) >= {"id", "name", "role"}

    # every event, in the order the fixture recorded them
    first, second, training = (busy_partnership[k]["id"] for k in ("first", "second", "training"))
    assert [(e["stream_id"], e["version"], e["type"]) for e in events] == [
        (first, 1, "Identified"),
        (first, 2, "MeansChosen"),
        (training, 1, "Identified"),
        (training, 2, "MeansChosen"),
        (second, 1, "Identified"),
        (first, 3, "ProgressReported"),
        (second, 2, "MeasureDefined"),
    ]
    for stream in (first, second, training):
        history = api.history(stream)
        assert [
            (e["version"], e["type"], e["data"]) for e in events if e["stream_id"] == stream
        ] == [(e["version"], e["type"], e["data"]) for e in history]
    assert {e["stream_type"] for e in events} == {"learning_item"}


def test_audit_trail_filters(api, client, as_, inspector, busy_partnership) -> None:
    t0 = busy_partnership["t0"]
    everything = api.audit_trail(token=inspector)

    def trail(**params: Any) -> list[dict[str, Any]]:
        return api.audit_trail(token=inspector, **params)

    training = trail(subgroup=TRAINING)
    assert {e["stream_id"] for e in training} == {busy_partnership["training"]["id"]}
    assert len(training) == 2
    scr = trail(subgroup=SCR)
    assert len(scr) == 5
    assert {e["position"] for e in scr} | {e["position"] for e in training} == {
        e["position"] for e in everything
    }

    chair_id = api.history(busy_partnership["second"]["id"])[0]["actor"]["id"]
    by_chair = trail(actor=chair_id)
    assert [e["type"] for e in by_chair] == ["Identified", "MeasureDefined"]
    assert all(e["actor"]["id"] == chair_id for e in by_chair)

    means = trail(type="MeansChosen")
    assert [e["stream_id"] for e in means] == [
        busy_partnership["first"]["id"],
        busy_partnership["training"]["id"],
    ]
    assert trail(type="meanschosen") == means  # any case
    unknown = client.get("/api/v1/audit-trail?type=NoSuchEvent", headers=as_(inspector))
    assert unknown.status_code == 422 and "MeansChosen" in unknown.text

    day1, day2 = t0 + timedelta(days=1), t0 + timedelta(days=2)
    assert len(trail(since=day1.isoformat())) == 5
    assert len(trail(until=day1.isoformat())) == 2  # until is exclusive
    assert len(trail(since=day1.isoformat(), until=day2.isoformat())) == 3
    assert len(trail(since=day2.strftime("%Y-%m-%dT%H:%M:%SZ"))) == 2
    in_london = day2.astimezone(timezone(timedelta(hours=1)))  # the same instant, in BST
    assert in_london.isoformat().endswith("+01:00")
    assert len(trail(since=in_london.isoformat())) == 2
    assert len(trail(until=in_london.isoformat())) == 5
    assert [e["type"] for e in trail(subgroup=SCR, since=day1.isoformat(), type="Identified")] == [
        "Identified"
    ]


@pytest.mark.parametrize("params", [{"since": "last week"}, {"until": "2026-02-30T00:00:00"}])
def test_audit_trail_refuses_malformed_timestamps(client, as_, inspector, params) -> None:
    response = client.get(f"{BASE}/audit-trail", params=params, headers=as_(inspector))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    assert [e["field"] for e in response.json()["errors"]] == list(params)


# -- follow-ups -------------------------------------------------------------------------------


def _follow_ups(client, as_, token: str, within_days: int) -> dict[str, str]:
    response = client.get(
        f"{BASE}/follow-ups", params={"within_days": within_days}, headers=as_(token)
    )
    assert response.status_code == 200, response.text
    return {f["target_id"]: f["kind"] for f in response.json()["follow_ups"]}


def test_follow_ups_within_days_include_due_soon_and_overdue(
    api, client, as_, inspector, business_manager, clock
) -> None:
    item = api.create_item()
    soon = api.add_action(item["id"], due="2026-05-10", description="Soon")
    later = api.add_action(item["id"], due="2026-08-01", description="Later")
    done = api.add_action(item["id"], due="2026-05-05", description="Done")
    api.update(item["id"], done["id"], "complete")
    measure = api.add_measure(item["id"], review_due="2026-05-12")
    far_measure = api.add_measure(item["id"], review_due="2027-01-31")

    closed = api.create_item(title="Closed item")
    closed_action = api.add_action(closed["id"], due="2026-05-03")
    api.close(closed["id"], business_manager, override_reason="merged into the first item")

    def within(days: int) -> dict[str, str]:
        return _follow_ups(client, as_, inspector, days)

    assert within(14) == {soon["id"]: "action", measure["id"]: "measure"}
    assert within(9) == {soon["id"]: "action"}
    assert within(8) == {}
    assert done["id"] not in within(3650)
    assert closed_action["id"] not in within(3650)
    assert set(within(3650)) == {soon["id"], later["id"], measure["id"], far_measure["id"]}

    clock.advance(days=30)  # 2026-05-31: soon and measure are overdue
    response = client.get(f"{BASE}/follow-ups?within_days=0", headers=as_(inspector))
    rows = {f["target_id"]: f for f in response.json()["follow_ups"]}
    assert set(rows) == {soon["id"], measure["id"]}
    assert all(r["overdue"] for r in rows.values())
    assert within(62) == {
        soon["id"]: "action",
        measure["id"]: "measure",
        later["id"]: "action",
    }

    api.update(item["id"], soon["id"], "complete")
    assert within(0) == {measure["id"]: "measure"}


# -- who may read and write -------------------------------------------------------------------


@pytest.fixture
def full_item(api) -> dict[str, str]:
    """An SCR item with an action and a measure with met evidence: every command could apply."""
    item = api.create_item()
    action = api.add_action(item["id"])
    measure = api.add_measure(item["id"])
    api.add_evidence(item["id"], measure["id"])
    return {"item": item["id"], "action": action["id"], "measure": measure["id"]}


def _writes(ids: dict[str, str], bodies) -> dict[str, tuple[str, dict[str, Any]]]:
    item = f"{ITEMS}/{ids['item']}"
    return {
        "identify": (ITEMS, bodies["item"]()),
        "actions": (f"{item}/actions", bodies["action"]()),
        "updates": (f"{item}/actions/{ids['action']}/updates", {"status": "on_track", "note": ""}),
        "measures": (f"{item}/measures", bodies["measure"]()),
        "evidence": (f"{item}/measures/{ids['measure']}/evidence", bodies["evidence"]()),
        "corrections": (f"{item}/corrections", {"title": "New title", "reason": "clearer"}),
        "close": (f"{item}/close", {"summary": "done", "override_reason": "inspector says"}),
        "reopen": (f"{item}/reopen", {"reason": "again"}),
    }


WRITES = [
    "identify",
    "actions",
    "updates",
    "measures",
    "evidence",
    "corrections",
    "close",
    "reopen",
]


def _reads(ids: dict[str, str]) -> list[str]:
    return [
        ITEMS,
        f"{ITEMS}?subgroup={SCR}",
        f"{ITEMS}/{ids['item']}",
        f"{ITEMS}/{ids['item']}?as_of=2026-05-01T10:00:00Z",
        f"{ITEMS}/{ids['item']}/history",
        f"{BASE}/subgroups/{SCR}/loop",
        f"{BASE}/audit-trail",
        f"{BASE}/follow-ups?within_days=30",
    ]


def test_the_inspector_reads_everything(client, as_, inspector, full_item) -> None:
    for path in [*_reads(full_item), f"{BASE}/subgroups", f"{BASE}/agencies"]:
        response = client.get(path, headers=as_(inspector))
        assert response.status_code == 200, (path, response.text)
    assert client.get(ITEMS, headers=as_(inspector)).json()["items"][0]["id"] == full_item["item"]


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_inspector_and_admin_may_not_write(
    request, api, client, as_, bodies, business_manager, full_item, write: str, role: str
) -> None:
    token = request.getfixturevalue(role)
    if write == "reopen":
        api.close(full_item["item"], business_manager, override_reason="its action is moot")
    before = (api.history(full_item["item"]), api.audit_trail(token=business_manager))

    path, body = _writes(full_item, bodies)[write]
    response = client.post(path, json=body, headers=as_(token))

    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["status"] == 403
    assert role in response.json()["detail"]
    after = (api.history(full_item["item"]), api.audit_trail(token=business_manager))
    assert after == before


def test_the_admin_reads_no_learning_content(client, as_, admin, full_item) -> None:
    for path in _reads(full_item):
        response = client.get(path, headers=as_(admin))
        assert response.status_code == 403, (path, response.text)
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["title"]


# -- health and the published API -------------------------------------------------------------


def test_healthz_needs_no_token(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


CONTRACT_PATHS = [
    ("get", "/api/v1/subgroups"),
    ("get", "/api/v1/agencies"),
    ("get", "/api/v1/subgroups/{}/loop"),
    ("post", "/api/v1/learning-items"),
    ("get", "/api/v1/learning-items"),
    ("get", "/api/v1/learning-items/{}"),
    ("post", "/api/v1/learning-items/{}/actions"),
    ("post", "/api/v1/learning-items/{}/actions/{}/updates"),
    ("post", "/api/v1/learning-items/{}/measures"),
    ("post", "/api/v1/learning-items/{}/measures/{}/evidence"),
    ("post", "/api/v1/learning-items/{}/close"),
    ("post", "/api/v1/learning-items/{}/reopen"),
    ("get", "/api/v1/learning-items/{}/history"),
    ("get", "/api/v1/audit-trail"),
    ("get", "/api/v1/follow-ups"),
    ("get", "/healthz"),
]


def test_openapi_and_docs_serve_and_list_the_contract_paths(client) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    published = {
        (method, re.sub(r"\{[^}]+\}", "{}", path))
        for path, operations in spec["paths"].items()
        for method in operations
    }
    missing = [p for p in CONTRACT_PATHS if p not in published]
    assert missing == []

    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]
    assert "openapi.json" in docs.text


def test_every_contract_read_needs_a_token(client) -> None:
    for method, path in CONTRACT_PATHS:
        if method != "get" or path == "/healthz":
            continue
        response = client.get(path.replace("{}", str(uuid.uuid4())))
        assert response.status_code == 401, (path, response.text)
        assert response.headers["www-authenticate"].lower().startswith("bearer")
