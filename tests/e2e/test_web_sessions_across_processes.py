"""Web sessions across server processes (ADR 0016): signed in through one `learnloop serve`, the
browser's next request may land on another, behind a load balancer. Two processes share one
PostgreSQL database and one session secret; the session, its CSRF token and its sign-out hold in
both."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

LEARNLOOP = Path(sys.executable).parent / "learnloop"
SECRET = "one-secret-for-every-process-" + "s" * 16
NEW_ITEM = "/subgroups/serious-case-review/items"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def hidden_fields(html: str, action: str) -> dict[str, str]:
    start = html.index(f'action="{action}"')
    form = html[start : html.index("</form>", start)]
    return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form))


def environment(database_url: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LEARNLOOP_")}
    return {**base, "LEARNLOOP_DATABASE_URL": database_url, "LEARNLOOP_RATE_LIMIT_PER_MINUTE": "0"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(cwd: Path, database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    log = cwd / f"serve-{port}.log"
    env = environment(database_url)
    env |= {"LEARNLOOP_SHARED_PROJECTION": "true", "LEARNLOOP_SESSION_SECRET": SECRET}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(LEARNLOOP), "serve", "--port", str(port)],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a real subprocess
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail(f"serve did not start: {log.read_text()}")


@pytest.fixture
def two_processes(tmp_path: Path, postgres_database: str) -> Iterator[tuple[str, str, str]]:
    """A contributor's token and the addresses of two server processes on one database."""
    added = subprocess.run(
        [
            *(str(LEARNLOOP), "users", "add", "Cara Contributor", "--role", "contributor"),
            *("--subgroup", "serious-case-review"),
        ],
        cwd=tmp_path,
        env=environment(postgres_database),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    started = [serve(tmp_path, postgres_database) for _ in range(2)]
    try:
        yield added.stdout.strip().splitlines()[-1], started[0][1], started[1][1]
    finally:
        for process, _ in started:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


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
