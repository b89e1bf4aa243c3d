from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from domain.commands.indicator import CorrectValue, DefineIndicator, SubmitValue
from domain.commands.learning_item import DefineMeasure, IndicatorTarget
from domain.errors import InvalidField, RuleViolation
from domain.framework import Agency
from domain.indicator import (
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    Indicator,
    Quarter,
    changes,
    compare,
    finite,
    overall_trend,
    trend,
)
from domain.learning_item import LearningItem

POLICE = "thames-valley-police"
HEALTH = "berkshire-healthcare"


@pytest.fixture
def now():
    """The quarters these tests submit (to 2026-Q3) have ended."""
    return datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def framework(framework):
    return replace(
        framework,
        agencies=(Agency(POLICE, "Thames Valley Police"), Agency(HEALTH, "Berkshire Healthcare")),
    )


def define(actor, now, **overrides):
    fields = {
        "code": "CP-01",
        "name": "Children on a child protection plan",
        "unit": "per 10,000 children",
        "polarity": LOWER_IS_BETTER,
        "major_change_pct": 10,
    }
    return Indicator.define(DefineIndicator(**{**fields, **overrides}), actor=actor, now=now)


@pytest.fixture
def given(framework, business_manager, now):
    """A defined indicator after these submissions ((period, agency, value), ...)."""

    def _given(*values, **overrides):
        indicator = define(business_manager, now, **overrides)
        for period, agency, value in values:
            indicator.submit(
                framework,
                SubmitValue(indicator=indicator.code, period=period, agency=agency, value=value),
                actor=business_manager,
                now=now,
            )
        indicator.collect_events()
        return indicator

    return _given


def refused(command, error, *args, field=None, match=None, **kwargs):
    aggregate = command.__self__
    version = aggregate.version
    with pytest.raises(error, match=match) as raised:
        command(*args, **kwargs)
    if field is not None:
        assert raised.value.field == field
    assert aggregate.version == version
    assert aggregate.collect_events() == []
    return raised.value


def q(text):
    return Quarter.parse(text)


def series(*pairs):
    return [(q(p), float(v)) for p, v in pairs]


# -- quarters and numbers -----------------------------------------------------------------------


def test_a_period_is_a_calendar_quarter_written_yyyy_qn():
    assert q(" 2026-Q3 ") == Quarter(2026, 3)
    assert str(q("2026-Q3")) == "2026-Q3"
    assert q("2025-Q4") < q("2026-Q1") < q("2026-Q2")
    assert q("2026-Q1").index + 1 == q("2026-Q2").index
    assert (q("2026-Q2").first_day, q("2026-Q2").last_day) == (date(2026, 4, 1), date(2026, 6, 30))
    assert (q("2026-Q4").first_day, q("2026-Q4").last_day) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
    )


@pytest.mark.parametrize(
    "bad", ["2026-Q5", "2026-Q0", "2026Q3", "26-Q1", "2026-q3", "", None, 2026]
)
def test_a_period_that_is_not_yyyy_qn_is_refused(bad):
    with pytest.raises(InvalidField, match="YYYY-Qn") as raised:
        Quarter.parse(bad)
    assert raised.value.field == "period"


def test_a_number_is_finite():
    assert finite(3, "value") == 3.0
    assert isinstance(finite(3, "value"), float)
    for bad in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(InvalidField, match="not a finite number") as raised:
            finite(bad, "value")
        assert raised.value.field == "value"


# -- defining ----------------------------------------------------------------------------------


def test_defining_records_the_indicator_under_an_id_its_code_decides(
    business_manager, now, then_events
):
    indicator = define(business_manager, now, code=" CP-01 ", major_change_pct=12.5)
    then_events(
        indicator,
        [
            (
                "Defined",
                {
                    "code": "CP-01",
                    "unit": "per 10,000 children",
                    "polarity": LOWER_IS_BETTER,
                    "major_change_pct": 12.5,
                    "actor": business_manager.as_record(),
                    "timestamp": now,
                },
            )
        ],
    )
    assert indicator.id == Indicator.id_for("cp-01") == Indicator.id_for("CP-01")
    assert Indicator.id_for("CP-02") != indicator.id


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "CP 01"}, "code"),
        ({"code": ""}, "code"),
        ({"name": "  "}, "name"),
        ({"unit": ""}, "unit"),
        ({"polarity": "up"}, "polarity"),
        ({"major_change_pct": 0}, "major_change_pct"),
        ({"major_change_pct": float("nan")}, "major_change_pct"),
    ],
)
def test_a_definition_with_bad_input_is_refused(business_manager, now, overrides, field):
    with pytest.raises(InvalidField) as raised:
        define(business_manager, now, **overrides)
    assert raised.value.field == field


