"""An indicator of the multi-agency dataset, and the values agencies submit for it each quarter.

Periods are calendar quarters written `YYYY-Qn`: Q1 is January to March, Q4 October to December,
so the reporting year 2026/27 (1 April 2026 to 31 March 2027) runs from 2026-Q2 to 2027-Q1. Values
and comparators are floats. An indicator's id derives from its code (case-insensitive), so a code
is defined once. One value per agency and quarter: another is a correction, with its reason, and
both stay in history.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import Any, Final
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain import loop
from domain.actor import Actor
from domain.commands.indicator import (
    CorrectValue,
    DefineIndicator,
    Polarity,
    QuarterlyValue,
    SubmitValue,
)
from domain.commands.learning_item import IndicatorTarget
from domain.errors import InvalidField, RuleViolation
from domain.framework import Framework

HIGHER_IS_BETTER: Final = "higher_is_better"
LOWER_IS_BETTER: Final = "lower_is_better"
POLARITIES: tuple[Polarity, ...] = (HIGHER_IS_BETTER, LOWER_IS_BETTER)

IMPROVING, WORSENING, STABLE, MIXED = "improving", "worsening", "stable", "mixed"
IMPROVED, WORSENED, UNCHANGED = "improved", "worsened", "unchanged"
BETTER, WORSE, SAME = "better", "worse", "same"

TREND_QUARTERS = 4  # the trend reads the latest four quarters
STABLE_PCT = 1.0  # a fitted change under 1% of the window's mean size is "stable"

_NAMESPACE = UUID("0b6f3b0e-5d7c-4c55-9a53-8f3f0f2d6a41")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_PERIOD = re.compile(r"(\d{4})-Q([1-4])")
PERCENT_UNITS = frozenset({"%", "percent", "per cent", "percentage"})


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, value: Any, field: str = "period") -> Quarter:
        match = _PERIOD.fullmatch(value.strip()) if isinstance(value, str) else None
        if match is None:
            given = f"'{value}'" if isinstance(value, str) else str(value)
            raise InvalidField(field, f"{given} is not a quarter (expected YYYY-Qn, n 1-4)")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def index(self) -> int:
        return self.year * 4 + self.number - 1

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        month = 3 * self.number
        return date(self.year, month, 30 if month in (6, 9) else 31)


def finite(value: float, field: str) -> float:
    """The value as a float, refused unless it is a finite number."""
    if not math.isfinite(value):
        raise InvalidField(field, f"{value!r} is not a finite number")
    return float(value)


def _optional_finite(value: float | None, field: str) -> float | None:
    return None if value is None else finite(value, field)


def _required(value: str, field: str) -> str:
    if not value.strip():
        raise InvalidField(field, "must not be empty")
    return value.strip()


def _optional(value: str | None) -> str | None:
    return (value or "").strip() or None


def shown(value: float) -> str:
    """A number as a person writes it: 12, not 12.0."""
    return str(int(value)) if value.is_integer() else f"{value:.10g}"


def measure_link(target: IndicatorTarget) -> dict[str, Any]:
    """A measure's link to an indicator as its event records it: `{code, target}`, and `agency`
    when only that agency's values count."""
    code = _required(target.code, "indicator.code")
    link: dict[str, Any] = {"code": code, "target": finite(target.target, "indicator.target")}
    if target.agency is not None:
        link["agency"] = _required(target.agency, "indicator.agency")
    return link


@dataclass
class Submission:
    period: str
    agency: str
    value: float
    commentary: str | None
    statistical_neighbours: float | None
    england: float | None
    changed_in: int  # the indicator's version that last set it: later submissions sort later


