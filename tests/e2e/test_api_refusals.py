"""Every refusal the contract names, over HTTP: the status, an RFC 9457 problem that names the
problem, and nothing recorded (the item's history and the audit trail are as they were)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

SCR = "serious-case-review"
BASE = "/api/v1"
ITEMS = f"{BASE}/learning-items"
PROBLEM = "application/problem+json"


def assert_problem(response: Any, status: int, *words: str, field: str | None = None) -> dict:
    """The response is a problem of `status` whose detail names each of `words` (any case);
    for 422, `errors` lists `field` among [{field, message}]."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    for word in words:
        assert word.lower() in body["detail"].lower(), (word, body["detail"])
    if status == 422:
        assert body["errors"], body
        for error in body["errors"]:
            assert set(error) >= {"field", "message"}
            assert error["message"]
        if field is not None:
            assert field in [e["field"] for e in body["errors"]], body["errors"]
    return body


@pytest.fixture
def unchanged(api, business_manager) -> Callable[..., Any]:
    """`with unchanged(item_id):` asserts the block records nothing: the item's history (when an
    item is named) and the whole audit trail are the same after it as before."""

    @contextmanager
    def _unchanged(item_id: str | None = None) -> Iterator[None]:
        def state() -> tuple[Any, Any]:
            history = api.history(item_id, token=business_manager) if item_id else None
            return history, api.audit_trail(token=business_manager)

        before = state()
        yield
        after = state()
        assert after[0] == before[0], "the item's history changed"
        assert len(after[1]) == len(before[1]), "the audit trail grew"
        assert after[1] == before[1]

    return _unchanged


@pytest.fixture
def item(api) -> dict[str, Any]:
    """An SCR item with one action and one measure (no evidence yet)."""
    created = api.create_item()
    action = api.add_action(created["id"])
    measure = api.add_measure(created["id"])
    return {"id": created["id"], "action": action["id"], "measure": measure["id"]}


def closable(api, item: dict[str, Any]) -> None:
    """The item's action complete and its measure's evidence `met`: a chair may close it."""
    api.update(item["id"], item["action"], "complete")
    api.add_evidence(item["id"], item["measure"])


# -- malformed input and values the framework does not know: 422 ------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"subgroup": "no-such-subgroup"}, "subgroup", ["no-such-subgroup"]),
        ({"source": {"kind": "participant_feedback"}}, "source.kind", ["participant_feedback"]),
        ({"source": {"kind": ""}}, "source.kind", []),
        ({"title": ""}, "title", ["title"]),
        ({"title": "   \t "}, "title", ["title"]),
        ({"title": None}, "title", ["title"]),
        ({"themes": ["neglect", "  "]}, "themes", ["themes"]),
        ({"colour": "red"}, "colour", ["colour"]),
        (
            {"source": {"kind": "local_serious_case_review", "page": 3}},
            "source.page",
            ["source.page"],
        ),
    ],
    ids=[
        "unknown-subgroup",
        "source-of-another-subgroup",
        "empty-source",
        "empty-title",
        "whitespace-title",
        "null-title",
        "blank-theme",
        "unknown-field",
        "unknown-nested-field",
    ],
)
def test_a_bad_new_item_is_422(
    client, as_, bodies, contributor, unchanged, overrides, field, words
) -> None:
    with unchanged():
        response = client.post(ITEMS, json=bodies["item"](**overrides), headers=as_(contributor))
        assert_problem(response, 422, *words, field=field)


@pytest.mark.parametrize("missing", ["subgroup", "title", "description", "source"])
def test_a_new_item_missing_a_field_is_422(
    client, as_, bodies, contributor, unchanged, missing
) -> None:
    body = bodies["item"]()
    del body[missing]
    with unchanged():
        response = client.post(ITEMS, json=body, headers=as_(contributor))
        assert_problem(response, 422, missing, field=missing)


@pytest.mark.parametrize("payload", ["not json", "[]", "null"])
def test_a_body_that_is_not_an_object_is_422(client, as_, contributor, unchanged, payload) -> None:
    with unchanged():
        response = client.post(
            ITEMS,
            content=payload,
            headers=as_(contributor, **{"Content-Type": "application/json"}),
        )
        assert_problem(response, 422)


NOT_DATES = ["2027-02-30", "tomorrow", 20270101, "2027-1-5", "05/01/2027", ""]


@pytest.mark.parametrize("due", NOT_DATES)
def test_an_action_due_date_that_is_not_a_date_is_422(
    client, as_, bodies, contributor, unchanged, item, due
) -> None:
    with unchanged(item["id"]):
        response = client.post(
            f"{ITEMS}/{item['id']}/actions",
            json=bodies["action"](due=due),
            headers=as_(contributor),
        )
        assert_problem(response, 422, "due", field="due")


