"""What every command is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Command:
    """A request to change one aggregate: a frozen value, built once at the edge and read by the
    aggregate's decision. Keyword-only, so that a field every command carries (such as the day
    the step happened) is one field here, with its default, and no call site moves."""
