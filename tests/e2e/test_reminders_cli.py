"""`learnloop reminders run` and `learnloop worker` as an operator runs them: subprocesses on
each store, with a real SMTP server on loopback (aiosmtpd) where mail is sent."""

from __future__ import annotations

import email
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from adapters.bootstrap import bootstrap
from adapters.scheduler import SchedulerLock
from adapters.settings import Settings
from domain.commands.learning_item import ChooseMeans, IdentifyNeed
from domain.loop import local_date

LEARNLOOP = Path(sys.executable).parent / "learnloop"
HOST = "127.0.0.1"
SCR = "serious-case-review"
OWNER = "owner@agency.example"
SENDER = "learnloop@example.org"
TIMEOUT_S = 30
WORKER_STOPS_WITHIN_S = 10


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


class Collecting:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    def message_ids(self) -> list[str]:
        return [
            str(email.message_from_bytes(e.content, policy=default_policy)["Message-ID"])
            for e in self.envelopes
        ]


@pytest.fixture
def smtp() -> Iterator[tuple[Collecting, dict[str, str]]]:
    """A server on a free loopback port, and the LEARNLOOP_* variables that send to it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port = s.getsockname()[1]
    handler = Collecting()
    controller = Controller(handler, hostname=HOST, port=port)
    controller.start()
    env = {
        "LEARNLOOP_SMTP_HOST": HOST,
        "LEARNLOOP_SMTP_PORT": str(port),
        "LEARNLOOP_SMTP_FROM": SENDER,
    }
    yield handler, env
    controller.stop()


def an_action(database_url: str, clock: Callable[[], datetime], due: date) -> str:
    """An item with one action owned by OWNER, recorded at `clock()`; the action's id."""
    ll = bootstrap(Settings(database_url=database_url), clock)
    try:
        known = {s.slug for s in ll.framework.subgroups}
        ll.users.add("Chidi Chair", "chair", [SCR], known, email="chair@example.org")
        contributor = ll.users.add("Cara Contributor", "contributor", [SCR], known).actor
        item = ll.learning.identify(
            contributor,
            IdentifyNeed(
                subgroup=SCR,
                title="Neglect signs were missed",
                description="Health and school concerns were not shared",
                source_kind="local_serious_case_review",
            ),
        )
        return ll.learning.choose_means(
            item,
            contributor,
            ChooseMeans(
                means="implementation_of_recommendations",
                description="Agree an information-sharing protocol",
                owner="Head of Early Help",
                owner_email=OWNER,
                due=due,
            ),
        )
    finally:
        ll.close()


def issued(database_url: str) -> list[dict[str, Any]]:
    ll = bootstrap(Settings(database_url=database_url))
    try:
        ll.projector.catch_up()
        return ll.read_models.reminders(0, 1000)[0]
    finally:
        ll.close()


def test_reminders_run_prints_the_count_issued_alone_on_the_last_line_and_is_idempotent(
    tmp_path: Path, database_url: str, clock: Any, smtp: tuple[Collecting, dict[str, str]]
):
    handler, smtp_env = smtp
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    action = an_action(database_url, clock, due=date(2026, 6, 30))
    args = ("reminders", "run", "--as-of", "2026-06-16T09:00:00Z", "--database-url", database_url)

    first = run(cwd, *args, env=clean_env(**smtp_env))
    assert first.returncode == 0, first.stderr
    assert last_line(first.stdout) == "1"
    assert first.stdout.strip().splitlines()[-2] == "cancelled 0; delivered 1; issued:"
    [reminder] = issued(database_url)
    assert (reminder["rule"], reminder["target_id"], reminder["occurrence"]) == (
        "action_due_in_14_days",
        action,
        "2026-06-16",
    )
    assert reminder["delivery"] == "delivered"
    assert handler.message_ids() == [f"<{reminder['id']}@learnloop>"]
    assert handler.envelopes[0].rcpt_tos == [OWNER]

    second = run(cwd, *args, env=clean_env(**smtp_env))
    assert second.returncode == 0, second.stderr
    assert last_line(second.stdout) == "0"
    assert "delivered 0" in second.stdout
    assert len(issued(database_url)) == 1 and len(handler.envelopes) == 1

    # a timestamp without an offset is UTC; 23:30 UTC on 28 June is the 29th in London
    third = run(
        cwd,
        *("reminders", "run", "--as-of", "2026-06-28T23:30:00", "--database-url", database_url),
    )
    assert third.returncode == 0, third.stderr
    assert last_line(third.stdout) == "1"
    assert "delivered 0" in third.stdout  # no SMTP configured: it stays pending
    latest = issued(database_url)[-1]
    assert (latest["rule"], latest["occurrence"], latest["delivery"]) == (
        "action_due_tomorrow",
        "2026-06-29",
        "pending",
    )
    assert not (cwd / "learnloop.db").exists()  # the store named, not the default one


@pytest.mark.parametrize("as_of", ["yesterday", "2026-13-01T09:00:00Z", "16/06/2026"])
def test_reminders_run_refuses_a_malformed_as_of(tmp_path: Path, database_url: str, as_of: str):
    result = run(tmp_path, "reminders", "run", "--as-of", as_of, "--database-url", database_url)

    assert result.returncode != 0
    assert "--as-of" in result.stderr
    assert f"'{as_of}' is not an ISO 8601 timestamp" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.strip() == ""


def test_the_worker_sweeps_delivers_holds_the_lock_and_stops_on_sigterm(
    tmp_path: Path, database_url: str, smtp: tuple[Collecting, dict[str, str]]
):
    handler, smtp_env = smtp
    now = datetime.now(UTC)
    today = local_date(now, "Europe/London")
    action = an_action(database_url, lambda: now - timedelta(days=20), due=today - timedelta(1))
    env = clean_env(
        **smtp_env,
        LEARNLOOP_REMINDER_DELIVERY_SECONDS="0.2",
        LEARNLOOP_PROJECTION_POLL_SECONDS="0.2",
    )
    worker = subprocess.Popen(
        [str(LEARNLOOP), "worker", "--database-url", database_url],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    store = bootstrap(Settings(database_url=database_url))
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while not handler.envelopes and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)  # bounded polling of a real process
        assert worker.poll() is None, worker.communicate(timeout=TIMEOUT_S)
        assert len(handler.envelopes) == 1, "the worker delivered nothing in time"
        assert SchedulerLock(store.store).acquire() is False  # the worker holds it

        started = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=WORKER_STOPS_WITHIN_S)
        assert time.monotonic() - started < WORKER_STOPS_WITHIN_S
        assert worker.returncode == 0, err

        [reminder] = [r for r in issued(database_url) if r["target_id"] == action]
        assert (reminder["rule"], reminder["occurrence"], reminder["delivery"]) == (
            "action_overdue",
            today.isoformat(),
            "delivered",
        )
        assert handler.message_ids() == [f"<{reminder['id']}@learnloop>"]
        assert '"event": "reminders_swept"' in out and '"issued": 1' in out
        lock = SchedulerLock(store.store)
        assert lock.acquire() is True  # released when the worker stopped
        lock.release()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate(timeout=TIMEOUT_S)
        store.close()
