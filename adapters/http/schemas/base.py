"""What every request body shares: no unknown fields, and the field types of the wire."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

FIRST_YEAR, LAST_YEAR = 1900, 2199
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _iso_date(value: Any) -> date:
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"'{value}' is not a calendar date") from exc
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValueError(f"'{value}' is outside the years {FIRST_YEAR} to {LAST_YEAR}")
        return day
    raise ValueError("expected a date as YYYY-MM-DD")


def _email(value: Any) -> Any:
    if value is not None and not (isinstance(value, str) and _EMAIL.match(value)):
        raise ValueError("expected an email address")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Email = Annotated[str | None, BeforeValidator(_email)]
Text = Annotated[str, Field(max_length=20_000)]
Short = Annotated[str, Field(max_length=500)]
Code = Annotated[str, Field(max_length=64)]
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Dated(Body):
    """The body of a step that happened on a day of its own: `on`, default today (ADR 0040)."""

    on: IsoDate | None = None
