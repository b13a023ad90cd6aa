"""How the questionnaire behaves in a real browser when a person does the unexpected: switches
language half-way through a page, presses Enter in a field, reloads a page with errors."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.conftest import chromium_or_skip
from tests.e2e.conftest import answer_scale, new_context
from tests.helpers import enrol_person, link_for, make_staff

pytestmark = pytest.mark.browser


async def _link(server) -> str:
    specialist = await make_staff("spes@example.no")
    enrolled = await enrol_person(specialist, "Ola Nordmann", "ola@example.no")
    return f"{server.base_url}/a/{await link_for(enrolled.participant_id)}"


async def test_switching_language_keeps_the_ticks_on_the_page(sqlite_db, live_server_sqlite, browser):
    chromium_or_skip()
    link = await _link(live_server_sqlite)
    async with new_context(browser, live_server_sqlite.base_url, width=360, height=740) as context:
        page = await context.new_page()
        await page.goto(f"{link}/page/measures")
        await answer_scale(page, "was", 6)
        await answer_scale(page, "rtwse_1", 4)
        await page.click("nav.language-switch button[value=en]")
        await expect(page).to_have_url(re.compile(r"/page/measures\?lang=en$"))
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(page.locator("#was-6")).to_be_checked()
        await expect(page.locator("#rtwse_1-4")).to_be_checked()
        # Untouched questions were not turned into "skipped" by the switch.
        await expect(page.locator("#rtwse_2-skip")).not_to_be_checked()


async def test_enter_in_a_field_goes_to_the_next_page(sqlite_db, live_server_sqlite, browser):
    chromium_or_skip()
    link = await _link(live_server_sqlite)
    async with new_context(browser, live_server_sqlite.base_url) as context:
        page = await context.new_page()
        await page.goto(f"{link}/page/work")
        await page.click("label[for='work_now-1']")
        await page.fill("#work_hours-input", "20")
        await page.press("#work_hours-input", "Enter")
        # "Next", not one of the language buttons that come first on the page.
        await expect(page).to_have_url(re.compile(r"/page/health$"))
        await expect(page.locator("html")).to_have_attribute("lang", "nb")


async def test_a_page_with_errors_reloads_without_sending_the_form_again(sqlite_db, live_server_sqlite, browser):
    chromium_or_skip()
    link = await _link(live_server_sqlite)
    async with new_context(browser, live_server_sqlite.base_url) as context:
        page = await context.new_page()
        await page.goto(f"{link}/page/work")
        await page.click("label[for='work_now-1']")
        await page.fill("#work_hours-input", "200")
        await page.click("form.questionnaire button[name=action][value=next]")
        await expect(page.locator("#error-summary")).to_be_visible()
        await expect(page.locator("#work_hours-input")).to_have_value("200")
        reloaded = await page.reload()
        assert reloaded.request.method == "GET"
        await expect(page.locator("#error-summary")).to_have_count(0)
        back = await page.go_back()
        assert back is None or back.request.method == "GET"
