"""A subgroup's due dates as an iCalendar feed, and the reminder log, over HTTP on both stores.

The calendar is parsed as a calendar client would (`icalendar`); its events follow the items:
a moved due date keeps its UID with a higher SEQUENCE, and what is complete, met or closed drops
out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

SCR = "serious-case-review"
TRAINING = "training"
BASE = "/api/v1"
PROBLEM = "application/problem+json"


def _calendar_path(slug: str) -> str:
    return f"{BASE}/subgroups/{slug}/calendar.ics"


@pytest.fixture
def routed(client: TestClient) -> TestClient:
    """The client, once the app is seen to serve the calendar and the reminder log."""
    paths = set(client.app.openapi()["paths"])
    assert {_calendar_path("{slug}"), f"{BASE}/reminders"} <= paths
    return client


@pytest.fixture
def feed(routed: TestClient, contributor: str, as_: Any) -> Iterator[Any]:
    def fetch(slug: str = SCR, token: str = contributor) -> Calendar:
        response = routed.get(_calendar_path(slug), headers=as_(token))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"
        return Calendar.from_ical(response.content)

    yield fetch


def _events(cal: Calendar) -> dict[str, Any]:
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert len(events) == len(cal.walk("VEVENT")), "UIDs repeat"
    return events


def _categories(event: Any) -> list[str]:
    value = event.get("categories")
    found = value if isinstance(value, list) else [value]
    return [str(c) for cats in found for c in cats.cats]


def _day(event: Any, name: str) -> date:
    value = event.decoded(name)
    assert isinstance(value, date) and not isinstance(value, datetime), f"{name} is {value!r}"
    return value


def _amend_due(client: TestClient, token: str, item_id: str, action_id: str, due: str) -> None:
    response = client.post(
        f"{BASE}/learning-items/{item_id}/actions/{action_id}/amendments",
        json={"due": due, "reason": "the protocol needs sign-off"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["due"] == due


# -- the calendar -----------------------------------------------------------------------------


def test_an_all_day_event_per_open_action_and_measure_review(api, feed, clock) -> None:
    item = api.create_item()
    first = api.add_action(item["id"], due="2026-06-30")
    second = api.add_action(
        item["id"], description="Train designated leads on the protocol", due="2026-07-15"
    )
    api.update(item["id"], second["id"], "at_risk")
    measure = api.add_measure(item["id"], review_due="2026-09-30")
    version = api.get(item["id"])["version"]

    cal = feed()
    assert str(cal["version"]) == "2.0"
    assert "learnloop" in str(cal["prodid"])
    assert str(cal["x-wr-timezone"]) == "Europe/London"
    assert "Serious Case Review" in str(cal["x-wr-calname"]) or SCR in str(cal["x-wr-calname"])

    events = _events(cal)
    assert set(events) == {
        f"{first['id']}@learnloop",
        f"{second['id']}@learnloop",
        f"{measure['id']}@learnloop",
    }
    action = events[f"{first['id']}@learnloop"]
    assert _day(action, "dtstart") == date(2026, 6, 30)
    assert _day(action, "dtend") == date(2026, 7, 1)
    assert action["sequence"] == version
    assert action.decoded("dtstamp") == clock.now
    assert str(action["summary"]) == "Action due: Agree a neglect information-sharing protocol"
    description = str(action["description"])
    assert "Agencies missed the signs of neglect" in description
    assert f"/api/v1/learning-items/{item['reference']}" in description  # ADR 0045
    assert f"Learning item: {item['reference']}: " in description
    assert "green" in _categories(action)
    assert "amber" in _categories(events[f"{second['id']}@learnloop"])

    review = events[f"{measure['id']}@learnloop"]
    assert _day(review, "dtstart") == date(2026, 9, 30)
    assert _day(review, "dtend") == date(2026, 10, 1)
    assert str(review["summary"]) == "Measure review: Practitioners' workshop on the protocol"
    assert review["sequence"] == version


def test_the_file_is_rfc_5545_text(routed, api, contributor, as_) -> None:
    item = api.create_item()
    api.add_action(item["id"], due="2026-06-30")
    response = routed.get(_calendar_path(SCR), headers=as_(contributor))
    text = response.content.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.rstrip("\r\n").endswith("END:VCALENDAR")
    assert "\r\nVERSION:2.0\r\n" in text
    assert "\r\nDTSTART;VALUE=DATE:20260630\r\n" in text
    assert "\r\nDTEND;VALUE=DATE:20260701\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n")), "lines are folded"


def test_events_follow_the_item_until_it_closes(
    routed, api, feed, contributor, business_manager, clock
) -> None:
    item = api.create_item()
    kept = api.add_action(item["id"], due="2026-06-30")
    done = api.add_action(item["id"], description="Audit the protocol's use", due="2026-06-01")
    measure = api.add_measure(item["id"], review_due="2026-09-30")
    before = _events(feed())
    uid = f"{kept['id']}@learnloop"

    clock.advance(days=1)
    _amend_due(routed, contributor, item["id"], kept["id"], "2026-08-31")
    moved = _events(feed())
    assert set(moved) == set(before)
    assert _day(moved[uid], "dtstart") == date(2026, 8, 31)
    assert _day(moved[uid], "dtend") == date(2026, 9, 1)
    assert moved[uid]["sequence"] > before[uid]["sequence"]

    api.update(item["id"], done["id"], "complete")
    after_completion = _events(feed())
    assert f"{done['id']}@learnloop" not in after_completion
    assert set(after_completion) == {uid, f"{measure['id']}@learnloop"}
    assert after_completion[uid]["sequence"] > moved[uid]["sequence"]

    api.add_evidence(item["id"], measure["id"], outcome="partly_met")
    partly = _events(feed())
    assert f"{measure['id']}@learnloop" in partly
    assert "amber" in _categories(partly[f"{measure['id']}@learnloop"])

    met = api.add_measure(
        item["id"], description="Case audit of referrals", review_due="2026-10-31"
    )
    api.add_evidence(item["id"], met["id"], outcome="met")
    assert f"{met['id']}@learnloop" not in _events(feed())

    # closed with an action still open (a business manager's override): no event is left
    api.close(item["id"], business_manager, override_reason="Superseded by the new protocol")
    assert _events(feed()) == {}


def test_an_overdue_action_is_red(api, feed, clock) -> None:
    item = api.create_item()
    action = api.add_action(item["id"], due="2026-05-10")
    clock.advance(days=10)
    event = _events(feed())[f"{action['id']}@learnloop"]
    assert "red" in _categories(event)


def test_a_calendar_shows_only_its_own_subgroup(api, feed, contributor_other) -> None:
    scr_item = api.create_item()
    scr_action = api.add_action(scr_item["id"])
    training = api.create_item(
        token=contributor_other,
        subgroup=TRAINING,
        source={"kind": _first_source(api, TRAINING)},
    )
    training_action = api.add_action(
        training["id"], token=contributor_other, means=_first_means(api, TRAINING)
    )

    assert set(_events(feed(SCR))) == {f"{scr_action['id']}@learnloop"}
    assert set(_events(feed(TRAINING))) == {f"{training_action['id']}@learnloop"}


def test_case_review_clocks_appear_in_the_reviewing_subgroup(
    routed, feed, business_manager, as_
) -> None:
    reviews = f"{BASE}/case-reviews"
    response = routed.post(
        reviews,
        json={
            "case_reference": "CR-2026/014",
            "notified_on": "2026-04-20",
            "notifying_agency": "rbwm-childrens-services",
            "summary": "Infant admitted with unexplained injuries.",
        },
        headers=as_(business_manager),
    )
    assert response.status_code == 201, response.text
    review = response.json()
    clocks = {c["name"]: c for c in review["clocks"]}
    assert clocks, "the default framework starts clocks on notification"

    events = _events(feed(SCR, business_manager))
    expected = {f"{review['id']}-{name}@learnloop" for name in clocks}
    assert set(events) == expected
    for name, clock in clocks.items():
        event = events[f"{review['id']}-{name}@learnloop"]
        assert _day(event, "dtstart") == date.fromisoformat(clock["due"])
        assert _day(event, "dtend") == date.fromisoformat(clock["due"]) + timedelta(days=1)
        assert event["sequence"] == review["version"]
        assert "CR-2026/014" in str(event["summary"])
        assert f"{reviews}/{review['id']}" in str(event["description"])
    assert _events(feed(TRAINING, business_manager)) == {}

    response = routed.post(
        f"{reviews}/{review['id']}/milestones",
        json={"milestone": "ofsted_notified", "reached_on": "2026-04-22"},
        headers=as_(business_manager),
    )
    assert response.status_code == 201, response.text
    after = _events(feed(SCR, business_manager))
    assert f"{review['id']}-notification_to_ofsted@learnloop" not in after
    assert after, "the decision clock still runs"
    assert all(e["sequence"] > review["version"] for e in after.values())


def test_an_empty_subgroup_has_an_empty_calendar(feed) -> None:
    cal = feed(TRAINING)
    assert cal.name == "VCALENDAR"
    assert _events(cal) == {}


def test_an_unknown_subgroup_is_404(routed, contributor, as_) -> None:
    response = routed.get(_calendar_path("no-such-group"), headers=as_(contributor))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "no-such-group" in response.json()["detail"]


def test_the_calendar_needs_a_reader(routed, admin, as_) -> None:
    response = routed.get(_calendar_path(SCR))
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert routed.get(_calendar_path(SCR), headers=as_("not-a-token")).status_code == 401
    assert routed.get(_calendar_path(SCR), headers=as_(admin)).status_code == 403


# -- the reminder log -------------------------------------------------------------------------


def test_no_reminders_on_an_empty_store(routed, inspector, as_) -> None:
    response = routed.get(f"{BASE}/reminders", headers=as_(inspector))
    assert response.status_code == 200, response.text
    assert response.json() == {"reminders": [], "next_after": 0}
    response = routed.get(f"{BASE}/reminders?after=17&limit=5", headers=as_(inspector))
    assert response.json() == {"reminders": [], "next_after": 17}


def test_reminders_need_a_token(routed) -> None:
    response = routed.get(f"{BASE}/reminders")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    ("query", "field"), [("after=-1", "after"), ("limit=0", "limit"), ("limit=1001", "limit")]
)
def test_reminder_paging_is_checked(routed, inspector, as_, query, field) -> None:
    response = routed.get(f"{BASE}/reminders?{query}", headers=as_(inspector))
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


# -- helpers over the framework ---------------------------------------------------------------


def _subgroup(api: Any, slug: str) -> dict[str, Any]:
    response = api.client.get(f"{BASE}/subgroups", headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 200, response.text
    return next(s for s in response.json() if s["slug"] == slug)


def _first_source(api: Any, slug: str) -> str:
    return _subgroup(api, slug)["identification_sources"][0]["slug"]


def _first_means(api: Any, slug: str) -> str:
    return _subgroup(api, slug)["means_of_improvement"][0]["slug"]
