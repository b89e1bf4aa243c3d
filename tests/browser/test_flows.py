"""The issue's flows in Chromium, each with the mouse and by keyboard alone; axe on every page.

A contributor logs a need, chooses a means and reports progress; a chair records met evidence
and closes the item; an inspector reads the timeline and the item as it stood on a date.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.commands.audit import PlanAudit, RecordFinding
from domain.commands.case_review import (
    AssessCriteria,
    DecideReview,
    NotifyReview,
    RecordInvolvement,
)
from domain.commands.learning_item import ChooseMeans, DefineMeasure, IdentifyNeed, ReportProgress

pytestmark = pytest.mark.browser
SCR = "serious-case-review"


def sign_in(page: Any, driver: Any, check: Any, token: str) -> None:
    page.goto("/")
    assert "/sign-in" in page.url
    check(page, "sign-in")
    driver.fill("#token", token)
    driver.press("main form button[type=submit]")
    assert page.title().startswith("Dashboard")
    check(page, "dashboard")


def types(site: Any, item_id: str) -> list[str]:
    return [e["type"].split(".")[-1] for e in site.learnloop.read_models.history(item_id)]


def arrange_item(site: Any, *, complete: bool = True, measure: bool = True) -> dict[str, str]:
    """An item of the serious-case-review subgroup, moved through the loop by the contributor,
    one day per step (the server's clock moves with it)."""
    ll = site.learnloop
    actor = ll.users.authenticate(site.tokens["contributor"])
    item_id = ll.learning.identify(
        actor,
        IdentifyNeed(
            subgroup=SCR,
            title="Escalation between agencies",
            description="Concerns were not escalated when a plan drifted (SCR-2026-01).",
            source_kind="local_serious_case_review",
            source_reference="SCR-2026-01",
            themes=["escalation"],
        ),
    )
    site.clock.advance(days=2)
    action_id = ll.learning.choose_means(
        item_id,
        actor,
        ChooseMeans(
            means="implementation_of_recommendations",
            description="Brief all teams on the escalation policy",
            owner="Children's Services",
            due=site.clock().date() + timedelta(days=60),
        ),
    )
    ids = {"item": str(item_id), "action": action_id}
    if complete:
        site.clock.advance(days=2)
        ll.learning.report_progress(
            item_id, actor, ReportProgress(action_id=action_id, status="complete", note="Done")
        )
    if measure:
        site.clock.advance(days=1)
        ids["measure"] = ll.learning.define_measure(
            item_id,
            actor,
            DefineMeasure(
                kind="targeted_audit_questions",
                description="Escalation questions in the next audit",
                review_due=site.clock().date() + timedelta(days=90),
            ),
        )
    return ids


def test_a_contributor_logs_a_need_chooses_a_means_and_reports_progress(
    page: Any, driver: Any, check: Any, site: Any
) -> None:
    sign_in(page, driver, check, site.tokens["contributor"])
    driver.press(f"main a[href='/subgroups/{SCR}']")
    check(page, "subgroup-loop")
    driver.press("main a[href$='/new-item']")
    check(page, "new-item")
    driver.press("form#item button")  # nothing filled in: refused, with an error summary
    assert page.locator(".govuk-error-summary a[href='#item-title']").count() == 1
    check(page, "new-item-refused")
    driver.fill("#item-title", "Neglect of older children")
    driver.fill("#item-description", "Referrals for neglect of teenagers were closed early.")
    driver.select("#item-source-kind", "local_serious_case_review")
    driver.fill("#item-source-reference", "SCR-2026-07")
    driver.fill("#item-themes", "neglect, adolescents")
    driver.press("form#item button")
    assert "Learning need recorded" in page.content()
    check(page, "item-identified")
    item_id = page.url.rsplit("/", 1)[-1]
    UUID(item_id)

    driver.select("#action-means", "implementation_of_recommendations")
    driver.fill("#action-description", "Audit early closures of neglect referrals")
    driver.fill("#action-owner", "Head of Early Help")
    driver.fill("#action-due", "2026-09-30")
    driver.press("form#action button")
    assert "Action added" in page.content()
    check(page, "item-action-added")

    progress = page.locator("form[id^='progress-']").get_attribute("id")
    driver.choose(f"form#{progress}", "complete")
    driver.fill(f"#{progress}-note", "Audit finished; findings shared")
    driver.press(f"form#{progress} button")
    assert "Progress recorded" in page.content()
    check(page, "item-progress-reported")

    driver.select("#measure-kind", "targeted_audit_questions")
    driver.fill("#measure-description", "Neglect questions in the next case audit")
    driver.fill("#measure-review_due", "2026-12-31")
    driver.press("form#measure button")
    assert "Measure defined" in page.content()
    check(page, "item-measure-defined")
    assert types(site, item_id) == [
        "Identified",
        "MeansChosen",
        "ProgressReported",
        "MeasureDefined",
    ]


def test_a_chair_records_met_evidence_and_closes_the_item(
    page: Any, driver: Any, check: Any, site: Any
) -> None:
    ids = arrange_item(site)
    sign_in(page, driver, check, site.tokens["chair"])
    driver.press(f"main a[href='/subgroups/{SCR}']")
    driver.press(f"main a[href='/items/{ids['item']}']")
    check(page, "item-for-chair")
    evidence = f"form#evidence-{ids['measure']}"
    driver.choose(evidence, "met")
    driver.fill(f"#evidence-{ids['measure']}-summary", "9 of 10 audited cases escalated in time")
    driver.fill(f"#evidence-{ids['measure']}-reference", "MACA-2027-Q1")
    driver.press(f"{evidence} button")
    assert "Evidence recorded" in page.content()
    check(page, "item-evidence-recorded")
    driver.fill("#close-summary", "Escalation is now timely in audited cases")
    driver.press("form#close button")
    assert "Learning item closed" in page.content()
    check(page, "item-closed")
    assert types(site, ids["item"])[-2:] == ["EvidenceRecorded", "Closed"]
    assert page.locator("form#reopen").count() == 1


def test_an_inspector_reads_the_timeline_and_the_item_as_it_stood(
    page: Any, driver: Any, check: Any, site: Any
) -> None:
    first_day = site.clock().date()
    ids = arrange_item(site, complete=False, measure=False)
    sign_in(page, driver, check, site.tokens["inspector"])
    driver.press(f"main a[href='/subgroups/{SCR}']")
    driver.press(f"main a[href='/items/{ids['item']}']")
    check(page, "item-for-inspector")
    timeline = page.locator("table:has(caption:text('Every event')) tbody tr")
    assert timeline.count() == 2
    assert "Cara Contributor (contributor)" in timeline.nth(0).inner_text()
    assert "Means chosen" in timeline.nth(1).inner_text()
    driver.fill("#as-of", (first_day + timedelta(days=1)).isoformat())
    driver.press("main form[method=get] button")
    assert "as it stood at the end of" in page.locator("#as-of-view").inner_text()
    assert "No means of improvement chosen yet" in page.content()
    check(page, "item-as-of")
    review_id, audit_id = arrange_review_and_audit(site, ids["item"])
    for link, name in (
        ("/", "dashboard-with-reviews"),
        ("/inspection", "inspection"),
        ("/case-reviews", "case-reviews"),
        (f"/case-reviews/{review_id}", "case-review"),
        ("/audits", "audits"),
        (f"/audits/{audit_id}", "audit"),
        ("/reports", "reports"),
    ):
        driver.press(f"a[href='{link}']")
        check(page, name)
    downloads = (("pdf", "application/pdf"), ("md", "text/markdown"), ("json", "json"))
    for fmt, media_type in downloads if not driver.keyboard else ():  # once is enough
        download = page.request.get(f"/reports/annual.{fmt}?year=2026")
        assert download.ok and media_type in download.headers["content-type"]
        assert page.locator(f"a[href='/reports/annual.{fmt}?year=2026']").count() == 1
    driver.press("main a[href='/reports/annual.html?year=2026']")
    check(page, "annual-report")


def arrange_review_and_audit(site: Any, item_id: str) -> tuple[str, str]:
    ll = site.learnloop
    manager = ll.users.authenticate(site.tokens["business_manager"])
    today = site.clock().date()
    review = ll.case_reviews.notify(
        manager,
        NotifyReview(
            case_reference=f"CR/2026-{item_id[:8].upper()}",  # once per run of the flow
            notified_on=today,
            notifying_agency="thames-valley-police",
            summary="Serious injury to an infant",
        ),
    )
    ll.case_reviews.assess_criteria(
        review,
        manager,
        AssessCriteria(
            abuse_or_neglect_known_or_suspected=True,
            child_died=False,
            child_seriously_harmed=True,
            concern_about_joint_working=True,
            died_in_custody_or_detained=False,
        ),
    )
    ll.case_reviews.decide(
        review, manager, DecideReview(review_type="serious_case_review", rationale="Criteria met")
    )
    ll.case_reviews.record_involvement(
        review, manager, RecordInvolvement(party="family", status="invited", note="Letter sent")
    )
    audit = ll.audits.plan(
        manager, PlanAudit(kind="multi_agency_case_audit", theme="Escalation", planned_for=today)
    )
    ll.audits.record_finding(
        audit, manager, RecordFinding(summary="Escalation was late in 3 of 8 cases")
    )
    return str(review), str(audit)
