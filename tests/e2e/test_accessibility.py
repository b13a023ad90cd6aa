"""WCAG 2.1 AA in a real browser: axe-core on every page a job seeker and a specialist meet,
on a 360 px phone and a 1280 px desktop; no sideways scrolling on the phone; and the first
page of the questionnaire answered with the keyboard alone, with a visible focus indicator.

Accessibility does not depend on the database kind, so these tests run on SQLite only.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from tests.conftest import chromium_or_skip
from tests.e2e.conftest import answer_scale, new_context, next_page, staff_login
from tests.helpers import PASSWORD, enrol_person, enrol_with_message_history, link_for, make_staff

pytestmark = pytest.mark.browser

SPECIALIST = "kari.spesialist@nav.example.no"
ADMIN = "ada.admin@nav.example.no"
BLOCKING = ("serious", "critical")
axe = Axe()


async def axe_problems(page, name: str) -> list[str]:
    """Serious and critical axe-core violations on ``page``, described for a failure message."""
    results = await axe.run(page)
    problems = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        nodes = "\n".join(
            f"      - {', '.join(map(str, node['target']))}: {node.get('failureSummary', '').strip()}"
            f"\n        {node.get('html', '')[:200]}"
            for node in violation["nodes"]
        )
        problems.append(
            f"[{name}] {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>\n{nodes}"
        )
    return problems


async def sideways_scroll(page, width: int, name: str) -> list[str]:
    scroll_width = await page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        wide = await page.evaluate(
            """(width) => Array.from(document.querySelectorAll('body *'))
                .filter(el => el.getBoundingClientRect().right > width + 1)
                .slice(0, 5).map(el => el.outerHTML.slice(0, 120))""",
            width,
        )
        return [f"[{name}] scrolls sideways at {width} px: scrollWidth = {scroll_width}; too wide: {wide}"]
    return []


async def check_error_page(page, *, focus_summary: bool) -> None:
    """A page after a submission with problems says so in its title, lists the problems at the
    top, and every link in that list leads to its question."""
    summary = page.locator("#error-summary")
    await expect(summary).to_be_visible()
    await expect(summary.locator("a")).not_to_have_count(0)
    broken = await page.evaluate(
        """Array.from(document.querySelectorAll('#error-summary a'))
            .map(a => a.getAttribute('href'))
            .filter(href => !href.startsWith('#') || !document.getElementById(href.slice(1)))"""
    )
    assert not broken, f"error summary links lead nowhere: {broken}"
    # The same word the field messages give screen readers ("Error:" in the page's language).
    prefix = (await page.locator(".field-error .visually-hidden").first.text_content()).strip()
    assert prefix, "field errors must be announced with a prefix"
    title = await page.title()
    assert title.startswith(prefix), f"title {title!r} does not say there is an error ({prefix!r})"
    if focus_summary:
        assert await page.evaluate("document.activeElement && document.activeElement.id") == "error-summary"


@pytest.mark.parametrize("width", [360, 1280], ids=["phone-360", "desktop-1280"])
async def test_every_page_passes_axe(sqlite_db, smtp_sink, live_server_sqlite, browser, width):
    chromium_or_skip()
    base = live_server_sqlite.base_url
    specialist = await make_staff(SPECIALIST, name="Kari Spesialist")
    enrolled = await enrol_person(specialist, "Ola Nordmann", "ola.nordmann@example.no")
    link = f"{base}/a/{await link_for(enrolled.participant_id)}"
    with_history = await enrol_with_message_history(specialist, smtp_sink, "Per Historikk", "per.historikk@example.no")
    leaver = await enrol_person(specialist, "Lise Lie", "lise.lie@example.no")
    leave_link = f"{base}/a/{await link_for(leaver.participant_id)}/leave"
    problems: list[str] = []

    async def check(page, name: str, form_page: bool = True) -> None:
        problems.extend(await axe_problems(page, name))
        if form_page and width <= 360:
            problems.extend(await sideways_scroll(page, width, name))

    # --- The job seeker's questionnaire -------------------------------------------------------
    async with new_context(browser, base, width=width, height=800) as job_seeker:
        page = await job_seeker.new_page()
        await page.goto(link)
        await check(page, "intro")
        await page.locator("main a.button.primary").click()
        await expect(page).to_have_url(re.compile(r"/page/measures$"))
        await check(page, "measures")

        # An out-of-range answer (the form manipulated): a clear message, nothing stored.
        await page.evaluate("document.getElementById('was-10').value = '42'")
        await answer_scale(page, "was", 10)
        await answer_scale(page, "rtwse_1", 6)
        await page.click("form.questionnaire button[name=action][value=next]")
        await expect(page).to_have_url(re.compile(r"/page/measures$"))
        await expect(page.locator("#error-summary a[href='#q-was']")).to_have_count(1)
        await expect(page.locator("#q-was .field-error")).to_be_visible()
        await check_error_page(page, focus_summary=True)
        # Nothing of the page was stored: the intro still offers to start from the beginning.
        assert (await page.request.get(link)).ok
        intro = await (await page.request.get(link)).text()
        assert f"{link.removeprefix(base)}/page/measures" in intro
        await check(page, "measures with an error")

        await answer_scale(page, "was", 7)
        await answer_scale(page, "rtwse_1", 6)
        await page.check("#rtwexp-3")
        await next_page(page, "/page/work")
        await page.check("#work_now-1")  # shows the questions for people in work
        await expect(page.locator("#q-work_hours")).to_be_visible()
        await check(page, "work")
        await page.fill("#work_hours-input", "20")
        await next_page(page, "/page/health")
        await check(page, "health")
        await next_page(page, "/page/background")
        await check(page, "background")

        await page.fill("#birth_year-input", "nineteen")
        await page.click("form.questionnaire button[name=action][value=next]")
        await expect(page).to_have_url(re.compile(r"/page/background$"))
        await expect(page.locator("#q-birth_year .field-error")).to_be_visible()
        await check_error_page(page, focus_summary=True)
        await expect(page.locator("#birth_year-input")).to_have_value("nineteen")
        await expect(page.locator("#q-birth_year")).to_have_attribute(
            "aria-describedby", re.compile(r"\bbirth_year-error\b")
        )
        await check(page, "background with an error")

        await page.fill("#birth_year-input", "1985")
        await next_page(page, "/review")
        await check(page, "review")
        await page.click("form[action$='/submit'] button[type=submit]")
        await expect(page).to_have_url(re.compile(r"\?sent=true$"))
        await check(page, "thank you")
        await page.goto(link)
        await check(page, "done")

        # Leaving the study, with an optional reason (too long first: the form manipulated).
        await page.goto(leave_link)
        await check(page, "leave")
        await page.evaluate("document.getElementById('reason').removeAttribute('maxlength')")
        await page.fill("#reason", "x" * 501)
        await page.click("form[action$='/leave'] button[type=submit]")
        await check_error_page(page, focus_summary=False)
        await expect(page.locator("#error-summary a[href='#reason']")).to_have_count(1)
        await check(page, "leave with an error")
        await page.fill("#reason", "Jeg har ikke tid.")
        await page.click("form[action$='/leave'] button[type=submit]")
        await expect(page).to_have_url(re.compile(r"/left\?lang=nb$"))
        await check(page, "left")

    # --- The job specialist's pages ------------------------------------------------------------
    async with new_context(browser, base, width=width, height=800) as staff_context:
        page = await staff_context.new_page()
        await page.goto("/login")
        await check(page, "login", form_page=False)
        login_title = await page.title()
        await page.fill("input[name=email]", SPECIALIST)
        await page.fill("input[name=password]", "not the password")
        await page.click("form[action='/login'] button[type=submit]")
        await expect(page.locator("#error-summary")).to_be_visible()
        error_title = await page.title()
        assert error_title != login_title and error_title.endswith(login_title), (
            f"the title {error_title!r} must say that logging in failed"
        )
        await check(page, "login with an error", form_page=False)

        await staff_login(page, SPECIALIST, PASSWORD)
        await expect(page).to_have_url(f"{base}/caseload")
        await expect(page.locator(f"a[href='/caseload/{enrolled.study_id}']")).to_have_count(1)
        await check(page, "caseload", form_page=False)
        await page.goto(f"/caseload/{enrolled.study_id}")
        await check(page, "job seeker", form_page=False)

        # Invitations and reminders: the history, sending again, a reminder now.
        await page.goto(f"/caseload/{with_history.study_id}")
        await expect(page.locator("table.message-history tbody tr")).to_have_count(5)
        await check(page, "job seeker with e-mail history")
        await page.click("table.message-history a.action")
        await expect(page).to_have_url(re.compile(r"/messages/\d+/send-again$"))
        await check(page, "send again")
        await page.click("form[action$='/send-again'] button[type=submit]")
        await expect(page.locator(".notice[role=status]")).to_be_visible()
        await check(page, "job seeker after send again")

        # Withdrawal with a reason (too long first), then undone.
        await page.goto(f"/caseload/{enrolled.study_id}")
        await page.click(f"a[href='/caseload/{enrolled.study_id}/withdraw']")
        await check(page, "withdraw")
        await page.evaluate("document.getElementById('reason').removeAttribute('maxlength')")
        await page.fill("#reason", "x" * 501)
        await page.click("form[action$='/withdraw'] button[type=submit]")
        await check_error_page(page, focus_summary=False)
        await check(page, "withdraw with an error")
        await page.fill("#reason", "Har fått jobb.\nVil ikke ha flere e-poster.")
        await page.click("form[action$='/withdraw'] button[type=submit]")
        await expect(page.locator(".withdrawal .said")).to_contain_text("Har fått jobb.")
        await check(page, "withdrawn job seeker")
        await page.click(f"a[href='/caseload/{enrolled.study_id}/reinstate']")
        await check(page, "undo withdrawal")
        await page.click("form[action$='/reinstate'] button[type=submit]")
        await expect(page.locator(".notice[role=status]")).to_be_visible()
        await check(page, "job seeker taking part again")
        await page.goto(f"/caseload/{leaver.study_id}")
        await check(page, "job seeker who left")
        await page.goto("/enrol")
        await check(page, "enrol", form_page=False)
        await page.click("form[action='/enrol'] button[type=submit]")
        await check_error_page(page, focus_summary=False)
        await expect(page.locator("#error-summary a[href='#programme']")).to_have_count(1)
        await check(page, "enrol with errors", form_page=False)

    # --- The administrator's study settings ----------------------------------------------------
    await make_staff(ADMIN, "admin", name="Ada Admin")
    async with new_context(browser, base, width=width, height=800) as admin_context:
        page = await admin_context.new_page()
        await staff_login(page, ADMIN, PASSWORD)
        await page.goto("/admin/study")
        await check(page, "study settings")
        await page.fill("#window_days", "0")
        await page.fill("#reminder_days", "14,7")
        await page.click("form[action='/admin/study'] button[type=submit]")
        await check_error_page(page, focus_summary=False)
        await expect(page.locator("#error-summary a[href='#window_days']")).to_have_count(1)
        await expect(page.locator("#reminder_days")).to_have_value("14,7")
        await check(page, "study settings with errors")
        await page.fill("#window_days", "45")
        await page.fill("#reminder_days", "7,14")
        await page.select_option("#quiet_hours_start", "22")
        await page.click("form[action='/admin/study'] button[type=submit]")
        await expect(page.locator(".notice[role=status]")).to_contain_text("45")
        await check(page, "study settings saved")

    assert not problems, "\n".join(problems)


FOCUS_INDICATOR = """() => {
    const el = document.activeElement;
    const drawn = (node) => {
        if (!node) return false;
        const s = getComputedStyle(node);
        const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
        const shadow = s.boxShadow && s.boxShadow !== 'none';
        return outline || shadow;
    };
    // A visually hidden control (the scale's radio buttons) shows its focus on its label.
    const labels = el && el.labels ? Array.from(el.labels) : [];
    const shown = drawn(el) && parseFloat(getComputedStyle(el).opacity) > 0;
    return {
        tag: el ? el.tagName : null, id: el ? el.id : null, name: el ? el.name : null,
        value: el ? el.value : null, text: el ? el.textContent.trim().slice(0, 40) : null,
        visible: shown || labels.some(drawn),
    };
}"""


async def tab_to(page, matches, what: str, limit: int = 80) -> dict:
    """Press Tab until the focused element satisfies ``matches``; it must show its focus."""
    seen = []
    for _ in range(limit):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(FOCUS_INDICATOR)
        seen.append(focused)
        assert focused["visible"], f"no visible focus indicator on {focused}"
        if matches(focused):
            return focused
    raise AssertionError(f"Tab never reached {what}; focus went through {seen}")


async def test_first_page_with_the_keyboard_only(sqlite_db, live_server_sqlite, browser):
    chromium_or_skip()
    base = live_server_sqlite.base_url
    specialist = await make_staff(SPECIALIST)
    enrolled = await enrol_person(specialist, "Ola Nordmann", "ola.nordmann@example.no")
    link = f"{base}/a/{await link_for(enrolled.participant_id)}"

    async with new_context(browser, base) as context:
        page = await context.new_page()
        await page.goto(link)
        # Tab to the start link and follow it with Enter.
        for _ in range(30):
            await page.keyboard.press("Tab")
            focused = await page.evaluate(FOCUS_INDICATOR)
            assert focused["visible"], f"no visible focus indicator on {focused}"
            href = await page.evaluate("document.activeElement.getAttribute('href') || ''")
            if href.endswith("/page/measures"):
                break
        else:
            raise AssertionError("Tab never reached the link that starts the questionnaire")
        await page.keyboard.press("Enter")
        await expect(page).to_have_url(re.compile(r"/page/measures$"))

        # Work ability 8: Tab into the group (first point, 0), then Right arrow eight times.
        await tab_to(page, lambda f: f["name"] == "was", "the work ability question")
        for _ in range(8):
            await page.keyboard.press("ArrowRight")
        await expect(page.locator("#was-8")).to_be_checked()
        assert (await page.evaluate(FOCUS_INDICATOR))["visible"], "the chosen point shows no focus"

        # Coping beliefs 6, 9 and 1 (Space picks the focused first point).
        await tab_to(page, lambda f: f["name"] == "rtwse_1", "the first coping question")
        for _ in range(5):
            await page.keyboard.press("ArrowRight")
        await tab_to(page, lambda f: f["name"] == "rtwse_2", "the second coping question")
        for _ in range(8):
            await page.keyboard.press("ArrowRight")
        await tab_to(page, lambda f: f["name"] == "rtwse_3", "the third coping question")
        await page.keyboard.press("Space")
        await expect(page.locator("#rtwse_1-6")).to_be_checked()
        await expect(page.locator("#rtwse_2-9")).to_be_checked()
        await expect(page.locator("#rtwse_3-1")).to_be_checked()

        # Expected time until work: "within 6 months" (code 3), three steps down the list.
        await tab_to(page, lambda f: f["name"] == "rtwexp", "the expectation question")
        for _ in range(3):
            await page.keyboard.press("ArrowDown")
        await expect(page.locator("#rtwexp-3")).to_be_checked()

        await tab_to(page, lambda f: f["tag"] == "BUTTON" and f["value"] == "next", "the Next button")
        await page.keyboard.press("Enter")
        await expect(page).to_have_url(re.compile(r"/page/work$"))

        # The answers were saved: the review and the first page show them.
        await page.goto(f"{link}/review")
        first = page.locator("section.review-section").first
        await expect(first.locator("dd").nth(0)).to_have_text("8")
        await expect(first.locator("dd").nth(1)).to_have_text("6")
        await expect(first.locator("dd").nth(2)).to_have_text("9")
        await expect(first.locator("dd").nth(3)).to_have_text("1")
        await page.goto(f"{link}/page/measures")
        for checked in ("#was-8", "#rtwse_1-6", "#rtwse_2-9", "#rtwse_3-1", "#rtwexp-3"):
            await expect(page.locator(checked)).to_be_checked()