@pytest.mark.parametrize("review_due", NOT_DATES)
def test_a_measure_review_date_that_is_not_a_date_is_422(
    client, as_, bodies, contributor, unchanged, item, review_due
) -> None:
    with unchanged(item["id"]):
        response = client.post(
            f"{ITEMS}/{item['id']}/measures",
            json=bodies["measure"](review_due=review_due),
            headers=as_(contributor),
        )
        assert_problem(response, 422, "review_due", field="review_due")


@pytest.mark.parametrize(
    ("command", "field", "date"),
    [("actions", "due", "2026-04-30"), ("measures", "review_due", "2025-12-31")],
)
def test_a_date_before_identification_is_422(
    client, as_, bodies, contributor, unchanged, item, command, field, date
) -> None:
    body = bodies["action" if command == "actions" else "measure"](**{field: date})
    with unchanged(item["id"]):
        response = client.post(
            f"{ITEMS}/{item['id']}/{command}", json=body, headers=as_(contributor)
        )
        assert_problem(response, 422, date, "identification", field=field)


def test_a_due_date_on_the_day_of_identification_is_accepted(api, item) -> None:
    assert api.add_action(item["id"], due="2026-05-01")["due"] == "2026-05-01"


def test_means_not_of_the_subgroup_is_422(
    client, as_, bodies, contributor, unchanged, item
) -> None:
    with unchanged(item["id"]):
        response = client.post(
            f"{ITEMS}/{item['id']}/actions",
            json=bodies["action"](means="course_content_review"),  # a training means
            headers=as_(contributor),
        )
        assert_problem(response, 422, "course_content_review", field="means")


def test_measure_kind_not_of_the_subgroup_is_422(
    client, as_, bodies, contributor, unchanged, item
) -> None:
    with unchanged(item["id"]):
        response = client.post(
            f"{ITEMS}/{item['id']}/measures",
            json=bodies["measure"](kind="participant_evaluation"),  # a training measure
            headers=as_(contributor),
        )
        assert_problem(response, 422, "participant_evaluation", field="kind")


def _command_bodies(item: dict[str, Any], bodies) -> dict[str, tuple[str, dict[str, Any]]]:
    base = f"{ITEMS}/{item['id']}"
    return {
        "actions": (f"{base}/actions", bodies["action"]()),
        "updates": (
            f"{base}/actions/{item['action']}/updates",
            {"status": "on_track", "note": "going well"},
        ),
        "measures": (f"{base}/measures", bodies["measure"]()),
        "evidence": (f"{base}/measures/{item['measure']}/evidence", bodies["evidence"]()),
        "corrections": (f"{base}/corrections", {"title": "A clearer title", "reason": "clarity"}),
        "close": (f"{base}/close", {"summary": "All done"}),
        "reopen": (f"{base}/reopen", {"reason": "It happened again"}),
    }


COMMANDS = ["actions", "updates", "measures", "evidence", "corrections", "close", "reopen"]


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_field_in_any_command_is_422(
    client, as_, bodies, chair, unchanged, item, command
) -> None:
    path, body = _command_bodies(item, bodies)[command]
    with unchanged(item["id"]):
        response = client.post(path, json={**body, "priority": "high"}, headers=as_(chair))
        assert_problem(response, 422, "priority", field="priority")


@pytest.mark.parametrize(
    ("command", "body", "field"),
    [
        ("updates", {"status": "done", "note": ""}, "status"),
        ("evidence", {"outcome": "mostly", "summary": "x"}, "outcome"),
        ("evidence", {"outcome": "met", "summary": "  "}, "summary"),
        (
            "actions",
            {"means": "key_themes", "description": " ", "owner": "x", "due": "2026-07-01"},
            "description",
        ),
        ("corrections", {"reason": "nothing to change"}, None),
        (
            "corrections",
            {"title": "Agencies missed the signs of neglect", "reason": "same"},
            "title",
        ),
    ],
    ids=[
        "bad-status",
        "bad-outcome",
        "blank-summary",
        "blank-description",
        "empty-correction",
        "correction-changing-nothing",
    ],
)
def test_other_malformed_commands_are_422(
    client, as_, contributor, unchanged, item, command, body, field
) -> None:
    path = {
        "updates": f"{ITEMS}/{item['id']}/actions/{item['action']}/updates",
        "evidence": f"{ITEMS}/{item['id']}/measures/{item['measure']}/evidence",
        "actions": f"{ITEMS}/{item['id']}/actions",
        "corrections": f"{ITEMS}/{item['id']}/corrections",
    }[command]
    with unchanged(item["id"]):
        response = client.post(path, json=body, headers=as_(contributor))
        assert_problem(response, 422, field=field)


