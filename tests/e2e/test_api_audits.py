"""Audits over HTTP: the reporting year's multi-agency case audits (up to four without an
override), bespoke and single-agency audits, findings and the learning they identify, completion
and follow-up audits. Every refusal records nothing (the audit trail is as it was)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

SCR = "serious-case-review"
ME = "monitoring-and-evaluation"
BASE = "/api/v1"
AUDITS = f"{BASE}/audits"
ITEMS = f"{BASE}/learning-items"
PROBLEM = "application/problem+json"
MACA = "multi_agency_case_audit"
BESPOKE = "bespoke_multi_agency_audit"
SINGLE = "single_agency_audit"


def auth(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def audit_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": MACA,
        "theme": "Neglect in pre-school children",
        "planned_for": "2026-06-15",
    }
    body.update(overrides)
    return body


def learning_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subgroup": ME,
        "title": "Chronologies missing from health records",
        "description": "Four of six cases had no multi-agency chronology.",
        "source": {"kind": "targeted_multi_agency_audits"},
        "themes": ["neglect"],
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
class Audits:
    """Steps over the client as the business manager (pass `token=` to act as someone else)."""

    client: TestClient
    token: str

    def post(self, path: str, body: dict[str, Any], token: str | None = None) -> Any:
        return self.client.post(path, json=body, headers=auth(token or self.token))

    def plan(self, **overrides: Any) -> dict[str, Any]:
        response = self.post(AUDITS, audit_body(**overrides))
        assert response.status_code == 201, response.text
        return response.json()

    def finding(self, audit_id: str, **body: Any) -> dict[str, Any]:
        response = self.post(f"{AUDITS}/{audit_id}/findings", {"summary": "A finding", **body})
        assert response.status_code == 201, response.text
        return response.json()

    def complete(self, audit_id: str, **body: Any) -> dict[str, Any]:
        body = {"completed_on": "2026-05-01", "summary": "Audit reported to the Board", **body}
        response = self.post(f"{AUDITS}/{audit_id}/complete", body)
        assert response.status_code == 200, response.text
        return response.json()

    def get(self, audit_id: str, token: str | None = None) -> dict[str, Any]:
        response = self.client.get(f"{AUDITS}/{audit_id}", headers=auth(token or self.token))
        assert response.status_code == 200, response.text
        return response.json()

    def listed(self, year: int | None = None) -> list[str]:
        params = {"year": year} if year is not None else {}
        response = self.client.get(AUDITS, params=params, headers=auth(self.token))
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["audits"]]

    def trail(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        after = 0
        while True:
            response = self.client.get(
                f"{BASE}/audit-trail",
                params={"after": after, "limit": 1000},
                headers=auth(self.token),
            )
            assert response.status_code == 200, response.text
            page = response.json()
            if not page["events"]:
                return events
            events += page["events"]
            after = page["next_after"]


@pytest.fixture
def audits(client: TestClient, business_manager: str) -> Audits:
    return Audits(client, business_manager)


@pytest.fixture
def unchanged(audits: Audits) -> Callable[..., Any]:
    """`with unchanged(audit_id):` the block records nothing: the audit (when one is named) and
    the whole audit trail are the same after it as before."""

    @contextmanager
    def _unchanged(audit_id: str | None = None) -> Iterator[None]:
        def state() -> tuple[Any, list[dict[str, Any]]]:
            return (audits.get(audit_id) if audit_id else None), audits.trail()

        before = state()
        yield
        after = state()
        assert after[0] == before[0], "the audit changed"
        assert len(after[1]) == len(before[1]), "the audit trail grew"

    return _unchanged


# -- the yearly limit on multi-agency case audits ------------------------------------------------


def test_four_case_audits_a_reporting_year_then_only_with_an_override(
    audits: Audits, client: TestClient, unchanged: Callable[..., Any]
) -> None:
    planned = []
    for day in ("2026-04-01", "2026-07-01", "2026-12-01", "2027-03-31"):  # all in 2026/27
        response = audits.post(AUDITS, audit_body(planned_for=day, theme=f"Theme {day}"))
        assert response.status_code == 201, response.text
        assert response.headers["Location"] == f"{AUDITS}/{response.json()['id']}"
        assert response.headers["ETag"] == f'"{response.json()["version"]}"'
        audit = response.json()
        assert audit["kind"] == MACA
        assert audit["planned_for"] == day
        assert audit["reporting_year"] == 2026
        assert audit["status"] == "planned"
        assert audit["override_reason"] is None
        planned.append(audit["id"])

    with unchanged():
        fifth = audits.post(AUDITS, audit_body(planned_for="2026-09-01"))
        assert_problem(fifth, 409, "4", "2026/27", "override_reason")
        blank = audits.post(AUDITS, audit_body(planned_for="2026-09-01", override_reason=" "))
        assert_problem(blank, 409, "override_reason")

    reason = "The Board asked for a deep dive after two child deaths in one month."
    response = audits.post(AUDITS, audit_body(planned_for="2026-09-01", override_reason=reason))
    assert response.status_code == 201, response.text
    overridden = response.json()
    assert overridden["override_reason"] == reason
    assert overridden["reporting_year"] == 2026
    planned.append(overridden["id"])

    next_year = audits.plan(planned_for="2027-04-01")
    assert next_year["reporting_year"] == 2027

    assert set(audits.listed(2026)) == set(planned)
    assert len(audits.listed(2026)) == 5
    assert audits.listed(2027) == [next_year["id"]]
    assert audits.listed(2025) == []
    assert set(audits.listed()) == {*planned, next_year["id"]}
    assert_problem(client.get(AUDITS, params={"year": "2026/27"}, headers=auth(audits.token)), 422)

    scheduled = [e for e in audits.trail() if e["type"] == "CaseAuditScheduled"]
    assert len(scheduled) == 6
    assert [e["data"]["override_reason"] for e in scheduled].count(reason) == 1
    assert {e["subgroup"] for e in scheduled} == {ME}


def test_other_audits_do_not_count_towards_the_limit(audits: Audits) -> None:
    for day in ("2026-05-01", "2026-06-01", "2026-07-01", "2026-08-01"):
        audits.plan(planned_for=day)
    bespoke = audits.plan(kind=BESPOKE, theme="Exploitation", planned_for="2026-10-01")
    single = audits.plan(kind=SINGLE, agency="thames-valley-police", planned_for="2026-10-01")
    assert bespoke["reporting_year"] == single["reporting_year"] == 2026
    assert single["agency"] == "thames-valley-police"
    assert len(audits.listed(2026)) == 6


# -- what an audit names ---------------------------------------------------------------------------


def test_a_bespoke_audit_answers_a_case_review(
    audits: Audits, client: TestClient, unchanged: Callable[..., Any]
) -> None:
    notification = {
        "case_reference": "CR-2026/7",
        "notified_on": "2026-04-20",
        "notifying_agency": "thames-valley-police",
        "summary": "Serious injury to a teenager known to several agencies.",
    }
    response = client.post(f"{BASE}/case-reviews", json=notification, headers=auth(audits.token))
    assert response.status_code == 201, response.text
    review_id = response.json()["id"]

    bespoke = audits.plan(kind=BESPOKE, theme="Missing episodes", prompted_by=review_id)
    assert bespoke["prompted_by"] == review_id
    assert audits.get(bespoke["id"])["prompted_by"] == review_id

    with unchanged():
        for unknown in (str(uuid.uuid4()), "CR-2026/7", bespoke["id"]):
            response = audits.post(AUDITS, audit_body(kind=BESPOKE, prompted_by=unknown))
            assert_problem(response, 422, field="prompted_by")
        response = audits.post(AUDITS, audit_body(prompted_by=review_id))  # a MACA
        assert_problem(response, 422, field="prompted_by")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": SINGLE}, "agency"),
        ({"kind": SINGLE, "agency": "acme-security"}, "agency"),
        ({"kind": MACA, "agency": "thames-valley-police"}, "agency"),
        ({"kind": "peer_review"}, "kind"),
        ({"planned_for": "2026-02-30"}, "planned_for"),
        ({"planned_for": "next spring"}, "planned_for"),
        ({"planned_for": "15/06/2026"}, "planned_for"),
        ({"theme": ""}, "theme"),
        ({"kind": BESPOKE, "override_reason": "Because"}, "override_reason"),
        ({"follow_up_of": "not-an-id"}, "follow_up_of"),
        ({"follow_up_of": "7d1f8b35-9a59-4a51-8f3e-0e8b2c0c9a11"}, "follow_up_of"),
        ({"auditor": "Someone"}, "auditor"),
    ],
)
def test_a_plan_the_framework_does_not_know_is_422(
    audits: Audits, unchanged: Callable[..., Any], overrides: dict[str, Any], field: str
) -> None:
    with unchanged():
        assert_problem(audits.post(AUDITS, audit_body(**overrides)), 422, field=field)
    assert audits.trail() == []


# -- findings, learning and completion -------------------------------------------------------------


def test_findings_identify_learning_and_a_completed_audit_takes_no_more(
    audits: Audits, client: TestClient, unchanged: Callable[..., Any]
) -> None:
    audit = audits.plan()
    aid = audit["id"]

    plain = audits.finding(aid, summary="Strategy meetings were held on time.")
    assert plain["id"]
    assert plain["learning_item_id"] is None
    assert plain["summary"] == "Strategy meetings were held on time."

    response = audits.post(
        f"{AUDITS}/{aid}/findings",
        {"summary": "Chronologies were missing.", "learning": learning_body()},
    )
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == '"3"'
    with_learning = response.json()
    item_id = with_learning["learning_item_id"]
    assert item_id
    item = client.get(f"{ITEMS}/{item_id}", headers=auth(audits.token))
    assert item.status_code == 200, item.text
    assert item.json()["subgroup"] == ME
    assert item.json()["source"] == {"kind": "targeted_multi_agency_audits", "reference": aid}
    assert item.json()["stage"] == "identification"

    elsewhere = learning_body(subgroup=SCR, source={"kind": "other_local_review"})
    scr_item_id = audits.finding(aid, learning=elsewhere)["learning_item_id"]
    scr_item = client.get(f"{ITEMS}/{scr_item_id}", headers=auth(audits.token)).json()
    assert scr_item["subgroup"] == SCR
    assert scr_item["source"]["reference"] == aid

    findings = audits.get(aid)["findings"]
    assert [f["learning_item_id"] for f in findings] == [None, item_id, scr_item_id]

    with unchanged(aid):
        wrong_kind = learning_body(source={"kind": "participant_feedback"})
        response = audits.post(f"{AUDITS}/{aid}/findings", {"summary": "x", "learning": wrong_kind})
        assert_problem(response, 422, field="learning.source.kind")
        response = audits.post(f"{AUDITS}/{aid}/findings", {"summary": ""})
        assert_problem(response, 422, field="summary")
        for not_a_date in ("2026-05-32", "May 2026"):
            body = {"completed_on": not_a_date, "summary": "done"}
            response = audits.post(f"{AUDITS}/{aid}/complete", body)
            assert_problem(response, 422, field="completed_on")
        future = {"completed_on": "2026-05-02", "summary": "done"}
        assert_problem(audits.post(f"{AUDITS}/{aid}/complete", future), 422, field="completed_on")

    completed = audits.complete(aid)
    assert completed["status"] == "completed"
    assert completed["completion"]["completed_on"] == "2026-05-01"
    assert completed["completion"]["summary"] == "Audit reported to the Board"

    with unchanged(aid):
        response = audits.post(f"{AUDITS}/{aid}/findings", {"summary": "Late finding"})
        assert_problem(response, 409, "completed")
        late = {"summary": "Late", "learning": learning_body()}
        assert_problem(audits.post(f"{AUDITS}/{aid}/findings", late), 409)
        again = {"completed_on": "2026-05-01", "summary": "again"}
        assert_problem(audits.post(f"{AUDITS}/{aid}/complete", again), 409)
    assert len(client.get(ITEMS, headers=auth(audits.token)).json()["items"]) == 2


def test_a_follow_up_audit_is_planned_from_a_completed_audit(
    audits: Audits, unchanged: Callable[..., Any]
) -> None:
    original = audits.plan(kind=SINGLE, agency="berkshire-healthcare")
    with unchanged():
        response = audits.post(AUDITS, audit_body(kind=BESPOKE, follow_up_of=original["id"]))
        assert_problem(response, 409, "completed")
    audits.complete(original["id"])
    follow_up = audits.plan(kind=BESPOKE, theme="Re-audit", follow_up_of=original["id"])
    assert follow_up["follow_up_of"] == original["id"]
    assert audits.get(follow_up["id"])["follow_up_of"] == original["id"]


def test_an_unknown_audit_is_404(audits: Audits, client: TestClient) -> None:
    for audit_id in (str(uuid.uuid4()), "nope"):
        assert_problem(client.get(f"{AUDITS}/{audit_id}", headers=auth(audits.token)), 404)
        response = audits.post(f"{AUDITS}/{audit_id}/findings", {"summary": "x"})
        assert_problem(response, 404)
    assert audits.trail() == []


# -- who may run audits ----------------------------------------------------------------------------


def test_an_inspector_reads_audits_and_writes_none(
    audits: Audits,
    client: TestClient,
    inspector: str,
    contributor: str,
    unchanged: Callable[..., Any],
) -> None:
    aid = audits.plan()["id"]
    assert audits.get(aid, token=inspector) == audits.get(aid)
    response = client.get(AUDITS, params={"year": 2026}, headers=auth(inspector))
    assert response.status_code == 200
    assert [a["id"] for a in response.json()["audits"]] == [aid]

    complete = {"completed_on": "2026-05-01", "summary": "done"}
    for token in (inspector, contributor):  # contributor: serious-case-review, not M&E
        with unchanged(aid):
            assert_problem(audits.post(AUDITS, audit_body(), token=token), 403)
            body = {"summary": "x"}
            assert_problem(audits.post(f"{AUDITS}/{aid}/findings", body, token=token), 403)
            assert_problem(audits.post(f"{AUDITS}/{aid}/complete", complete, token=token), 403)


def test_a_stale_if_match_is_412(audits: Audits, unchanged: Callable[..., Any]) -> None:
    aid = audits.plan()["id"]
    audits.finding(aid)
    with unchanged(aid):
        response = audits.client.post(
            f"{AUDITS}/{aid}/findings",
            json={"summary": "x"},
            headers=auth(audits.token, **{"If-Match": '"1"'}),
        )
        assert_problem(response, 412)
    response = audits.client.post(
        f"{AUDITS}/{aid}/complete",
        json={"completed_on": "2026-05-01", "summary": "done"},
        headers=auth(audits.token, **{"If-Match": '"2"'}),
    )
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"3"'
