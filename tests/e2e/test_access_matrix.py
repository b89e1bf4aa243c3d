"""Access per the contract's roles on EVERY endpoint: role x endpoint x own or other subgroup.

The matrix is GENERATED FROM THE ROUTES: every (method, path) the app serves under /api/v1 must
have an entry in CASES (a request with valid path parameters and a minimal valid body, and whose
subgroup the call belongs to), and `test_every_route_has_a_case` FAILS for a route without one,
so a new endpoint cannot be left out of the matrix.

Each role gets a fresh store with the resources the requests name (an item in each of
serious-case-review, training and the restricted child-death-overview, a case review, an audit,
an indicator), then every case is sent as that role in route order, and the outcome's class is
checked against what the contract's roles allow:

- no token: 401 everywhere;
- admin: 403 on all learning content (subgroups and agencies are not learning content);
- inspector: 2xx on every read, 403 on every write;
- business manager: 2xx on everything;
- contributor / chair: writes 2xx in their own subgroup, 403 in another; close and reopen 2xx
  only for a chair of the item's subgroup;
- restricted subgroup (child-death-overview, by the default framework): a non-member contributor
  or chair gets 404 for its items (as if they did not exist) and 403 for its board and calendar.

SQLITE ONLY: the full cross product runs on SQLite to stay fast (`api_database_url` is pinned
below); test_access_smoke.py runs a small subset on both stores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

SCR = "serious-case-review"
TRAINING = "training"
CDOP = "child-death-overview"
ME = "monitoring-and-evaluation"
BASE = "/api/v1"
ITEMS = f"{BASE}/learning-items"
REVIEWS = f"{BASE}/case-reviews"
AUDITS = f"{BASE}/audits"
INDICATORS = f"{BASE}/dataset/indicators"

ROLES = (
    "anonymous",
    "contributor",  # of serious-case-review
    "chair",  # of serious-case-review
    "contributor_other",  # of training
    "business_manager",
    "inspector",
    "admin",
)
SUBGROUPS = {"contributor": {SCR}, "chair": {SCR}, "contributor_other": {TRAINING}}

# kinds of case
PUBLIC = "public"  # any signed-in user, admin included
READ = "read"  # learning content: everyone but the admin
WRITE = "write"  # a contributor or chair of `owner`, or a business manager
CLOSE = "close"  # a chair of `owner`, or a business manager


@pytest.fixture
def api_database_url(tmp_path: Any) -> str:
    """The full matrix runs on SQLite only (see the module docstring)."""
    return f"sqlite:///{tmp_path}/learnloop.db"


@dataclass
class World:
    """The ids the requests name, created by a business manager before the role acts."""

    ll: Any
    scr_item: str = ""
    scr_other: str = ""  # where actions are added, so that `scr_item` can still be closed
    training_item: str = ""
    cdop_item: str = ""
    action: str = ""
    measure: str = ""
    review: str = ""
    audit: str = ""
    indicator: str = "CP-01"
    as_of: str = ""
    slugs: dict[str, dict[str, str]] = field(default_factory=dict)

    def item_body(self, subgroup: str, **overrides: Any) -> dict[str, Any]:
        return {
            "subgroup": subgroup,
            "title": f"Learning in {subgroup}",
            "description": "What the review found",
            "source": {"kind": self.slugs[subgroup]["source"]},
            **overrides,
        }

    def action_body(self, subgroup: str) -> dict[str, Any]:
        return {
            "means": self.slugs[subgroup]["means"],
            "description": "Do the thing",
            "owner": "Head of Service",
            "due": "2026-09-30",
        }

    def measure_body(self, subgroup: str) -> dict[str, Any]:
        return {
            "kind": self.slugs[subgroup]["measure"],
            "description": "Check it worked",
            "review_due": "2026-12-31",
        }


@dataclass(frozen=True)
class Case:
    kind: str
    owner: str | None = None  # the subgroup a write belongs to
    path: Callable[[World], dict[str, str]] = lambda w: {}
    body: Callable[[World], dict[str, Any]] | None = None
    query: Callable[[World], dict[str, Any]] | None = None
    hidden_as: int | None = None  # the status a non-member gets for a restricted subgroup's case
    label: str = ""


def scr(w: World) -> dict[str, str]:
    return {"item_id": w.scr_item}


def training(w: World) -> dict[str, str]:
    return {"item_id": w.training_item}


def cdop(w: World) -> dict[str, str]:
    return {"item_id": w.cdop_item}


def review(w: World) -> dict[str, str]:
    return {"review_id": w.review}


def audit(w: World) -> dict[str, str]:
    return {"audit_id": w.audit}


def indicator(w: World) -> dict[str, str]:
    return {"code": w.indicator}


def slug(value: str) -> Callable[[World], dict[str, str]]:
    return lambda w: {"slug": value}


# (method, path) -> the cases sent to it, in order. A route with no entry fails the test.
CASES: dict[tuple[str, str], list[Case]] = {
    ("GET", "/api/v1/subgroups"): [Case(PUBLIC)],
    ("GET", "/api/v1/agencies"): [Case(PUBLIC)],
    ("GET", "/api/v1/subgroups/{slug}/loop"): [
        Case(READ, path=slug(SCR)),
        Case(READ, path=slug(CDOP), hidden_as=403, label="restricted board"),
    ],
    ("POST", "/api/v1/learning-items"): [
        Case(WRITE, SCR, body=lambda w: w.item_body(SCR)),
        Case(WRITE, TRAINING, body=lambda w: w.item_body(TRAINING)),
        Case(WRITE, CDOP, body=lambda w: w.item_body(CDOP)),
    ],
    ("GET", "/api/v1/learning-items"): [
        Case(READ),
        Case(READ, query=lambda w: {"subgroup": CDOP}, label="filtered, never refused"),
    ],
    ("GET", "/api/v1/learning-items/{item_id}"): [
        Case(READ, path=scr),
        Case(READ, path=scr, query=lambda w: {"as_of": w.as_of}, label="as_of"),
        Case(READ, path=cdop, hidden_as=404, label="restricted item"),
        Case(READ, path=cdop, query=lambda w: {"as_of": w.as_of}, hidden_as=404, label="as_of"),
    ],
    ("GET", "/api/v1/learning-items/{item_id}/history"): [
        Case(READ, path=scr),
        Case(READ, path=cdop, hidden_as=404, label="restricted history"),
    ],
    ("POST", "/api/v1/learning-items/{item_id}/actions"): [
        Case(
            WRITE, SCR, path=lambda w: {"item_id": w.scr_other}, body=lambda w: w.action_body(SCR)
        ),
        Case(WRITE, TRAINING, path=training, body=lambda w: w.action_body(TRAINING)),
        Case(WRITE, CDOP, path=cdop, body=lambda w: w.action_body(CDOP)),
    ],
    ("POST", "/api/v1/learning-items/{item_id}/actions/{action_id}/updates"): [
        Case(
            WRITE,
            SCR,
            path=lambda w: {**scr(w), "action_id": w.action},
            body=lambda w: {"status": "complete", "note": "done"},
        )
    ],
    ("POST", "/api/v1/learning-items/{item_id}/actions/{action_id}/amendments"): [
        Case(
            WRITE,
            SCR,
            path=lambda w: {**scr(w), "action_id": w.action},
            body=lambda w: {"due": "2026-10-31", "reason": "the protocol needs sign-off"},
        )
    ],
    ("POST", "/api/v1/learning-items/{item_id}/measures"): [
        Case(WRITE, SCR, path=scr, body=lambda w: w.measure_body(SCR)),
    ],
    ("POST", "/api/v1/learning-items/{item_id}/measures/{measure_id}/evidence"): [
        Case(
            WRITE,
            SCR,
            path=lambda w: {**scr(w), "measure_id": w.measure},
            body=lambda w: {"outcome": "met", "summary": "It worked"},
        )
    ],
    ("POST", "/api/v1/learning-items/{item_id}/corrections"): [
        Case(WRITE, SCR, path=scr, body=lambda w: {"title": "Better title", "reason": "typo"}),
    ],
    ("POST", "/api/v1/learning-items/{item_id}/close"): [
        Case(CLOSE, SCR, path=scr, body=lambda w: {"summary": "Done and shown to work"}),
    ],
    ("POST", "/api/v1/learning-items/{item_id}/reopen"): [
        Case(CLOSE, SCR, path=scr, body=lambda w: {"reason": "The concern came back"}),
    ],
    ("POST", "/api/v1/learning-items/{item_id}/actions/{action_id}/withdraw"): [
        Case(
            WRITE,
            SCR,
            path=lambda w: {**scr(w), "action_id": w.action},
            body=lambda w: {"reason": "entered twice"},
        )
    ],
    ("POST", "/api/v1/learning-items/{item_id}/measures/{measure_id}/withdraw"): [
        Case(
            WRITE,
            SCR,
            path=lambda w: {**scr(w), "measure_id": w.measure},
            body=lambda w: {"reason": "the wrong measure"},
        )
    ],
    ("POST", "/api/v1/learning-items/{item_id}/withdraw"): [
        Case(CLOSE, SCR, path=scr, body=lambda w: {"reason": "a duplicate"}),
    ],
    ("POST", "/api/v1/case-reviews"): [
        Case(
            WRITE,
            SCR,
            body=lambda w: {
                "case_reference": "CR-2026/099",
                "notified_on": "2026-04-28",
                "notifying_agency": "rbwm-childrens-services",
                "summary": "A serious incident",
            },
        )
    ],
    ("GET", "/api/v1/case-reviews"): [Case(READ)],
    ("GET", "/api/v1/case-reviews/{review_id}"): [Case(READ, path=review)],
    ("GET", "/api/v1/case-reviews/{review_id}/history"): [Case(READ, path=review)],
    ("POST", "/api/v1/case-reviews/{review_id}/criteria"): [
        Case(
            WRITE,
            SCR,
            path=review,
            body=lambda w: {
                "abuse_or_neglect_known_or_suspected": True,
                "child_died": False,
                "child_seriously_harmed": True,
                "concern_about_joint_working": True,
                "died_in_custody_or_detained": False,
            },
        )
    ],
    ("POST", "/api/v1/case-reviews/{review_id}/decision"): [
        Case(
            WRITE,
            SCR,
            path=review,
            body=lambda w: {"review_type": "serious_case_review", "rationale": "criteria met"},
        )
    ],
    ("POST", "/api/v1/case-reviews/{review_id}/methodology"): [
        Case(
            WRITE,
            SCR,
            path=review,
            body=lambda w: {
                "method": "scie_learning_together",
                "lead_reviewer": "An Independent Reviewer",
                "lead_reviewer_independent": True,
            },
        )
    ],
    ("POST", "/api/v1/case-reviews/{review_id}/involvement"): [
        Case(
            WRITE,
            SCR,
            path=review,
            body=lambda w: {"party": "family", "status": "invited", "note": "letter sent"},
        )
    ],
    ("POST", "/api/v1/case-reviews/{review_id}/final-report"): [
        Case(
            WRITE,
            SCR,
            path=review,
            body=lambda w: {"received_on": "2026-05-01", "summary": "The report"},
        )
    ],
    ("POST", "/api/v1/case-reviews/{review_id}/board-response"): [
        Case(
            WRITE,
            SCR,
            path=review,
            body=lambda w: {"agreed_on": "2026-05-01", "summary": "The Board's response"},
        )
    ],
    ("POST", "/api/v1/case-reviews/{review_id}/publication"): [
        Case(
            WRITE,
            SCR,
            path=review,
            body=lambda w: {"published_on": "2026-05-01", "url": "https://example.org/r"},
        )
    ],
    ("POST", "/api/v1/case-reviews/{review_id}/milestones"): [
        Case(
            WRITE,
            SCR,
            path=review,
            body=lambda w: {"milestone": "ofsted_notified", "reached_on": "2026-04-29"},
        )
    ],
    ("POST", "/api/v1/case-reviews/{review_id}/learning"): [
        Case(WRITE, SCR, path=review, body=lambda w: w.item_body(SCR)),
    ],
    ("POST", "/api/v1/case-reviews/{review_id}/corrections"): [
        Case(
            WRITE,
            SCR,
            path=review,
            body=lambda w: {"step": "notified", "reason": "typo", "happened_on": "2026-04-27"},
        )
    ],
    ("POST", "/api/v1/case-reviews/{review_id}/withdraw"): [
        Case(WRITE, SCR, path=review, body=lambda w: {"reason": "notified twice"}),
    ],
    ("POST", "/api/v1/audits"): [
        Case(
            WRITE,
            ME,
            body=lambda w: {
                "kind": "bespoke_multi_agency_audit",
                "theme": "Neglect",
                "planned_for": "2026-06-15",
            },
        )
    ],
    ("GET", "/api/v1/audits"): [Case(READ)],
    ("GET", "/api/v1/audits/{audit_id}"): [Case(READ, path=audit)],
    ("GET", "/api/v1/audits/{audit_id}/history"): [Case(READ, path=audit)],
    ("POST", "/api/v1/audits/{audit_id}/findings"): [
        Case(WRITE, ME, path=audit, body=lambda w: {"summary": "Plans were not shared"}),
    ],
    ("POST", "/api/v1/audits/{audit_id}/complete"): [
        Case(
            WRITE,
            ME,
            path=audit,
            body=lambda w: {"completed_on": "2026-05-01", "summary": "Audit done"},
        )
    ],
    ("POST", "/api/v1/audits/{audit_id}/corrections"): [
        Case(
            WRITE, ME, path=audit, body=lambda w: {"theme": "Neglect of infants", "reason": "typo"}
        )
    ],
    ("POST", "/api/v1/audits/{audit_id}/withdraw"): [
        Case(WRITE, ME, path=audit, body=lambda w: {"reason": "will not happen"}),
    ],
    ("GET", "/api/v1/audit-trail"): [Case(READ)],
    ("GET", "/api/v1/follow-ups"): [Case(READ)],
    ("GET", "/api/v1/exports/{kind}"): [
        Case(READ, path=lambda w: {"kind": "action-plan"}, query=lambda w: {"format": "csv"}),
        Case(READ, path=lambda w: {"kind": "audit-trail"}, label="the audit trail"),
    ],
    ("GET", "/api/v1/integrity/digest"): [Case(READ)],
    ("GET", "/api/v1/reminders"): [Case(READ)],
    ("GET", "/api/v1/subgroups/{slug}/calendar.ics"): [
        Case(READ, path=slug(SCR)),
        Case(READ, path=slug(CDOP), hidden_as=403, label="restricted calendar"),
    ],
    ("GET", "/api/v1/reports/annual"): [
        Case(READ, query=lambda w: {"year": 2026, "format": "json"}),
    ],
    ("POST", "/api/v1/dataset/indicators"): [
        Case(
            WRITE,
            ME,
            body=lambda w: {
                "code": "CP-02",
                "name": "Re-referrals",
                "unit": "%",
                "polarity": "lower_is_better",
                "major_change_pct": 10,
            },
        )
    ],
    ("GET", "/api/v1/dataset/indicators"): [Case(READ)],
    ("GET", "/api/v1/dataset/indicators/{code}"): [Case(READ, path=indicator)],
    ("GET", "/api/v1/dataset/indicators/{code}/history"): [Case(READ, path=indicator)],
    ("POST", "/api/v1/dataset/indicators/{code}/values"): [
        Case(
            WRITE,
            ME,
            path=indicator,
            body=lambda w: {"period": "2026-Q1", "agency": "thames-valley-police", "value": 12},
        )
    ],
}


def api_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every API route, into included routers too (FastAPI may keep them
    nested rather than flattened into `app.routes`)."""
    for route in routes:
        if isinstance(route, APIRoute):
            for method in sorted(route.methods - {"HEAD"}):
                yield method, prefix + route.path
        elif hasattr(route, "original_router"):
            nested = getattr(getattr(route, "include_context", None), "prefix", "")
            yield from api_routes(route.original_router.routes, prefix + nested)
        elif hasattr(route, "routes"):
            yield from api_routes(route.routes, prefix + getattr(route, "path", ""))


