"""The multi-agency dataset through its service, read back from its view, on each store: series,
trends and comparators across a restart and a rebuild, the measures that follow an indicator,
duplicates and corrections, all-or-nothing batches, access, and measures recorded before
indicators existed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from adapters.bootstrap import Learnloop
from domain.commands.indicator import CorrectValue, DefineIndicator, SubmitValue
from domain.commands.learning_item import CloseItem, DefineMeasure, IdentifyNeed, IndicatorTarget
from domain.errors import InvalidField, RuleViolation
from domain.learning_item import LearningItem
from projections.projector import Projector
from projections.sources import IndicatorMeasures
from projections.views.indicators import IndicatorView
from services.dataset import Dataset, SubmissionsRefused
from services.errors import Forbidden, NotFound

SCR = "serious-case-review"
ME = "monitoring-and-evaluation"
POLICE = "thames-valley-police"
HEALTH = "berkshire-healthcare"
SINCE = date(2025, 6, 2)  # the linked measures were defined then: 2025-Q3 onwards counts
SYSTEM = {"id": "system", "name": "learnloop", "role": "system"}


def wired(ll: Learnloop) -> Learnloop:
    """Adds the dataset's view and service, unless the composition root already has."""
    if not any(view.name == "indicators" for view in ll.projector.views):
        views = [*ll.projector.views, IndicatorView()]
        log = ll.log
        ll.projector = Projector(
            ll.store.write_engine, log.recorder, log.mapper.to_domain_event, views
        )
        ll.projector.create_tables()
        ll.projector.catch_up()
        log.recorder.on_committed = ll.projector.project
    ll.dataset = Dataset(ll.log, ll.framework, ll.clock, IndicatorMeasures(ll.store.engine))  # type: ignore[attr-defined]
    return ll


@pytest.fixture(autouse=True)
def _after_the_quarters(clock):
    """Every quarter these tests submit (to 2026-Q4) has ended."""
    clock.now = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)


@pytest.fixture
def ll(open_learnloop) -> Learnloop:
    return wired(open_learnloop())


@pytest.fixture
def monitor(ll):
    known = {s.slug for s in ll.framework.subgroups}
    return ll.users.add("Mo Monitor", "contributor", [ME], known).actor


def define(ll, actor, **overrides: Any) -> None:
    fields = {
        "code": "CP-01",
        "name": "Children on a child protection plan",
        "unit": "per 10,000 children",
        "polarity": "lower_is_better",
        "major_change_pct": 10,
    }
    ll.dataset.define_indicator(actor, DefineIndicator(**{**fields, **overrides}))


def submit(ll, actor, period, value, agency=POLICE, code="CP-01", correction_reason=None, **fields):
    """A value, or with `correction_reason` a correction of the value already submitted."""
    value_fields = {"indicator": code, "period": period, "agency": agency, "value": value}
    if correction_reason is None:
        return ll.dataset.submit_value(actor, SubmitValue(**value_fields, **fields))
    command = CorrectValue(**value_fields, **fields, reason=correction_reason)
    return ll.dataset.submit_value(actor, command)


def linked_item(ll, actor, target=40, **link: Any) -> tuple[Any, str]:
    item = ll.learning.identify(
        actor,
        IdentifyNeed(
            subgroup=SCR,
            title="Plans",
            description="d",
            source_kind="local_serious_case_review",
            on=SINCE,
        ),
    )
    measure = ll.learning.define_measure(
        item,
        actor,
        DefineMeasure(
            kind="evaluation_workshop",
            description="Fewer children need a plan",
            review_due=date(2026, 12, 31),
            on=SINCE,
            indicator=IndicatorTarget(**{"code": "cp-01", "target": target, **link}),
        ),
    )
    return item, measure


def measure_doc(ll, item, measure) -> dict[str, Any]:
    doc = ll.read_models.item(str(item), ll.learning.today())
    return next(m for m in doc["measures"] if m["id"] == measure)