# -- framework rules: 409 ---------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [None, "not_met", "partly_met"])
def test_closing_without_met_evidence_is_409(
    api, client, as_, chair, unchanged, item, outcome
) -> None:
    if outcome is not None:
        api.add_evidence(item["id"], item["measure"], outcome=outcome)
    with unchanged(item["id"]):
        response = client.post(
            f"{ITEMS}/{item['id']}/close", json={"summary": "done"}, headers=as_(chair)
        )
        assert_problem(response, 409, "met")


def test_a_chair_may_not_close_by_override(client, as_, chair, unchanged, item) -> None:
    with unchanged(item["id"]):
        response = client.post(
            f"{ITEMS}/{item['id']}/close",
            json={"summary": "done", "override_reason": "I say so"},
            headers=as_(chair),
        )
        assert response.status_code in (403, 409), response.text
        assert_problem(response, response.status_code, "business manager")


def test_reopening_an_open_item_is_409(client, as_, chair, unchanged, item) -> None:
    with unchanged(item["id"]):
        response = client.post(
            f"{ITEMS}/{item['id']}/reopen", json={"reason": "again"}, headers=as_(chair)
        )
        assert_problem(response, 409, "closed")


@pytest.mark.parametrize(
    "command", ["actions", "updates", "measures", "evidence", "close", "corrections"]
)
def test_a_closed_item_refuses_every_command_but_reopen(
    api, client, as_, bodies, chair, unchanged, item, command
) -> None:
    closable(api, item)
    api.close(item["id"], chair)
    path, body = _command_bodies(item, bodies)[command]
    with unchanged(item["id"]):
        response = client.post(path, json=body, headers=as_(chair))
        assert_problem(response, 409, "closed")
    reopened = client.post(
        f"{ITEMS}/{item['id']}/reopen", json={"reason": "new concern"}, headers=as_(chair)
    )
    assert reopened.status_code == 200, reopened.text


# -- If-Match: 412 ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_a_stale_if_match_is_412_and_a_matching_one_succeeds(
    api, client, as_, bodies, chair, unchanged, item, command
) -> None:
    if command in ("close", "reopen"):
        closable(api, item)
    if command == "reopen":
        api.close(item["id"], chair)
    current = client.get(f"{ITEMS}/{item['id']}", headers=as_(chair))
    version = current.json()["version"]
    assert current.headers["etag"] == f'"{version}"'
    path, body = _command_bodies(item, bodies)[command]

    for stale in (f'"{version - 1}"', f'"{version + 1}"', '"1"'):
        with unchanged(item["id"]):
            response = client.post(path, json=body, headers=as_(chair, **{"If-Match": stale}))
            assert_problem(response, 412, str(version))

    response = client.post(
        path, json=body, headers=as_(chair, **{"If-Match": current.headers["etag"]})
    )
    assert response.status_code in (200, 201), response.text
    assert response.headers["etag"] == f'"{version + 1}"'
    assert len(api.history(item["id"])) == version + 1


def test_a_malformed_if_match_records_nothing(client, as_, bodies, chair, unchanged, item) -> None:
    with unchanged(item["id"]):
        response = client.post(
            f"{ITEMS}/{item['id']}/actions",
            json=bodies["action"](),
            headers=as_(chair, **{"If-Match": "yesterday's"}),
        )
        assert_problem(response, 412)


# -- who: 401 and 403 -------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer"])
def test_no_token_or_a_wrong_one_is_401(client, bodies, unchanged, item, header) -> None:
    headers = {} if header is None else {"Authorization": header}
    with unchanged(item["id"]):
        for response in (
            client.post(ITEMS, json=bodies["item"](), headers=headers),
            client.post(f"{ITEMS}/{item['id']}/actions", json=bodies["action"](), headers=headers),
            client.get(f"{ITEMS}/{item['id']}", headers=headers),
        ):
            assert_problem(response, 401)
            assert response.headers["www-authenticate"].lower().startswith("bearer")


def test_a_contributor_of_another_subgroup_is_403(
    client, as_, bodies, contributor_other, unchanged, item
) -> None:
    with unchanged(item["id"]):
        response = client.post(ITEMS, json=bodies["item"](), headers=as_(contributor_other))
        assert_problem(response, 403, SCR)
        for path, body in _command_bodies(item, bodies).values():
            response = client.post(path, json=body, headers=as_(contributor_other))
            assert_problem(response, 403, SCR)


