"""The report's tables as heads and rows of plain values, shared by the Markdown and HTML
renderings. Tolerant of missing keys: every list may be empty, every count defaults to 0."""

from __future__ import annotations

from typing import Any

from adapters.reports import format as f

STAGES = (
    ("identification", "Identification"),
    ("improvement", "Improvement"),
    ("effectiveness", "Effectiveness"),
    ("closed", "Closed"),
)


def _n(mapping: Any, key: str) -> int:
    return int((mapping or {}).get(key, 0) or 0)


class Rows:
    """Mixed into `Sections`, which sets the attributes read here."""

    subgroups: list[dict]
    totals: dict
    little_progress: list[dict]
    departures: list[dict]
    review_list: list[dict]
    audit_list: list[dict]
    reviews: dict
    audits: dict

    stages = STAGES
    rag_head = ("Subgroup", "Green", "Amber", "Red", "Complete", "Total")
    override_head = ("Item", "Title", "Reason")
    progress_head = ("Item", "Title", "Subgroup", "Stage", "RAG", "Why")
    departure_head = ("Case", "Review chosen", "Required", "Reason")
    review_head = ("Case", "Type", "Status", "Notified", "Published", "Learning items")
    audit_head = ("Kind", "Theme", "Planned for", "Status", "Findings")
    change_head = ("Period", "From", "To", "Change")

    def source_rows(self, g: dict) -> list[tuple[Any, ...]]:
        return [
            (x.get("label") or f.humanise(x.get("slug")), _n(x, "count"))
            for x in g.get("sources") or []
        ]

    def override_rows(self, g: dict) -> list[tuple[Any, ...]]:
        return [
            (r.get("reference") or r.get("item_id"), r.get("title"), r.get("reason"))
            for r in g.get("override_reasons") or []
        ]

    def progress_rows(self) -> list[tuple[Any, ...]]:
        return [
            (
                i.get("reference") or i.get("id"),
                i.get("title"),
                self.subgroup_name(i.get("subgroup")),
                f.humanise(i.get("stage")),
                f.humanise(i.get("rag") or "no open action"),
                i.get("reason"),
            )
            for i in self.little_progress
        ]

    def departure_rows(self) -> list[tuple[Any, ...]]:
        return [
            (
                d.get("case_reference"),
                f.humanise(d.get("review_type")),
                f.humanise(d.get("required")),
                d.get("departure_reason"),
            )
            for d in self.departures
        ]

    def review_list_rows(self) -> list[tuple[Any, ...]]:
        return [
            (
                r.get("case_reference"),
                f.humanise(r.get("review_type")),
                f.humanise(r.get("status")),
                f.long_date(r.get("notified_on")),
                f.long_date(r.get("published_on")),
                _n(r, "learning_items"),
            )
            for r in self.review_list
        ]

    def audit_rows(self) -> list[tuple[Any, ...]]:
        return [
            (
                f.audit_kind(a.get("kind")),
                a.get("theme"),
                a.get("planned_for") or f.DASH,
                f.humanise(a.get("status")),
                _n(a, "findings"),
            )
            for a in self.audit_list
        ]

    def change_rows(self, h: dict) -> list[tuple[Any, ...]]:
        return [
            (c.get("period"), c.get("from"), c.get("to"), f.signed_pct(c.get("change_pct")))
            for c in h.get("major_changes") or []
        ]

    def summary_rows(self) -> list[tuple[str, int]]:
        t, ev = self.totals, self.totals.get("evidence") or {}
        return [
            ("Needs identified", _n(t, "needs_identified")),
            ("Actions chosen", _n(t, "actions_chosen")),
            ("Actions completed", _n(t, "actions_completed")),
            ("Actions overdue", _n(t, "actions_overdue")),
            ("Measures defined", _n(t, "measures_defined")),
            *((f"Evidence recorded: {label.lower()}", _n(ev, k)) for k, label in f.OUTCOMES),
            ("Items closed with evidence", _n(t, "closed_with_evidence")),
            ("Items closed by override", _n(t, "closed_by_override")),
        ]

    def subgroup_rows(self, g: dict) -> list[tuple[str, int]]:
        a, ev = g.get("actions") or {}, g.get("evidence") or {}
        return [
            ("Needs identified", _n(g, "needs_identified")),
            ("Actions chosen", _n(a, "chosen")),
            ("Actions completed", _n(a, "completed")),
            ("Actions overdue", _n(a, "overdue")),
            ("Measures defined", _n(g, "measures_defined")),
            *((f"Evidence recorded: {label.lower()}", _n(ev, k)) for k, label in f.OUTCOMES),
            ("Items closed with evidence", _n(g, "closed_with_evidence")),
            ("Items closed by override", _n(g, "closed_by_override")),
        ]

    def subgroup_pairs(self, g: dict) -> list[tuple[Any, ...]]:
        """The subgroup's figures two to a row: the loop's work, then its evidence and closures."""
        rows = self.subgroup_rows(g)
        return [(*rows[i], *rows[i + 5]) for i in range(5)]

    def loop_counts(self, g: dict) -> list[tuple[str, int]]:
        return [(name, _n(g.get("loop"), k)) for k, name in STAGES]

    def rag_row(self, g: dict) -> tuple[Any, ...]:
        rag = (g.get("actions") or {}).get("by_rag") or {}
        counts = [_n(rag, k) for k in ("green", "amber", "red", "complete")]
        return (g.get("name", ""), *counts, sum(counts))

    def rag_rows(self) -> list[tuple[Any, ...]]:
        return [self.rag_row(g) for g in self.subgroups]

    def any_actions(self) -> bool:
        return any(sum(self.rag_row(g)[1:5]) for g in self.subgroups)

    def review_rows(self) -> list[tuple[str, int]]:
        r, clocks = self.reviews, self.reviews.get("clocks") or {}
        return [
            ("Notified", _n(r, "notified")),
            ("Decided", _n(r, "decided")),
            ("Published", _n(r, "published")),
            ("Departures from the criteria", len(self.departures)),
            ("Clocks met", _n(clocks, "met")),
            ("Clocks missed", _n(clocks, "missed")),
            ("Clocks still running", _n(clocks, "running")),
        ]

    def audit_kind_rows(self) -> list[tuple[str, int]]:
        return [
            (f.audit_kind(k), int(v or 0)) for k, v in (self.audits.get("by_kind") or {}).items()
        ]

    def series_head(self, h: dict) -> tuple[str, ...]:
        unit = f" ({h.get('unit')})" if h.get("unit") else ""
        return ("Period", f"Local{unit}", "Statistical neighbours", "England")

    def series_rows(self, h: dict) -> list[tuple[Any, ...]]:
        return [
            (p.get("period"), p.get("value"), p.get("statistical_neighbours"), p.get("england"))
            for p in h.get("series") or []
        ]

    def subgroup_name(self, slug: Any) -> str:
        raise NotImplementedError