def test_a_series_is_read_with_its_trend_changes_and_comparators_across_restart_and_rebuild(
    ll, monitor, open_learnloop, view_rows
):
    define(ll, monitor)
    for period, value in (("2025-Q3", 50), ("2025-Q4", 48), ("2026-Q1", 41), ("2026-Q2", 39)):
        submit(ll, monitor, period, value, england=42, statistical_neighbours=40)
    submit(ll, monitor, "2026-Q2", 60, agency=HEALTH, commentary="New recording system")

    doc = ll.read_models.indicator("cp-01")

    assert [(v["period"], v["agency"], v["value"]) for v in doc["values"]] == [
        ("2025-Q3", POLICE, 50.0),
        ("2025-Q4", POLICE, 48.0),
        ("2026-Q1", POLICE, 41.0),
        ("2026-Q2", HEALTH, 60.0),
        ("2026-Q2", POLICE, 39.0),
    ]
    assert doc["trends"] == {POLICE: "improving", HEALTH: None}
    assert doc["trend"] == "improving"
    assert doc["major_changes"] == [
        {
            "agency": POLICE,
            "period": "2026-Q1",
            "previous_period": "2025-Q4",
            "previous_value": 48.0,
            "value": 41.0,
            "change_pct": -14.58,
            "direction": "improved",
        }
    ]
    latest = doc["values"][-1]
    assert latest["position"] == {"statistical_neighbours": "better", "england": "better"}
    assert doc["values"][0]["position"] == {"statistical_neighbours": "worse", "england": "worse"}
    assert doc["values"][3]["position"] == {"statistical_neighbours": "worse", "england": "worse"}
    assert doc["latest_period"] == "2026-Q2"
    assert doc["positions"] == {
        POLICE: {"period": "2026-Q2", "statistical_neighbours": "better", "england": "better"},
        HEALTH: {"period": "2026-Q2", "statistical_neighbours": "worse", "england": "worse"},
    }
    [listed] = ll.read_models.indicators()
    assert (listed["code"], listed["trend"], "values" in listed) == ("CP-01", "improving", False)

    before = view_rows(ll.store.engine)
    again = wired(open_learnloop())
    assert again.read_models.indicator("CP-01") == doc
    again.projector.rebuild()
    assert again.read_models.indicator("CP-01") == doc
    assert view_rows(again.store.engine) == before


def test_a_measure_is_met_when_its_indicator_reaches_the_target_and_not_met_when_it_falls_back(
    ll, monitor, actors, event_count
):
    define(ll, monitor)
    item, measure = linked_item(ll, actors.contributor)
    assert measure_doc(ll, item, measure)["indicator"] == {"code": "CP-01", "target": 40.0}

    assert submit(ll, monitor, "2026-Q1", 45).evidence == []
    before = event_count(ll)
    recorded = submit(ll, monitor, "2026-Q2", 39)

    assert event_count(ll) == before + 2 == recorded.position  # the value and its evidence
    [evidence] = measure_doc(ll, item, measure)["evidence"]
    assert evidence["outcome"] == "met"
    assert evidence["summary"] == (
        f"Indicator CP-01 reached 39 in 2026-Q2 for {POLICE} (target 40)"
    )
    assert evidence["reference"] == f"dataset:CP-01:2026-Q2:{POLICE}"
    assert evidence["recorded_by"] == SYSTEM
    assert recorded.evidence == [
        {
            "item_id": str(item),
            "measure_id": measure,
            "outcome": "met",
            "summary": evidence["summary"],
            "reference": evidence["reference"],
        }
    ]

    submit(ll, monitor, "2025-Q4", 60)  # an earlier quarter changes nothing
    submit(ll, monitor, "2026-Q2", 38, agency=HEALTH)  # nor does a quarter already met
    assert len(measure_doc(ll, item, measure)["evidence"]) == 1

    submit(ll, monitor, "2026-Q3", 44)
    outcomes = [e["outcome"] for e in measure_doc(ll, item, measure)["evidence"]]
    assert outcomes == ["met", "not_met"]
    assert measure_doc(ll, item, measure)["evidence"][-1]["summary"] == (
        f"Indicator CP-01 fell back to 44 in 2026-Q3 for {POLICE} (target 40)"
    )

    submit(ll, monitor, "2026-Q3", 40, correction_reason="One district's returns were late")
    assert measure_doc(ll, item, measure)["outcome"] == "met"
    ll.learning.close_item(item, actors.chair, CloseItem(summary="Fewer plans"))
    submit(ll, monitor, "2026-Q4", 50)  # a closed item is left alone
    assert measure_doc(ll, item, measure)["outcome"] == "met"


def test_a_measure_naming_an_agency_follows_only_that_agencys_values(ll, monitor, actors):
    define(ll, monitor, code="EHA-03", polarity="higher_is_better")
    item = ll.learning.identify(
        actors.contributor,
        IdentifyNeed(
            subgroup=SCR,
            title="t",
            description="d",
            source_kind="local_serious_case_review",
            on=SINCE,
        ),
    )
    measure = ll.learning.define_measure(
        item,
        actors.contributor,
        DefineMeasure(
            kind="evaluation_workshop",
            description="More early help assessments",
            review_due=date(2026, 12, 31),
            on=SINCE,
            indicator=IndicatorTarget(code="eha-03", target=100, agency=HEALTH),
        ),
    )
    submit(ll, monitor, "2026-Q1", 150, code="EHA-03")
    assert measure_doc(ll, item, measure)["outcome"] is None
    submit(ll, monitor, "2026-Q1", 100, agency=HEALTH, code="EHA-03")
    assert measure_doc(ll, item, measure)["outcome"] == "met"