# -- submitting and correcting ---------------------------------------------------------------


def test_a_submission_records_the_agencys_value_for_the_quarter(
    given, framework, contributor, now, then_events
):
    indicator = given()
    indicator.submit(
        framework,
        SubmitValue(
            indicator=indicator.code,
            period=" 2026-Q1",
            agency=POLICE,
            value=42,
            commentary="  Fewer plans after the new front door ",
            england=41.5,
        ),
        actor=contributor,
        now=now,
    )
    then_events(
        indicator,
        [
            (
                "ValueSubmitted",
                {
                    "period": "2026-Q1",
                    "agency": POLICE,
                    "value": 42.0,
                    "commentary": "Fewer plans after the new front door",
                    "statistical_neighbours": None,
                    "england": 41.5,
                    "actor": contributor.as_record(),
                },
            )
        ],
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"period": "2026-Q5"}, "period"),
        ({"period": "Q1 2026"}, "period"),
        ({"value": float("inf")}, "value"),
        ({"agency": "nowhere-police"}, "agency"),
        ({"agency": " "}, "agency"),
        ({"england": float("nan")}, "england"),
        ({"statistical_neighbours": float("-inf")}, "statistical_neighbours"),
    ],
)
def test_a_submission_with_bad_input_records_nothing(
    given, framework, contributor, now, overrides, field
):
    indicator = given()
    fields = {"period": "2026-Q1", "agency": POLICE, "value": 42, **overrides}
    refused(
        indicator.submit,
        InvalidField,
        framework,
        SubmitValue(indicator=indicator.code, **fields),
        actor=contributor,
        now=now,
        field=field,
    )


def test_a_second_submission_for_the_agency_and_quarter_is_refused(
    given, framework, contributor, now
):
    indicator = given(("2026-Q1", POLICE, 42))
    error = refused(
        indicator.submit,
        RuleViolation,
        framework,
        SubmitValue(indicator=indicator.code, period="2026-Q1", agency=POLICE, value=40),
        actor=contributor,
        now=now,
    )
    assert "correction" in error.rule
    indicator.submit(
        framework,
        SubmitValue(indicator=indicator.code, period="2026-Q1", agency=HEALTH, value=40),
        actor=contributor,
        now=now,
    )


def test_a_correction_records_the_new_value_beside_the_previous_one(
    given, framework, contributor, now, then_events
):
    indicator = given(("2026-Q1", POLICE, 42))
    indicator.correct(
        framework,
        CorrectValue(
            indicator=indicator.code,
            period="2026-Q1",
            agency=POLICE,
            value=44,
            reason="Late returns from one district",
        ),
        actor=contributor,
        now=now,
    )
    then_events(
        indicator,
        [
            (
                "ValueCorrected",
                {
                    "value": 44.0,
                    "previous_value": 42.0,
                    "reason": "Late returns from one district",
                    "commentary": None,
                },
            )
        ],
    )
    assert indicator.values[("2026-Q1", POLICE)].value == 44.0


def test_a_correction_needs_a_reason_a_change_and_a_value_to_correct(
    given, framework, contributor, now
):
    indicator = given(("2026-Q1", POLICE, 42))
    fields = {"indicator": indicator.code, "period": "2026-Q1", "agency": POLICE}
    at = {"actor": contributor, "now": now}
    refused(
        indicator.correct,
        InvalidField,
        framework,
        CorrectValue(**fields, value=44, reason=" "),
        **at,
        field="correction_reason",
    )
    refused(
        indicator.correct,
        InvalidField,
        framework,
        CorrectValue(**fields, value=42, reason="same"),
        **at,
        field="value",
    )
    fields["period"] = "2026-Q2"
    refused(
        indicator.correct,
        RuleViolation,
        framework,
        CorrectValue(**fields, value=44, reason="typo"),
        **at,
        match="no CP-01",
    )


# -- measures that follow an indicator ---------------------------------------------------------