class Indicator(Aggregate):
    class Event(Aggregate.Event):
        actor: dict[str, str]

    class Defined(Event, Aggregate.Created):
        code: str
        name: str
        unit: str
        polarity: str
        major_change_pct: float

    class ValueSubmitted(Event):
        period: str
        agency: str
        value: float
        commentary: str | None
        statistical_neighbours: float | None
        england: float | None

        def apply(self, indicator: Indicator) -> None:
            indicator.values[(self.period, self.agency)] = Submission(
                self.period,
                self.agency,
                self.value,
                self.commentary,
                self.statistical_neighbours,
                self.england,
                self.originator_version,
            )

    class ValueCorrected(Event):
        """A new value (and, where not None, commentary or comparators) for a submission."""

        period: str
        agency: str
        value: float
        previous_value: float
        reason: str
        commentary: str | None
        statistical_neighbours: float | None
        england: float | None

        def apply(self, indicator: Indicator) -> None:
            submission = indicator.values[(self.period, self.agency)]
            submission.value = self.value
            submission.changed_in = self.originator_version
            for name in ("commentary", "statistical_neighbours", "england"):
                if getattr(self, name) is not None:
                    setattr(submission, name, getattr(self, name))

    def __init__(
        self,
        actor: dict[str, str],
        code: str,
        name: str,
        unit: str,
        polarity: str,
        major_change_pct: float,
    ) -> None:
        self.code = code
        self.name = name
        self.unit = unit
        self.polarity = polarity
        self.major_change_pct = major_change_pct
        self.values: dict[tuple[str, str], Submission] = {}

    @classmethod
    def id_for(cls, code: str) -> UUID:
        return uuid5(_NAMESPACE, f"indicator/{code.strip().casefold()}")

    # -- decisions -------------------------------------------------------------------------

    @classmethod
    def define(cls, command: DefineIndicator, *, actor: Actor, now: datetime) -> Indicator:
        code = _required(command.code, "code")
        if not _CODE.fullmatch(code):
            raise InvalidField(
                "code", f"'{code}' is not a code: letters, digits, '.', '_' or '-', at most 64"
            )
        if command.polarity not in POLARITIES:
            raise InvalidField("polarity", f"expected one of: {', '.join(POLARITIES)}")
        threshold = finite(command.major_change_pct, "major_change_pct")
        if threshold <= 0:
            raise InvalidField("major_change_pct", "must be a percentage above 0")
        return cls._create(
            cls.Defined,
            id=cls.id_for(code),
            code=code,
            name=_required(command.name, "name"),
            unit=_required(command.unit, "unit"),
            polarity=command.polarity,
            major_change_pct=threshold,
            actor=actor.as_record(),
            timestamp=now,
        )

    def submit(
        self, framework: Framework, command: SubmitValue, *, actor: Actor, now: datetime
    ) -> Submission:
        key = self._key(framework, command, now)
        fields = self._fields(command)
        if key in self.values:
            raise RuleViolation(
                f"{key[1]} has already submitted {self.code} for {key[0]}"
                f" ({shown(self.values[key].value)}); send a correction with a reason"
            )
        self.trigger_event(
            self.ValueSubmitted,
            period=key[0],
            agency=key[1],
            value=fields["value"],
            commentary=fields["commentary"],
            statistical_neighbours=fields["statistical_neighbours"],
            england=fields["england"],
            actor=actor.as_record(),
            timestamp=now,
        )
        return self.values[key]

    def correct(
        self, framework: Framework, command: CorrectValue, *, actor: Actor, now: datetime
    ) -> Submission:
        key = self._key(framework, command, now)
        fields = self._fields(command)
        reason = _required(command.reason, "correction_reason")
        current = self.values.get(key)
        if current is None:
            raise RuleViolation(
                f"{key[1]} has submitted no {self.code} value for {key[0]} to correct"
            )
        changes = {k: v for k, v in fields.items() if v is not None and v != getattr(current, k)}
        if not changes:
            raise InvalidField(
                "value", "a correction must change the value, commentary or a comparator"
            )
        self.trigger_event(
            self.ValueCorrected,
            period=key[0],
            agency=key[1],
            value=fields["value"],
            previous_value=current.value,
            reason=reason,
            commentary=changes.get("commentary"),
            statistical_neighbours=changes.get("statistical_neighbours"),
            england=changes.get("england"),
            actor=actor.as_record(),
            timestamp=now,
        )
        return current

    # -- what the state implies ------------------------------------------------------------

    def reaches(self, value: float, target: float) -> bool:
        return value >= target if self.polarity == HIGHER_IS_BETTER else value <= target

    def latest(self, agency: str | None = None) -> Submission | None:
        """The value of the latest quarter (of `agency`, or of any agency: then the one set
        last in that quarter)."""
        found = [s for s in self.values.values() if agency is None or s.agency == agency]
        return max(found, key=lambda s: (s.period, s.changed_in), default=None)

    def outcome_for(
        self,
        link: dict[str, Any],
        recorded: Submission,
        current: str | None,
        defined_on: date | None = None,
    ) -> loop.Outcome | None:
        """What a measure linked to this indicator should record now that `recorded` is in:
        `met` when the latest value reaches the target and the measure is not met, `not_met`
        when it falls back from met, else nothing. An earlier quarter changes nothing, nor
        does a quarter that ended by the day the measure was defined (`defined_on`): the
        value describes practice before the need was being measured."""
        agency = link.get("agency")
        if agency is not None and recorded.agency != agency:
            return None
        if defined_on is not None and Quarter.parse(recorded.period).last_day <= defined_on:
            return None
        if self.latest(agency) is not recorded:
            return None
        reached = self.reaches(recorded.value, link["target"])
        if reached and current != loop.MET:
            return loop.MET
        if not reached and current == loop.MET:
            return loop.NOT_MET
        return None

    @property
    def is_percentage(self) -> bool:
        return self.unit.strip().casefold() in PERCENT_UNITS

    def _key(self, framework: Framework, command: QuarterlyValue, now: datetime) -> tuple[str, str]:
        """The quarter and agency; a quarter is reported once it has ended (its last day is
        before today, in the partnership's time zone)."""
        quarter = Quarter.parse(command.period)
        today = loop.local_date(now, framework.timezone)
        if quarter.last_day >= today:
            raise InvalidField(
                "period",
                f"{quarter} has not ended (it ends on {quarter.last_day}; today is {today})",
            )
        return str(quarter), framework.agency(_required(command.agency, "agency")).slug

    def _fields(self, command: QuarterlyValue) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "value": finite(command.value, "value"),
            "commentary": _optional(command.commentary),
            "statistical_neighbours": _optional_finite(
                command.statistical_neighbours, "statistical_neighbours"
            ),
            "england": _optional_finite(command.england, "england"),
        }
        if self.is_percentage:
            for name in ("value", "statistical_neighbours", "england"):
                number: float | None = fields[name]
                if number is not None and not 0 <= number <= 100:
                    raise InvalidField(
                        name, f"{shown(number)} is not a percentage (0 to 100, unit {self.unit})"
                    )
        return fields