def served(client: TestClient) -> list[tuple[str, str]]:
    app = client.app
    found = [key for key in api_routes(app.routes) if key[1].startswith(f"{BASE}/")]
    documented = {
        (method.upper(), path)
        for path, ops in app.openapi()["paths"].items()
        if path.startswith(f"{BASE}/")
        for method in ops
    }
    assert documented <= set(found), f"routes the walk missed: {documented - set(found)}"
    return list(dict.fromkeys(found))


def test_every_route_has_a_case(client: TestClient) -> None:
    routes = served(client)
    missing = [key for key in routes if key not in CASES]
    assert not missing, f"routes with no access-matrix case (add them to CASES): {missing}"
    stale = [key for key in CASES if key not in routes]
    assert not stale, f"CASES names routes the app does not serve: {stale}"
    assert len(routes) >= 40


def expected(role: str, case: Case) -> int | str:
    """The class of outcome: "2xx" or a status."""
    if role == "anonymous":
        return 401
    if case.kind == PUBLIC:
        return "2xx"
    if role == "admin":
        return 403
    if case.kind == READ:
        if case.hidden_as is not None and role in SUBGROUPS:
            return case.hidden_as
        return "2xx"
    if role == "business_manager":
        return "2xx"
    if role == "inspector":
        return 403
    own = case.owner in SUBGROUPS[role]
    if case.kind == CLOSE:
        return "2xx" if own and role == "chair" else 403
    return "2xx" if own else 403


