"""In Chromium: an inspector sees no write form and a forged POST records nothing; unknown ids
are a 404 page; the skip link works and keyboard focus is visible; axe on each of these pages."""

from __future__ import annotations

from typing import Any

import pytest

from domain.commands.learning_item import ChooseMeans, IdentifyNeed

pytestmark = pytest.mark.browser
SCR = "serious-case-review"
FOCUS_YELLOW = "rgb(255, 221, 0)"


def _sign_in(page: Any, token: str) -> None:
    page.goto("/sign-in")
    page.fill("#token", token)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def _item(site: Any) -> tuple[str, str]:
    ll = site.learnloop
    actor = ll.users.authenticate(site.tokens["contributor"])
    item_id = ll.learning.identify(
        actor,
        IdentifyNeed(
            subgroup=SCR,
            title="Information sharing at transfer",
            description="Records did not follow a family between areas (SCR-2026-02).",
            source_kind="local_serious_case_review",
        ),
    )
    action_id = ll.learning.choose_means(
        item_id,
        actor,
        ChooseMeans(
            means="implementation_of_recommendations",
            description="Agree a transfer protocol",
            owner="Designated nurse",
            due=site.clock().date(),
        ),
    )
    return str(item_id), action_id


def test_an_inspector_sees_no_write_form_and_a_forged_post_is_refused(
    page: Any, check: Any, site: Any
) -> None:
    item_id, action_id = _item(site)
    _sign_in(page, site.tokens["inspector"])
    page.goto(f"/items/{item_id}")
    check(page, "item-for-inspector")
    assert page.locator("main form[method=post]").count() == 0
    assert page.locator("form[method=post]").count() == 1  # signing out
    before = len(site.learnloop.read_models.history(item_id))
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    forged = {"csrf_token": csrf, "form_id": "a" * 32, "status": "complete", "note": "forged"}
    response = page.request.post(f"/items/{item_id}/actions/{action_id}/progress", form=forged)
    assert response.status == 403
    assert "inspector may not" in response.text()
    without_csrf = {k: v for k, v in forged.items() if k != "csrf_token"}
    response = page.request.post(f"/items/{item_id}/close", form=without_csrf)
    assert response.status == 403
    assert len(site.learnloop.read_models.history(item_id)) == before
    page.goto(f"/subgroups/{SCR}/new-item")
    check(page, "forbidden")
    assert page.locator("h1").inner_text() == "You cannot do this"


def test_an_unknown_id_is_a_404_page(page: Any, check: Any, site: Any) -> None:
    _sign_in(page, site.tokens["chair"])
    response = page.goto("/items/6f1c1f5e-8b0e-4a53-9d43-5a8f0e7e2b11")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    check(page, "not-found")


def test_the_skip_link_works_and_focus_is_visible(page: Any, check: Any, site: Any) -> None:
    _sign_in(page, site.tokens["chair"])
    page.keyboard.press("Tab")
    skip = page.locator("a.govuk-skip-link")
    assert page.evaluate("() => document.activeElement.className").startswith("govuk-skip-link")
    box = skip.bounding_box()
    assert box is not None and box["height"] > 10  # shown when focused
    assert skip.evaluate("e => getComputedStyle(e).outlineColor") == FOCUS_YELLOW
    page.keyboard.press("Enter")
    assert page.url.endswith("#main-content")
    assert page.evaluate("() => document.activeElement.id") == "main-content"
    page.keyboard.press("Tab")  # the first link of the main content
    focused = page.evaluate(
        "() => { const e = document.activeElement; return [e.tagName,"
        " getComputedStyle(e).backgroundColor, getComputedStyle(e).boxShadow] }"
    )
    assert focused[0] == "A" and focused[1] == FOCUS_YELLOW and focused[2] != "none"
    check(page, "dashboard-focused")


def test_a_form_sent_twice_records_once(page: Any, check: Any, site: Any) -> None:
    item_id, action_id = _item(site)
    _sign_in(page, site.tokens["contributor"])
    page.goto(f"/items/{item_id}")
    form = f"form#progress-{action_id}"
    page.check(f"{form} input[value=at_risk]")
    page.fill(f"#progress-{action_id}-note", "Waiting for the other area's records")
    fields = page.evaluate(
        "(f) => Object.fromEntries(new FormData(document.querySelector(f)))", form
    )
    action = f"/items/{item_id}/actions/{action_id}/progress"
    first = page.request.post(action, form=fields)
    second = page.request.post(action, form=fields)  # a double click, a retried request
    assert first.ok and second.ok
    assert "already been sent: it was recorded once" in second.text()
    history = site.learnloop.read_models.history(item_id)
    assert [e["type"].split(".")[-1] for e in history].count("ProgressReported") == 1