def test_a_contributor_may_not_close_or_reopen(
    api, client, as_, contributor, chair, unchanged, item
) -> None:
    closable(api, item)
    with unchanged(item["id"]):
        response = client.post(
            f"{ITEMS}/{item['id']}/close", json={"summary": "done"}, headers=as_(contributor)
        )
        assert_problem(response, 403, "contributor", "close")
    api.close(item["id"], chair)
    with unchanged(item["id"]):
        response = client.post(
            f"{ITEMS}/{item['id']}/reopen", json={"reason": "again"}, headers=as_(contributor)
        )
        assert_problem(response, 403, "contributor", "reopen")


def test_a_chair_of_another_subgroup_may_not_close_or_reopen(
    api, client, as_, chair, chair_other, unchanged, item
) -> None:
    closable(api, item)
    with unchanged(item["id"]):
        response = client.post(
            f"{ITEMS}/{item['id']}/close", json={"summary": "done"}, headers=as_(chair_other)
        )
        assert_problem(response, 403, "chair", SCR)
    api.close(item["id"], chair)
    with unchanged(item["id"]):
        response = client.post(
            f"{ITEMS}/{item['id']}/reopen", json={"reason": "again"}, headers=as_(chair_other)
        )
        assert_problem(response, 403, "chair", SCR)


# -- unknown ids: 404 -------------------------------------------------------------------------


@pytest.mark.parametrize("item_id", ["1d64957f-e400-4fd2-a9a9-9644a1d1ab96", "not-an-id", "12345"])
def test_an_unknown_or_malformed_item_id_is_404(
    client, as_, bodies, chair, unchanged, item, item_id
) -> None:
    with unchanged(item["id"]):
        for response in (
            client.get(f"{ITEMS}/{item_id}", headers=as_(chair)),
            client.get(f"{ITEMS}/{item_id}?as_of=2026-05-01T10:00:00Z", headers=as_(chair)),
            client.get(f"{ITEMS}/{item_id}/history", headers=as_(chair)),
        ):
            assert_problem(response, 404, item_id)
        foreign = {"id": item_id, "action": item["action"], "measure": item["measure"]}
        for path, body in _command_bodies(foreign, bodies).values():
            assert_problem(client.post(path, json=body, headers=as_(chair)), 404, item_id)


@pytest.mark.parametrize("part", ["action", "measure"])
@pytest.mark.parametrize("part_id", ["8131a685-c9a5-4e1a-98de-868b8abbb711", "nope"])
def test_an_unknown_action_or_measure_id_is_404(
    client, as_, bodies, contributor, unchanged, item, part, part_id
) -> None:
    path, body = _command_bodies({**item, part: part_id}, bodies)[
        "updates" if part == "action" else "evidence"
    ]
    with unchanged(item["id"]):
        response = client.post(path, json=body, headers=as_(contributor))
        assert_problem(response, 404, part, part_id)


def test_an_action_of_another_item_is_404(api, client, as_, contributor, unchanged, item) -> None:
    other = api.create_item(title="Another item")
    with unchanged(item["id"]), unchanged(other["id"]):
        response = client.post(
            f"{ITEMS}/{other['id']}/actions/{item['action']}/updates",
            json={"status": "on_track", "note": ""},
            headers=as_(contributor),
        )
        assert_problem(response, 404, item["action"])


def test_an_unknown_subgroup_board_is_404_and_a_bad_filter_is_422(client, as_, inspector) -> None:
    assert_problem(client.get(f"{BASE}/subgroups/nope/loop", headers=as_(inspector)), 404, "nope")
    assert_problem(
        client.get(ITEMS, params={"stage": "finished"}, headers=as_(inspector)), 422, field="stage"
    )
    assert_problem(
        client.get(ITEMS, params={"subgroup": "nope"}, headers=as_(inspector)),
        422,
        field="subgroup",
    )
    assert_problem(
        client.get(ITEMS, params={"overdue": "perhaps"}, headers=as_(inspector)),
        422,
        field="overdue",
    )


@pytest.mark.parametrize("if_match", ['W/"{v}"', "*", ' "{v}" '])
def test_weak_wildcard_and_padded_if_match_that_match_succeed(
    api, client, as_, bodies, contributor, item, if_match
) -> None:
    version = api.get(item["id"])["version"]
    response = client.post(
        f"{ITEMS}/{item['id']}/actions",
        json=bodies["action"](),
        headers=as_(contributor, **{"If-Match": if_match.format(v=version)}),
    )
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == f'"{version + 1}"'


def test_an_if_match_list_naming_the_current_version_succeeds(
    api, client, as_, bodies, contributor, item
) -> None:
    version = api.get(item["id"])["version"]
    response = client.post(
        f"{ITEMS}/{item['id']}/actions",
        json=bodies["action"](),
        headers=as_(contributor, **{"If-Match": f'"{version - 1}", "{version}"'}),
    )
    assert response.status_code == 201, response.text
