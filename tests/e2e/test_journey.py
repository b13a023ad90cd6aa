"""The whole journey in a real browser, on SQLite and on PostgreSQL.

A job specialist logs in and enrols a job seeker; the dispatcher mails the T1 invitation to a
real SMTP server; the job seeker opens the link on their own device (no staff cookies),
answers part of the first page, saves and stops, comes back with the same link, finishes and
sends in; the specialist then sees the scores in the caseload and the answers on the job
seeker's page.
"""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parseaddr

import pytest
from playwright.async_api import expect

from instruments import load_instrument
from survey_app.mail.transport import SmtpTransport
from survey_app.services.calendar import utcnow
from survey_app.services.dispatch import dispatch_once
from survey_app.services.studies import current_study
from tests.conftest import chromium_or_skip, make_settings
from tests.e2e.conftest import answer_scale, new_context, next_page, staff_login
from tests.helpers import PASSWORD, enrol_person, link_for, make_staff

pytestmark = pytest.mark.browser

SPECIALIST = "kari.spesialist@nav.example.no"
JOB_SEEKER_NAME = "Ola Nordmann"
JOB_SEEKER_EMAIL = "ola.nordmann@example.no"


async def test_enrol_invite_answer_in_two_sittings_and_see_the_caseload(db, smtp_sink, live_server, browser, tmp_path):
    chromium_or_skip()
    base = live_server.base_url
    await make_staff(SPECIALIST, name="Kari Spesialist")
    study = await current_study()
    today = utcnow().astimezone(study.timezone).date()
    # "Within 3 months" in the job seeker's and the page's language (bokmål).
    expected_wait = load_instrument(study.instrument_version).item("rtwexp").option(2).label_in("nb")

    # --- The job specialist enrols a consenting job seeker -----------------------------------
    async with new_context(browser, base) as staff_context:
        staff = await staff_context.new_page()
        await staff_login(staff, SPECIALIST, PASSWORD)
        await expect(staff).to_have_url(f"{base}/caseload")
        await staff.click("nav a[href='/enrol']")
        await expect(staff).to_have_url(f"{base}/enrol")
        await staff.fill("input[name=name]", JOB_SEEKER_NAME)
        await staff.check("input[name=contact_mode][value=email]")
        await staff.fill("input[name=email]", JOB_SEEKER_EMAIL)
        await staff.select_option("select[name=language]", "nb")
        await staff.check("input[name=programme][value=utvidet_oppfolging]")
        await staff.fill("input[name=consent_date]", today.isoformat())
        await staff.fill("input[name=consent_version]", "1.0")
        await staff.click("form[action='/enrol'] button[type=submit]")

        await expect(staff).to_have_url(re.compile(r"/caseload/[0-9A-Z]{4}-[0-9A-Z]{4}\?enrolled=true$"))
        study_id = re.search(r"/caseload/([0-9A-Z]{4}-[0-9A-Z]{4})", staff.url).group(1)
        await expect(staff.locator("h1")).to_contain_text(JOB_SEEKER_NAME)
        await expect(staff.locator("h1")).to_contain_text(study_id)
        await expect(staff.locator(".notice[role=status]")).to_be_visible()
        await expect(staff.locator("dl.facts")).to_contain_text(JOB_SEEKER_EMAIL)
        await expect(staff.locator("dl.facts")).to_contain_text("1.0")

        # --- The dispatcher mails the T1 invitation ------------------------------------------
        settings = make_settings(
            tmp_path / "dispatcher", db.settings.database_url, MESTRING_SMTP_URL=smtp_sink.url, MESTRING_BASE_URL=base
        )
        # A pass at midday (the wave opened at local midnight): the design forbids mail at
        # night, so the test must not depend on the hour it runs at.
        midday = dt.datetime.combine(today, dt.time(12, 0), tzinfo=study.timezone).astimezone(dt.UTC)
        report = await dispatch_once(
            SmtpTransport(settings.smtp_server), base_url=settings.base_url, sender=settings.mail_from, now=midday
        )
        assert len(report.sent) == 1, report.summary()
        assert not report.failed, report.failed
        assert len(smtp_sink.messages) == 1
        mail = smtp_sink.messages[0]
        assert [address.addr_spec for address in mail["To"].addresses] == [JOB_SEEKER_EMAIL]
        assert mail["From"].addresses[0].addr_spec == parseaddr(settings.mail_from)[1]
        assert mail["Subject"], "the invitation needs a subject"
        assert mail.get_content_maintype() == "multipart"
        text_part, html_part = mail.get_body(("plain",)), mail.get_body(("html",))
        assert text_part is not None and html_part is not None, "the invitation must have a text and an HTML part"
        link_pattern = re.compile(re.escape(base) + r"/a/([A-Za-z0-9_-]{20,100})")
        text_link = link_pattern.search(text_part.get_content())
        assert text_link, f"no personal link to {base}/a/... in the text part:\n{text_part.get_content()}"
        assert text_link.group(0) in html_part.get_content(), "the HTML part must carry the same link"
        link = text_link.group(0)

        # The caseload says the T1 invitation went out.
        await staff.goto("/caseload")
        await expect(staff.locator(f"tr:has(a[href='/caseload/{study_id}']) .state-invited")).to_have_count(1)

    # --- First sitting: start, answer part of the first page, save and stop -----------------
    async with new_context(browser, base, width=390, height=844) as phone:
        page = await phone.new_page()
        await page.goto(link)
        assert "mestring_session" not in {cookie["name"] for cookie in await phone.cookies()}
        await expect(page.locator("html")).to_have_attribute("lang", "nb")
        start = page.locator("main a.button.primary[href$='/page/measures']")
        await expect(start).to_be_visible()
        await start.click()
        await expect(page).to_have_url(re.compile(r"/page/measures$"))
        await expect(page.locator("input[name=was]:checked")).to_have_count(0)
        await answer_scale(page, "was", 8)
        await answer_scale(page, "rtwse_1", 7)
        await page.click("form.questionnaire button[name=action][value=later]")
        await expect(page).to_have_url(re.compile(r"/saved$"))
        await expect(page.locator("main a.button[href]")).to_have_attribute("href", link.removeprefix(base))

    # --- Second sitting, on another device: resume where they left off ----------------------
    async with new_context(browser, base) as desktop:
        page = await desktop.new_page()
        await page.goto(link)
        resume = page.locator("main a.button.primary")
        await expect(resume).to_have_attribute("href", re.compile(r"^/a/[A-Za-z0-9_-]+/page/[a-z]+$"))
        await resume.click()
        await expect(page).to_have_url(re.compile(r"/page/measures$"))
        # The answers from the first sitting are there; nothing else was invented.
        await expect(page.locator("#was-8")).to_be_checked()
        await expect(page.locator("#rtwse_1-7")).to_be_checked()
        await expect(page.locator("input[name=rtwse_2]:not([value='']):checked")).to_have_count(0)
        await answer_scale(page, "rtwse_2", 8)
        await answer_scale(page, "rtwse_3", 8)
        await page.check("#rtwexp-2")
        await next_page(page, "/page/work")

        await page.check("#work_now-0")
        # Hours and kind of work apply only to people in paid work: hidden once "no" is chosen.
        await expect(page.locator("#q-work_hours")).to_be_hidden()
        await expect(page.locator("#q-work_form")).to_be_hidden()
        await page.check("#benefits-aap")
        await next_page(page, "/page/health")

        await page.check("#general_health-3")
        await next_page(page, "/page/background")

        await page.check("#gender-1")
        await page.fill("#birth_year-input", "1985")
        await next_page(page, "/review")

        # The review lists what was answered, in the job seeker's words.
        review = page.locator("main")
        await expect(review.locator("section.review-section")).to_have_count(4)
        first = review.locator("section.review-section").first
        await expect(first.locator("dd").nth(0)).to_have_text("8")
        await expect(first.locator("dd").nth(1)).to_have_text("7")
        await expect(first.locator("dd").nth(2)).to_have_text("8")
        await expect(first.locator("dd").nth(3)).to_have_text("8")
        await expect(review).to_contain_text("1985")
        await page.click("form[action$='/submit'] button[type=submit]")

        await expect(page).to_have_url(re.compile(r"/a/[A-Za-z0-9_-]+\?sent=true$"))
        await expect(page.locator("h1")).to_have_text(re.compile(r"\S"))
        thank_you_heading = await page.locator("h1").inner_text()
        # No way to leave or change anything on a sent-in wave.
        await expect(page.locator("a[href$='/leave']")).to_have_count(0)

        # Reopening the link says the questionnaire is done, and the form is gone.
        await page.goto(link)
        await expect(page.locator("h1")).to_be_visible()
        assert await page.locator("h1").inner_text() != thank_you_heading
        await expect(page.locator("main a.button.primary")).to_have_count(0)
        await expect(page.locator("form")).to_have_count(0)
        await page.goto(f"{link}/page/measures")
        await expect(page).to_have_url(link)
        await expect(page.locator("form.questionnaire")).to_have_count(0)

    # --- The job specialist sees the result ---------------------------------------------------
    async with new_context(browser, base) as staff_context:
        staff = await staff_context.new_page()
        await staff_login(staff, SPECIALIST, PASSWORD)
        await staff.goto("/caseload")
        row = staff.locator(f"table.caseload tbody tr:has(a[href='/caseload/{study_id}'])")
        await expect(row).to_have_count(1)
        await expect(row.locator("th")).to_contain_text(JOB_SEEKER_NAME)
        # The ranking's number, the suggestion with its reasons, the waves, then the three measures.
        await expect(row.locator("td")).to_have_count(3 + 3)
        await expect(row.locator(".level")).to_have_count(1)
        waves = row.locator(".wave-states li")
        await expect(waves).to_have_count(len(study.wave_labels))
        await expect(waves.nth(0).locator(".state-answered")).to_have_count(1)
        for later in range(1, len(study.wave_labels)):
            await expect(waves.nth(later).locator(".state-not_yet_open")).to_have_count(1)
        measures = row.locator("td.measure")
        await expect(measures.nth(0).locator(".value strong")).to_have_text("8")
        # (7 + 8 + 8) / 3 = 7.67, shown with a Norwegian decimal comma.
        await expect(measures.nth(1).locator(".value strong")).to_have_text("7,7")
        await expect(measures.nth(2).locator(".value")).to_have_text(expected_wait)

        await row.locator(f"a[href='/caseload/{study_id}']").click()
        await expect(staff).to_have_url(f"{base}/caseload/{study_id}")
        waves = staff.locator("table:has(#waves-caption) tbody tr")
        await expect(waves.first.locator(".state-answered")).to_have_count(1)
        await expect(waves.first.locator("td").nth(3)).to_contain_text("8")
        await expect(waves.first.locator("td").nth(4)).to_have_text("7,7")
        await expect(waves.first.locator("td").nth(5)).to_have_text(expected_wait)
        # Answers side by side: a row per question, T1's answers in the first column.
        answers = staff.locator("table.answers-by-wave")
        await expect(answers).to_have_count(1)
        rows = answers.locator("tbody tr")
        await expect(rows.nth(0).locator("td").nth(0)).to_have_text("8")  # was
        await expect(rows.nth(1).locator("td").nth(0)).to_have_text("7")  # rtwse_1
        await expect(rows.nth(2).locator("td").nth(0)).to_have_text("8")  # rtwse_2
        await expect(rows.nth(3).locator("td").nth(0)).to_have_text("8")  # rtwse_3
        await expect(answers).to_contain_text("1985")


async def test_later_resumes_on_the_page_left_with_blanks_unanswered(sqlite_db, live_server_sqlite, browser):
    chromium_or_skip()
    base = live_server_sqlite.base_url
    specialist = await make_staff(SPECIALIST)
    enrolled = await enrol_person(specialist, JOB_SEEKER_NAME, JOB_SEEKER_EMAIL)
    link = f"{base}/a/{await link_for(enrolled.participant_id)}"
    async with new_context(browser, base) as first:
        page = await first.new_page()
        await page.goto(f"{link}/page/measures")
        await answer_scale(page, "was", 8)
        await page.click("form.questionnaire button[name=action][value=later]")
        await expect(page).to_have_url(re.compile(r"/saved$"))
    async with new_context(browser, base) as second:
        page = await second.new_page()
        await page.goto(link)
        await page.locator("main a.button.primary").click()
        await expect(page).to_have_url(re.compile(r"/page/measures$"), timeout=2_000)
        await expect(page.locator("#was-8")).to_be_checked()
        await expect(page.locator("#rtwse_2-skip")).not_to_be_checked(timeout=2_000)
