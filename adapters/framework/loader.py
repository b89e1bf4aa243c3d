"""Load the partnership's framework from a TOML file into the domain's value objects.

`load_framework(path)` reads `path` (or, given None, the packaged `default.toml`), checks it
strictly and returns a frozen `domain.framework.Framework`. Every key must be known, every string
non-empty, slugs lowercase (`^[a-z0-9][a-z0-9_-]*$`) and unique where they must be told apart,
`scope` one of `domain.framework.SCOPES`, `timezone` an IANA zone, and each subgroup must name at
least one identification source, means of improvement and measure of effectiveness. Anything else
raises `FrameworkError`, whose message names the file and the field, e.g.
`framework.toml: subgroups[2].means_of_improvement[0].slug: Field required`.
"""

from __future__ import annotations

import pathlib
import tomllib
from importlib.resources import files
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from domain.framework import SCOPES, Agency, Framework, Option, Subgroup


class FrameworkError(Exception):
    """The framework file is missing, is not TOML, or breaks a rule; the message says where."""


def _unique_slugs(items: list[Any]) -> list[Any]:
    seen: set[str] = set()
    for item in items:
        if item.slug in seen:
            raise PydanticCustomError(
                "duplicate_slug", "duplicate slug '{slug}'", {"slug": item.slug}
            )
        seen.add(item.slug)
    return items


def _known_zone(key: str) -> str:
    try:
        ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError("timezone", "unknown time zone '{key}'", {"key": key}) from None
    return key


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Option(_Strict):
    slug: Slug
    label: Text


class _Agency(_Strict):
    slug: Slug
    name: Text


Options = Annotated[list[_Option], Field(min_length=1), AfterValidator(_unique_slugs)]


class _Subgroup(_Strict):
    slug: Slug
    name: Text
    scope: Literal[SCOPES]  # type: ignore[valid-type]
    restricted: bool = False
    identification_sources: Options
    means_of_improvement: Options
    measures_of_effectiveness: Options


class _Framework(_Strict):
    name: Text
    timezone: Annotated[Text, AfterValidator(_known_zone)]
    agencies: Annotated[list[_Agency], AfterValidator(_unique_slugs)] = []
    subgroups: Annotated[list[_Subgroup], Field(min_length=1), AfterValidator(_unique_slugs)]


def _field_path(loc: tuple[str | int, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def _options(options: list[_Option]) -> tuple[Option, ...]:
    return tuple(Option(slug=option.slug, label=option.label) for option in options)


def _to_domain(model: _Framework) -> Framework:
    return Framework(
        name=model.name,
        timezone=model.timezone,
        subgroups=tuple(
            Subgroup(
                slug=subgroup.slug,
                name=subgroup.name,
                scope=subgroup.scope,
                identification_sources=_options(subgroup.identification_sources),
                means_of_improvement=_options(subgroup.means_of_improvement),
                measures_of_effectiveness=_options(subgroup.measures_of_effectiveness),
                restricted=subgroup.restricted,
            )
            for subgroup in model.subgroups
        ),
        agencies=tuple(Agency(slug=agency.slug, name=agency.name) for agency in model.agencies),
    )


def load_framework(path: str | pathlib.Path | None = None) -> Framework:
    source = files("adapters.framework") / "default.toml" if path is None else pathlib.Path(path)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FrameworkError(f"{source}: no such framework file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(f"{source}: cannot read framework file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise FrameworkError(f"{source}: invalid TOML: {exc}") from None
    try:
        model = _Framework.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{_field_path(e['loc'])}: {e['msg']}" for e in exc.errors())
        raise FrameworkError(f"{source}: {problems}") from None
    return _to_domain(model)
