"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils.translation.reloader import translation_file_changed
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from wms_sales.accounts.services import create_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PASSWORD = "pw-12345678"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # Playwright cannot download its own browser here; Debian's chromium is installed.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
            "viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """The .mo files are build output (gitignored); compile them so the suite runs standalone,
    then drop any catalogue an earlier test already loaded without them."""
    call_command("compiletranslations", verbosity=0)
    translation_file_changed(sender=None, file_path=Path("django.mo"))


@pytest.fixture
def login(page: Page, live_server, transactional_db):
    """login(role) creates a user with that role and signs in through the login page.

    Torn down before the live server and the database: it waits until none of the page's
    requests is still running (a debounced price preview could otherwise still hold the
    in-memory SQLite database while the test database is emptied: "table is locked")."""
    in_flight: set[Any] = set()
    page.on("request", lambda request: in_flight.add(request))
    page.on("requestfinished", lambda request: in_flight.discard(request))
    page.on("requestfailed", lambda request: in_flight.discard(request))

    def sign_in(role: str, username: str | None = None) -> Page:
        username = username or f"{role}-ui"
        create_user(username=username, role=role, password=PASSWORD)
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.locator("form[action='/login/'] button[type=submit]").click()
        expect(page.locator(".who")).to_have_text(username)
        return page

    yield sign_in
    _wait_until_quiet(page, in_flight)


def _wait_until_quiet(page: Page, in_flight: set[Any], quiet: float = 0.5,
                      limit: float = 10.0) -> None:
    """Until no request has been running for ``quiet`` seconds (at most ``limit``); the page
    stays as it is, for the screenshot of a failure."""
    started = quiet_since = time.monotonic()
    while time.monotonic() - started < limit:
        if in_flight:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet:
            return
        try:
            page.wait_for_timeout(50)  # lets Playwright deliver the request events
        except PlaywrightError:  # the test closed the page: nothing can still be asked
            return


@pytest.fixture(autouse=True)
def no_policy_violations(page: Page):
    """Every browser test also proves the pages work under the Content-Security-Policy: any
    blocked script, style, eval or connection fails the test (and so do script errors)."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and ("Content Security Policy" in message.text
                                            or "htmx" in message.text) else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    yield
    assert not problems, problems
