"""Fixtures for browser tests: a real server on a real (file) SQLite database, and Chromium.

The rest of the suite runs inside rolled-back transactions on an in-memory database (see
tests/conftest.py). A browser needs a server in another thread that commits for real, so
these tests get their own `create_app()` instance, migrated from scratch into a temporary
file, with the people, area and letter codes they use made through the services.

Debian's Chromium is launched (Playwright's own browser download does not work here); every
test in this directory is skipped, with the reason, when it is not installed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from civic import create_app
from civic.accounts import codes as code_format
from civic.accounts import services
from civic.accounts.models import Role
from civic.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
SKIP_REASON = f"chromium not installed at {CHROMIUM}: browser tests skipped"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HERE = Path(__file__).resolve().parent

PASSWORD = "Lantern-orchard-Velvet-77"
AREA_NAME = "Hyde Park and Woodhouse"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip this directory's tests when there is no Chromium to drive.

    (A module-level pytest.skip() in a conftest crashes collection when the directory is
    named on the command line, so the tests are marked instead.)
    """
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if Path(item.path).resolve().is_relative_to(HERE):
            item.add_marker(skip)


@dataclass
class LiveSite:
    """The running server and what the fixture put in its database."""

    url: str
    area_name: str
    fresh_codes: list[str] = field(default_factory=list)  # unused, printable form
    used_code: str = ""  # already redeemed by another resident

    def take_code(self) -> str:
        """A code no other test has typed (each works once)."""
        return self.fresh_codes.pop()


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    database = tmp_path_factory.mktemp("browser") / "browser.db"
    # The rate limits stay on: these tests post no sign-in form and few others, and the
    # limiter is one object shared with the rest of the suite's app.
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SERVER_NAME": None})
    with app.app_context():
        upgrade()
        moderator = services.create_user(
            None, "moderator@example.org", "Morgan Moderator", PASSWORD, Role.MODERATOR
        )
        area = services.create_area(
            moderator,
            name=AREA_NAME,
            slug="hyde-park",
            kind="ward",
            postcode_districts="LS6",
            description="",
        )
        _batch, plain = services.generate_codes(moderator, area, count=5, valid_days=30)
        neighbour = services.create_user(
            None, "neighbour@example.org", "Nia Neighbour", PASSWORD, Role.RESIDENT
        )
        used = plain.pop()
        services.redeem_code(neighbour, used)
        db.session.commit()
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveSite(
            url=f"http://127.0.0.1:{server.server_port}",
            area_name=AREA_NAME,
            fresh_codes=[code_format.display(code) for code in plain],
            used_code=code_format.display(used),
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageProblems:
    """Console errors, uncaught exceptions and CSP violations seen by one page."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []

    def attach(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        # Reported by the browser as securitypolicyviolation events; the listener is added
        # by Playwright before any page script runs, so the policy does not block it.
        page.add_init_script(
            """
            window.__cspViolations = [];
            document.addEventListener("securitypolicyviolation", (event) => {
              window.__cspViolations.push(
                `${event.violatedDirective} blocked ${event.blockedURI || "inline"}` +
                ` at ${event.sourceFile}:${event.lineNumber}`
              );
            });
            """
        )

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def csp_violations(self, page) -> list[str]:
        return page.evaluate("window.__cspViolations || []")


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


def _new_page(browser, problems: PageProblems, base_url: str, *, javascript: bool):
    context = browser.new_context(base_url=base_url, java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems.attach(page)
    return context, page


@pytest.fixture
def page(browser, live_site: LiveSite, problems: PageProblems) -> Iterator[object]:
    """A fresh browser context (no cookies) with JavaScript on, watched for problems."""
    context, new_page = _new_page(browser, problems, live_site.url, javascript=True)
    yield new_page
    context.close()


@pytest.fixture
def page_without_js(browser, live_site: LiveSite, problems: PageProblems) -> Iterator[object]:
    context, new_page = _new_page(browser, problems, live_site.url, javascript=False)
    yield new_page
    context.close()
