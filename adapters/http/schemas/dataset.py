"""The bodies of the dataset's commands, each with the command it builds."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from adapters.http.schemas.base import Body, Code, Number, Short, Text
from domain.commands.indicator import DefineIndicator, Polarity, ValueCommand, value_command


class NewIndicator(Body):
    code: Code
    name: Short
    unit: Short
    polarity: Polarity
    major_change_pct: Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]

    def to_command(self) -> DefineIndicator:
        return DefineIndicator(
            code=self.code,
            name=self.name,
            unit=self.unit,
            polarity=self.polarity,
            major_change_pct=self.major_change_pct,
        )


class NewValue(Body):
    period: Annotated[str, Field(max_length=16)]
    agency: Short
    value: Number
    commentary: Text | None = None
    statistical_neighbours: Number | None = None
    england: Number | None = None
    correction_reason: Text | None = None

    def to_command(self, code: str) -> ValueCommand:
        return value_command(
            indicator=code,
            period=self.period,
            agency=self.agency,
            value=self.value,
            commentary=self.commentary,
            statistical_neighbours=self.statistical_neighbours,
            england=self.england,
            correction_reason=self.correction_reason,
        )
