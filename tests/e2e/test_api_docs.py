"""The API documentation page (/schema) meets WCAG 2.1 AA like every staff page: axe-core
finds nothing serious, and a phone does not scroll sideways."""

from __future__ import annotations

import pytest

from tests.conftest import chromium_or_skip
from tests.e2e.conftest import new_context, staff_login
from tests.e2e.test_accessibility import axe_problems, sideways_scroll
from tests.helpers import PASSWORD, make_staff

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [360, 1280], ids=["phone-360", "desktop-1280"])
async def test_the_api_documentation_passes_axe(sqlite_db, live_server_sqlite, browser, width):
    chromium_or_skip()
    await make_staff("forsker@example.no", "researcher")
    async with new_context(browser, live_server_sqlite.base_url, width=width) as context:
        page = await context.new_page()
        await staff_login(page, "forsker@example.no", PASSWORD)
        await page.goto("/schema")
        assert await page.locator("h2 code").count() >= 4  # an operation each
        problems = await axe_problems(page, "API documentation") + await sideways_scroll(page, width, "/schema")
    assert not problems, "\n".join(problems)
