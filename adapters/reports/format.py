"""Wording and number formats shared by the Markdown, HTML and PDF renderings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

DASH = "\u2013"  # an en dash stands for "no figure"
OUTCOMES = (("met", "Met"), ("partly_met", "Partly met"), ("not_met", "Not met"))
RAG_LABELS = {"green": "Green", "amber": "Amber", "red": "Red", "complete": "Complete"}
AUDIT_KINDS = {
    "multi_agency_case_audit": "Multi-agency case audit",
    "bespoke_multi_agency_audit": "Bespoke multi-agency audit",
    "single_agency_audit": "Single-agency audit",
}


def number(value: Any) -> str:
    """12 -> '12', 1234.5 -> '1,234.5', 37.10 -> '37.1'; None -> '-'."""
    if value is None or value == "":
        return DASH
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def signed_pct(value: Any) -> str:
    if not isinstance(value, int | float):
        return DASH
    return f"{'+' if value > 0 else ''}{number(value)}%"


def long_date(value: Any) -> str:
    """'2026-04-01' -> '1 April 2026'; a timestamp gives its date; anything else as given."""
    if not value:
        return DASH
    text = str(value)
    try:
        day = datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            day = date.fromisoformat(text[:10])
        except ValueError:
            return text
    return f"{day.day} {day:%B %Y}"


def timestamp(value: Any) -> str:
    """An ISO timestamp as 'YYYY-MM-DD HH:MM UTC' (as given when it is not one)."""
    if not value:
        return DASH
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return f"{moment:%Y-%m-%d %H:%M}"
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def humanise(value: Any) -> str:
    """A slug or status as words: 'report_received' -> 'Report received'; None -> '-'."""
    if value is None or value == "":
        return DASH
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:]


def scope(value: Any) -> str:
    """'local' -> 'Local', 'pan-berkshire' -> 'Pan-Berkshire'."""
    return "-".join(word.capitalize() for word in str(value or "").replace("_", " ").split("-"))


def quantity(value: Any, unit: Any) -> str:
    """A value with its unit: '24.4%', '35.6 rate per 10,000 children'."""
    unit = str(unit or "")
    return f"{number(value)}{'' if unit in ('', '%') else ' '}{unit}"


def audit_kind(kind: Any) -> str:
    return AUDIT_KINDS.get(str(kind), humanise(kind))


def polarity(value: Any) -> str:
    text = str(value or "").lower()
    if "higher" in text:
        return "Higher is better"
    if "lower" in text:
        return "Lower is better"
    return humanise(value) if value else "No polarity set"


def position_statement(report: dict) -> str:
    return f"Built from the event log up to position {report.get('as_at_position', 0)}."


def period_statement(report: dict) -> str:
    period = report.get("period") or {}
    return f"{long_date(period.get('from'))} to {long_date(period.get('to'))}"


def is_empty_year(report: dict) -> bool:
    """True when nothing at all was recorded in the year."""
    totals = report.get("totals") or {}
    counts = [v for k, v in totals.items() if k != "evidence" and isinstance(v, int)]
    counts += list((totals.get("evidence") or {}).values())
    reviews = report.get("case_reviews") or {}
    audits = report.get("audits") or {}
    return not (
        any(counts)
        or reviews.get("notified")
        or reviews.get("reviews")
        or audits.get("audits")
        or (report.get("dataset") or {}).get("highlights")
    )
