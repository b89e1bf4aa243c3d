"""SQL and template metacharacters in text fields are stored and returned as text, nothing more."""

import pytest

TEXTS = [
    "'; DROP TABLE stored_events; --",
    "{{ 7 * 7 }} and {% raw %} ${7*7}",
    "<script>alert('x')</script> & \"quotes\"",
    "Robert'); DELETE FROM users WHERE ('1'='1",
]


@pytest.mark.parametrize("text", TEXTS)
def test_metacharacters_in_text_are_kept_verbatim(client, contributor, as_, text):
    body = {
        "subgroup": "serious-case-review",
        "title": text,
        "description": text,
        "source": {"kind": "local_serious_case_review", "reference": "SCR-1"},
        "themes": [text],
    }
    created = client.post("/api/v1/learning-items", json=body, headers=as_(contributor))
    assert created.status_code == 201, created.text
    item = client.get(f"/api/v1/learning-items/{created.json()['id']}", headers=as_(contributor))
    assert (item.json()["title"], item.json()["description"], item.json()["themes"]) == (
        text,
        text,
        [text],
    )
    listed = client.get("/api/v1/learning-items", headers=as_(contributor)).json()["items"]
    assert [i["title"] for i in listed] == [text]
