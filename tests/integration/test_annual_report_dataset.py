"""The annual report's dataset highlights: each indicator's series in the year's quarters, its
major changes and its position against the comparators, as the log stood."""

from datetime import UTC, datetime

from adapters.annual_report import build
from adapters.reports import render
from domain.commands.indicator import DefineIndicator, SubmitValue


def test_the_dataset_highlights_show_the_years_series_and_major_changes(
    open_learnloop, make_actors, clock
):
    clock.now = datetime(2027, 5, 3, 9, tzinfo=UTC)
    ll = open_learnloop()
    bm = make_actors(ll).business_manager
    ll.dataset.define_indicator(
        bm,
        DefineIndicator(
            code="CP-01",
            name="Child protection plans per 10,000",
            unit="rate",
            polarity="lower_is_better",
            major_change_pct=10.0,
        ),
    )
    agency = "rbwm-childrens-services"
    for period, value, neighbours in (
        ("2026-Q1", 40.0, None),  # the year before: outside 2026/27's quarters
        ("2026-Q2", 42.0, 45.0),
        ("2026-Q3", 50.0, 44.0),  # up 19%: a major change, and worse than the neighbours
        ("2026-Q4", 49.0, None),
        ("2027-Q1", 48.0, 47.0),
    ):
        ll.dataset.submit_value(
            bm,
            SubmitValue(
                indicator="CP-01",
                period=period,
                agency=agency,
                value=value,
                statistical_neighbours=neighbours,
                england=43.0,
            ),
        )
    position = ll.log.recorder.max_notification_id()

    report = build(ll, 2026)
    clock.now = datetime(2027, 7, 5, 9, tzinfo=UTC)  # 2027-Q2 has ended
    ll.dataset.submit_value(
        bm, SubmitValue(indicator="CP-01", period="2027-Q2", agency=agency, value=30.0)
    )

    [highlight] = report["dataset"]["highlights"]
    assert highlight["code"] == "CP-01"
    assert [p["period"] for p in highlight["series"]] == [
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
        "2027-Q1",
    ]
    assert [p["value"] for p in highlight["series"]] == [42.0, 50.0, 49.0, 48.0]
    assert highlight["series"][1]["statistical_neighbours"] == 44.0
    assert highlight["series"][0]["england"] == 43.0
    assert [(c["period"], c["from"], c["to"]) for c in highlight["major_changes"]] == [
        ("2026-Q3", 42.0, 50.0)
    ]
    assert highlight["trend"] in ("improving", "worsening", "stable")
    assert build(ll, 2026, as_at=position)["dataset"] == report["dataset"]
    assert b"CP-01" in render(report, "html")