# -- reading a series ------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A value against the previous quarter's (adjacent quarters only)."""

    period: Quarter
    previous_period: Quarter
    previous_value: float
    value: float
    change_pct: float | None  # None when the previous value was 0
    direction: str
    major: bool


def _sign(polarity: str) -> int:
    return 1 if polarity == HIGHER_IS_BETTER else -1


def _direction(delta: float, polarity: str) -> str:
    if delta == 0:
        return UNCHANGED
    return IMPROVED if delta * _sign(polarity) > 0 else WORSENED


def percent_change(previous: float, value: float) -> float | None:
    if previous == 0:
        return 0.0 if value == 0 else None
    return (value - previous) / abs(previous) * 100


def compare(value: float, other: float | None, polarity: str) -> str | None:
    """Where `value` stands against a comparator, by the indicator's polarity."""
    if other is None:
        return None
    direction = _direction(value - other, polarity)
    return {IMPROVED: BETTER, WORSENED: WORSE, UNCHANGED: SAME}[direction]


def changes(
    points: Sequence[tuple[Quarter, float]], polarity: str, major_change_pct: float
) -> list[Change]:
    """Quarter-on-quarter changes of one agency's series (sorted by quarter). A change is major
    when it moves by more than `major_change_pct` percent, or from 0 to anything else."""
    found = []
    for (before, previous), (quarter, value) in pairwise(points):
        if quarter.index - before.index != 1:
            continue
        pct = percent_change(previous, value)
        major = abs(pct) > major_change_pct if pct is not None else True
        direction = _direction(value - previous, polarity)
        found.append(Change(quarter, before, previous, value, pct, direction, major))
    return found


def trend(points: Sequence[tuple[Quarter, float]], polarity: str) -> str | None:
    """The direction of one agency's series over its latest four quarters: the least-squares
    line through the values there, its change across the window against the values' mean size
    (under STABLE_PCT is stable). None with fewer than two values in the window."""
    if not points:
        return None
    last = max(q for q, _ in points).index
    window = [(q.index, v) for q, v in points if last - q.index < TREND_QUARTERS]
    if len(window) < 2:
        return None
    xs, ys = [x for x, _ in window], [y for _, y in window]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in window) / sum((x - mean_x) ** 2 for x in xs)
    fitted = slope * (max(xs) - min(xs))
    scale = sum(abs(y) for y in ys) / len(ys)
    if scale == 0 or abs(fitted) / scale * 100 < STABLE_PCT:
        return STABLE
    return IMPROVING if fitted * _sign(polarity) > 0 else WORSENING


def overall_trend(trends: Iterable[str | None]) -> str | None:
    """One trend for several agencies' series: theirs when they agree, else `mixed`."""
    found = {t for t in trends if t is not None}
    if not found:
        return None
    return found.pop() if len(found) == 1 else MIXED
