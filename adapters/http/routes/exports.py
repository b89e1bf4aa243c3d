"""Moving out: `GET /api/v1/exports/{kind}?format=xlsx|csv[&subgroup=...]` (ADR 0052). The audit
trail takes its own filters too. Readers see what they may read: restricted subgroups they may
not are left out, as on every other read."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from adapters.http.auth import App, Reader, check_subgroup_readable, hidden_subgroups
from adapters.http.params import PRINTABLE, parse_timestamp
from adapters.spreadsheets.exports import table
from adapters.spreadsheets.write import CONTENT_TYPES, write
from domain.errors import InvalidField
from projections.read import AuditFilter

router = APIRouter(prefix="/api/v1", tags=["exports"])
Kind = Literal["action-plan", "loop", "follow-ups", "audit-trail"]


@router.get("/exports/{kind}")
def export(
    ll: App,
    reader: Reader,
    kind: Annotated[Kind, Path()],
    format: Annotated[Literal["xlsx", "csv"], Query()] = "xlsx",
    subgroup: str | None = None,
    actor: Annotated[
        str | None, Query(description="audit trail: a user id", pattern=PRINTABLE)
    ] = None,
    type: Annotated[
        str | None, Query(description="audit trail: an event type", pattern=PRINTABLE)
    ] = None,
    since: Annotated[str | None, Query(description="audit trail: ISO 8601, inclusive")] = None,
    until: Annotated[str | None, Query(description="audit trail: ISO 8601, exclusive")] = None,
) -> Response:
    if subgroup is not None:
        if not ll.framework.has_subgroup(subgroup):
            slugs = ", ".join(s.slug for s in ll.framework.subgroups)
            raise InvalidField("subgroup", f"no subgroup '{subgroup}' (expected one of: {slugs})")
        check_subgroup_readable(ll, reader, subgroup)
    if kind != "audit-trail" and any(v is not None for v in (actor, type, since, until)):
        raise InvalidField("kind", "actor, type, since and until filter the audit trail only")
    where = AuditFilter(
        subgroup=subgroup,
        actor=actor,
        type=type,
        since=parse_timestamp(since, "since") if since else None,
        until=parse_timestamp(until, "until") if until else None,
    )
    today = ll.learning.today()
    found = table(
        kind,
        ll.framework,
        ll.read_models,
        today,
        subgroup=subgroup,
        hidden=hidden_subgroups(ll, reader),
        where=where,
    )
    name = f"{kind}-{subgroup or 'all'}-{today.isoformat()}.{format}"
    return Response(
        write(found, format),
        media_type=CONTENT_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
