"""References on both stores (ADR 0045): records created before references get theirs when the
store is next opened, in the order they were created, and once a walk has completed the store is
not walked again; writers racing for numbers each get one of their own, in sequence."""

from __future__ import annotations

import threading
from datetime import date

import adapters.bootstrap
from adapters.annual_report import build
from adapters.persistence.upgrades import REFERENCES, Upgrades
from domain.case_review import CaseReview
from domain.commands.audit import PlanAudit
from domain.commands.case_review import NotifyReview
from domain.commands.learning_item import IdentifyNeed
from domain.commands.withdrawal import Withdraw
from domain.learning_item import LearningItem

NEED = IdentifyNeed(
    subgroup="serious-case-review",
    title="Escalation",
    description="Concerns were not escalated",
    source_kind="local_serious_case_review",
)
NOTIFICATION = NotifyReview(
    case_reference="CR-2026/301",
    notified_on=date(2026, 4, 20),
    notifying_agency="rbwm-childrens-services",
    summary="Serious injury to an infant",
)


def test_records_from_before_references_get_them_on_opening_in_creation_order(
    open_learnloop, make_actors, clock
):
    ll = open_learnloop()
    actors = make_actors(ll)
    now = clock()
    framework = ll.framework
    old_items = [LearningItem.identify(framework, NEED, actor=actors.contributor, now=now)]
    old_review = CaseReview.notify(framework, NOTIFICATION, actor=actors.business_manager, now=now)
    old_items.append(LearningItem.identify(framework, NEED, actor=actors.contributor, now=now))
    for record in (old_items[0], old_review, old_items[1]):
        ll.log.record(record)  # as saved before references: none, and a random id
    assert ll.read_models.item(str(old_items[0].id), ll.learning.today())["reference"] is None
    Upgrades(ll.store.write_engine).forget(REFERENCES)  # a store from before the marker
    ll.close()

    again = open_learnloop()
    today = again.learning.today()
    refs = [again.read_models.item(str(i.id), today)["reference"] for i in old_items]
    assert refs == ["LL-2026-0001", "LL-2026-0002"]
    assert again.learning.resolve("LL-2026-0002") == old_items[1].id
    assert again.case_reviews.resolve("CR-2026-001") == old_review.id
    assert again.read_models.case_review(str(old_review.id))["reference"] == "CR-2026-001"
    newer = again.learning.identify(actors.contributor, NEED)
    assert again.read_models.item(str(newer), today)["reference"] == "LL-2026-0003"
    history = again.read_models.history(str(old_items[0].id))
    assert [e["type"] for e in history] == ["Identified", "ReferenceAssigned"]


def test_a_store_is_walked_until_one_walk_completes_then_never_again(
    open_learnloop, make_actors, clock, monkeypatch, event_count
):
    walks: list[int] = []
    walk = adapters.bootstrap.assign_missing_references

    def counted(*args, **kwargs):
        walks.append(1)
        return walk(*args, **kwargs)

    monkeypatch.setattr(adapters.bootstrap, "assign_missing_references", counted)
    ll = open_learnloop()
    assert len(walks) == 1
    assert Upgrades(ll.store.engine).done(REFERENCES)
    events = event_count(ll)
    actors = make_actors(ll)
    # A record without a reference cannot be made after the upgrade; injected, it shows the
    # next open does not walk the log.
    stray = LearningItem.identify(ll.framework, NEED, actor=actors.contributor, now=clock())
    ll.log.record(stray)
    ll.close()

    again = open_learnloop()
    assert len(walks) == 1
    assert event_count(again) == events + 1  # the stray item's: the marker is no event
    assert again.read_models.item(str(stray.id), again.learning.today())["reference"] is None
    again.close()

    Upgrades(again.store.write_engine).forget(REFERENCES)
    third = open_learnloop()
    assert len(walks) == 2
    assert third.read_models.item(str(stray.id), third.learning.today())["reference"] == (
        "LL-2026-0001"
    )
    assert Upgrades(third.store.engine).done(REFERENCES)


def test_marking_an_upgrade_done_twice_is_no_error(ll, clock):
    upgrades = Upgrades(ll.store.write_engine)
    upgrades.mark_done(REFERENCES, clock())  # a second process finishing the walk too
    assert upgrades.done(REFERENCES)


def test_writers_racing_for_numbers_each_get_their_own_in_sequence(ll, actors):
    made: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work() -> None:
        try:
            start.wait(timeout=10)
            for _ in range(3):
                item_id = ll.learning.identify(actors.contributor, NEED)
                made.append(ll.read_models.item(str(item_id), ll.learning.today())["reference"])
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(made) == [f"LL-2026-{n:04d}" for n in range(1, 13)]


def test_the_annual_report_counts_withdrawals_as_such_and_names_references(ll, actors, clock):
    """An item, a review and a case audit withdrawn in 2026/27: counted as withdrawn, in none of
    the year's other figures."""
    bm = actors.business_manager
    kept = ll.learning.identify(actors.contributor, NEED)
    gone = ll.learning.identify(actors.contributor, NEED)
    ll.learning.withdraw_item(gone, bm, Withdraw(reason="A duplicate"))
    review = ll.case_reviews.notify(bm, NOTIFICATION)
    ll.case_reviews.withdraw(review, bm, Withdraw(reason="Notified twice"))
    audit = ll.audits.plan(
        bm, PlanAudit(kind="multi_agency_case_audit", theme="Neglect", planned_for=date(2026, 6, 1))
    )
    ll.audits.withdraw(audit, bm, Withdraw(reason="Will not happen"))
    report = build(ll, 2026)
    assert (report["totals"]["needs_identified"], report["totals"]["withdrawn"]) == (1, 1)
    assert (report["case_reviews"]["notified"], report["case_reviews"]["withdrawn"]) == (0, 1)
    audits = report["audits"]
    assert (audits["multi_agency_case_audits"], audits["withdrawn"], audits["audits"]) == (0, 1, [])
    assert ll.read_models.item(str(kept), ll.learning.today())["reference"] == "LL-2026-0001"
