"""Inputs a schema-driven fuzzer (schemathesis) found answering 500: each is a clear 422 now."""

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reminders?after=99999999999999999999999",
        "/api/v1/audit-trail?after=99999999999999999999999",
        "/api/v1/reports/annual?year=2026&as_at=99999999999999999999999",
    ],
)
def test_a_position_beyond_64_bits_is_refused(client, inspector, as_, path):
    answer = client.get(path, headers=as_(inspector))
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("planned_for", ["0001-02-21", "9999-12-31"])
def test_a_date_outside_the_supported_years_is_refused(client, business_manager, as_, planned_for):
    body = {"kind": "multi_agency_case_audit", "theme": "Neglect", "planned_for": planned_for}
    answer = client.post("/api/v1/audits", json=body, headers=as_(business_manager))
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "planned_for"
