"""End-to-end fixtures: the real FastAPI app over a real store, driven through HTTP.

`api_database_url` names the store (a fresh SQLite file per test for now; it may be parametrized
over PostgreSQL too, so tests never assume SQLite). `clock` is the time the app reads and the test
moves. `client` is a `TestClient` around `create_app(...)` with the scheduler off. Tokens for the
contract's roles come as fixtures; `as_(token)` turns one into request headers. Helpers the test
modules share are handed out as fixtures (`new_item`, `add_action`, ...), so no test imports this.
`serve(database_url, ...)` starts real `learnloop serve` processes, for what only several
processes show (scale-out, sessions across processes); `contributor_token(database_url)` adds a
user through the CLI.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Learnloop, bootstrap
from adapters.http.app import create_app
from adapters.settings import Settings

SCR = "serious-case-review"
TRAINING = "training"
BASE = "/api/v1"
ITEMS = f"{BASE}/learning-items"
PROBLEM = "application/problem+json"
LEARNLOOP = Path(sys.executable).parent / "learnloop"
SERVE_START_S = 30


@dataclass(frozen=True)
class Tokens:
    business_manager: str
    contributor: str
    contributor_other: str
    chair: str
    chair_other: str
    inspector: str
    admin: str


@pytest.fixture
def api_database_url(database_url: str) -> str:
    return database_url


@pytest.fixture
def settings(api_database_url: str) -> Settings:
    return Settings(database_url=api_database_url)


@pytest.fixture
def learnloop(settings: Settings, clock: Any) -> Iterator[Learnloop]:
    ll = bootstrap(settings, clock)
    try:
        yield ll
    finally:
        ll.close()


@pytest.fixture
def client(
    settings: Settings, clock: Any, learnloop: Learnloop, capsys: pytest.CaptureFixture[str]
) -> Iterator[TestClient]:
    """The API (and the web pages) in process. Every test that uses it also checks that no free
    text it sent in a body or a form (titles, descriptions, summaries...) reached the logs."""
    app = create_app(settings, clock, learnloop=learnloop, run_scheduler=False)
    sent: set[str] = set()
    with TestClient(app) as test_client:
        send = test_client.request

        def request(method: str, url: Any, *args: Any, **kwargs: Any) -> Any:
            sent.update(_free_text(kwargs.get("json")))
            sent.update(_free_text(kwargs.get("data")))  # the web pages' forms
            return send(method, url, *args, **kwargs)

        test_client.request = request  # type: ignore[method-assign]
        yield test_client
    logged = capsys.readouterr()
    leaked = sorted(text for text in sent if text in logged.out or text in logged.err)
    assert not leaked, f"request body text reached the logs: {leaked}"


def _free_text(body: Any) -> list[str]:
    """Strings a person typed (with a space, longer than a slug), anywhere in a JSON body."""
    if isinstance(body, dict):
        return [t for value in body.values() for t in _free_text(value)]
    if isinstance(body, list):
        return [t for value in body for t in _free_text(value)]
    return [body] if isinstance(body, str) and " " in body.strip() and len(body) >= 12 else []


@pytest.fixture
def tokens(learnloop: Learnloop) -> Tokens:
    known = {s.slug for s in learnloop.framework.subgroups}
    add = learnloop.users.add
    return Tokens(
        business_manager=add("Bea Manager", "business_manager", [], known).token,
        contributor=add("Cara Contributor", "contributor", [SCR], known).token,
        contributor_other=add("Tom Trainer", "contributor", [TRAINING], known).token,
        chair=add("Chidi Chair", "chair", [SCR], known).token,
        chair_other=add("Tara Chair", "chair", [TRAINING], known).token,
        inspector=add("Ines Inspector", "inspector", [], known).token,
        admin=add("Adam Admin", "admin", [], known).token,
    )


@pytest.fixture
def business_manager(tokens: Tokens) -> str:
    return tokens.business_manager


@pytest.fixture
def contributor(tokens: Tokens) -> str:
    return tokens.contributor


@pytest.fixture
def contributor_other(tokens: Tokens) -> str:
    return tokens.contributor_other


@pytest.fixture
def chair(tokens: Tokens) -> str:
    return tokens.chair


@pytest.fixture
def chair_other(tokens: Tokens) -> str:
    return tokens.chair_other


@pytest.fixture
def inspector(tokens: Tokens) -> str:
    return tokens.inspector


@pytest.fixture
def admin(tokens: Tokens) -> str:
    return tokens.admin


def as_(token: str, **extra: str) -> dict[str, str]:
    """Request headers for the user holding `token` (plus e.g. `**{"If-Match": '"1"'}`)."""
    return {"Authorization": f"Bearer {token}", **extra}


@pytest.fixture(name="as_")
def as_fixture() -> Callable[..., dict[str, str]]:
    return as_


# -- request bodies and steps the test modules share ----------------------------------------


def item_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subgroup": SCR,
        "title": "Agencies missed the signs of neglect",
        "description": "Child F: health and school concerns were not shared.",
        "source": {"kind": "local_serious_case_review", "reference": "SCR-2026-01"},
        "themes": ["neglect", "information sharing"],
    }
    body.update(overrides)
    return body


def action_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "means": "implementation_of_recommendations",
        "description": "Agree a neglect information-sharing protocol",
        "owner": "Head of Early Help",
        "due": "2026-06-30",
    }
    body.update(overrides)
    return body


def measure_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "evaluation_workshop",
        "description": "Practitioners' workshop on the protocol",
        "review_due": "2026-09-30",
    }
    body.update(overrides)
    return body


def evidence_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "outcome": "met",
        "summary": "Workshop: 9 of 10 practitioners used the protocol",
        "reference": "EW-2026-09",
    }
    body.update(overrides)
    return body


@dataclass
class Api:
    """Short steps over the client, each asserting the call succeeded."""

    client: TestClient
    token: str

    def create_item(self, token: str | None = None, **overrides: Any) -> dict[str, Any]:
        response = self.client.post(
            ITEMS, json=item_body(**overrides), headers=as_(token or self.token)
        )
        assert response.status_code == 201, response.text
        return response.json()

    def add_action(self, item_id: str, token: str | None = None, **overrides: Any) -> dict:
        response = self.client.post(
            f"{ITEMS}/{item_id}/actions",
            json=action_body(**overrides),
            headers=as_(token or self.token),
        )
        assert response.status_code == 201, response.text
        return response.json()

    def update(self, item_id: str, action_id: str, status: str, token: str | None = None) -> dict:
        response = self.client.post(
            f"{ITEMS}/{item_id}/actions/{action_id}/updates",
            json={"status": status, "note": f"now {status}"},
            headers=as_(token or self.token),
        )
        assert response.status_code == 201, response.text
        return response.json()

    def add_measure(self, item_id: str, token: str | None = None, **overrides: Any) -> dict:
        response = self.client.post(
            f"{ITEMS}/{item_id}/measures",
            json=measure_body(**overrides),
            headers=as_(token or self.token),
        )
        assert response.status_code == 201, response.text
        return response.json()

    def add_evidence(
        self, item_id: str, measure_id: str, token: str | None = None, **overrides: Any
    ) -> dict:
        response = self.client.post(
            f"{ITEMS}/{item_id}/measures/{measure_id}/evidence",
            json=evidence_body(**overrides),
            headers=as_(token or self.token),
        )
        assert response.status_code == 201, response.text
        return response.json()

    def close(self, item_id: str, token: str, **overrides: Any) -> dict:
        body = {"summary": "Protocol in use; workshop showed it works", **overrides}
        response = self.client.post(f"{ITEMS}/{item_id}/close", json=body, headers=as_(token))
        assert response.status_code == 200, response.text
        return response.json()

    def get(self, item_id: str, token: str | None = None) -> dict[str, Any]:
        response = self.client.get(f"{ITEMS}/{item_id}", headers=as_(token or self.token))
        assert response.status_code == 200, response.text
        return response.json()

    def history(self, item_id: str, token: str | None = None) -> list[dict[str, Any]]:
        response = self.client.get(f"{ITEMS}/{item_id}/history", headers=as_(token or self.token))
        assert response.status_code == 200, response.text
        return response.json()["events"]

    def audit_trail(self, token: str | None = None, **params: Any) -> list[dict[str, Any]]:
        """Every audit-trail event matching `params`, following next_after across pages."""
        events: list[dict[str, Any]] = []
        after = 0
        while True:
            response = self.client.get(
                f"{BASE}/audit-trail",
                params={**params, "after": after, "limit": 1000},
                headers=as_(token or self.token),
            )
            assert response.status_code == 200, response.text
            page = response.json()
            events += page["events"]
            if not page["events"]:
                return events
            after = page["next_after"]

    def loop(self, subgroup: str = SCR, token: str | None = None) -> dict[str, Any]:
        response = self.client.get(
            f"{BASE}/subgroups/{subgroup}/loop", headers=as_(token or self.token)
        )
        assert response.status_code == 200, response.text
        return response.json()

    def stage_of(self, item_id: str, subgroup: str = SCR) -> str:
        """The one stage of the loop board whose items include `item_id`."""
        stages = self.loop(subgroup)["stages"]
        found = [
            name for name, stage in stages.items() if item_id in {i["id"] for i in stage["items"]}
        ]
        assert len(found) == 1, f"{item_id} is in stages {found}"
        return found[0]


@pytest.fixture
def api(client: TestClient, contributor: str) -> Api:
    """Steps as the serious-case-review contributor (pass `token=` to act as someone else)."""
    return Api(client, contributor)


@pytest.fixture(name="bodies")
def bodies_fixture() -> dict[str, Callable[..., dict[str, Any]]]:
    return {
        "item": item_body,
        "action": action_body,
        "measure": measure_body,
        "evidence": evidence_body,
    }


# -- real `learnloop serve` processes, for what only several processes show ------------------


def _environment(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LEARNLOOP_")}
    return {**base, "LEARNLOOP_RATE_LIMIT_PER_MINUTE": "0", **extra}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServeProcess:
    """`learnloop serve` in its own process group; the constructor returns once /healthz
    answers 200. `environ` adds LEARNLOOP_* variables."""

    def __init__(self, cwd: Path, database_url: str, *args: str, **environ: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"serve-{self.port}.log"
        command = [str(LEARNLOOP), "serve", "--port", str(self.port)]
        command += ["--database-url", database_url, *args]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=cwd,
                env=_environment(**environ),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + SERVE_START_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited {self.process.returncode}: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)  # polling a real subprocess
        self.kill()
        pytest.fail(f"serve did not start: {self.log.read_text()}")

    @property
    def leads(self) -> bool:
        """Whether this process has led the shared projection (ADR 0018)."""
        return "projection_leader" in self.log.read_text()

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., ServeProcess]]:
    """`serve(database_url, *args, **environ)` starts a server process; all are killed after."""
    started: list[ServeProcess] = []

    def start(database_url: str, *args: str, **environ: str) -> ServeProcess:
        started.append(ServeProcess(tmp_path, database_url, *args, **environ))
        return started[-1]

    yield start
    for process in started:
        process.kill()


@pytest.fixture
def contributor_token(tmp_path: Path) -> Callable[[str], str]:
    """`contributor_token(database_url)`: a Serious Case Review contributor added through the
    CLI; its token."""

    def add(database_url: str) -> str:
        done = subprocess.run(
            [
                *(str(LEARNLOOP), "users", "add", "Cara Contributor", "--role", "contributor"),
                *("--subgroup", SCR, "--database-url", database_url),
            ],
            cwd=tmp_path,
            env=_environment(),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.strip().splitlines()[-1]

    return add


@pytest.fixture
def libreoffice(tmp_path: Any) -> Any:
    """Converts a file with LibreOffice headless (Debian's libreoffice-calc, which `make test`
    installs when missing): `libreoffice(path, "xlsx")` -> the converted file. A CSV is read as
    UTF-8, comma-separated."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("soffice is missing: `make libreoffice` installs libreoffice-calc")
        pytest.skip("soffice is missing: `make libreoffice` installs libreoffice-calc")
    profile = tmp_path / "libreoffice-profile"

    def convert(paths: Any, to: str) -> Any:
        """`paths` (one file, or a list converted in one run) as `to`: the converted file(s)."""
        many = isinstance(paths, list)
        given = paths if many else [paths]
        out = tmp_path / f"converted-{to.split(':')[0]}"
        out.mkdir(exist_ok=True)
        args = [soffice, f"-env:UserInstallation=file://{profile}", "--headless"]
        if all(str(p).endswith(".csv") for p in given):
            args.append("--infilter=CSV:44,34,76,1,,2057")  # comma, quote, UTF-8, line 1, en-GB
        args += ["--convert-to", to, "--outdir", str(out), *map(str, given)]
        subprocess.run(args, check=True, capture_output=True, timeout=300)
        converted = [out / f"{p.stem}.{to.split(':')[0]}" for p in given]
        missing = [c.name for c in converted if not c.exists()]
        assert not missing, f"LibreOffice wrote no {missing}"
        return converted if many else converted[0]

    return convert
