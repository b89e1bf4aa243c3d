"""The commands of the multi-agency dataset: define an indicator, submit a quarter's value,
correct a value already submitted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from domain.commands.base import Command

Polarity = Literal["higher_is_better", "lower_is_better"]


@dataclass(frozen=True, kw_only=True)
class DefineIndicator(Command):
    code: str
    name: str
    unit: str
    polarity: Polarity
    major_change_pct: float


@dataclass(frozen=True, kw_only=True)
class QuarterlyValue(Command):
    """One agency's value of an indicator for a quarter (`YYYY-Qn`), with its comparators."""

    indicator: str
    period: str
    agency: str
    value: float
    commentary: str | None = None
    statistical_neighbours: float | None = None
    england: float | None = None


@dataclass(frozen=True, kw_only=True)
class SubmitValue(QuarterlyValue):
    """The first value for its indicator, quarter and agency."""


@dataclass(frozen=True, kw_only=True)
class CorrectValue(QuarterlyValue):
    """A new value (and, where given, commentary or comparators) for one already submitted."""

    reason: str


ValueCommand = SubmitValue | CorrectValue


def value_command(
    *,
    indicator: str,
    period: str,
    agency: str,
    value: float,
    commentary: str | None = None,
    statistical_neighbours: float | None = None,
    england: float | None = None,
    correction_reason: str | None = None,
) -> ValueCommand:
    """A value as a form or a file row gives it: with a reason, a correction of the value
    already submitted; without, a submission."""
    if correction_reason is None:
        return SubmitValue(
            indicator=indicator,
            period=period,
            agency=agency,
            value=value,
            commentary=commentary,
            statistical_neighbours=statistical_neighbours,
            england=england,
        )
    return CorrectValue(
        indicator=indicator,
        period=period,
        agency=agency,
        value=value,
        commentary=commentary,
        statistical_neighbours=statistical_neighbours,
        england=england,
        reason=correction_reason,
    )
