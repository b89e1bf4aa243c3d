"""The report's wording, shared by the Markdown and HTML renderings so that both say the same
thing, and every empty section says so in words."""

from __future__ import annotations

from typing import Any

from adapters.reports import format as f
from adapters.reports.rows import Rows, _n


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


class Sections(Rows):
    def __init__(self, report: dict) -> None:
        self.report = report
        self.label = str(report.get("label") or report.get("year") or "")
        self.totals = report.get("totals") or {}
        self.subgroups = report.get("subgroups") or []
        self.impact = [g for g in report.get("impact") or [] if g.get("items")]
        self.little_progress = report.get("little_progress") or []
        self.reviews = report.get("case_reviews") or {}
        self.departures = self.reviews.get("departures") or []
        self.review_list = self.reviews.get("reviews") or []
        self.audits = report.get("audits") or {}
        self.audit_list = self.audits.get("audits") or []
        self.highlights = (report.get("dataset") or {}).get("highlights") or []
        self.empty_year = f.is_empty_year(report)
        y = self.label
        self.empty_sentence = (
            f"Nothing was recorded in the event log for {y}: this report is empty."
        )
        self.no_subgroups = f"No subgroup recorded any learning in {y}."
        self.impact_intro = (
            f"Each item closed in {y} with evidence that its measure was met: the need, what was "
            "done and the evidence, by subgroup."
            if self.impact
            else f"No items were closed with evidence of impact (met) in {y}."
        )
        self.no_little_progress = f"No open items showed little or no progress in {y}."
        self.no_reviews = f"No case reviews were notified in {y}."
        self.no_departures = f"No decision in {y} departed from the criteria."
        self.no_audits = f"No audits were recorded in {y}."
        self.no_highlights = f"No dataset indicators were highlighted for {y}."
        self.no_series = f"No values were recorded for this indicator in {y}."
        self.no_major_changes = "No major changes in the year."
        self.no_actions = f"No actions were chosen in {y}."

    def no_needs(self, g: dict) -> str:
        return f"No needs were identified by {g.get('name', 'this subgroup')} in {self.label}."

    def no_loop(self, g: dict) -> str:
        name = g.get("name", "this subgroup")
        return f"No item of {name} entered the learning loop in {self.label}."

    def no_overrides(self, g: dict) -> str:
        return f"No items were closed by override in {self.label}."

    def subgroup_name(self, slug: Any) -> str:
        for g in self.subgroups:
            if g.get("slug") == slug:
                return str(g.get("name") or slug)
        return f.humanise(slug)

    @property
    def audit_limit_sentence(self) -> str:
        done, limit = _n(self.audits, "multi_agency_case_audits"), _n(self.audits, "limit") or 4
        text = (
            f"{plural(done, 'multi-agency case audit')} in {self.label}, against the limit of "
            f"{limit} a year"
        )
        text += f": {done - limit} over the limit." if done > limit else "."
        return text + f" {plural(_n(self.audits, 'completed'), 'audit')} of all kinds completed."

    def highlight_sentence(self, h: dict) -> str:
        text = f"{f.polarity(h.get('polarity'))}. Trend over the year: {h.get('trend') or f.DASH}."
        series = reversed(h.get("series") or [])
        latest = next((p for p in series if p.get("value") is not None), None)
        if latest:
            text += f" {self._position(h, latest)}"
        return text

    def _position(self, h: dict, p: dict) -> str:
        value, lower = p["value"], "lower" in str(h.get("polarity") or "").lower()
        text = f"In {p.get('period')} the local figure was {f.quantity(value, h.get('unit'))}"
        parts = []
        for key, name in (
            ("statistical_neighbours", "statistical neighbours"),
            ("england", "England"),
        ):
            other = p.get(key)
            if other is None:
                continue
            if other == value:
                verdict = "the same as"
            elif "higher" in str(h.get("polarity") or "").lower() or lower:
                verdict = "better than" if (value < other) == lower else "worse than"
            else:
                verdict = "above" if value > other else "below"
            parts.append(f"{verdict} {name} ({f.number(other)})")
        return text + (": " + " and ".join(parts) + "." if parts else "; no comparator figures.")
