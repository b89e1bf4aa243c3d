"""The command requests' bodies (the same the wrk scripts send) and the items' path.

benchmarks/wrk/commands.lua sends, per 4 requests, one new learning item (`new_item`, with a
unique tag for "{n}") and 3 new actions (`new_action`) on seeded items.
"""

from __future__ import annotations

from datetime import date, timedelta

SUBGROUP = "serious-case-review"
SOURCE = "local_serious_case_review"
MEANS = "implementation_of_recommendations"
ITEMS = "/api/v1/learning-items"


def new_item(n: int | str) -> dict[str, object]:
    return {
        "subgroup": SUBGROUP,
        "title": f"Benchmark learning {n}",
        "description": "Referral was not followed up when the school raised a concern.",
        "source": {"kind": SOURCE, "reference": f"BENCH-{n}"},
        "themes": ["information sharing"],
    }


def new_action() -> dict[str, object]:
    due = (date.today() + timedelta(days=60)).isoformat()
    return {"means": MEANS, "description": "Multi-agency briefing", "owner": "LSCP", "due": due}
