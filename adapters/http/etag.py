"""ETags are resource versions; If-Match names the version a client last saw."""

from __future__ import annotations

import re

from adapters.http.problems import PreconditionFailed

_TAG = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """None when the client set no precondition (or `*`); else the version it expects."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _TAG.match(if_match)
    if match is None:
        raise PreconditionFailed(f"If-Match {if_match!r} names no version of this resource")
    return int(match.group(1))
