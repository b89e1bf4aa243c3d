"""Follow-ups: the open actions and measures of open items, each with the date it is due.

Derived from an item's summary document: an action is followed up until it is complete, a
measure until its latest evidence is `met`; nothing on a closed item is followed up.
"""

from __future__ import annotations

from typing import Any

from domain import loop


def rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if doc["closed_at"] is not None or doc.get("withdrawn"):
        return []
    common = {"item_id": doc["id"], "subgroup": doc["subgroup"], "item_title": doc["title"]}
    actions = [
        {
            **common,
            "kind": "action",
            "target_id": a["id"],
            "due": a["due"],
            "description": a["description"],
            "owner": a["owner"],
            "owner_email": a["owner_email"],
            "status": a["status"],
        }
        for a in doc["actions"]
        if a["status"] != loop.COMPLETE and not a.get("withdrawn")
    ]
    measures = [
        {
            **common,
            "kind": "measure",
            "target_id": m["id"],
            "due": m["review_due"],
            "description": m["description"],
            "owner": None,
            "owner_email": None,
            "status": m["outcome"] or "awaiting_evidence",
        }
        for m in doc["measures"]
        if m["outcome"] != loop.MET and not m.get("withdrawn")
    ]
    return actions + measures
