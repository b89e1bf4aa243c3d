"""A bounded schemathesis run against the app in process, on SQLite (issue 16, item 8): every
operation of the OpenAPI document, as a business manager, with no answer a 5xx. Marked `fuzz`;
`benchmarks/api_fuzz.sh` is the longer run against a real server, every check, both stores."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402

from adapters.bootstrap import bootstrap  # noqa: E402
from adapters.http.app import create_app  # noqa: E402
from adapters.settings import Settings  # noqa: E402

pytestmark = pytest.mark.fuzz
EXAMPLES = 30  # per operation: about 1,000 cases in all (operations without inputs stop early)
_state: dict[str, Any] = {}


@pytest.fixture
def api_schema(tmp_path: Path) -> Any:
    folder = tmp_path
    configured = Settings(database_url=f"sqlite:///{folder}/fuzz.db", rate_limit_per_minute=0)
    ll = bootstrap(configured, lambda: datetime(2026, 6, 1, 9, tzinfo=UTC))
    known = {s.slug for s in ll.framework.subgroups}
    _state["token"] = ll.users.add("Fuzz Manager", "business_manager", [], known).token
    app = create_app(configured, learnloop=ll, run_scheduler=False)
    app.state.learnloop = ll  # what the lifespan does; schemathesis calls the app without it
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    ll.close()


def test_no_operation_answers_a_server_error(api_schema: Any) -> None:
    headers = {"Authorization": f"Bearer {_state['token']}"}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 30
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def call(case: Any) -> None:
            response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
            statuses.append(response.status_code)

        call()
    print(f"schemathesis: {len(operations)} operations, {len(statuses)} cases")
    assert len(statuses) >= 1000  # the run is bounded, and it did run
    assert any(200 <= status < 300 for status in statuses)