def test_a_value_reaches_its_target_by_the_indicators_polarity(given):
    lower = given()
    higher = given(polarity=HIGHER_IS_BETTER)
    assert lower.reaches(40, 40) and lower.reaches(39, 40) and not lower.reaches(41, 40)
    assert higher.reaches(40, 40) and higher.reaches(41, 40) and not higher.reaches(39, 40)


def test_the_latest_quarters_value_decides_a_linked_measure(given, framework, contributor, now):
    indicator = given(("2026-Q1", POLICE, 45))
    link = {"code": "CP-01", "target": 40.0}

    def submit(period, value, agency=POLICE):
        return indicator.submit(
            framework,
            SubmitValue(indicator=indicator.code, period=period, agency=agency, value=value),
            actor=contributor,
            now=now,
        )

    reached = submit("2026-Q2", 39)
    assert indicator.outcome_for(link, reached, None) == "met"
    assert indicator.outcome_for(link, reached, "met") is None
    earlier = submit("2025-Q4", 50)
    assert indicator.outcome_for(link, earlier, "met") is None
    fell_back = submit("2026-Q3", 41)
    assert indicator.outcome_for(link, fell_back, "met") == "not_met"
    assert indicator.outcome_for(link, fell_back, "partly_met") is None
    elsewhere = submit("2026-Q3", 30, agency=HEALTH)
    assert indicator.outcome_for({**link, "agency": POLICE}, elsewhere, None) is None
    assert indicator.outcome_for(link, elsewhere, None) == "met"


def test_a_measure_may_name_an_indicator_and_a_target(build, rules, contributor, now, then_events):
    item = build()
    item.collect_events()
    fields = {
        "kind": "case-file-audit",
        "description": "Plans fall",
        "review_due": date(2026, 12, 31),
    }
    item.define_measure(
        rules,
        DefineMeasure(**fields, indicator=IndicatorTarget(code="CP-01", target=40)),
        actor=contributor,
        now=now,
    )
    [event] = then_events(item, ["MeasureDefined"])
    assert event.indicator == {"code": "CP-01", "target": 40.0}
    for bad, field in (
        (IndicatorTarget(code="CP-01", target=float("nan")), "indicator.target"),
        (IndicatorTarget(code=" ", target=4), "indicator.code"),
        (IndicatorTarget(code="CP-01", target=4, agency=""), "indicator.agency"),
    ):
        with pytest.raises(InvalidField) as raised:
            item.define_measure(
                rules, DefineMeasure(**fields, indicator=bad), actor=contributor, now=now
            )
        assert raised.value.field == field
    item.define_measure(rules, DefineMeasure(**fields), actor=contributor, now=now)
    assert [m.indicator for m in item.measures.values()] == [
        {"code": "CP-01", "target": 40.0},
        None,
    ]


def test_a_measure_defined_before_indicators_existed_loads_without_one():
    state = {"measure_id": "m1", "kind": "case-file-audit", "description": "d"}
    LearningItem.MeasureDefined.upcast_v1_v2(state)
    assert state["indicator"] is None
    assert LearningItem.MeasureDefined.class_version == 3


# -- reading a series --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "polarity", "expected"),
    [
        ((50, 48, 45, 41), LOWER_IS_BETTER, "improving"),
        ((50, 48, 45, 41), HIGHER_IS_BETTER, "worsening"),
        ((40, 42, 41, 44), HIGHER_IS_BETTER, "improving"),
        ((40, 40.1, 39.9, 40), HIGHER_IS_BETTER, "stable"),
        ((0, 0, 0, 0), HIGHER_IS_BETTER, "stable"),
    ],
)
def test_the_trend_follows_the_line_through_the_last_four_quarters(values, polarity, expected):
    periods = ("2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2")
    assert trend(series(*zip(periods, values, strict=True)), polarity) == expected


def test_the_trend_reads_only_the_four_quarters_to_the_latest():
    old_high = series(("2024-Q1", 90), ("2025-Q4", 40), ("2026-Q1", 42), ("2026-Q3", 44))
    assert trend(old_high, HIGHER_IS_BETTER) == "improving"
    assert trend(series(("2024-Q1", 90), ("2026-Q3", 44)), HIGHER_IS_BETTER) is None
    assert trend([], HIGHER_IS_BETTER) is None


