"""End-to-end fixtures: the real app in a subprocess (``mestring serve``) on the test's
database, and one headless Debian chromium per module driven by Playwright's async API.

The server runs in its own process, not a thread: the PostgreSQL pool of the test process is
bound to the test's event loop, and a real deployment runs the web app as its own process too.
Test data are set up in the test process through the services, on the same database.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import expect

from survey_app.mail.outbox import free_port
from tests.conftest import chromium_or_skip

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_TIMEOUT = 30.0
# The UI's default language; job seekers and staff are in Norway.
BROWSER_LOCALE = "nb-NO"


@dataclass
class LiveServer:
    base_url: str
    home: Path
    process: subprocess.Popen
    stderr_path: Path

    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""


async def _wait_until_healthy(server: LiveServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last_error = "no answer yet"
    async with httpx.AsyncClient(timeout=2.0) as http:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(
                    f"mestring serve exited with code {server.process.returncode} before it was healthy;"
                    f" its stderr:\n{server.stderr()}"
                )
            try:
                response = await http.get(f"{server.base_url}/healthz")
                if response.status_code == 200 and response.text.strip() == "ok":
                    return
                last_error = f"HTTP {response.status_code}: {response.text[:200]!r}"
            except httpx.HTTPError as error:
                last_error = f"{type(error).__name__}: {error}"
            await asyncio.sleep(0.1)
    raise RuntimeError(
        f"mestring serve did not answer GET /healthz with 'ok' within {STARTUP_TIMEOUT:.0f} s"
        f" (last: {last_error}); its stderr:\n{server.stderr()}"
    )


def _spawn(port: int, env: dict[str, str], stdout_path: Path, stderr_path: Path) -> subprocess.Popen:
    """``mestring serve`` in its own process, its output in files (a full pipe would block it)."""
    with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "mestring_cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextlib.asynccontextmanager
async def run_server(database, home: Path, smtp_url: str | None = None) -> AsyncIterator[LiveServer]:
    """``mestring serve`` on ``database`` (the ``db`` fixture's) at a free loopback port."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "MESTRING_HOME": str(home),
        "MESTRING_DATABASE_URL": database.settings.database_url,
        "MESTRING_SECRET_KEY": database.settings.secret_key,
        "MESTRING_BASE_URL": base_url,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("MESTRING_SMTP_URL", None)
    if smtp_url:
        env["MESTRING_SMTP_URL"] = smtp_url
    stderr_path = home / "serve.stderr.log"
    process = _spawn(port, env, home / "serve.stdout.log", stderr_path)
    server = LiveServer(base_url=base_url, home=home, process=process, stderr_path=stderr_path)
    try:
        await _wait_until_healthy(server)
        yield server
    finally:
        await asyncio.to_thread(_stop, process)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell that a test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _show_server_log_if_failed(request, server: LiveServer) -> None:
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print(f"--- mestring serve at {server.base_url}, stderr (last 4000 characters) ---\n{server.stderr()}")


@pytest.fixture
async def live_server(request, db, smtp_sink, tmp_path) -> AsyncIterator[LiveServer]:
    """The app on the ``db`` database (SQLite and PostgreSQL), mail going to ``smtp_sink``."""
    async with run_server(db, tmp_path / "home", smtp_sink.url) as server:
        yield server
        _show_server_log_if_failed(request, server)


@pytest.fixture
async def live_server_sqlite(request, sqlite_db, smtp_sink, tmp_path) -> AsyncIterator[LiveServer]:
    """The app on SQLite only, for browser tests whose subject does not depend on the database."""
    async with run_server(sqlite_db, tmp_path / "home", smtp_sink.url) as server:
        yield server
        _show_server_log_if_failed(request, server)


@pytest.fixture(scope="module")
async def browser():
    """One headless Debian chromium per test module; each user gets a new context."""
    executable = chromium_or_skip()
    from playwright.async_api import async_playwright, expect

    # Generous waits: a loaded CI machine must not turn a slow page into a failure.
    expect.set_options(timeout=10_000)

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@contextlib.asynccontextmanager
async def new_context(browser, base_url: str, width: int = 1280, height: int = 900):
    """A fresh browser context (no cookies): a person on their own device."""
    context = await browser.new_context(
        base_url=base_url, locale=BROWSER_LOCALE, viewport={"width": width, "height": height}
    )
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        await context.close()


async def staff_login(page, email: str, password: str) -> None:
    """Log in through the login page as a person would."""
    await page.goto("/login")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", password)
    await page.click("form[action='/login'] button[type=submit]")
    await page.wait_for_load_state()


# --- steps a job seeker takes in the form, shared by the journey and the accessibility tests


async def answer_scale(page, item_id: str, value: int) -> None:
    """Click in the middle of the visible box of one point of a scale, as a person does.

    (The radio button lies invisibly over its box, so it takes the click there; a locator
    click on the label would refuse because of that.)"""
    label = page.locator(f"label[for='{item_id}-{value}']")
    await label.scroll_into_view_if_needed()
    box = await label.bounding_box()
    assert box, f"the box for {item_id} = {value} is not on the page"
    await page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await expect(page.locator(f"#{item_id}-{value}")).to_be_checked()


async def next_page(page, expected_path: str) -> None:
    await page.click("form.questionnaire button[name=action][value=next]")
    await expect(page).to_have_url(re.compile(re.escape(expected_path) + r"$"))
    await page.wait_for_load_state()  # its script (form.js) has run
