"""Steps entered late carry the day they happened (ADR 0040): the body's `on`, refused in the
future or before the step it depends on (422 naming both dates), and shown in history beside
the time it was recorded. Text is clean (issue 12 item 8). The clock reads 1 May 2026."""

from __future__ import annotations

from tests.e2e.conftest import BASE, ITEMS, as_


def test_a_plan_typed_up_late_keeps_its_dates(client, api, inspector):
    item = api.create_item(on="2026-02-02")
    action = api.add_action(item["id"], due="2026-03-31", on="2026-02-10")  # due before today
    api.update(item["id"], action["id"], "on_track")
    events = api.history(item["id"], inspector)
    identified, chosen, progress = events
    assert (identified["on"], chosen["on"], progress["on"]) == (
        "2026-02-02",
        "2026-02-10",
        "2026-05-01",
    )
    assert identified["recorded_at"].startswith("2026-05-01")
    assert identified["when"].startswith("on 2 February 2026, recorded 1 May 2026 at ")
    assert chosen["data"]["on"] == "2026-02-10"
    assert api.get(item["id"])["rag"] == "red"  # past its due date and not complete
    trail = api.audit_trail(inspector, type="MeansChosen")
    assert [(e["on"], e["when"][:17]) for e in trail] == [("2026-02-10", "on 10 February 20")]


def test_a_step_before_the_one_it_depends_on_is_422_naming_both_dates(client, api, bodies):
    item = api.create_item(on="2026-02-02")
    response = client.post(
        f"{ITEMS}/{item['id']}/actions",
        json=bodies["action"](on="2026-02-01"),
        headers=as_(api.token),
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "on"
    assert "2026-02-01" in response.text and "2026-02-02" in response.text
    early_due = client.post(
        f"{ITEMS}/{item['id']}/actions",
        json=bodies["action"](due="2026-01-31"),
        headers=as_(api.token),
    )
    assert early_due.status_code == 422
    assert early_due.json()["errors"][0]["field"] == "due"
    assert len(api.history(item["id"])) == 1


def test_a_day_in_the_future_or_not_a_date_is_422(client, api, bodies):
    for on, words in (("2026-05-02", "in the future"), ("2026-13-01", "not a calendar date")):
        response = client.post(ITEMS, json=bodies["item"](on=on), headers=as_(api.token))
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "on"
        assert words in response.text


def test_a_title_with_control_bidi_or_zero_width_characters_is_422_naming_it(client, api, bodies):
    for title in ("Escalation\x00", "Escalation\r\nBcc: x", "\u202eEscalation", "Esc\u200balation"):
        response = client.post(ITEMS, json=bodies["item"](title=title), headers=as_(api.token))
        assert response.status_code == 422, (title, response.text)
        assert [e["field"] for e in response.json()["errors"]] == ["title"]
    assert api.audit_trail() == []


def test_a_description_keeps_its_lines_and_is_nfc_normalised(api):
    item = api.create_item(title="Cafe\u0301 meetings", description="One\r\nTwo\tthree")
    shown = api.get(item["id"])
    assert shown["title"] == "Caf\u00e9 meetings"
    assert shown["description"] == "One\nTwo\tthree"


def test_a_review_shows_each_steps_day_beside_the_time_it_was_recorded(
    client, business_manager, inspector
):
    body = {
        "case_reference": "CR/2026-031",
        "notified_on": "2026-03-02",
        "notifying_agency": "thames-valley-police",
        "summary": "Serious injury",
    }
    review = client.post(f"{BASE}/case-reviews", json=body, headers=as_(business_manager)).json()
    facts = {
        "abuse_or_neglect_known_or_suspected": True,
        "child_died": False,
        "child_seriously_harmed": True,
        "concern_about_joint_working": True,
        "died_in_custody_or_detained": False,
        "on": "2026-03-04",
    }
    path = f"{BASE}/case-reviews/{review['id']}"
    assert client.post(f"{path}/criteria", json=facts, headers=as_(business_manager)).is_success
    decision = {"review_type": "serious_case_review", "rationale": "5(2)", "on": "2026-03-20"}
    assert client.post(f"{path}/decision", json=decision, headers=as_(business_manager)).is_success
    shown = client.get(path, headers=as_(inspector)).json()
    assert shown["steps"]["decided"] == "2026-03-20"
    assert shown["steps_recorded_at"]["decided"].startswith("2026-05-01T")
    assert {c["name"]: c["met_on"] for c in shown["clocks"]}["scr_decision"] == "2026-03-20"
