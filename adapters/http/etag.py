"""ETags are resource versions; If-Match names the version a client last saw."""

from __future__ import annotations

import re

from adapters.http.problems import PreconditionFailed

_TAG = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> frozenset[int] | None:
    """None when the client set no precondition (or `*`); else the versions it names
    (If-Match may list several entity-tags, RFC 9110 13.1.1)."""
    if if_match is None or if_match.strip() == "*":
        return None
    matches = [_TAG.match(tag) for tag in if_match.split(",")]
    if not all(matches):
        raise PreconditionFailed(f"If-Match {if_match!r} names no version of this resource")
    return frozenset(int(m.group(1)) for m in matches if m)
