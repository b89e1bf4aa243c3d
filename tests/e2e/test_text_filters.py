"""Text filters refuse control characters with 422 on both stores, the API and the inspection
page alike (issue 16, finding 4: a NUL gave 500 on PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

TRAIL = "/api/v1/audit-trail"


@pytest.mark.parametrize("name", ["type", "actor", "subgroup"])
@pytest.mark.parametrize("value", ["Means\x00Chosen", "a\x1bb", "tab\there", "del\x7f"])
def test_the_audit_trail_refuses_control_characters(
    client: TestClient, inspector: str, name: str, value: str
) -> None:
    response = client.get(
        TRAIL, params={name: value}, headers={"Authorization": f"Bearer {inspector}"}
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [name]


@pytest.mark.parametrize("name", ["type", "actor"])
def test_the_audit_trail_export_refuses_control_characters(
    client: TestClient, inspector: str, name: str
) -> None:
    response = client.get(
        "/api/v1/exports/audit-trail",
        params={"format": "csv", name: "a\x00b"},
        headers={"Authorization": f"Bearer {inspector}"},
    )
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [name]


def test_ordinary_filters_still_work(client: TestClient, inspector: str, api: Any) -> None:
    api.create_item()
    headers = {"Authorization": f"Bearer {inspector}"}
    found = client.get(
        TRAIL, params={"type": "Identified", "subgroup": "serious-case-review"}, headers=headers
    )
    assert found.status_code == 200, found.text


@pytest.mark.parametrize("name", ["type", "actor", "subgroup"])
def test_the_inspection_page_refuses_control_characters(
    client: TestClient, inspector: str, name: str
) -> None:
    page = client.get("/sign-in")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/sign-in", data={"csrf_token": csrf, "token": inspector, "next": "/"})
    response = client.get("/inspection", params={name: "a\x00b"})
    assert response.status_code == 422, response.text
    assert "control characters" in response.text
