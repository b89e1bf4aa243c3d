"""Web sessions across server processes (ADR 0016): signed in through one `learnloop serve`, the
browser's next request may land on another, behind a load balancer. Two processes share one
PostgreSQL database and one session secret; the session, its CSRF token and its sign-out hold in
both."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

SECRET = "one-secret-for-every-process-" + "s" * 16
NEW_ITEM = "/subgroups/serious-case-review/items"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def hidden_fields(html: str, action: str) -> dict[str, str]:
    start = html.index(f'action="{action}"')
    form = html[start : html.index("</form>", start)]
    return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form))


@pytest.fixture
def two_processes(
    postgres_database: str, serve: Any, contributor_token: Any
) -> tuple[str, str, str]:
    """A contributor's token and the addresses of two server processes on one database."""
    token = contributor_token(postgres_database)
    shared = {"LEARNLOOP_SHARED_PROJECTION": "true", "LEARNLOOP_SESSION_SECRET": SECRET}
    a, b = (serve(postgres_database, **shared) for _ in range(2))
    return token, a.url, b.url


@pytest.mark.postgres
def test_a_session_begun_on_one_process_is_used_and_ended_on_another(
    two_processes: tuple[str, str, str],
) -> None:
    token, url_a, url_b = two_processes
    with httpx.Client(base_url=url_a) as a, httpx.Client(base_url=url_b) as b:
        csrf = CSRF.search(a.get("/sign-in").text).group(1)  # type: ignore[union-attr]
        signed_in = a.post("/sign-in", data={"csrf_token": csrf, "token": token, "next": "/"})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
        new_item_page = a.get("/subgroups/serious-case-review/new-item")
        assert new_item_page.status_code == 200
        b.cookies.set("learnloop_session", a.cookies["learnloop_session"])

        dashboard = b.get("/")
        assert dashboard.status_code == 200 and "Cara Contributor" in dashboard.text
        recorded = b.post(
            NEW_ITEM,
            data={
                **hidden_fields(new_item_page.text, NEW_ITEM),  # A's CSRF token and form id
                "title": "Escalation not used",
                "description": "Professionals did not escalate when the plan drifted.",
                "source.kind": "local_serious_case_review",
            },
        )
        assert recorded.status_code == 303 and recorded.headers["location"].startswith("/items/")
        item = a.get(recorded.headers["location"])  # the flash set on B is shown on A
        assert "Learning need recorded" in item.text and "Escalation not used" in item.text

        signed_out = b.post("/sign-out", data={"csrf_token": CSRF.search(dashboard.text).group(1)})  # type: ignore[union-attr]
        assert signed_out.status_code == 303
        refused = a.get("/")
        assert refused.status_code == 303
        assert refused.headers["location"] == "/sign-in?next=/&expired=1"