def test_major_changes_move_beyond_the_threshold_between_adjacent_quarters():
    found = changes(
        series(("2025-Q3", 50), ("2025-Q4", 45), ("2026-Q1", 40), ("2026-Q3", 10), ("2026-Q4", 0)),
        LOWER_IS_BETTER,
        10,
    )
    summary = [(str(c.period), c.change_pct, c.direction, c.major) for c in found]
    assert summary == [
        ("2025-Q4", -10.0, "improved", False),  # exactly the threshold is not beyond it
        ("2026-Q1", pytest.approx(-11.11, abs=0.01), "improved", True),
        ("2026-Q4", -100.0, "improved", True),  # 2026-Q3 is not adjacent to 2026-Q1
    ]
    from_zero = changes(series(("2026-Q1", 0), ("2026-Q2", 3)), HIGHER_IS_BETTER, 50)
    assert [(c.change_pct, c.major, c.direction) for c in from_zero] == [(None, True, "improved")]


def test_a_value_stands_against_a_comparator_by_polarity():
    assert compare(40, 45, LOWER_IS_BETTER) == "better"
    assert compare(40, 45, HIGHER_IS_BETTER) == "worse"
    assert compare(45, 45, HIGHER_IS_BETTER) == "same"
    assert compare(45, None, HIGHER_IS_BETTER) is None


def test_agencies_trends_are_one_trend_when_they_agree():
    assert overall_trend(["improving", None, "improving"]) == "improving"
    assert overall_trend(["improving", "stable"]) == "mixed"
    assert overall_trend([None]) is None


# -- what a value may be (issue 12 item 8) ---------------------------------------------------


def value(indicator, period="2026-Q3", number=42.0, **fields):
    return SubmitValue(
        indicator=indicator.code, period=period, agency=POLICE, value=number, **fields
    )


@pytest.mark.parametrize("period", ["2026-Q4", "2030-Q1"])
def test_a_quarter_that_has_not_ended_is_refused(given, framework, contributor, now, period):
    indicator = given()
    with pytest.raises(InvalidField, match="has not ended") as raised:
        indicator.submit(framework, value(indicator, period), actor=contributor, now=now)
    assert raised.value.field == "period" and "today is 2026-11-03" in str(raised.value)
    assert indicator.collect_events() == []


def test_a_quarter_is_reported_from_the_day_after_it_ends(given, framework, contributor):
    indicator = given()
    last_day = datetime(2026, 9, 30, 12, tzinfo=UTC)
    with pytest.raises(InvalidField, match="has not ended"):
        indicator.submit(framework, value(indicator), actor=contributor, now=last_day)
    next_day = datetime(2026, 9, 30, 23, 30, tzinfo=UTC)  # 1 October in London
    indicator.submit(framework, value(indicator), actor=contributor, now=next_day)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"number": 250.0}, "value"),
        ({"number": -0.5}, "value"),
        ({"statistical_neighbours": 100.5}, "statistical_neighbours"),
        ({"england": -1.0}, "england"),
    ],
)
def test_a_percentage_outside_0_to_100_is_refused(
    given, framework, contributor, now, fields, field
):
    indicator = given(unit="%")
    with pytest.raises(InvalidField, match="not a percentage") as raised:
        indicator.submit(framework, value(indicator, **fields), actor=contributor, now=now)
    assert raised.value.field == field


def test_percentages_of_0_and_100_and_other_units_beyond_100_are_accepted(
    given, framework, contributor, now
):
    percent = given(unit="Percent")
    percent.submit(framework, value(percent, "2026-Q2", 0.0), actor=contributor, now=now)
    percent.submit(framework, value(percent, "2026-Q3", 100.0), actor=contributor, now=now)
    rate = given(unit="per 10,000 children")
    rate.submit(framework, value(rate, number=250.0), actor=contributor, now=now)


def test_a_linked_measure_counts_only_quarters_that_end_after_it_was_defined(
    given, framework, contributor, now
):
    indicator = given()
    link = {"code": "CP-01", "target": 40.0}
    reached = indicator.submit(
        framework, value(indicator, "2026-Q2", 39.0), actor=contributor, now=now
    )
    assert indicator.outcome_for(link, reached, None, defined_on=date(2026, 6, 30)) is None
    assert indicator.outcome_for(link, reached, None, defined_on=date(2026, 6, 29)) == "met"
