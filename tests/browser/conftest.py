"""Browser fixtures: the real app served by uvicorn on a free localhost port over a temporary
SQLite file, driven by Playwright in Debian's Chromium (never a downloaded browser).

The server runs in a thread of this process with a clock the tests move (`clock.advance`), so an
item can have a past; `learnloop` is the app's composition root, for arranging data through the
services and for checking what was recorded. `check(page, name)` runs axe-core (WCAG 2.2 A/AA)
on the page and saves a screenshot under test-output/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from adapters.bootstrap import Learnloop, bootstrap
from adapters.http.app import create_app
from adapters.settings import Settings

REPOSITORY = Path(__file__).resolve().parents[2]
AXE = REPOSITORY / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("LEARNLOOP_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = REPOSITORY / "test-output" / "screenshots"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCR = "serious-case-review"


@dataclass
class Clock:
    now: datetime = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Site:
    url: str
    learnloop: Learnloop
    clock: Clock
    tokens: dict[str, str] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)")
    database = tmp_path_factory.mktemp("browser") / "learnloop.db"
    settings = Settings(
        database_url=f"sqlite:///{database}",
        session_idle_minutes=60 * 24 * 365,  # the tests move the clock by days
        session_max_hours=24 * 365,
        rate_limit_per_minute=0,
    )
    clock = Clock()
    ll = bootstrap(settings, clock)
    known = {s.slug for s in ll.framework.subgroups}
    add = ll.users.add
    tokens = {
        "contributor": add("Cara Contributor", "contributor", [SCR], known).token,
        "chair": add("Chidi Chair", "chair", [SCR], known).token,
        "inspector": add("Ines Inspector", "inspector", [], known).token,
        "business_manager": add("Bea Manager", "business_manager", [], known).token,
    }
    port = _free_port()
    app = create_app(settings, clock, learnloop=ll, run_scheduler=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{port}", ll, clock, tokens)
    finally:
        server.should_exit = True
        thread.join(10)
        ll.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    context = browser.new_context(base_url=site.url, viewport={"width": 1100, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture
def check(site: Site, screenshots: Path, request: pytest.FixtureRequest) -> Any:
    """`check(page, name)`: no WCAG 2.2 A/AA violation on the page; a screenshot of it saved."""

    def run(page: Any, name: str) -> None:
        # GOV.UK Frontend's inline script ran under the pages' Content-Security-Policy (ADR 0030)
        assert page.evaluate(
            """!document.documentElement.classList.contains('govuk-template')
               || document.body.classList.contains('govuk-frontend-supported')"""
        )
        # axe goes in through the driver, not as an inline <script>: the policy refuses those
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
        result = page.evaluate(
            """async (tags) => await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, iframes: false})""",
            WCAG,
        )
        test = request.node.name.replace("[", "-").replace("]", "")
        page.screenshot(path=str(screenshots / f"{test}--{name}.png"), full_page=True)
        site.checked.append(f"{name}: {len(result['violations'])} violations")
        found = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in result["violations"]
        ]
        assert not found, f"axe on {name} ({page.url}):\n" + "\n".join(found)
        assert result["passes"], f"axe checked nothing on {name}"

    return run


class Driver:
    """Acts on a page with the mouse or by keyboard alone (Tab, typing, arrows, Space, Enter)."""

    def __init__(self, page: Any, keyboard: bool) -> None:
        self.page = page
        self.keyboard = keyboard

    def _tab_to(self, selector: str, limit: int = 400) -> None:
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if self.page.evaluate("s => !!document.activeElement?.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    def _value(self, selector: str) -> str:
        return self.page.evaluate("s => document.activeElement.value", selector)

    def fill(self, selector: str, text: str) -> None:
        if not self.keyboard:
            self.page.fill(selector, text)
            return
        self._tab_to(selector)
        self.page.keyboard.type(text)

    def select(self, selector: str, value: str) -> None:
        if not self.keyboard:
            self.page.select_option(selector, value)
            return
        self._tab_to(selector)
        for _ in range(40):
            if self._value(selector) == value:
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"{value} is not an option of {selector}")

    def choose(self, form: str, value: str) -> None:
        """The radio button with `value` among those of `form`."""
        radios = f"{form} input[type=radio]"
        if not self.keyboard:
            self.page.check(f"{radios}[value='{value}']")
            return
        self._tab_to(radios)
        self.page.keyboard.press("Space")
        for _ in range(10):
            if self._value(radios) == value:
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"no radio {value} in {form}")

    def press(self, selector: str) -> None:
        """Follows a link or presses a button, and waits for the next page."""
        with self.page.expect_navigation():
            if self.keyboard:
                self._tab_to(selector)
                self.page.keyboard.press("Enter")
            else:
                self.page.click(selector)


@pytest.fixture(params=["mouse", "keyboard"])
def driver(page: Any, request: pytest.FixtureRequest) -> Driver:
    return Driver(page, keyboard=request.param == "keyboard")
