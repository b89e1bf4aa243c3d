"""The audit trail's `type` filter knows every event the log can hold."""

from domain.event_types import AGGREGATES, event_type_named, event_types
from projections.events import STREAM_TYPES


def test_every_stream_the_audit_trail_stores_is_known_to_the_type_filter():
    assert {a.Event for a in AGGREGATES} == set(STREAM_TYPES)


def test_a_type_is_found_whatever_its_case_and_an_unknown_one_is_not():
    assert event_type_named("meanschosen") == "MeansChosen"
    assert event_type_named(" WITHDRAWN ") == "Withdrawn"
    assert event_type_named("Closedish") is None
    assert "Created" not in event_types() and "Event" not in event_types()
