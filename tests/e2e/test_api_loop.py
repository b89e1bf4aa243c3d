"""The learning loop over HTTP, as the contract describes it: identification -> improvement ->
effectiveness -> closed, with derived stage and RAG, read-your-writes, filters and corrections."""

from __future__ import annotations

from datetime import datetime
from typing import Any

SCR = "serious-case-review"
TRAINING = "training"
ITEMS = "/api/v1/learning-items"

ITEM_FIELDS = {
    "id",
    "subgroup",
    "title",
    "description",
    "source",
    "themes",
    "stage",
    "rag",
    "version",
    "actions",
    "measures",
    "created_at",
    "closed_at",
}
ACTION_FIELDS = {"id", "means", "description", "owner", "due", "status", "rag"}
MEASURE_FIELDS = {"id", "kind", "description", "review_due", "outcome", "evidence"}


def _utc(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert moment.utcoffset() is not None, f"{stamp} has no offset"
    return moment


def test_the_whole_loop_as_contributor_then_chair(
    client, api, as_, bodies, contributor, chair, clock
) -> None:
    # identification
    created = client.post(ITEMS, json=bodies["item"](), headers=as_(contributor))
    assert created.status_code == 201, created.text
    item = created.json()
    item_id = item["id"]
    assert created.headers["location"].endswith(f"{ITEMS}/{item_id}")
    assert created.headers["etag"] == '"1"'
    assert item["version"] == 1
    assert item["stage"] == "identification"
    assert item["closed_at"] is None
    assert _utc(item["created_at"]) == clock.now
    assert api.stage_of(item_id) == "identification"
    located = client.get(created.headers["location"], headers=as_(contributor))
    assert located.status_code == 200
    assert located.json()["id"] == item_id

    # improvement: a means of improvement is chosen
    response = client.post(
        f"{ITEMS}/{item_id}/actions", json=bodies["action"](), headers=as_(contributor)
    )
    assert response.status_code == 201, response.text
    action = response.json()
    assert set(action) >= ACTION_FIELDS
    assert action["means"] == "implementation_of_recommendations"
    assert action["owner"] == "Head of Early Help"
    assert action["due"] == "2026-06-30"
    assert response.headers["etag"] == '"2"'
    assert api.stage_of(item_id) == "improvement"

    response = client.post(
        f"{ITEMS}/{item_id}/actions/{action['id']}/updates",
        json={"status": "on_track", "note": "protocol drafted"},
        headers=as_(contributor),
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "on_track"
    assert response.json()["rag"] == "green"
    assert api.stage_of(item_id) == "improvement"

    response = client.post(
        f"{ITEMS}/{item_id}/actions/{action['id']}/updates",
        json={"status": "complete", "note": "protocol signed off"},
        headers=as_(contributor),
    )
    assert response.status_code == 201, response.text
    assert response.json()["rag"] == "complete"
    # effectiveness: every action is complete
    assert api.stage_of(item_id) == "effectiveness"

    response = client.post(
        f"{ITEMS}/{item_id}/measures", json=bodies["measure"](), headers=as_(contributor)
    )
    assert response.status_code == 201, response.text
    measure = response.json()
    assert set(measure) >= MEASURE_FIELDS
    assert measure["kind"] == "evaluation_workshop"
    assert measure["review_due"] == "2026-09-30"
    assert measure["outcome"] is None
    assert measure["evidence"] == []
    assert api.stage_of(item_id) == "effectiveness"

    clock.advance(days=120)
    response = client.post(
        f"{ITEMS}/{item_id}/measures/{measure['id']}/evidence",
        json=bodies["evidence"](),
        headers=as_(contributor),
    )
    assert response.status_code == 201, response.text
    assert response.json()["outcome"] == "met"
    assert len(response.json()["evidence"]) == 1
    assert api.stage_of(item_id) == "effectiveness"

    # closed, by the chair
    response = client.post(
        f"{ITEMS}/{item_id}/close", json={"summary": "Protocol works"}, headers=as_(chair)
    )
    assert response.status_code == 200, response.text
    closed = response.json()
    assert closed["stage"] == "closed"
    assert _utc(closed["closed_at"]) == clock.now
    assert response.headers["etag"] == f'"{closed["version"]}"'
    assert api.stage_of(item_id) == "closed"

    # the whole item, as the contract lists it
    response = client.get(f"{ITEMS}/{item_id}", headers=as_(contributor))
    assert response.status_code == 200
    doc = response.json()
    assert set(doc) >= ITEM_FIELDS
    assert doc["subgroup"] == SCR
    assert doc["title"] == "Agencies missed the signs of neglect"
    assert doc["source"]["kind"] == "local_serious_case_review"
    assert doc["source"]["reference"] == "SCR-2026-01"
    assert doc["themes"] == ["neglect", "information sharing"]
    assert doc["version"] == 7
    assert response.headers["etag"] == '"7"'
    assert [a["id"] for a in doc["actions"]] == [action["id"]]
    assert all(set(a) >= ACTION_FIELDS for a in doc["actions"])
    assert doc["actions"][0]["status"] == "complete"
    assert [m["id"] for m in doc["measures"]] == [measure["id"]]
    assert all(set(m) >= MEASURE_FIELDS for m in doc["measures"])
    assert doc["measures"][0]["outcome"] == "met"

    # reopening returns it to the stage its state implies
    clock.advance(days=1)
    response = client.post(
        f"{ITEMS}/{item_id}/reopen", json={"reason": "repeat incident"}, headers=as_(chair)
    )
    assert response.status_code == 200, response.text
    assert response.json()["stage"] == "effectiveness"
    assert response.json()["closed_at"] is None
    assert api.stage_of(item_id) == "effectiveness"

    api.add_action(item_id, due="2026-12-31")
    assert api.stage_of(item_id) == "improvement"

    board = api.loop()
    assert board["subgroup"] == SCR
    assert set(board["stages"]) == {"identification", "improvement", "effectiveness", "closed"}
    assert {name: s["count"] for name, s in board["stages"].items()} == {
        "identification": 0,
        "improvement": 1,
        "effectiveness": 0,
        "closed": 0,
    }


def test_reopen_returns_an_item_closed_early_to_the_stage_its_state_implies(
    api, business_manager
) -> None:
    bare = api.create_item(title="Closed before any action")
    started = api.create_item(title="Closed mid-improvement")
    api.add_action(started["id"])
    for item in (bare, started):
        api.close(item["id"], business_manager, override_reason="superseded by a thematic review")
        assert api.stage_of(item["id"]) == "closed"

    for item, stage in ((bare, "identification"), (started, "improvement")):
        response = api.client.post(
            f"{ITEMS}/{item['id']}/reopen",
            json={"reason": "the thematic review was withdrawn"},
            headers={"Authorization": f"Bearer {business_manager}"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["stage"] == stage
        assert api.stage_of(item["id"]) == stage


def test_action_rag_follows_status_and_the_clock(api, clock) -> None:
    item = api.create_item()
    action = api.add_action(item["id"], due="2026-06-30")
    aid = action["id"]

    assert api.update(item["id"], aid, "on_track")["rag"] == "green"
    assert api.update(item["id"], aid, "at_risk")["rag"] == "amber"
    assert api.update(item["id"], aid, "off_track")["rag"] == "red"
    assert api.update(item["id"], aid, "on_track")["rag"] == "green"
    assert api.get(item["id"])["rag"] == "green"

    clock.now = clock.now.replace(month=6, day=30)  # the due date itself is not past due
    assert api.get(item["id"])["actions"][0]["rag"] == "green"
    assert api.get(item["id"])["rag"] == "green"

    clock.advance(days=1)  # now past due and not complete
    doc = api.get(item["id"])
    assert doc["actions"][0]["rag"] == "red"
    assert doc["rag"] == "red"
    listed = api.client.get(ITEMS, headers={"Authorization": f"Bearer {api.token}"}).json()
    assert [i["rag"] for i in listed["items"]] == ["red"]

    assert api.update(item["id"], aid, "complete")["rag"] == "complete"
    assert api.get(item["id"])["actions"][0]["rag"] == "complete"


def test_item_rag_is_its_worst_open_action(api) -> None:
    item = api.create_item()
    first = api.add_action(item["id"], due="2026-07-31")
    second = api.add_action(item["id"], due="2026-08-31", description="Audit the protocol")
    third = api.add_action(item["id"], due="2026-09-30", description="Train the front door")

    api.update(item["id"], first["id"], "on_track")
    api.update(item["id"], second["id"], "at_risk")
    assert api.get(item["id"])["rag"] == "amber"

    api.update(item["id"], third["id"], "off_track")
    assert api.get(item["id"])["rag"] == "red"

    api.update(item["id"], third["id"], "complete")  # complete actions are not open
    assert api.get(item["id"])["rag"] == "amber"

    api.update(item["id"], second["id"], "complete")
    doc = api.get(item["id"])
    assert doc["rag"] == "green"
    assert [a["rag"] for a in doc["actions"]] == ["green", "complete", "complete"]


def test_business_manager_closes_without_met_evidence_by_override(
    api, client, as_, business_manager
) -> None:
    item = api.create_item()
    action = api.add_action(item["id"])
    api.update(item["id"], action["id"], "complete")
    measure = api.add_measure(item["id"])
    api.add_evidence(item["id"], measure["id"], outcome="partly_met")

    reason = "Board agreed the remaining learning moves to the thematic review"
    response = client.post(
        f"{ITEMS}/{item['id']}/close",
        json={"summary": "Closed by the Board", "override_reason": reason},
        headers=as_(business_manager),
    )
    assert response.status_code == 200, response.text
    assert response.json()["stage"] == "closed"
    assert api.stage_of(item["id"]) == "closed"

    last = api.history(item["id"])[-1]
    assert last["type"] == "Closed"
    assert last["data"]["override_reason"] == reason
    assert last["actor"]["role"] == "business_manager"


def test_list_filters_by_subgroup_stage_and_overdue(
    api, client, as_, contributor_other, clock, inspector
) -> None:
    fresh = api.create_item(title="Fresh SCR learning")
    busy = api.create_item(title="SCR learning under way")
    api.add_action(busy["id"], due="2026-05-20")
    training = api.create_item(
        token=contributor_other,
        subgroup=TRAINING,
        title="Course misses neglect",
        source={"kind": "participant_feedback"},
    )

    def listed(**params: Any) -> list[str]:
        response = client.get(ITEMS, params=params, headers=as_(inspector))
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["items"]]

    assert set(listed()) == {fresh["id"], busy["id"], training["id"]}
    assert set(listed(subgroup=SCR)) == {fresh["id"], busy["id"]}
    assert listed(subgroup=TRAINING) == [training["id"]]
    assert set(listed(stage="identification")) == {fresh["id"], training["id"]}
    assert listed(stage="improvement") == [busy["id"]]
    assert listed(subgroup=TRAINING, stage="improvement") == []
    assert listed(overdue="true") == []

    clock.advance(days=20)  # 2026-05-21: busy's action is past due
    assert listed(overdue="true") == [busy["id"]]
    assert listed(overdue="true", subgroup=TRAINING) == []
    assert listed(overdue="true", subgroup=SCR, stage="improvement") == [busy["id"]]
    assert set(listed(overdue="false")) == {fresh["id"], busy["id"], training["id"]}


def test_a_correction_changes_the_title_and_keeps_the_old_one_in_history(
    api, client, as_, contributor
) -> None:
    item = api.create_item(title="Agencies mised the signs")
    response = client.post(
        f"{ITEMS}/{item['id']}/corrections",
        json={"title": "Agencies missed the signs", "reason": "typo"},
        headers=as_(contributor),
    )
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "Agencies missed the signs"
    assert response.headers["etag"] == '"2"'
    assert api.get(item["id"])["title"] == "Agencies missed the signs"
    assert api.get(item["id"])["description"] == item["description"]

    events = api.history(item["id"])
    assert [e["type"] for e in events] == ["Identified", "Corrected"]
    assert events[0]["data"]["title"] == "Agencies mised the signs"
    assert events[1]["data"]["title"] == "Agencies missed the signs"
    assert events[1]["data"]["previous_title"] == "Agencies mised the signs"
    assert events[1]["data"]["reason"] == "typo"


def test_read_your_writes_on_every_view_right_after_each_command(
    api, client, as_, inspector
) -> None:
    item = api.create_item()
    for step in range(3):
        api.add_action(item["id"], description=f"Step {step}")
        assert len(api.get(item["id"])["actions"]) == step + 1
        assert len(api.history(item["id"])) == step + 2
        trail = api.audit_trail(token=inspector)
        assert [e["version"] for e in trail if e["stream_id"] == item["id"]][-1] == step + 2
        follow = client.get("/api/v1/follow-ups?within_days=3650", headers=as_(inspector))
        assert len(follow.json()["follow_ups"]) == step + 1


def test_dates_are_the_partnerships_local_dates(
    api, client, as_, bodies, contributor, clock
) -> None:
    """Europe/London: 23:30Z on 30 June is already 1 July there (BST)."""
    clock.now = clock.now.replace(hour=23, minute=30)  # 2026-05-02 00:30 in London
    item = api.create_item()
    response = client.post(
        f"{ITEMS}/{item['id']}/actions",
        json=bodies["action"](due="2026-05-01"),
        headers=as_(contributor),
    )
    assert response.status_code == 422, response.text
    action = api.add_action(item["id"], due="2026-06-30")

    clock.now = clock.now.replace(month=6, day=30, hour=22, minute=59)  # 23:59 BST, 30 June
    assert api.get(item["id"])["actions"][0]["rag"] == "green"
    clock.advance(minutes=1)  # 00:00 BST, 1 July
    assert api.get(item["id"])["actions"][0]["rag"] == "red"
    assert api.update(item["id"], action["id"], "complete")["rag"] == "complete"
