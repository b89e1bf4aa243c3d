"""Putting things right over HTTP (ADR 0046) and references people can say (ADR 0045): the
shapes of withdrawals, corrections and references, on both stores."""

from __future__ import annotations

from typing import Any

BASE = "/api/v1"
ITEMS = f"{BASE}/learning-items"
REVIEWS = f"{BASE}/case-reviews"
AUDITS = f"{BASE}/audits"
PROBLEM = "application/problem+json"
REVIEW = {
    "case_reference": "CR-2026/201",
    "notified_on": "2026-04-20",
    "notifying_agency": "rbwm-childrens-services",
    "summary": "Infant admitted with unexplained injuries",
}
CASE_AUDIT = {"kind": "multi_agency_case_audit", "theme": "Neglect", "planned_for": "2026-06-15"}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def problem(response: Any, status: int, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    for word in words:
        assert word.lower() in body["detail"].lower(), (word, body["detail"])
    return body


# -- learning items -------------------------------------------------------------------------


def test_an_item_has_a_reference_and_answers_by_it(api, client, contributor) -> None:
    first = api.create_item()
    second = api.create_item()
    assert (first["reference"], second["reference"]) == ("LL-2026-0001", "LL-2026-0002")
    by_reference = client.get(f"{ITEMS}/LL-2026-0002", headers=auth(contributor))
    assert by_reference.status_code == 200, by_reference.text
    assert by_reference.json()["id"] == second["id"]
    history = client.get(f"{ITEMS}/ll-2026-0002/history", headers=auth(contributor))
    assert [e["type"] for e in history.json()["events"]] == ["Identified"]
    for unknown in ("LL-2026-0003", "CR-2026-001", "not-an-id"):
        problem(client.get(f"{ITEMS}/{unknown}", headers=auth(contributor)), 404)


def test_a_withdrawn_item_keeps_its_history_and_leaves_the_board_and_follow_ups(
    api, client, chair, contributor
) -> None:
    item = api.create_item()
    api.add_action(item["id"])
    response = client.post(
        f"{ITEMS}/{item['reference']}/withdraw",
        json={"reason": "A duplicate of LL-2026-0009", "on": "2026-05-01"},
        headers=auth(chair),
    )
    assert response.status_code == 200, response.text
    doc = response.json()
    assert (doc["withdrawn"], doc["stage"], doc["rag"]) == (True, "withdrawn", None)
    assert doc["withdrawal"]["reason"] == "A duplicate of LL-2026-0009"
    board = api.loop()["stages"]
    assert all(item["id"] not in {i["id"] for i in s["items"]} for s in board.values())
    follow = client.get(f"{BASE}/follow-ups", params={"within_days": 400}, headers=auth(chair))
    assert item["id"] not in {f["item_id"] for f in follow.json()["follow_ups"]}
    assert [e["type"] for e in api.history(item["id"])][-1] == "Withdrawn"
    listed = client.get(ITEMS, headers=auth(chair)).json()["items"]
    assert item["id"] not in {i["id"] for i in listed}
    asked = client.get(ITEMS, params={"stage": "withdrawn"}, headers=auth(chair))
    assert [i["id"] for i in asked.json()["items"]] == [item["id"]]
    again = client.post(
        f"{ITEMS}/{item['id']}/withdraw", json={"reason": "again"}, headers=auth(chair)
    )
    problem(again, 409, "withdrawn")
    changed = client.post(
        f"{ITEMS}/{item['id']}/corrections",
        json={"title": "New", "reason": "r"},
        headers=auth(contributor),
    )
    problem(changed, 409, "withdrawn")


def test_follow_ups_and_the_calendar_name_the_reference_and_leave_a_withdrawn_action(
    api, client, contributor
) -> None:
    item = api.create_item()
    kept = api.add_action(item["id"])
    gone = api.add_action(item["id"], description="Entered twice")
    client.post(
        f"{ITEMS}/{item['id']}/actions/{gone['id']}/withdraw",
        json={"reason": "Entered twice"},
        headers=auth(contributor),
    )
    follow = client.get(
        f"{BASE}/follow-ups", params={"within_days": 400}, headers=auth(contributor)
    )
    rows = [f for f in follow.json()["follow_ups"] if f["item_id"] == item["id"]]
    assert [(f["target_id"], f["item_reference"]) for f in rows] == [(kept["id"], "LL-2026-0001")]
    feed = client.get(
        f"{BASE}/subgroups/serious-case-review/calendar.ics", headers=auth(contributor)
    ).text
    assert f"{kept['id']}@learnloop" in feed and f"{gone['id']}@learnloop" not in feed


def test_a_withdrawal_names_its_reason_and_no_day_to_come(api, client, chair) -> None:
    item = api.create_item()
    path = f"{ITEMS}/{item['id']}/withdraw"
    for body in ({}, {"reason": "r", "extra": 1}, {"reason": "r", "on": "2030-01-01"}):
        assert client.post(path, json=body, headers=auth(chair)).status_code == 422, body
    problem(client.post(path, json={"reason": "  "}, headers=auth(chair)), 422)
    assert api.get(item["id"])["withdrawn"] is False


def test_a_contributor_withdraws_an_action_and_a_measure_not_the_item(
    api, client, contributor, chair
) -> None:
    item = api.create_item()
    done = api.add_action(item["id"])
    extra = api.add_action(item["id"], description="Entered twice")
    measure = api.add_measure(item["id"])
    api.update(item["id"], done["id"], "complete")
    api.add_evidence(item["id"], measure["id"])
    refused = client.post(f"{ITEMS}/{item['id']}/close", json={"summary": "s"}, headers=auth(chair))
    problem(refused, 409, "every action is complete or withdrawn", "Entered twice")
    withdrawn = client.post(
        f"{ITEMS}/{item['id']}/actions/{extra['id']}/withdraw",
        json={"reason": "Entered twice"},
        headers=auth(contributor),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["withdrawn"], withdrawn.json()["rag"]) == (True, "withdrawn")
    wrong = api.add_measure(item["id"], description="The wrong measure")
    gone = client.post(
        f"{ITEMS}/{item['id']}/measures/{wrong['id']}/withdraw",
        json={"reason": "Not this one"},
        headers=auth(contributor),
    )
    assert (gone.status_code, gone.json()["withdrawn"]) == (200, True)
    problem(
        client.post(
            f"{ITEMS}/{item['id']}/withdraw", json={"reason": "r"}, headers=auth(contributor)
        ),
        403,
    )
    closed = api.close(item["id"], chair)
    assert (closed["stage"], closed["rag"]) == ("closed", "closed")


def test_a_closed_items_open_actions_are_not_green_and_a_reopen_needs_new_evidence(
    api, client, business_manager, chair, clock
) -> None:
    item = api.create_item()
    action = api.add_action(item["id"])
    measure = api.add_measure(item["id"])
    api.add_evidence(item["id"], measure["id"])
    closed = api.close(item["id"], business_manager, override_reason="Superseded")
    assert [a["rag"] for a in closed["actions"]] == ["closed"]
    assert closed["rag"] == "closed"
    clock.advance(days=1)
    reopened = client.post(
        f"{ITEMS}/{item['id']}/reopen", json={"reason": "It came back"}, headers=auth(chair)
    )
    assert reopened.status_code == 200, reopened.text
    api.update(item["id"], action["id"], "complete")
    again = client.post(f"{ITEMS}/{item['id']}/close", json={"summary": "s"}, headers=auth(chair))
    problem(again, 409, "since it was reopened")
    api.add_evidence(item["id"], measure["id"])
    assert api.close(item["id"], chair)["stage"] == "closed"


def test_an_amendment_that_changes_nothing_is_422(api, client, contributor) -> None:
    item = api.create_item()
    action = api.add_action(item["id"])
    before = len(api.history(item["id"]))
    response = client.post(
        f"{ITEMS}/{item['id']}/actions/{action['id']}/amendments",
        json={"due": action["due"], "reason": "r"},
        headers=auth(contributor),
    )
    problem(response, 422, "must change")
    assert len(api.history(item["id"])) == before


# -- case reviews -----------------------------------------------------------------------------


def test_a_review_has_a_reference_and_a_case_reference_is_held_once(
    client, business_manager
) -> None:
    created = client.post(REVIEWS, json=REVIEW, headers=auth(business_manager))
    assert created.status_code == 201, created.text
    review = created.json()
    assert review["reference"] == "CR-2026-001"
    got = client.get(f"{REVIEWS}/CR-2026-001", headers=auth(business_manager))
    assert got.json()["id"] == review["id"]
    twice = client.post(REVIEWS, json=REVIEW, headers=auth(business_manager))
    problem(twice, 409, "CR-2026/201", "CR-2026-001")

    withdrawn = client.post(
        f"{REVIEWS}/{review['id']}/withdraw",
        json={"reason": "Notified twice"},
        headers=auth(business_manager),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["status"], withdrawn.json()["clocks"]) == ("withdrawn", [])
    assert withdrawn.json()["withdrawn"] is True
    again = client.post(REVIEWS, json=REVIEW, headers=auth(business_manager))
    assert (again.status_code, again.json()["reference"]) == (201, "CR-2026-002")
    listed = client.get(REVIEWS, params={"status": "withdrawn"}, headers=auth(business_manager))
    assert [r["id"] for r in listed.json()["case_reviews"]] == [review["id"]]


def test_a_withdrawn_review_leaves_the_list_and_answers_by_its_id_and_reference(
    client, business_manager, inspector
) -> None:
    """As a withdrawn item leaves the item list: listed only when asked for by its status."""
    kept = client.post(REVIEWS, json=REVIEW, headers=auth(business_manager)).json()
    other = {**REVIEW, "case_reference": "CR-2026/202"}
    gone = client.post(REVIEWS, json=other, headers=auth(business_manager)).json()
    withdrawn = client.post(
        f"{REVIEWS}/{gone['reference']}/withdraw",
        json={"reason": "Entered in error"},
        headers=auth(business_manager),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    listed = client.get(REVIEWS, headers=auth(inspector))
    assert listed.status_code == 200, listed.text
    assert [r["id"] for r in listed.json()["case_reviews"]] == [kept["id"]]
    asked = client.get(REVIEWS, params={"status": "withdrawn"}, headers=auth(inspector))
    assert [r["id"] for r in asked.json()["case_reviews"]] == [gone["id"]]
    notified = client.get(REVIEWS, params={"status": "notified"}, headers=auth(inspector))
    assert [r["id"] for r in notified.json()["case_reviews"]] == [kept["id"]]
    for key in ("id", "reference"):
        got = client.get(f"{REVIEWS}/{gone[key]}", headers=auth(inspector))
        assert got.status_code == 200, got.text
        assert (got.json()["id"], got.json()["withdrawn"]) == (gone["id"], True)
    history = client.get(f"{REVIEWS}/{gone['reference']}/history", headers=auth(inspector))
    assert [e["type"] for e in history.json()["events"]][-1] == "Withdrawn"


def test_a_reviews_step_is_corrected_keeping_both_dates(client, business_manager) -> None:
    review = client.post(REVIEWS, json=REVIEW, headers=auth(business_manager)).json()
    path = f"{REVIEWS}/{review['reference']}/corrections"
    body = {"step": "notified", "happened_on": "2026-04-18", "reason": "Typed from the wrong form"}
    response = client.post(path, json=body, headers=auth(business_manager))
    assert response.status_code == 201, response.text
    doc = response.json()
    assert (doc["notified_on"], doc["steps"]["notified"]) == ("2026-04-18", "2026-04-18")
    (correction,) = doc["corrections"]
    assert (correction["previous_on"], correction["happened_on"]) == ("2026-04-20", "2026-04-18")
    same = client.post(path, json=body, headers=auth(business_manager))
    problem(same, 422, "must change")
    unknown = {**body, "step": "published"}
    problem(client.post(path, json=unknown, headers=auth(business_manager)), 422)


# -- audits -----------------------------------------------------------------------------------


def test_a_withdrawn_case_audit_frees_its_place_in_the_four(client, business_manager) -> None:
    planned = [
        client.post(
            AUDITS, json={**CASE_AUDIT, "theme": f"Theme {n}"}, headers=auth(business_manager)
        )
        for n in range(4)
    ]
    assert [p.json()["reference"] for p in planned] == [f"AUD-2026-0{n}" for n in range(1, 5)]
    problem(client.post(AUDITS, json=CASE_AUDIT, headers=auth(business_manager)), 409, "up to 4")
    withdrawn = client.post(
        f"{AUDITS}/AUD-2026-02/withdraw",
        json={"reason": "Will not happen this year"},
        headers=auth(business_manager),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["status"], withdrawn.json()["withdrawn"]) == ("withdrawn", True)
    fifth = client.post(AUDITS, json=CASE_AUDIT, headers=auth(business_manager))
    assert (fifth.status_code, fifth.json()["reference"]) == (201, "AUD-2026-05")


def test_a_withdrawn_audit_leaves_the_list_and_answers_by_its_id_and_reference(
    client, business_manager, inspector
) -> None:
    """As a withdrawn item leaves the item list: listed only when asked for by its status."""
    kept = client.post(AUDITS, json=CASE_AUDIT, headers=auth(business_manager)).json()
    gone = client.post(
        AUDITS, json={**CASE_AUDIT, "theme": "Will not happen"}, headers=auth(business_manager)
    ).json()
    withdrawn = client.post(
        f"{AUDITS}/{gone['reference']}/withdraw",
        json={"reason": "Will not happen this year"},
        headers=auth(business_manager),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    for params in ({}, {"year": 2026}):
        listed = client.get(AUDITS, params=params, headers=auth(inspector))
        assert listed.status_code == 200, listed.text
        assert [a["id"] for a in listed.json()["audits"]] == [kept["id"]]
    for params, found in (
        ({"status": "withdrawn"}, [gone["id"]]),
        ({"status": "withdrawn", "year": 2026}, [gone["id"]]),
        ({"status": "withdrawn", "year": 2027}, []),
        ({"status": "planned"}, [kept["id"]]),
        ({"status": "completed"}, []),
    ):
        asked = client.get(AUDITS, params=params, headers=auth(inspector))
        assert asked.status_code == 200, asked.text
        assert [a["id"] for a in asked.json()["audits"]] == found, params
    problem(client.get(AUDITS, params={"status": "gone"}, headers=auth(inspector)), 422)
    for key in ("id", "reference"):
        got = client.get(f"{AUDITS}/{gone[key]}", headers=auth(inspector))
        assert got.status_code == 200, got.text
        assert (got.json()["id"], got.json()["withdrawn"]) == (gone["id"], True)
    history = client.get(f"{AUDITS}/{gone['reference']}/history", headers=auth(inspector))
    assert [e["type"] for e in history.json()["events"]][-1] == "Withdrawn"


def test_an_audit_is_corrected_keeping_what_it_was(client, business_manager) -> None:
    audit = client.post(AUDITS, json=CASE_AUDIT, headers=auth(business_manager)).json()
    path = f"{AUDITS}/{audit['id']}/corrections"
    response = client.post(
        path,
        json={"theme": "Neglect of infants", "reason": "Wrong theme"},
        headers=auth(business_manager),
    )
    assert response.status_code == 201, response.text
    doc = response.json()
    assert doc["theme"] == "Neglect of infants"
    assert doc["corrections"][0]["previous"] == {"theme": "Neglect"}
    same = client.post(
        path, json={"theme": "Neglect of infants", "reason": "r"}, headers=auth(business_manager)
    )
    problem(same, 422, "must change")
