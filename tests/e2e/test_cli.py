"""The `learnloop` console script, run as a subprocess the way an operator runs it."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from adapters.bootstrap import bootstrap
from adapters.handle import Clock, Learnloop, system_clock
from adapters.persistence.users import users as users_table
from adapters.settings import Settings
from domain.commands.learning_item import (
    ChooseMeans,
    CloseItem,
    DefineMeasure,
    IdentifyNeed,
    RecordEvidence,
    ReportProgress,
)
from projections.read import AuditFilter

LEARNLOOP = Path(sys.executable).parent / "learnloop"
SCR = "serious-case-review"
TIMEOUT_S = 30
SERVER_START_S = 20


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARNLOOP_")}
    return {**env, **extra}


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LEARNLOOP), *args],
        cwd=cwd,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )


def last_line(out: str) -> str:
    lines = out.strip().splitlines()
    assert lines, "no output"
    return lines[-1]


def open_store(database_url: str, clock: Clock = system_clock) -> Learnloop:
    return bootstrap(Settings(database_url=database_url), clock)


def june_2026() -> Clock:
    """A clock from 1 June 2026, a second on per reading, for a test that writes its dates."""
    ticks = itertools.count()
    return lambda: datetime(2026, 6, 1, 9, 0, tzinfo=UTC) + timedelta(seconds=next(ticks))


def user_count(database_url: str) -> int:
    ll = open_store(database_url)
    try:
        with ll.store.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(users_table)).scalar_one()
    finally:
        ll.close()


def authenticates(database_url: str, token: str) -> Any:
    ll = open_store(database_url)
    try:
        return ll.users.authenticate(token)
    finally:
        ll.close()


def test_the_console_script_is_installed() -> None:
    assert LEARNLOOP.exists(), f"no console script at {LEARNLOOP}"


def test_users_add_prints_a_token_alone_on_the_last_line_that_authenticates(
    tmp_path: Path, api_database_url: str
) -> None:
    done = run(
        tmp_path,
        "users",
        "add",
        "Cara Contributor",
        "--role",
        "contributor",
        "--subgroup",
        SCR,
        "--subgroup",
        "training",
        "--database-url",
        api_database_url,
    )
    assert done.returncode == 0, done.stderr
    token = last_line(done.stdout)
    assert token == token.strip() and " " not in token and len(token) >= 32
    assert all(token not in line for line in done.stdout.strip().splitlines()[:-1])

    actor = authenticates(api_database_url, token)
    assert actor is not None
    assert actor.name == "Cara Contributor"
    assert actor.role == "contributor"
    assert set(actor.subgroups) == {SCR, "training"}
    assert authenticates(api_database_url, token + "x") is None


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--role", "wizard"], ["wizard", "role"]),
        (["--role", "contributor", "--subgroup", "no-such-subgroup"], ["no-such-subgroup"]),
        (["--role", "chair", "--subgroup", SCR, "--subgroup", "nope"], ["nope"]),
        (["--role", "contributor"], ["contributor", "--subgroup"]),
        (["--role", "chair"], ["chair", "--subgroup"]),
        (["--role", "inspector", "--subgroup", SCR], ["inspector", "subgroup"]),
    ],
    ids=[
        "invalid-role",
        "unknown-subgroup",
        "one-unknown-subgroup",
        "contributor-without-subgroup",
        "chair-without-subgroup",
        "inspector-with-subgroup",
    ],
)
def test_users_add_refuses_bad_input_and_creates_nobody(
    tmp_path: Path, api_database_url: str, args: list[str], words: list[str]
) -> None:
    done = run(tmp_path, "users", "add", "Someone", *args, "--database-url", api_database_url)
    assert done.returncode != 0
    message = done.stderr + done.stdout
    for word in words:
        assert word in message, message
    assert "Traceback" not in message
    assert user_count(api_database_url) == 0


def test_users_add_without_a_role_is_a_usage_error(tmp_path: Path) -> None:
    done = run(tmp_path, "users", "add", "Someone")
    assert done.returncode != 0
    assert "--role" in done.stderr


def test_the_default_database_is_learnloop_db_in_the_working_directory(tmp_path: Path) -> None:
    done = run(tmp_path, "users", "add", "Bea Manager", "--role", "business_manager")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "learnloop.db").is_file()
    actor = authenticates(f"sqlite:///{tmp_path}/learnloop.db", last_line(done.stdout))
    assert actor is not None and actor.role == "business_manager"


def test_learnloop_database_url_overrides_the_default(
    tmp_path: Path, api_database_url: str
) -> None:
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = clean_env(LEARNLOOP_DATABASE_URL=api_database_url)
    done = run(cwd, "users", "add", "Ines Inspector", "--role", "inspector", env=env)
    assert done.returncode == 0, done.stderr
    assert not (cwd / "learnloop.db").exists()
    actor = authenticates(api_database_url, last_line(done.stdout))
    assert actor is not None and actor.name == "Ines Inspector"


def _views(ll: Learnloop) -> dict[str, Any]:
    today = date(2026, 7, 1)
    item_ids = [i["id"] for i in ll.read_models.items(today)]
    return {
        "items": ll.read_models.items(today),
        "board": ll.read_models.loop_board(SCR, today),
        "follow_ups": ll.read_models.follow_ups(today, date(2027, 12, 31)),
        "audit_trail": ll.read_models.audit_trail(0, 1000, AuditFilter()),
        "histories": [ll.read_models.history(i) for i in item_ids],
    }


def test_projections_rebuild_prints_the_position_and_gives_the_same_views(
    tmp_path: Path, api_database_url: str
) -> None:
    ll = open_store(api_database_url, june_2026())
    try:
        known = {s.slug for s in ll.framework.subgroups}
        actor = ll.users.add("Chidi Chair", "chair", [SCR], known).actor
        learning = ll.learning
        for n in range(3):
            item_id = learning.identify(
                actor,
                IdentifyNeed(
                    subgroup=SCR,
                    title=f"Learning {n}",
                    description="from a review",
                    source_kind="local_serious_case_review",
                ),
            )
            if n:
                action_id = learning.choose_means(
                    item_id,
                    actor,
                    ChooseMeans(
                        means="key_themes",
                        description="Theme the findings",
                        owner="SCR chair",
                        due=date(2026, 12, 1),
                    ),
                )
            if n == 2:
                learning.report_progress(
                    item_id, actor, ReportProgress(action_id=action_id, status="complete", note="")
                )
                measure_id = learning.define_measure(
                    item_id,
                    actor,
                    DefineMeasure(
                        kind="evaluation_workshop",
                        description="Workshop",
                        review_due=date(2027, 1, 15),
                    ),
                )
                learning.record_evidence(
                    item_id,
                    actor,
                    RecordEvidence(
                        measure_id=measure_id, outcome="met", summary="worked", reference=None
                    ),
                )
                learning.close_item(item_id, actor, CloseItem(summary="done", override_reason=None))
        before = _views(ll)
        recorded = ll.log.recorder.max_notification_id()
    finally:
        ll.close()
    assert recorded == 9

    done = run(tmp_path, "projections", "rebuild", "--database-url", api_database_url)
    assert done.returncode == 0, done.stderr
    assert int(last_line(done.stdout)) == recorded

    ll = open_store(api_database_url)
    try:
        assert _views(ll) == before
        assert [i["stage"] for i in before["items"]] == ["identification", "improvement", "closed"]
    finally:
        ll.close()


def test_projections_rebuild_on_an_empty_store_prints_zero(tmp_path: Path) -> None:
    done = run(tmp_path, "projections", "rebuild")
    assert done.returncode == 0, done.stderr
    assert last_line(done.stdout) == "0"


BAD_FRAMEWORK = """\
name = "Test partnership"
timezone = "Europe/London"

