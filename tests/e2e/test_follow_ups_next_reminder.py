"""Follow-ups name the next reminder each target will be owed, by the framework's rules."""

ITEMS = "/api/v1/learning-items"


def test_each_follow_up_names_the_next_reminder_owed(client, contributor, inspector, as_, clock):
    # the clock starts on 2026-05-01
    item = client.post(
        ITEMS,
        json={
            "subgroup": "serious-case-review",
            "title": "Escalation",
            "description": "",
            "source": {"kind": "local_serious_case_review"},
        },
        headers=as_(contributor),
    ).json()
    action = {"means": "implementation_of_recommendations", "description": "Brief", "owner": "o"}
    client.post(
        f"{ITEMS}/{item['id']}/actions",
        json={**action, "due": "2026-06-30"},
        headers=as_(contributor),
    )
    client.post(
        f"{ITEMS}/{item['id']}/actions",
        json={**action, "due": "2026-05-10"},
        headers=as_(contributor),
    )

    def next_reminders() -> dict[str, object]:
        body = client.get("/api/v1/follow-ups?within_days=90", headers=as_(inspector)).json()
        return {f["due"]: f["next_reminder"] for f in body["follow_ups"]}

    assert next_reminders() == {
        "2026-05-10": {
            "rule": "action_due_tomorrow",
            "label": "Action due tomorrow",
            "on": "2026-05-09",
        },
        "2026-06-30": {
            "rule": "action_due_in_14_days",
            "label": "Action due in 14 days",
            "on": "2026-06-16",
        },
    }
    clock.advance(days=14)  # 2026-05-15: the first action is overdue since 11 May, weekly
    assert next_reminders()["2026-05-10"] == {
        "rule": "action_overdue",
        "label": "Action overdue",
        "on": "2026-05-18",
    }