def _token(tokens: Any, role: str) -> str | None:
    return None if role == "anonymous" else getattr(tokens, role)


def _post(client: TestClient, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 201), (path, response.text)
    return response.json()


def first_body(path: str, w: World) -> dict[str, Any]:
    """The body the matrix POSTs to `path` (a collection), to create the world's own one."""
    body = CASES[("POST", path)][0].body
    assert body is not None
    return body(w)


def build_world(client: TestClient, learnloop: Any, clock: Any, bm: str) -> World:
    w = World(learnloop)
    for s in learnloop.framework.subgroups:
        w.slugs[s.slug] = {
            "source": s.identification_sources[0].slug,
            "means": s.means_of_improvement[0].slug,
            "measure": s.measures_of_effectiveness[0].slug,
        }
    w.scr_item = _post(client, bm, ITEMS, w.item_body(SCR))["id"]
    w.scr_other = _post(client, bm, ITEMS, w.item_body(SCR))["id"]
    w.training_item = _post(client, bm, ITEMS, w.item_body(TRAINING))["id"]
    w.cdop_item = _post(client, bm, ITEMS, w.item_body(CDOP))["id"]
    w.action = _post(client, bm, f"{ITEMS}/{w.scr_item}/actions", w.action_body(SCR))["id"]
    w.measure = _post(client, bm, f"{ITEMS}/{w.scr_item}/measures", w.measure_body(SCR))["id"]
    _post(
        client,
        bm,
        f"{ITEMS}/{w.scr_item}/measures/{w.measure}/evidence",
        {"outcome": "met", "summary": "Shown to work"},
    )
    review_body = {**first_body(REVIEWS, w), "case_reference": "CR-2026/098"}
    w.review = _post(client, bm, REVIEWS, review_body)["id"]
    w.audit = _post(client, bm, AUDITS, first_body(AUDITS, w))["id"]
    indicator_body = {**first_body(INDICATORS, w), "code": w.indicator}
    _post(client, bm, INDICATORS, indicator_body)
    clock.advance(minutes=1)
    w.as_of = clock().isoformat()
    clock.advance(minutes=1)
    return w


def outcome(status: int) -> int | str:
    return "2xx" if 200 <= status < 300 else status


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(
    role: str, client: TestClient, learnloop: Any, clock: Any, tokens: Any
) -> None:
    """Every route's cases, sent as `role`, answer the class of outcome its role allows."""
    w = build_world(client, learnloop, clock, tokens.business_manager)
    token = _token(tokens, role)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    wrong = []
    for method, path in served(client):
        for case in CASES[(method, path)]:
            url = path.format(**case.path(w))
            response = client.request(
                method,
                url,
                params=case.query(w) if case.query else None,
                json=case.body(w) if case.body else None,
                headers=headers,
            )
            want, got = expected(role, case), outcome(response.status_code)
            if got != want:
                wrong.append(f"{method} {url} {case.label}: want {want}, got {got} {response.text}")
            elif got != "2xx":
                assert response.headers["content-type"].startswith("application/problem+json")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
