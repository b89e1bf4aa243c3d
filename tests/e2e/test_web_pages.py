"""The web pages through the test client: sessions, CSRF, one-time forms, roles, errors.

Each refusal is checked to have recorded nothing, through the item's history and the audit trail.
The browser tests (tests/browser) drive the same pages in Chromium.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Learnloop

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def form_fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields (csrf_token, form_id, version) of the form posting to `action`."""
    start = html.index(f'action="{action}"')
    form = html[start : html.index("</form>", start)]
    return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form))


@dataclass
class Pages:
    client: TestClient

    def sign_in(self, token: str) -> None:
        page = self.client.get("/sign-in")
        response = self.client.post(
            "/sign-in", data={"csrf_token": csrf_of(page.text), "token": token, "next": "/"}
        )
        assert response.status_code == 200 and "Dashboard" in response.text, response.text

    def post(self, page: str, action: str, follow: bool = True, **fields: str) -> Any:
        """Posts the form of `page` that posts to `action`, with its hidden fields and `fields`."""
        html = self.client.get(page).text
        data = {**form_fields(html, action), **fields}
        return self.client.post(action, data=data, follow_redirects=follow)


SCR = "serious-case-review"
CDOP = "child-death-overview"


@pytest.fixture
def pages(client: TestClient) -> Pages:
    return Pages(client)


@pytest.fixture
def item(api: Any) -> dict[str, Any]:
    """An item of the serious-case-review subgroup, with one action, made through the API."""
    created = api.create_item()
    api.add_action(created["id"])
    return api.get(created["id"])


def events(ll: Learnloop, item_id: str) -> int:
    return len(ll.read_models.history(item_id))


def test_pages_need_a_signed_in_user(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/"


def test_sign_in_sets_a_strict_http_only_cookie_that_does_not_hold_the_token(
    client: TestClient, contributor: str
) -> None:
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"csrf_token": csrf_of(page.text), "token": contributor, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    assert contributor not in cookie


def test_the_cookie_is_secure_over_https(settings: Any, clock: Any, learnloop: Learnloop) -> None:
    from adapters.http.app import create_app

    app = create_app(settings, clock, learnloop=learnloop, run_scheduler=False)
    with TestClient(app, base_url="https://testserver") as client:
        assert "Secure" in client.get("/sign-in").headers["set-cookie"]


def test_an_unknown_token_is_refused_with_an_error_summary(client: TestClient) -> None:
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in", data={"csrf_token": csrf_of(page.text), "token": "not-a-token", "next": "/"}
    )
    assert response.status_code == 400
    assert 'class="govuk-error-summary"' in response.text and 'href="#token"' in response.text
    assert "not-a-token" not in response.text


