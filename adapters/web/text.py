"""Words and dates as the pages show them."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

RAG_TAGS = {
    "green": ("Green", "govuk-tag--green"),
    "amber": ("Amber", "govuk-tag--orange"),
    "red": ("Red", "govuk-tag--red"),
    "complete": ("Complete", "govuk-tag--blue"),
    None: ("No open actions", "govuk-tag--grey"),
}


def humanise(slug: Any) -> str:
    """`local_serious_case_review` -> `Local serious case review`; `MeansChosen` -> `Means chosen`
    (an event type `LearningItem.Closed` -> `Closed`)."""
    if slug is None:
        return ""
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(slug)).replace("_", " ").replace("-", " ")
    words = words.split(".")[-1].strip().lower()
    return words[:1].upper() + words[1:]


def long_date(value: Any) -> str:
    if not value:
        return ""
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.day} {day:%B %Y}"


def timestamp(value: Any) -> str:
    if not value:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return f"{moment.day} {moment:%B %Y at %H:%M} UTC"


def rag_label(rag: Any) -> str:
    return RAG_TAGS.get(rag, (humanise(rag), ""))[0]


def rag_class(rag: Any) -> str:
    return RAG_TAGS.get(rag, ("", "govuk-tag--grey"))[1]


def plain(value: Any) -> str:
    """A value of an event's data as a line of text."""
    if isinstance(value, list):
        return ", ".join(plain(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{humanise(k)}: {plain(v)}" for k, v in value.items() if v is not None)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return "" if value is None else str(value)


def choices(options: Any) -> list[tuple[str, str]]:
    """The framework's options (slug and label), or plain slugs, as (value, text) pairs."""
    return [(o.slug, o.label) if hasattr(o, "slug") else (str(o), humanise(o)) for o in options]


FILTERS = {
    "choices": choices,
    "humanise": humanise,
    "long_date": long_date,
    "timestamp": timestamp,
    "rag_label": rag_label,
    "rag_class": rag_class,
    "plain": plain,
}