[[subgroups]]
slug = "only"
name = "The only subgroup"
scope = "galactic"
identification_sources = [{ slug = "s", label = "S" }]
means_of_improvement = [{ slug = "m", label = "M" }]
measures_of_effectiveness = [{ slug = "e", label = "E" }]
"""


def test_serve_with_an_invalid_framework_exits_quickly_naming_the_field(
    tmp_path: Path, api_database_url: str
) -> None:
    framework = tmp_path / "framework.toml"
    framework.write_text(BAD_FRAMEWORK, encoding="utf-8")
    started = time.monotonic()
    done = run(
        tmp_path,
        "serve",
        "--port",
        str(free_port()),
        "--database-url",
        api_database_url,
        "--framework",
        str(framework),
    )
    assert time.monotonic() - started < 15
    assert done.returncode != 0
    assert "subgroups[0].scope" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_serve_with_a_missing_framework_file_exits_naming_it(tmp_path: Path) -> None:
    done = run(tmp_path, "serve", "--port", str(free_port()), "--framework", "nowhere.toml")
    assert done.returncode != 0
    assert "nowhere.toml" in done.stderr + done.stdout


# -- a real server, stopped and started again ------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`learnloop serve` in a subprocess; `start()` returns once /healthz answers 200."""

    def __init__(self, cwd: Path, database_url: str) -> None:
        self.cwd = cwd
        self.database_url = database_url
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = cwd / f"serve-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(LEARNLOOP),
                    "serve",
                    "--port",
                    str(self.port),
                    "--database-url",
                    self.database_url,
                ],
                cwd=self.cwd,
                env=clean_env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited {self.process.returncode}: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)  # polling a real subprocess
        pytest.fail(
            f"serve did not answer /healthz within {SERVER_START_S}s: {self.log.read_text()}"
        )

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
            raise


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    try:
        yield started
    finally:
        for server in started:
            if server.process is not None and server.process.poll() is None:
                server.process.kill()
                server.process.wait(timeout=5)