def test_a_measure_must_name_a_defined_indicator_and_a_known_agency(ll, monitor, actors):
    define(ll, monitor)
    with pytest.raises(InvalidField) as raised:
        linked_item(ll, actors.contributor, code="CP-99")
    assert raised.value.field == "indicator.code"
    with pytest.raises(InvalidField) as raised:
        linked_item(ll, actors.contributor, agency="nowhere")
    assert raised.value.field == "indicator.agency"


def test_duplicates_are_refused_and_corrections_keep_both_values_in_history(
    ll, monitor, event_count
):
    define(ll, monitor)
    with pytest.raises(RuleViolation, match="already defined"):
        define(ll, monitor, code="cp-01")
    submit(ll, monitor, "2026-Q1", 42)
    before = event_count(ll)
    with pytest.raises(RuleViolation, match="correction"):
        submit(ll, monitor, "2026-Q1", 44)
    with pytest.raises(RuleViolation, match="to correct"):
        submit(ll, monitor, "2026-Q2", 44, correction_reason="typo")
    with pytest.raises(NotFound):
        submit(ll, monitor, "2026-Q1", 44, code="CP-99")
    assert event_count(ll) == before

    submit(ll, monitor, "2026-Q1", 44, correction_reason="Late returns", england=43)

    [value] = ll.read_models.indicator("CP-01")["values"]
    assert (value["value"], value["england"]) == (44.0, 43.0)
    [correction] = value["corrections"]
    assert (correction["previous_value"], correction["reason"]) == (42.0, "Late returns")
    history = ll.read_models.history(str(ll.dataset.get("CP-01").id), "indicator")
    assert [e["type"] for e in history] == ["Defined", "ValueSubmitted", "ValueCorrected"]
    assert [e["data"]["value"] for e in history[1:]] == [42.0, 44.0]


def test_a_batch_is_recorded_whole_or_not_at_all(ll, monitor, actors, event_count):
    define(ll, monitor)
    item, measure = linked_item(ll, actors.contributor)
    good = [
        SubmitValue(indicator="CP-01", period="2026-Q1", agency=POLICE, value=45.0),
        SubmitValue(indicator="cp-01", period="2026-Q2", agency=POLICE, value=39),
    ]
    bad = [
        *good,
        SubmitValue(indicator="CP-01", period="2026-Q5", agency=POLICE, value=1),
        SubmitValue(indicator="CP-01", period="2026-Q3", agency=POLICE, value=float("nan")),
        SubmitValue(indicator="CP-99", period="2026-Q3", agency=POLICE, value=1),
        SubmitValue(indicator="CP-01", period="2026-Q1", agency=POLICE, value=46),
        SubmitValue(indicator="CP-01", period="2026-Q3", agency="nowhere", value=1),
    ]
    before = event_count(ll)
    with pytest.raises(SubmissionsRefused) as refused:
        ll.dataset.submit_values(monitor, bad)
    assert [(r.index, r.field) for r in refused.value.refusals] == [
        (2, "period"),
        (3, "value"),
        (4, "indicator"),
        (5, None),
        (6, "agency"),
    ]
    assert "already submitted" in refused.value.refusals[3].message
    assert event_count(ll) == before
    assert ll.dataset.check_values(monitor, good) == []

    recorded = ll.dataset.submit_values(monitor, good)

    assert event_count(ll) == before + 3 == recorded.position
    assert [s.period for _, s in recorded.submissions] == ["2026-Q1", "2026-Q2"]
    assert measure_doc(ll, item, measure)["outcome"] == "met"


def test_the_monitoring_subgroup_and_the_business_manager_keep_the_dataset(ll, monitor, actors):
    define(ll, actors.business_manager)
    submit(ll, monitor, "2026-Q1", 42)
    for someone in (actors.contributor, actors.chair, actors.inspector):
        with pytest.raises(Forbidden):
            define(ll, someone, code="CP-02")
        with pytest.raises(Forbidden):
            submit(ll, someone, "2026-Q2", 42)


def test_a_measure_recorded_before_indicators_existed_still_loads(ll, actors):
    """A MeasureDefined as version 1 wrote it (no `indicator`, no class_version) upcasts."""
    actor = actors.contributor
    item = ll.learning.identify(
        actor,
        IdentifyNeed(
            subgroup=SCR,
            title="t",
            description="d",
            source_kind="local_serious_case_review",
            on=SINCE,
        ),
    )
    state = {
        "timestamp": ll.clock(),
        "actor": actor.as_record(),
        "measure_id": "from-v1",
        "kind": "evaluation_workshop",
        "description": "Recorded by an older learnloop",
        "review_due": date(2026, 9, 30),
    }
    stored = StoredEvent(
        originator_id=item,
        originator_version=2,
        topic=get_topic(LearningItem.MeasureDefined),
        state=ll.log.mapper.transcoder.encode(state),
    )
    ll.log.recorder.insert_events([stored])
    ll.projector.catch_up()

    loaded = ll.log.load(item, LearningItem, "learning item")
    assert loaded.measures["from-v1"].indicator is None
    assert measure_doc(ll, item, "from-v1")["indicator"] is None
