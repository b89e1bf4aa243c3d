"""The partnership's learning-and-improvement framework as value objects.

The framework names each body (the Board and its subgroups), where its learning needs come from,
the means of improvement it uses and the measures of effectiveness it accepts (seed, Appendix 2).
Everything here is data; loading it from a file is an adapter's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.errors import InvalidField, UnknownSubgroup

SCOPES = ("local", "pan-berkshire")


@dataclass(frozen=True)
class Option:
    """A stable slug with the label a person reads."""

    slug: str
    label: str


def _slugs(options: tuple[Option, ...]) -> tuple[str, ...]:
    return tuple(option.slug for option in options)


@dataclass(frozen=True)
class Subgroup:
    slug: str
    name: str
    scope: str
    identification_sources: tuple[Option, ...]
    means_of_improvement: tuple[Option, ...]
    measures_of_effectiveness: tuple[Option, ...]
    restricted: bool = False

    def check_source(self, kind: str, field_name: str = "source.kind") -> None:
        self._check(kind, self.identification_sources, "an identification source", field_name)

    def check_means(self, means: str, field_name: str = "means") -> None:
        self._check(means, self.means_of_improvement, "a means of improvement", field_name)

    def check_measure(self, kind: str, field_name: str = "kind") -> None:
        self._check(kind, self.measures_of_effectiveness, "a measure of effectiveness", field_name)

    def _check(self, slug: str, options: tuple[Option, ...], what: str, field_name: str) -> None:
        if slug not in _slugs(options):
            allowed = ", ".join(_slugs(options))
            raise InvalidField(
                field_name, f"'{slug}' is not {what} of {self.slug}; expected one of: {allowed}"
            )


@dataclass(frozen=True)
class Agency:
    slug: str
    name: str


@dataclass(frozen=True)
class Framework:
    name: str
    timezone: str
    subgroups: tuple[Subgroup, ...]
    agencies: tuple[Agency, ...] = field(default=())

    def subgroup(self, slug: str) -> Subgroup:
        for subgroup in self.subgroups:
            if subgroup.slug == slug:
                return subgroup
        raise UnknownSubgroup(slug)

    def has_subgroup(self, slug: str) -> bool:
        return any(subgroup.slug == slug for subgroup in self.subgroups)