def test_a_restarted_server_keeps_everything(
    tmp_path: Path, api_database_url: str, servers: list[Server]
) -> None:
    ll = open_store(api_database_url, june_2026())
    try:
        known = {s.slug for s in ll.framework.subgroups}
        token = ll.users.add("Cara Contributor", "contributor", [SCR], known).token
    finally:
        ll.close()
    headers = {"Authorization": f"Bearer {token}"}
    item = {
        "subgroup": SCR,
        "title": "Survives a restart",
        "description": "recorded before the server stopped",
        "source": {"kind": "local_serious_case_review"},
    }

    first = Server(tmp_path, api_database_url)
    servers.append(first)
    first.start()
    created = httpx.post(f"{first.url}/api/v1/learning-items", json=item, headers=headers)
    assert created.status_code == 201, created.text
    item_id = created.json()["id"]
    action = httpx.post(
        f"{first.url}/api/v1/learning-items/{item_id}/actions",
        json={
            "means": "key_themes",
            "description": "Theme it",
            "owner": "Chair",
            "due": "2099-01-01",
        },
        headers=headers,
    )
    assert action.status_code == 201, action.text
    before = httpx.get(f"{first.url}/api/v1/learning-items/{item_id}", headers=headers).json()
    assert first.stop() is not None
    assert first.process is not None and first.process.returncode is not None

    second = Server(tmp_path, api_database_url)
    servers.append(second)
    second.start()
    after = httpx.get(f"{second.url}/api/v1/learning-items/{item_id}", headers=headers)
    assert after.status_code == 200, after.text
    assert after.json() == before
    assert after.json()["stage"] == "improvement"
    history = httpx.get(f"{second.url}/api/v1/learning-items/{item_id}/history", headers=headers)
    assert [e["type"] for e in history.json()["events"]] == ["Identified", "MeansChosen"]
    board = httpx.get(f"{second.url}/api/v1/subgroups/{SCR}/loop", headers=headers).json()
    assert [i["id"] for i in board["stages"]["improvement"]["items"]] == [item_id]
    second.stop()


def test_users_add_with_an_unsupported_database_url_exits_with_a_message(tmp_path: Path) -> None:
    done = run(tmp_path, "users", "add", "X", "--role", "admin", "--database-url", "mysql://h/db")
    assert done.returncode != 0
    assert "unsupported database URL" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_serve_with_an_unsupported_database_url_exits_with_a_message(tmp_path: Path) -> None:
    done = run(tmp_path, "serve", "--port", str(free_port()), "--database-url", "mysql://h/db")
    assert done.returncode != 0
    assert "unsupported database URL" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr + done.stdout


def test_projections_rebuild_draws_a_progress_bar_on_stderr_only_when_asked(
    tmp_path: Path, api_database_url: str
) -> None:
    ll = open_store(api_database_url, june_2026())
    try:
        known = {s.slug for s in ll.framework.subgroups}
        actor = ll.users.add("Chidi Chair", "chair", [SCR], known).actor
        for n in range(4):
            ll.learning.identify(
                actor,
                IdentifyNeed(
                    subgroup=SCR,
                    title=f"Learning {n}",
                    description="from a review",
                    source_kind="local_serious_case_review",
                ),
            )
        recorded = ll.log.recorder.max_notification_id()
    finally:
        ll.close()

    shown = run(
        tmp_path, "projections", "rebuild", "--progress", "--database-url", api_database_url
    )
    quiet = run(tmp_path, "projections", "rebuild", "--database-url", api_database_url)

    assert shown.returncode == quiet.returncode == 0, shown.stderr + quiet.stderr
    assert int(last_line(shown.stdout)) == int(last_line(quiet.stdout)) == recorded
    bar = shown.stderr.replace("\r", "\n").strip().splitlines()[-1]
    assert bar.startswith("rebuilding read models: 100%"), bar
    assert f"{recorded}/{recorded}" in bar and "events/s" in bar
    assert "rebuilding" not in quiet.stderr  # stderr is a pipe here: no bar unless forced
    assert "rebuilding" not in shown.stdout
