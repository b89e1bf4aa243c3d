"""List endpoints page (v1.1 "Limits"): `limit` (at most 500) and `after`, with `next_after`."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

ITEMS = "/api/v1/learning-items"


def test_items_come_in_pages(client: TestClient, api: Any, inspector: str) -> None:
    made = [api.create_item()["id"] for _ in range(3)]
    headers = {"Authorization": f"Bearer {inspector}"}
    everything = client.get(ITEMS, headers=headers).json()
    assert everything["next_after"] is None and len(everything["items"]) == 3
    order = [item["id"] for item in everything["items"]]
    assert sorted(order) == sorted(made)

    first = client.get(ITEMS, params={"limit": 2}, headers=headers).json()
    assert [i["id"] for i in first["items"]] == order[:2] and first["next_after"] == order[1]
    rest = client.get(ITEMS, params={"limit": 2, "after": order[1]}, headers=headers).json()
    assert [i["id"] for i in rest["items"]] == order[2:] and rest["next_after"] is None


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (ITEMS, {"limit": 501}, "limit"),
        (ITEMS, {"limit": 0}, "limit"),
        (ITEMS, {"after": "no-such-item"}, "after"),
        ("/api/v1/case-reviews", {"limit": 501}, "limit"),
        ("/api/v1/audits", {"after": "a\x00b"}, "after"),
        ("/api/v1/dataset/indicators", {"after": "NOPE"}, "after"),
    ],
)
def test_a_bad_page_is_422(
    client: TestClient, inspector: str, path: str, params: dict[str, Any], field: str
) -> None:
    response = client.get(path, params=params, headers={"Authorization": f"Bearer {inspector}"})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