def test_a_sign_in_never_sends_the_user_elsewhere(client: TestClient, contributor: str) -> None:
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"csrf_token": csrf_of(page.text), "token": contributor, "next": "//evil.example"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_an_expired_session_goes_back_to_sign_in_and_records_nothing(
    pages: Pages, contributor: str, item: dict[str, Any], clock: Any, learnloop: Learnloop
) -> None:
    pages.sign_in(contributor)
    page = f"/items/{item['id']}"
    html = pages.client.get(page).text
    clock.advance(minutes=31)
    response = pages.client.post(
        f"{page}/measures",
        data={
            **form_fields(html, f"{page}/measures"),
            "kind": "evaluation_workshop",
            "description": "Workshop on the protocol",
            "review_due": "2026-09-30",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=/&expired=1")
    assert events(learnloop, item["id"]) == 2
    assert "Your session ended" in pages.client.get(response.headers["location"]).text


@pytest.mark.parametrize("csrf", [None, "wrong"])
def test_a_form_without_the_right_csrf_token_is_refused(
    pages: Pages, contributor: str, item: dict[str, Any], learnloop: Learnloop, csrf: str | None
) -> None:
    pages.sign_in(contributor)
    action = f"/items/{item['id']}/actions/{item['actions'][0]['id']}/progress"
    fields = form_fields(pages.client.get(f"/items/{item['id']}").text, action)
    fields.pop("csrf_token")
    if csrf is not None:
        fields["csrf_token"] = csrf
    response = pages.client.post(
        action, data={**fields, "status": "complete", "note": "All teams briefed"}
    )
    assert response.status_code == 403 and "Nothing was recorded" in response.text
    assert events(learnloop, item["id"]) == 2


def test_a_form_posted_twice_records_once(
    pages: Pages, contributor: str, item: dict[str, Any], learnloop: Learnloop
) -> None:
    pages.sign_in(contributor)
    page = f"/items/{item['id']}"
    action = f"{page}/measures"
    fields = {
        **form_fields(pages.client.get(page).text, action),
        "kind": "evaluation_workshop",
        "description": "Practitioners' workshop on the protocol",
        "review_due": "2026-09-30",
    }
    first = pages.client.post(action, data=fields)
    second = pages.client.post(action, data=fields)
    assert first.status_code == second.status_code == 200
    assert "Measure defined" in first.text
    assert "already been sent: it was recorded once" in second.text
    assert events(learnloop, item["id"]) == 3


def test_a_stale_page_is_refused_and_records_nothing(
    pages: Pages, api: Any, contributor: str, item: dict[str, Any], learnloop: Learnloop
) -> None:
    pages.sign_in(contributor)
    page = f"/items/{item['id']}"
    html = pages.client.get(page).text
    api.add_measure(item["id"])  # someone else changes the item meanwhile
    response = pages.client.post(
        f"{page}/actions",
        data={
            **form_fields(html, f"{page}/actions"),
            "means": "implementation_of_recommendations",
            "description": "A second protocol briefing",
            "owner": "Head of Early Help",
            "due": "2026-07-31",
        },
    )
    assert response.status_code == 400
    assert "Someone changed this record since you opened the page" in response.text
    assert "A second protocol briefing" in response.text  # what the user typed is kept
    assert events(learnloop, item["id"]) == 3


def test_a_refused_form_links_each_error_to_its_field_and_keeps_the_input(
    pages: Pages, contributor: str, item: dict[str, Any], learnloop: Learnloop
) -> None:
    pages.sign_in(contributor)
    page = f"/items/{item['id']}"
    response = pages.post(
        page,
        f"{page}/actions",
        means="implementation_of_recommendations",
        description="Brief every team",
        owner="",
        due="31/01/2027",
    )
    assert response.status_code == 400
    assert '<a href="#action-owner">Enter who owns the action</a>' in response.text
    assert 'id="action-due-error"' not in response.text  # the first refusal: empty fields
    response = pages.post(
        page,
        f"{page}/actions",
        means="implementation_of_recommendations",
        description="Brief every team",
        owner="Head of Early Help",
        due="31/01/2027",
    )
    assert '<a href="#action-due">' in response.text and 'id="action-due-error"' in response.text
    assert 'value="31/01/2027"' in response.text and "Brief every team" in response.text
    assert "<title>Error: " in response.text
    assert events(learnloop, item["id"]) == 2


def test_closing_without_met_evidence_shows_the_rule(
    pages: Pages, chair: str, item: dict[str, Any], learnloop: Learnloop
) -> None:
    pages.sign_in(chair)
    page = f"/items/{item['id']}"
    response = pages.post(page, f"{page}/close", summary="Protocol in use everywhere")
    assert response.status_code == 400 and 'href="#close-summary"' in response.text
    assert events(learnloop, item["id"]) == 2


def test_an_inspector_sees_no_write_form_and_a_forged_post_is_refused(
    pages: Pages, inspector: str, item: dict[str, Any], learnloop: Learnloop
) -> None:
    pages.sign_in(inspector)
    page = f"/items/{item['id']}"
    html = pages.client.get(page).text
    assert html.count('method="post"') == 1  # signing out only
    assert "Timeline" in html
    assert "On 1 May 2026, recorded 1 May 2026 at" in html  # each step's day and its recording
    forged = {"csrf_token": csrf_of(html), "form_id": "0" * 32, "status": "complete"}
    action = f"{page}/actions/{item['actions'][0]['id']}/progress"
    response = pages.client.post(action, data=forged)
    assert response.status_code == 403 and "inspector may not" in response.text
    assert events(learnloop, item["id"]) == 2
    new_item = pages.client.get(f"/subgroups/{SCR}/new-item")
    assert new_item.status_code == 403


def test_a_contributor_of_another_subgroup_may_not_write(
    pages: Pages, contributor_other: str, item: dict[str, Any], learnloop: Learnloop
) -> None:
    pages.sign_in(contributor_other)
    page = f"/items/{item['id']}"
    html = pages.client.get(page).text
    assert html.count('method="post"') == 1
    forged = {"csrf_token": csrf_of(html), "form_id": "1" * 32, "reason": "Reopen it please"}
    assert pages.client.post(f"{page}/reopen", data=forged).status_code == 403
    assert events(learnloop, item["id"]) == 2


@pytest.mark.parametrize(
    "path",
    [
        "/items/not-an-id",
        "/items/6f1c1f5e-8b0e-4a53-9d43-5a8f0e7e2b11",
        "/case-reviews/6f1c1f5e-8b0e-4a53-9d43-5a8f0e7e2b11",
        "/audits/nope",
        "/items/LL-2026-9999",
        "/case-reviews/CR-2026-999",
        "/audits/AUD-2026-99",
        "/subgroups/nope",
    ],
)
def test_an_unknown_id_is_a_404_page(pages: Pages, inspector: str, path: str) -> None:
    pages.sign_in(inspector)
    response = pages.client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text


def test_an_unknown_action_is_a_404_and_records_nothing(
    pages: Pages, contributor: str, item: dict[str, Any], learnloop: Learnloop
) -> None:
    pages.sign_in(contributor)
    page = f"/items/{item['id']}"
    fields = form_fields(pages.client.get(page).text, f"{page}/actions")
    response = pages.client.post(
        f"{page}/actions/no-such-action/progress", data={**fields, "status": "complete"}
    )
    assert response.status_code == 404 and "Page not found" in response.text
    assert events(learnloop, item["id"]) == 2


def test_restricted_subgroups_stay_hidden(
    pages: Pages, api: Any, business_manager: str, contributor: str
) -> None:
    restricted = api.create_item(
        token=business_manager, subgroup=CDOP, source={"kind": "all_cases_reviewed"}
    )
    pages.sign_in(contributor)
    assert f"/subgroups/{CDOP}" not in pages.client.get("/").text
    assert pages.client.get(f"/subgroups/{CDOP}").status_code == 403
    assert pages.client.get(f"/items/{restricted['id']}").status_code == 404


def test_an_admin_reads_no_learning(pages: Pages, admin: str) -> None:
    page = pages.client.get("/sign-in")
    response = pages.client.post(
        "/sign-in", data={"csrf_token": csrf_of(page.text), "token": admin, "next": "/"}
    )
    assert response.status_code == 403


def test_sign_out_ends_the_session(pages: Pages, inspector: str) -> None:
    pages.sign_in(inspector)
    html = pages.client.get("/").text
    pages.client.post("/sign-out", data={"csrf_token": csrf_of(html)})
    assert pages.client.get("/", follow_redirects=False).status_code == 303


def test_an_action_is_amended_and_the_history_keeps_the_old_due_date(
    pages: Pages, api: Any, contributor: str, item: dict[str, Any], learnloop: Learnloop
) -> None:
    pages.sign_in(contributor)
    page = f"/items/{item['id']}"
    action = f"{page}/actions/{item['actions'][0]['id']}/amendments"
    refused = pages.post(page, action, reason="Moved by the board")
    assert refused.status_code == 400 and "names a new owner or a new due date" in refused.text
    response = pages.post(page, action, due="2026-08-31", reason="Moved by the board")
    assert response.status_code == 200 and "Action changed" in response.text
    assert api.get(item["id"])["actions"][0]["due"] == "2026-08-31"
    amended = learnloop.read_models.history(item["id"])[-1]
    assert amended["type"].endswith("ActionAmended")


def test_the_loop_filters_by_theme_rag_and_overdue(
    pages: Pages, api: Any, contributor: str, clock: Any
) -> None:
    late = api.create_item(title="Late information sharing", themes=["information sharing"])
    api.add_action(late["id"], due="2026-05-10")
    api.create_item(title="Bruising in non-mobile babies", themes=["bruising"])
    clock.advance(days=30)
    pages.sign_in(contributor)
    board = f"/subgroups/{SCR}"
    both = pages.client.get(board).text
    assert "Late information sharing" in both and "Bruising in non-mobile babies" in both
    by_theme = pages.client.get(board, params={"theme": "bruising"}).text
    assert "Late information sharing" not in by_theme and "Bruising" in by_theme
    red = pages.client.get(board, params={"rag": "red"}).text
    assert "Late information sharing" in red and "Bruising" not in red
    overdue = pages.client.get(board, params={"overdue": "1"}).text
    assert "Late information sharing" in overdue and "Bruising" not in overdue
    assert "Overdue follow-ups" in pages.client.get("/").text


def test_the_inspection_page_filters_the_trail_and_gives_the_digest(
    pages: Pages, api: Any, inspector: str, item: dict[str, Any], learnloop: Learnloop
) -> None:
    pages.sign_in(inspector)
    html = pages.client.get("/inspection", params={"type": "MeansChosen"}).text
    assert html.count("Means chosen</td>") == 1 and "Identified</td>" not in html
    assert "learnloop verify --digest " in html
    page = pages.client.get("/inspection", params={"since": "yesterday"})
    assert "Enter a date as YYYY-MM-DD" in page.text
    empty = pages.client.get("/inspection", params={"subgroup": "training"}).text
    assert "No events match." in empty


def test_the_annual_report_downloads_as_markdown(pages: Pages, inspector: str) -> None:
    pages.sign_in(inspector)
    response = pages.client.get("/reports/annual.md", params={"year": "2026"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    assert "attachment" in response.headers["content-disposition"]
    assert pages.client.get("/reports/annual.exe", params={"year": "2026"}).status_code == 404


def test_pages_show_references_and_a_withdrawal(
    pages: Pages, client: TestClient, chair: str, item: dict[str, Any]
) -> None:
    """People read references, not ids (ADR 0045), and see that a record was withdrawn."""
    pages.sign_in(chair)
    page = pages.client.get(f"/items/{item['id']}").text
    assert item["reference"] in page and "Withdrawn" not in page
    withdrawn = client.post(
        f"/api/v1/learning-items/{item['reference']}/withdraw",
        json={"reason": "A duplicate item"},
        headers={"Authorization": f"Bearer {chair}"},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    page = pages.client.get(f"/items/{item['id']}").text
    assert "Withdrawn" in page and "A duplicate item" in page


def test_withdrawn_reviews_and_audits_leave_the_lists_but_keep_their_pages(
    pages: Pages, client: TestClient, business_manager: str
) -> None:
    """The pages read the API's lists: a withdrawn record is left out, its own page answers."""
    headers = {"Authorization": f"Bearer {business_manager}"}
    review = client.post(
        "/api/v1/case-reviews",
        json={
            "case_reference": "CR-2026/301",
            "notified_on": "2026-04-20",
            "notifying_agency": "rbwm-childrens-services",
            "summary": "Entered in error",
        },
        headers=headers,
    ).json()
    audit = client.post(
        "/api/v1/audits",
        json={"kind": "multi_agency_case_audit", "theme": "Dropped", "planned_for": "2026-06-15"},
        headers=headers,
    ).json()
    pages.sign_in(business_manager)
    assert review["reference"] in pages.client.get("/case-reviews").text
    assert audit["reference"] in pages.client.get("/audits").text
    for path in (f"/api/v1/case-reviews/{review['id']}", f"/api/v1/audits/{audit['id']}"):
        response = client.post(f"{path}/withdraw", json={"reason": "Not needed"}, headers=headers)
        assert response.status_code == 200, response.text
    assert review["reference"] not in pages.client.get("/case-reviews").text
    assert audit["reference"] not in pages.client.get("/audits").text
    for path in (f"/case-reviews/{review['id']}", f"/audits/{audit['id']}"):
        page = pages.client.get(path)
        assert page.status_code == 200
        assert "Withdrawn" in page.text and "Not needed" in page.text


def test_pages_open_by_reference_as_by_id(
    pages: Pages, client: TestClient, business_manager: str, item: dict[str, Any]
) -> None:
    """People say "LL-2026-0001": the item, review and audit pages take the reference too."""
    headers = {"Authorization": f"Bearer {business_manager}"}
    review = client.post(
        "/api/v1/case-reviews",
        json={
            "case_reference": "CR-2026/302",
            "notified_on": "2026-04-20",
            "notifying_agency": "rbwm-childrens-services",
            "summary": "Opened by its reference",
        },
        headers=headers,
    ).json()
    audit = client.post(
        "/api/v1/audits",
        json={
            "kind": "multi_agency_case_audit",
            "theme": "By reference",
            "planned_for": "2026-06-15",
        },
        headers=headers,
    ).json()
    pages.sign_in(business_manager)
    for base, record in (("/items", item), ("/case-reviews", review), ("/audits", audit)):
        by_id = pages.client.get(f"{base}/{record['id']}")
        by_reference = pages.client.get(f"{base}/{record['reference'].lower()}")
        assert by_id.status_code == by_reference.status_code == 200, by_reference.text
        assert record["reference"] in by_reference.text
