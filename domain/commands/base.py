"""What every command is."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import ClassVar

from domain import text

MULTI_LINE: frozenset[str] = frozenset(
    {
        "description",
        "note",
        "summary",
        "reason",
        "rationale",
        "departure_reason",
        "override_reason",
        "commentary",
    }
)


@dataclass(frozen=True, kw_only=True)
class Command:
    """A request to change one aggregate: a frozen value, built once at the edge and read by the
    aggregate's decision. Keyword-only, so that a field every command carries is one field here,
    with its default, and no call site moves.

    `on` is the day the step happened (ADR 0040), None for today in the partnership's time zone;
    a command whose step has a date of its own (`received_on`, `completed_on`) reads that
    instead. Every text field is clean text once the command exists (`domain.text`, ADR 0042):
    the fields named in `multi_line` keep tab and newline, every other is one line.
    """

    on: date | None = None
    multi_line: ClassVar[frozenset[str]] = MULTI_LINE

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, str):
                clean = (
                    text.multi_line(value, spec.name)
                    if spec.name in self.multi_line
                    else text.single_line(value, spec.name)
                )
                object.__setattr__(self, spec.name, clean)
            elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
                object.__setattr__(
                    self, spec.name, tuple(text.single_line(v, spec.name) for v in value)
                )
