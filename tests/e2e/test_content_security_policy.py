"""The pages work in a real browser under the Content-Security-Policy: nothing is blocked (no
violation reported, no error in the console, the favicon found), and the answer scales, whose
inline style became a class, lay out as before on a phone and on a desktop.

The policy does not depend on the database kind, so this runs on SQLite only.
"""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.conftest import chromium_or_skip
from tests.e2e.conftest import new_context, staff_login
from tests.helpers import PASSWORD, enrol_person, link_for, make_staff

pytestmark = pytest.mark.browser

SPECIALIST = "kari.spesialist@nav.example.no"
# Collects what the browser blocks, before any script of the page runs.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => window.__violations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline code"} (${event.sourceFile}:${event.lineNumber})`
));
"""
ROWS_OF = """(id) => new Set(Array.from(document.querySelectorAll(`#q-${id} .scale-point`))
    .map((point) => Math.round(point.getBoundingClientRect().top))).size"""
WIDTHS_OF = """(id) => Array.from(document.querySelectorAll(`#q-${id} .scale-point`))
    .map((point) => Math.round(point.getBoundingClientRect().width))"""


class Watch:
    """Console errors and CSP violations of one page, and the policy its documents came with."""

    def __init__(self, page) -> None:
        self.page = page
        self.console: list[str] = []
        self.policies: list[str | None] = []
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        page.on("response", self._keep_policy)

    def _keep_policy(self, response) -> None:
        if response.request.resource_type == "document":
            self.policies.append(response.headers.get("content-security-policy"))

    async def problems(self, name: str) -> list[str]:
        violations = await self.page.evaluate("window.__violations")
        errors = [text for text in self.console if text.startswith("error") or "Content Security Policy" in text]
        self.console.clear()
        return [f"[{name}] {problem}" for problem in [*violations, *errors]]


async def _open(context):
    page = await context.new_page()
    await page.add_init_script(WATCH_VIOLATIONS)
    return page, Watch(page)


@pytest.mark.parametrize("width", [360, 1280], ids=["phone-360", "desktop-1280"])
async def test_no_page_breaks_the_policy_and_the_scales_look_as_before(
    sqlite_db, live_server_sqlite, browser, width, tmp_path
):
    chromium_or_skip()
    base = live_server_sqlite.base_url
    specialist = await make_staff(SPECIALIST, name="Kari Spesialist")
    enrolled = await enrol_person(specialist, "Ola Nordmann", "ola.nordmann@example.no")
    link = f"{base}/a/{await link_for(enrolled.participant_id)}"
    problems: list[str] = []

    async with new_context(browser, base, width=width, height=800) as job_seeker:
        page, watch = await _open(job_seeker)
        await page.goto(link)
        problems += await watch.problems("intro")
        await page.locator("main a.button.primary").click()
        await expect(page).to_have_url(re.compile(r"/page/measures$"))
        await page.wait_for_load_state("load")
        problems += await watch.problems("measures")
        await page.screenshot(path=tmp_path / f"measures-{width}.png", full_page=True)

        # Work ability (0-10, 11 points) and coping (1-10, 10 points): in rows of six on a
        # phone, on one line on a desktop, every point at least 44 px wide and all alike.
        for item, points in (("was", 11), ("rtwse_1", 10)):
            widths = await page.evaluate(WIDTHS_OF, item)
            assert len(widths) == points and min(widths) >= 44 and max(widths) - min(widths) <= 1, (item, widths)
            assert await page.evaluate(ROWS_OF, item) == (2 if width < 640 else 1), item
        assert watch.policies and all(watch.policies), "a page came without its Content-Security-Policy"

    async with new_context(browser, base, width=width, height=800) as staff:
        page, watch = await _open(staff)
        await staff_login(page, SPECIALIST, PASSWORD)
        await expect(page).to_have_url(f"{base}/caseload")
        problems += await watch.problems("login and caseload")
        for path in (f"/caseload/{enrolled.study_id}", "/enrol", "/schema"):
            await page.goto(path)
            problems += await watch.problems(path)
        assert watch.policies and all(watch.policies), "a page came without its Content-Security-Policy"

    assert not problems, "\n".join(problems)
