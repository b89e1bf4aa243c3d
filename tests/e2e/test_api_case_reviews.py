"""Case reviews over HTTP: a business manager takes a case from notification to a published
review and the learning drawn from it; the statutory criteria, the framework's rules, the clocks
and who may write. Every refusal records nothing (the review's history and the audit trail are as
they were)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.http import problems

SCR = "serious-case-review"
TRAINING = "training"
BASE = "/api/v1"
REVIEWS = f"{BASE}/case-reviews"
ITEMS = f"{BASE}/learning-items"
PROBLEM = "application/problem+json"

SCR_FACTS = {
    "abuse_or_neglect_known_or_suspected": True,
    "child_died": False,
    "child_seriously_harmed": True,
    "concern_about_joint_working": True,
    "died_in_custody_or_detained": False,
}
NO_FACTS = dict.fromkeys(SCR_FACTS, False)


def auth(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


_CASES = itertools.count(14)


def notification(**overrides: Any) -> dict[str, Any]:
    """A notification of a case of its own (a case reference is held by one review at once)."""
    body: dict[str, Any] = {
        "case_reference": f"CR-2026/{next(_CASES):03d}",
        "notified_on": "2026-04-20",
        "notifying_agency": "rbwm-childrens-services",
        "summary": "Infant admitted with unexplained injuries; agencies had prior concerns.",
    }
    body.update(overrides)
    return body


def learning_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subgroup": SCR,
        "title": "Health visitor concerns were not escalated",
        "description": "The review found concerns were raised but not shared at strategy level.",
        "source": {"kind": "local_serious_case_review"},
        "themes": ["escalation"],
    }
    body.update(overrides)
    return body


def assert_problem(response: Any, status: int, *words: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["type"] and body["detail"]
    for word in words:
        assert word.lower() in body["detail"].lower(), (word, body["detail"])
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body


@dataclass
class Reviews:
    """Steps over the client as the business manager (pass `token=` to act as someone else)."""

    client: TestClient
    token: str

    def notify(self, token: str | None = None, **overrides: Any) -> dict[str, Any]:
        response = self.client.post(
            REVIEWS, json=notification(**overrides), headers=auth(token or self.token)
        )
        assert response.status_code == 201, response.text
        return response.json()

    def post(
        self, review_id: str, path: str, body: dict[str, Any], token: str | None = None, **h: str
    ) -> Any:
        return self.client.post(
            f"{REVIEWS}/{review_id}/{path}", json=body, headers=auth(token or self.token, **h)
        )

    def step(self, review_id: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.post(review_id, path, body)
        assert response.status_code == 201, response.text
        return response.json()

    def get(self, review_id: str, token: str | None = None) -> dict[str, Any]:
        response = self.client.get(f"{REVIEWS}/{review_id}", headers=auth(token or self.token))
        assert response.status_code == 200, response.text
        return response.json()

    def history(self, review_id: str) -> list[dict[str, Any]]:
        response = self.client.get(f"{REVIEWS}/{review_id}/history", headers=auth(self.token))
        assert response.status_code == 200, response.text
        return response.json()["events"]

    def trail(self, **params: Any) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        after = 0
        while True:
            response = self.client.get(
                f"{BASE}/audit-trail",
                params={**params, "after": after, "limit": 1000},
                headers=auth(self.token),
            )
            assert response.status_code == 200, response.text
            page = response.json()
            if not page["events"]:
                return events
            events += page["events"]
            after = page["next_after"]

    def follow_ups(self, within_days: int) -> list[dict[str, Any]]:
        response = self.client.get(
            f"{BASE}/follow-ups", params={"within_days": within_days}, headers=auth(self.token)
        )
        assert response.status_code == 200, response.text
        return [f for f in response.json()["follow_ups"] if f["kind"] == "clock"]

    def decided(self, facts: dict[str, bool] | None = None, **decision: Any) -> dict[str, Any]:
        """A notified review with the criteria assessed and a decision (SCR by default)."""
        review = self.notify()
        self.step(review["id"], "criteria", {**(facts or SCR_FACTS), "on": "2026-04-21"})
        body = {
            "review_type": "serious_case_review",
            "rationale": "The criteria are met.",
            "on": "2026-04-22",
        }
        return self.step(review["id"], "decision", {**body, **decision})


@pytest.fixture
def reviews(client: TestClient, business_manager: str) -> Reviews:
    return Reviews(client, business_manager)


@pytest.fixture
def unchanged(reviews: Reviews) -> Callable[..., Any]:
    """`with unchanged(review_id):` the block records nothing: the review's history (when one is
    named) and the whole audit trail are the same after it as before."""

    @contextmanager
    def _unchanged(review_id: str | None = None) -> Iterator[None]:
        def state() -> tuple[Any, list[dict[str, Any]]]:
            history = reviews.history(review_id) if review_id else None
            return history, reviews.trail()

        before = state()
        yield
        after = state()
        assert after[0] == before[0], "the review's history changed"
        assert len(after[1]) == len(before[1]), "the audit trail grew"

    return _unchanged


def clocks_by_name(review: dict[str, Any]) -> dict[str, dict[str, Any]]:
    for clock in review["clocks"]:
        assert {"name", "due", "met_on"} <= set(clock), clock
    return {clock["name"]: clock for clock in review["clocks"]}


# -- from notification to a published review ---------------------------------------------------


def test_a_business_manager_takes_a_serious_case_review_from_notification_to_publication(
    reviews: Reviews, client: TestClient, unchanged: Callable[..., Any]
) -> None:
    body = notification(case_reference="CR-2026/014")
    response = client.post(REVIEWS, json=body, headers=auth(reviews.token))
    assert response.status_code == 201, response.text
    review = response.json()
    rid = review["id"]
    assert response.headers["Location"] == f"{REVIEWS}/{rid}"
    assert response.headers["ETag"] == f'"{review["version"]}"'
    assert review["case_reference"] == "CR-2026/014"
    assert review["notified_on"] == "2026-04-20"
    assert review["notifying_agency"] == "rbwm-childrens-services"
    assert review["status"] == "notified"
    assert review["required"] is None and review["decision"] is None
    assert review["learning_items"] == []
    located = client.get(response.headers["Location"], headers=auth(reviews.token))
    assert located.json() == review
    assert located.headers["ETag"] == '"1"'

    decision = {"review_type": "serious_case_review", "rationale": "The criteria are met."}
    with unchanged(rid):
        assert_problem(reviews.post(rid, "decision", decision), 409, "criteria")

    response = reviews.post(rid, "criteria", {**SCR_FACTS, "on": "2026-04-21"})
    assert response.status_code == 201, response.text
    assert response.json()["required"] == "serious_case_review"
    assert response.json()["status"] == "criteria_assessed"

    with unchanged(rid):  # a decision before the criteria were assessed (ADR 0040)
        early = reviews.post(rid, "decision", {**decision, "on": "2026-04-20"})
        assert_problem(early, 422, field="on")
        assert "2026-04-20" in early.text and "2026-04-21" in early.text
    decision = {**decision, "on": "2026-04-22"}
    response = reviews.post(rid, "decision", decision)
    assert response.status_code == 201, response.text
    assert response.json()["decision"]["review_type"] == "serious_case_review"
    assert response.json()["decision"]["departure"] is False
    assert response.json()["status"] == "decided"

    not_independent = {
        "method": "scie_learning_together",
        "lead_reviewer": "Dr A Reviewer",
        "lead_reviewer_independent": False,
    }
    with unchanged(rid):
        assert_problem(reviews.post(rid, "methodology", not_independent), 409, "independent")
        unknown = {**not_independent, "method": "tea_leaves", "lead_reviewer_independent": True}
        assert_problem(reviews.post(rid, "methodology", unknown), 422, field="method")
    methodology = reviews.step(
        rid, "methodology", {**not_independent, "lead_reviewer_independent": True}
    )
    assert methodology["methodology"]["method"] == "scie_learning_together"
    assert methodology["methodology"]["lead_reviewer"] == "Dr A Reviewer"
    assert methodology["status"] == "in_review"

    for party, status in (
        ("practitioners", "contributed"),
        ("family", "invited"),
        ("child", "declined"),
    ):
        reviews.step(rid, "involvement", {"party": party, "status": status, "note": "by letter"})
    with unchanged(rid):
        body = {"party": "grandparents", "status": "invited", "note": ""}
        assert_problem(reviews.post(rid, "involvement", body), 422, field="party")
    involved = reviews.get(rid)["involvement"]
    assert [(i["party"], i["status"]) for i in involved] == [
        ("practitioners", "contributed"),
        ("family", "invited"),
        ("child", "declined"),
    ]

    agreed = {"agreed_on": "2026-04-30", "summary": "The Board accepts the findings."}
    with unchanged(rid):
        assert_problem(reviews.post(rid, "board-response", agreed), 409, "final report")
        before_notified = {"received_on": "2026-04-19", "summary": "Report"}
        assert_problem(reviews.post(rid, "final-report", before_notified), 422, field="received_on")
    report = reviews.step(rid, "final-report", {"received_on": "2026-04-29", "summary": "Report"})
    assert report["status"] == "report_received"
    assert report["final_report"]["received_on"] == "2026-04-29"
    with unchanged(rid):
        again = {"received_on": "2026-04-30", "summary": "Another"}
        assert_problem(reviews.post(rid, "final-report", again), 409, "2026-04-29")
        other_lead = {**not_independent, "lead_reviewer_independent": True, "lead_reviewer": "B"}
        assert_problem(reviews.post(rid, "methodology", other_lead), 409, "final report")

    publication = {"published_on": "2026-05-01", "url": "https://example.org/scr/cr-2026-014"}
    with unchanged(rid):
        assert_problem(reviews.post(rid, "publication", publication), 409, "response")

    assert reviews.step(rid, "board-response", agreed)["status"] == "response_agreed"

    with unchanged(rid):
        early = {**publication, "published_on": "2026-04-28"}
        assert_problem(reviews.post(rid, "publication", early), 422, field="published_on")
        for not_a_date in ("2026-02-30", "01/05/2026", "tomorrow", "2026-5-1"):
            bad = {**publication, "published_on": not_a_date}
            assert_problem(reviews.post(rid, "publication", bad), 422, field="published_on")
        not_a_url = {**publication, "url": "the council website"}
        assert_problem(reviews.post(rid, "publication", not_a_url), 422, field="url")

    published = reviews.step(rid, "publication", publication)
    assert published["status"] == "published"
    assert published["publication"]["published_on"] == "2026-05-01"
    assert published["publication"]["url"] == publication["url"]

    clocks = clocks_by_name(published)
    assert clocks["scr_decision"]["met_on"] == "2026-04-22"  # the day it was decided
    assert clocks["scr_completion"]["met_on"] == "2026-04-29"  # the report's date
    assert clocks["publication"] == {**clocks["publication"], "due": "2026-05-30"}
    assert clocks["publication"]["met_on"] == "2026-05-01"

    events = reviews.history(rid)
    assert [e["type"] for e in events] == [
        "Notified",
        "CriteriaAssessed",
        "Decided",
        "MethodologyChosen",
        "InvolvementRecorded",
        "InvolvementRecorded",
        "InvolvementRecorded",
        "FinalReportReceived",
        "BoardResponseAgreed",
        "Published",
    ]
    assert [e["version"] for e in events] == list(range(1, 11))
    assert published["version"] == 10
    for event in events:
        assert event["actor"]["name"] == "Bea Manager"
        assert event["actor"]["role"] == "business_manager"
        assert event["actor"]["id"]


def test_the_criteria_derive_what_is_required(reviews: Reviews) -> None:
    cases = [
        (SCR_FACTS, "serious_case_review"),
        ({**NO_FACTS, "died_in_custody_or_detained": True}, "serious_case_review"),
        (
            {**NO_FACTS, "abuse_or_neglect_known_or_suspected": True, "child_died": True},
            "serious_case_review",
        ),
        ({**SCR_FACTS, "concern_about_joint_working": False}, "discretionary"),
        ({**NO_FACTS, "abuse_or_neglect_known_or_suspected": True}, "discretionary"),
        ({**NO_FACTS, "child_seriously_harmed": True, "concern_about_joint_working": True}, "none"),
        (NO_FACTS, "none"),
    ]
    for facts, required in cases:
        rid = reviews.notify()["id"]
        answer = reviews.step(rid, "criteria", facts)
        assert answer["required"] == required, facts
        assert reviews.get(rid)["required"] == required


def test_criteria_must_be_true_or_false(reviews: Reviews, unchanged: Callable[..., Any]) -> None:
    rid = reviews.notify()["id"]
    with unchanged(rid):
        for value in ("yes", 1, None):
            body = {**SCR_FACTS, "child_died": value}
            assert_problem(reviews.post(rid, "criteria", body), 422, field="child_died")
        missing = {k: v for k, v in SCR_FACTS.items() if k != "child_died"}
        assert_problem(reviews.post(rid, "criteria", missing), 422, field="child_died")
        extra = {**SCR_FACTS, "child_was_known": True}
        assert_problem(reviews.post(rid, "criteria", extra), 422, field="child_was_known")


def test_departing_from_a_required_review_needs_a_reason_which_is_flagged(
    reviews: Reviews, unchanged: Callable[..., Any]
) -> None:
    rid = reviews.notify()["id"]
    reviews.step(rid, "criteria", SCR_FACTS)
    learning = {"review_type": "learning_review", "rationale": "Proportionate to the case."}
    with unchanged(rid):
        assert_problem(
            reviews.post(rid, "decision", learning), 409, "departure_reason", "serious_case_review"
        )
        blank = {**learning, "departure_reason": "   "}
        assert_problem(reviews.post(rid, "decision", blank), 409, "departure_reason")
        assert_problem(
            reviews.post(rid, "decision", {**learning, "review_type": "trial_by_ordeal"}),
            422,
            field="review_type",
        )

    reason = "The family asked for a learning review; the national panel agreed."
    response = reviews.post(rid, "decision", {**learning, "departure_reason": reason})
    assert response.status_code == 201, response.text
    decision = response.json()["decision"]
    assert decision["review_type"] == "learning_review"
    assert decision["departure"] is True
    assert decision["departure_reason"] == reason

    decided = reviews.history(rid)[-1]
    assert decided["type"] == "Decided"
    assert decided["data"]["departure"] is True
    assert decided["data"]["departure_reason"] == reason
    trail = [e for e in reviews.trail(type="Decided") if e["stream_id"] == rid]
    assert len(trail) == 1
    assert trail[0]["data"]["departure"] is True
    assert trail[0]["data"]["departure_reason"] == reason
    assert trail[0]["subgroup"] == SCR

    with unchanged(rid):  # a review is decided once, on criteria that then stand
        again = {"review_type": "serious_case_review", "rationale": "Second thoughts."}
        assert_problem(reviews.post(rid, "decision", again), 409)
        assert_problem(reviews.post(rid, "criteria", NO_FACTS), 409, "decided")


def test_a_discretionary_review_may_be_any_type_without_a_departure(reviews: Reviews) -> None:
    facts = {**SCR_FACTS, "concern_about_joint_working": False}
    review = reviews.decided(facts, review_type="learning_review")
    assert review["required"] == "discretionary"
    assert review["decision"]["departure"] is False
    assert review["status"] == "decided"
    # a learning review needs no independent lead
    body = {"method": "silp", "lead_reviewer": "Named manager", "lead_reviewer_independent": False}
    assert reviews.step(review["id"], "methodology", body)["status"] == "in_review"
    # and is published without the Board's response
    reviews.step(review["id"], "final-report", {"received_on": "2026-04-30", "summary": "Done"})
    body = {"published_on": "2026-05-01", "url": "https://example.org/lr/1"}
    assert reviews.step(review["id"], "publication", body)["status"] == "published"


def test_no_review_closes_the_review(reviews: Reviews, unchanged: Callable[..., Any]) -> None:
    review = reviews.decided(NO_FACTS, review_type="no_review")
    assert review["required"] == "none"
    assert review["status"] == "closed"
    body = {"method": "silp", "lead_reviewer": "X", "lead_reviewer_independent": True}
    with unchanged(review["id"]):
        assert_problem(reviews.post(review["id"], "methodology", body), 409, "no_review")


# -- learning drawn from the review --------------------------------------------------------------


def test_learning_from_a_review_becomes_items_the_review_lists_with_their_stages(
    reviews: Reviews, client: TestClient, unchanged: Callable[..., Any]
) -> None:
    rid = reviews.decided()["id"]

    response = reviews.post(rid, "learning", learning_body())
    assert response.status_code == 201, response.text
    scr_item = response.json()
    assert response.headers["Location"] == f"{ITEMS}/{scr_item['id']}"
    assert response.headers["ETag"] == f'"{scr_item["version"]}"'
    assert scr_item["subgroup"] == SCR
    assert scr_item["source"] == {"kind": "local_serious_case_review", "reference": rid}
    assert scr_item["stage"] == "identification"

    training = learning_body(
        subgroup=TRAINING,
        title="Escalation training for health visitors",
        source={"kind": "subgroup_issues", "reference": rid},
    )
    response = reviews.post(rid, "learning", training)
    assert response.status_code == 201, response.text
    training_item = response.json()
    assert training_item["subgroup"] == TRAINING
    assert training_item["source"]["reference"] == rid

    for item in (scr_item, training_item):
        got = client.get(f"{ITEMS}/{item['id']}", headers=auth(reviews.token))
        assert got.status_code == 200
        assert got.json()["source"]["reference"] == rid

    listed = reviews.get(rid)["learning_items"]
    assert [(i["item_id"], i["subgroup"], i["stage"]) for i in listed] == [
        (scr_item["id"], SCR, "identification"),
        (training_item["id"], TRAINING, "identification"),
    ]
    assert listed[0]["title"] == "Health visitor concerns were not escalated"

    action = {
        "means": "course_content_update",
        "description": "Add an escalation module",
        "owner": "Training lead",
        "due": "2026-07-31",
    }
    response = client.post(
        f"{ITEMS}/{training_item['id']}/actions", json=action, headers=auth(reviews.token)
    )
    assert response.status_code == 201, response.text
    stages = {i["item_id"]: i["stage"] for i in reviews.get(rid)["learning_items"]}
    assert stages == {scr_item["id"]: "identification", training_item["id"]: "improvement"}

    types = [e["type"] for e in reviews.history(rid)]
    assert types[-2:] == ["LearningLinked", "LearningLinked"]

    with unchanged(rid):
        other = learning_body(source={"kind": "local_serious_case_review", "reference": "SCR-9"})
        assert_problem(reviews.post(rid, "learning", other), 422, field="source.reference")
        wrong_kind = learning_body(source={"kind": "participant_feedback"})
        assert_problem(reviews.post(rid, "learning", wrong_kind), 422)
        nowhere = learning_body(subgroup="nowhere")
        assert_problem(reviews.post(rid, "learning", nowhere), 422, field="subgroup")
    assert len(reviews.get(rid)["learning_items"]) == 2


# -- reading: lists, filters, history ------------------------------------------------------------


def test_reviews_are_listed_and_filtered_by_status(reviews: Reviews, client: TestClient) -> None:
    notified = reviews.notify(case_reference="CR-1")["id"]
    assessed = reviews.notify(case_reference="CR-2")["id"]
    reviews.step(assessed, "criteria", SCR_FACTS)
    closed = reviews.decided(NO_FACTS, review_type="no_review")["id"]

    def listed(status: str | None = None) -> set[str]:
        params = {"status": status} if status else {}
        response = client.get(REVIEWS, params=params, headers=auth(reviews.token))
        assert response.status_code == 200, response.text
        found = [r["id"] for r in response.json()["case_reviews"]]
        assert len(found) == len(set(found))
        return set(found)

    assert listed() == {notified, assessed, closed}
    assert listed("notified") == {notified}
    assert listed("criteria_assessed") == {assessed}
    assert listed("closed") == {closed}
    assert listed("published") == set()
    response = client.get(REVIEWS, params={"status": "lost"}, headers=auth(reviews.token))
    assert_problem(response, 422, field="status")


def test_an_unknown_review_is_404(reviews: Reviews, client: TestClient) -> None:
    for review_id in (str(uuid.uuid4()), "not-an-id"):
        response = client.get(f"{REVIEWS}/{review_id}", headers=auth(reviews.token))
        assert_problem(response, 404)
        response = client.get(f"{REVIEWS}/{review_id}/history", headers=auth(reviews.token))
        assert_problem(response, 404)
        assert_problem(reviews.post(review_id, "criteria", SCR_FACTS), 404)
    assert reviews.trail() == []


# -- refusals at notification --------------------------------------------------------------------


def test_a_case_reference_is_a_reference_never_a_name(
    reviews: Reviews, client: TestClient, unchanged: Callable[..., Any]
) -> None:
    with unchanged():
        for reference in ("Jane Doe", "AB 12", "x_y", "", "CR.1", "Zoë-1"):
            response = client.post(
                REVIEWS, json=notification(case_reference=reference), headers=auth(reviews.token)
            )
            assert_problem(response, 422, field="case_reference")
    for reference in ("AB12", "CR-2026/999", "scr/2026-3"):
        assert reviews.notify(case_reference=reference)["case_reference"] == reference


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"notifying_agency": "acme-security"}, "notifying_agency"),
        ({"notified_on": "2026-04-31"}, "notified_on"),
        ({"notified_on": "20/04/2026"}, "notified_on"),
        ({"notified_on": "2026-05-02"}, "notified_on"),  # tomorrow
        ({"summary": ""}, "summary"),
        ({"child_name": "Jane"}, "child_name"),
    ],
)
def test_a_notification_the_framework_does_not_know_is_422(
    reviews: Reviews,
    client: TestClient,
    unchanged: Callable[..., Any],
    overrides: dict[str, Any],
    field: str,
) -> None:
    with unchanged():
        response = client.post(REVIEWS, json=notification(**overrides), headers=auth(reviews.token))
        assert_problem(response, 422, field=field)
    assert reviews.trail() == []


# -- who may write -------------------------------------------------------------------------------


def test_an_inspector_reads_everything_and_writes_nothing(
    reviews: Reviews, client: TestClient, inspector: str, unchanged: Callable[..., Any]
) -> None:
    rid = reviews.decided()["id"]
    reviews.post(rid, "learning", learning_body())

    for path in (REVIEWS, f"{REVIEWS}/{rid}", f"{REVIEWS}/{rid}/history"):
        assert client.get(path, headers=auth(inspector)).status_code == 200, path
    assert reviews.get(rid, token=inspector) == reviews.get(rid)

    commands = {
        "criteria": SCR_FACTS,
        "decision": {"review_type": "serious_case_review", "rationale": "r"},
        "methodology": {"method": "silp", "lead_reviewer": "L", "lead_reviewer_independent": True},
        "involvement": {"party": "family", "status": "invited", "note": ""},
        "final-report": {"received_on": "2026-04-30", "summary": "s"},
        "board-response": {"agreed_on": "2026-04-30", "summary": "s"},
        "publication": {"published_on": "2026-04-30", "url": "https://example.org/x"},
        "milestones": {"milestone": "ofsted_notified", "reached_on": "2026-04-21"},
        "learning": learning_body(),
    }
    with unchanged(rid):
        response = client.post(REVIEWS, json=notification(), headers=auth(inspector))
        assert_problem(response, 403)
        for path, body in commands.items():
            assert_problem(reviews.post(rid, path, body, token=inspector), 403)


def test_a_contributor_of_another_subgroup_may_not_write_reviews(
    reviews: Reviews,
    client: TestClient,
    contributor_other: str,
    contributor: str,
    unchanged: Callable[..., Any],
) -> None:
    rid = reviews.notify()["id"]
    with unchanged(rid):
        response = client.post(REVIEWS, json=notification(), headers=auth(contributor_other))
        assert_problem(response, 403)
        assert_problem(reviews.post(rid, "criteria", SCR_FACTS, token=contributor_other), 403)
        body = learning_body(subgroup=TRAINING, source={"kind": "subgroup_issues"})
        assert_problem(reviews.post(rid, "learning", body, token=contributor_other), 403)
    # the serious-case-review contributor may write the review but not learning for training
    with unchanged(rid):
        body = learning_body(subgroup=TRAINING, source={"kind": "subgroup_issues"})
        assert_problem(reviews.post(rid, "learning", body, token=contributor), 403, TRAINING)
    # reading is allowed; the serious-case-review contributor writes
    assert reviews.get(rid, token=contributor_other)["id"] == rid
    assert reviews.post(rid, "criteria", SCR_FACTS, token=contributor).status_code == 201


def test_a_stale_if_match_is_412_and_records_nothing(
    reviews: Reviews, unchanged: Callable[..., Any]
) -> None:
    review = reviews.notify()
    rid = review["id"]
    assessed = reviews.post(rid, "criteria", SCR_FACTS, **{"If-Match": '"1"'})
    assert assessed.status_code == 201, assessed.text
    assert assessed.headers["ETag"] == '"2"'

    decision = {"review_type": "serious_case_review", "rationale": "Met."}
    with unchanged(rid):
        response = reviews.post(rid, "decision", decision, **{"If-Match": '"1"'})
        assert_problem(response, 412)
        response = reviews.post(rid, "learning", learning_body(), **{"If-Match": '"1"'})
        assert_problem(response, 412)
    response = reviews.post(rid, "decision", decision, **{"If-Match": assessed.headers["ETag"]})
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == '"3"'


# -- clocks --------------------------------------------------------------------------------------


@pytest.fixture
def easter(clock: Any) -> Any:
    """The clock at Friday 10 April 2026, after Easter (Good Friday 3 April, Easter Monday 6
    April are bank holidays in England)."""
    clock.now = datetime(2026, 4, 10, 9, 0, tzinfo=UTC)
    return clock


def test_clocks_count_working_days_over_easter_and_calendar_days(
    easter: Any, reviews: Reviews, unchanged: Callable[..., Any]
) -> None:
    review = reviews.notify(notified_on="2026-03-30")
    rid = review["id"]
    clocks = clocks_by_name(review)
    assert set(clocks) == {"notification_to_ofsted", "scr_decision"}
    # Mon 30 Mar + 5 working days: 31 Mar, 1, 2, (Good Friday, weekend, Easter Monday), 7, 8 Apr
    assert clocks["notification_to_ofsted"]["due"] == "2026-04-08"
    assert clocks["notification_to_ofsted"]["met_on"] is None
    assert clocks["scr_decision"]["due"] == "2026-04-29"  # 30 calendar days
    assert clocks["scr_decision"]["met_on"] is None

    due = {(f["item_id"], f["target_id"]): f for f in reviews.follow_ups(within_days=0)}
    ofsted = due[(rid, "notification_to_ofsted")]
    assert ofsted["kind"] == "clock"
    assert ofsted["due"] == "2026-04-08"
    assert ofsted["overdue"] is True
    assert (rid, "scr_decision") not in due
    due = {(f["item_id"], f["target_id"]): f for f in reviews.follow_ups(within_days=19)}
    assert due[(rid, "scr_decision")]["overdue"] is False
    assert due[(rid, "scr_decision")]["due"] == "2026-04-29"
    assert (rid, "scr_decision") not in {
        (f["item_id"], f["target_id"]) for f in reviews.follow_ups(within_days=18)
    }

    with unchanged(rid):
        future = {"milestone": "ofsted_notified", "reached_on": "2026-04-11"}
        assert_problem(reviews.post(rid, "milestones", future), 422, field="reached_on")
        unknown = {"milestone": "press_informed", "reached_on": "2026-04-02"}
        assert_problem(reviews.post(rid, "milestones", unknown), 422, field="milestone")
        not_a_date = {"milestone": "ofsted_notified", "reached_on": "2 April"}
        assert_problem(reviews.post(rid, "milestones", not_a_date), 422, field="reached_on")

    met = reviews.step(
        rid, "milestones", {"milestone": "ofsted_notified", "reached_on": "2026-04-02"}
    )
    assert clocks_by_name(met)["notification_to_ofsted"]["met_on"] == "2026-04-02"
    assert met["milestones"] == {"ofsted_notified": "2026-04-02"}
    assert (rid, "notification_to_ofsted") not in {
        (f["item_id"], f["target_id"]) for f in reviews.follow_ups(within_days=365)
    }
    with unchanged(rid):
        again = {"milestone": "ofsted_notified", "reached_on": "2026-04-03"}
        assert_problem(reviews.post(rid, "milestones", again), 409)

    easter.now = datetime(2026, 4, 30, 9, 0, tzinfo=UTC)  # the decision clock has run out
    late = {(f["item_id"], f["target_id"]): f for f in reviews.follow_ups(within_days=0)}
    assert late[(rid, "scr_decision")]["overdue"] is True

    reviews.step(rid, "criteria", SCR_FACTS)
    decided = reviews.step(
        rid, "decision", {"review_type": "serious_case_review", "rationale": "Met"}
    )
    clocks = clocks_by_name(decided)
    assert clocks["scr_decision"]["met_on"] == "2026-04-30"
    assert clocks["scr_completion"]["due"] == "2026-10-29"  # 182 days from the decision
    assert clocks["scr_completion"]["met_on"] is None
    running = {(f["item_id"], f["target_id"]) for f in reviews.follow_ups(within_days=365)}
    assert (rid, "scr_decision") not in running
    assert (rid, "scr_completion") in running


def test_clocks_that_apply_only_to_serious_case_reviews(reviews: Reviews) -> None:
    facts = {**SCR_FACTS, "concern_about_joint_working": False}
    review = reviews.decided(facts, review_type="learning_review")
    assert set(clocks_by_name(review)) == {"notification_to_ofsted", "scr_decision"}
    review = reviews.decided()
    assert set(clocks_by_name(review)) == {
        "notification_to_ofsted",
        "scr_decision",
        "scr_completion",
    }


def test_the_history_of_something_that_is_not_a_review_is_404(
    reviews: Reviews, client: TestClient
) -> None:
    rid = reviews.decided()["id"]
    item = reviews.post(rid, "learning", learning_body()).json()
    response = client.get(f"{REVIEWS}/{item['id']}/history", headers=auth(reviews.token))
    assert_problem(response, 404)
    audit = {"kind": "bespoke_multi_agency_audit", "theme": "t", "planned_for": "2026-06-01"}
    audit_id = client.post(f"{BASE}/audits", json=audit, headers=auth(reviews.token)).json()["id"]
    response = client.get(f"{REVIEWS}/{audit_id}/history", headers=auth(reviews.token))
    assert_problem(response, 404)
    # and the other way round
    response = client.get(f"{BASE}/audits/{rid}/history", headers=auth(reviews.token))
    assert_problem(response, 404)
    response = client.get(f"{ITEMS}/{rid}/history", headers=auth(reviews.token))
    assert_problem(response, 404)
    assert [e["type"] for e in reviews.history(rid)][-1] == "LearningLinked"


class _QuietLog:
    """Stands in for the 500 handler's logger: rendering the failure's traceback takes seconds."""

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


def test_an_overlong_case_reference_is_treated_alike_on_every_store(
    reviews: Reviews,
    client: TestClient,
    api_database_url: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Accepted or refused (422, recording nothing), the same on every store; never recorded in
    the log and then failing the read models, which stops every later write."""
    monkeypatch.setattr(problems, "log", _QuietLog())
    before = reviews.trail()
    reference = "A" * 101
    response = client.post(
        REVIEWS, json=notification(case_reference=reference), headers=auth(reviews.token)
    )
    assert_problem(response, 422, field="case_reference")
    assert reviews.trail() == before
    # the partnership carries on
    assert reviews.notify(case_reference="CR-2026/2")["status"] == "notified"


def test_dates_are_local_to_the_partnership(reviews: Reviews, clock: Any) -> None:
    """At 23:30 UTC on 30 April it is already 1 May in London: a notification dated 1 May is not
    in the future, and the decision is dated 1 May."""
    clock.now = datetime(2026, 4, 30, 23, 30, tzinfo=UTC)
    review = reviews.notify(notified_on="2026-05-01")
    assert review["notified_on"] == "2026-05-01"
    response = reviews.client.post(
        REVIEWS, json=notification(notified_on="2026-05-02"), headers=auth(reviews.token)
    )
    assert_problem(response, 422, field="notified_on")
    reviews.step(review["id"], "criteria", SCR_FACTS)
    body = {"review_type": "serious_case_review", "rationale": "Met"}
    decided = reviews.step(review["id"], "decision", body)
    assert decided["decision"]["decided_on"] == "2026-05-01"
    assert clocks_by_name(decided)["scr_decision"]["met_on"] == "2026-05-01"
