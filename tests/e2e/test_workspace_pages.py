"""The job specialist's workspace in a real browser, on a 360 px phone and a 1280 px desktop:
the ranked caseload, one job seeker's page with its suggestion and charts, the contact form,
the office lead's overview and a colleague's caseload, and the administration page.

Every page passes axe-core (no serious or critical violation, in bokmål and in English) and
never scrolls sideways; the caseload's filters work with the keyboard and without JavaScript;
the inline SVG charts break no Content-Security-Policy and show one layout at a time.
Screenshots of every page go to ``var/screenshots/`` for a person to look at.

One server and one set of job seekers serve the whole module (SQLite only: nothing here
depends on the database kind). The job seekers were enrolled 13 months ago, so T1-T3 have
opened; their answers make every part of the suggestion render.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import expect

from survey_app.db.engine import activate
from survey_app.db.tables import Staff, Wave
from survey_app.services import audit
from survey_app.services.answering import record_complete_response, withdraw_participant
from survey_app.services.calendar import add_months, utcnow
from survey_app.services.studies import current_study, ensure_default_study
from tests.conftest import _database, chromium_or_skip
from tests.e2e.conftest import BROWSER_LOCALE, REPO_ROOT, run_server, staff_login
from tests.e2e.test_accessibility import FOCUS_INDICATOR, axe_problems, sideways_scroll, tab_to
from tests.e2e.test_content_security_policy import WATCH_VIOLATIONS, Watch
from tests.helpers import PASSWORD, enrol_person, make_staff

pytestmark = pytest.mark.browser

LEAD = "kari.leder@nav.example.no"
COLLEAGUE = "per.kollega@nav.example.no"
ADMIN = "ada.admin@nav.example.no"
OFFICE = "NAV X"
WIDTHS = [pytest.param(360, id="phone-360"), pytest.param(1280, id="desktop-1280")]
SHOTS = REPO_ROOT / "var" / "screenshots"


def answers(was: int, coping: tuple[int, int, int], rtwexp: int, work_now: int = 0) -> dict[str, int]:
    return {
        "was": was,
        "rtwse_1": coping[0],
        "rtwse_2": coping[1],
        "rtwse_3": coping[2],
        "rtwexp": rtwexp,
        "work_now": work_now,
    }


@dataclasses.dataclass
class Workspace:
    base_url: str
    colleague_id: int
    study_ids: dict[str, str]  # role in the test -> study ID

    def pages(self) -> dict[str, tuple[str, str]]:
        """Page name -> (who looks at it, path)."""
        ids = self.study_ids
        return {
            "caseload": ("lead", "/caseload"),
            "participant-fall": ("lead", f"/caseload/{ids['fall']}"),
            "participant-dont-know": ("lead", f"/caseload/{ids['dont_know']}"),
            "participant-missed": ("lead", f"/caseload/{ids['missed']}"),
            "participant-paper": ("lead", f"/caseload/{ids['paper']}"),
            "participant-withdrawn": ("lead", f"/caseload/{ids['withdrawn']}"),
            "contact": ("lead", f"/caseload/{ids['fall']}/contact"),
            "office": ("lead", "/office"),
            "office-caseload": ("lead", f"/office/{self.colleague_id}"),
            "admin": ("admin", "/admin"),
            "research": ("admin", "/research"),
        }


PAGE_NAMES = [
    "caseload",
    "participant-fall",
    "participant-dont-know",
    "participant-missed",
    "participant-paper",
    "participant-withdrawn",
    "contact",
    "office",
    "office-caseload",
    "admin",
    "research",
]


async def _answer(participant_id: int, label: str, values: dict[str, int], *, mode: str = "web") -> None:
    wave = (
        await Wave.select(Wave.id, Wave.opens_at)
        .where((Wave.participant == participant_id) & (Wave.label == label))
        .first()
    )
    stored = await record_complete_response(
        wave["id"],
        values,
        mode=mode,
        language="nb",
        actor=audit.SYSTEM,
        now=wave["opens_at"] + dt.timedelta(days=3),
    )
    assert stored, f"{label} of participant {participant_id} was answered already"


async def _seed() -> tuple[int, dict[str, str]]:
    study = await current_study()
    now = utcnow()
    today = now.astimezone(study.timezone).date()
    enrolled_on = add_months(today, -13)
    then = dt.datetime.combine(enrolled_on, dt.time(10), tzinfo=study.timezone).astimezone(dt.UTC)

    lead = await make_staff(LEAD, name="Kari Leder")
    colleague = await make_staff(COLLEAGUE, name="Per Kollega")
    await make_staff(ADMIN, "admin", name="Ada Admin")
    await Staff.update({Staff.office: OFFICE, Staff.office_lead: True}).where(Staff.id == lead.id)
    await Staff.update({Staff.office: OFFICE}).where(Staff.id == colleague.id)

    async def enrol(specialist, name: str, email: str | None, **extra):
        return await enrol_person(specialist, name, email, enrolled_on=enrolled_on, now=then, **extra)

    ids: dict[str, str] = {}
    # A fall in work capacity from T2 (8) to T3 (4), low coping and a long expected wait.
    fall = await enrol(lead, "Aud Fallende", "aud.fallende@example.no")
    await _answer(fall.participant_id, "T1", answers(6, (6, 6, 7), 3))
    await _answer(fall.participant_id, "T2", answers(8, (7, 6, 7), 2))
    await _answer(fall.participant_id, "T3", answers(4, (3, 2, 3), 6))
    ids["fall"] = fall.study_id
    # "Don't know" for the expected time until work at T3.
    dont_know = await enrol(lead, "Bjørn Aasen", "bjorn.aasen@example.no", programme="utvidet_oppfolging")
    await _answer(dont_know.participant_id, "T1", answers(5, (5, 4, 5), 4))
    await _answer(dont_know.participant_id, "T2", answers(5, (5, 5, 5), 4))
    await _answer(dont_know.participant_id, "T3", answers(5, (5, 4, 5), 9))
    ids["dont_know"] = dont_know.study_id
    # T2 missed (never answered, its window long closed).
    missed = await enrol(lead, "Cecilie Hoppover", "cecilie.hoppover@example.no")
    await _answer(missed.participant_id, "T1", answers(4, (5, 4, 5), 6))
    await _answer(missed.participant_id, "T3", answers(3, (4, 4, 5), 7))
    ids["missed"] = missed.study_id
    # Answers on paper, no e-mail address.
    paper = await enrol(lead, "Dag Papir", None, contact_mode="paper")
    for label, values in (("T1", answers(7, (8, 8, 7), 2)), ("T2", answers(8, (8, 9, 8), 1))):
        await _answer(paper.participant_id, label, values, mode="paper")
    await _answer(paper.participant_id, "T3", answers(9, (9, 9, 8), 0, work_now=1), mode="paper")
    ids["paper"] = paper.study_id
    # Withdrawn after T2, with a reason.
    withdrawn = await enrol(lead, "Eva Trukket", "eva.trukket@example.no")
    await _answer(withdrawn.participant_id, "T1", answers(6, (6, 6, 6), 3))
    await _answer(withdrawn.participant_id, "T2", answers(5, (6, 5, 6), 4))
    await withdraw_participant(
        withdrawn.participant_id, audit.Actor.staff(lead.id), now - dt.timedelta(days=60), reason="Har fått jobb."
    )
    ids["withdrawn"] = withdrawn.study_id
    # The colleague's caseload, seen by the lead through the office overview.
    for name, email, values in (
        ("Fredrik Fjerde", "fredrik.fjerde@example.no", answers(2, (2, 3, 2), 8)),
        ("Gro Gjennomsnitt", "gro.gjennomsnitt@example.no", answers(6, (6, 7, 6), 3)),
    ):
        other = await enrol(colleague, name, email)
        for label in ("T1", "T2", "T3"):
            await _answer(other.participant_id, label, values)
    return colleague.id, ids


@pytest.fixture(scope="module")
async def workspace(tmp_root, tmp_path_factory) -> AsyncIterator[Workspace]:
    """The app on a SQLite database with an office of two specialists and their job seekers."""
    chromium_or_skip()
    database = await _database("sqlite", tmp_root)
    await database.clear()
    activate(database.engine)
    await ensure_default_study()
    colleague_id, study_ids = await _seed()
    async with run_server(database, tmp_path_factory.mktemp("workspace") / "home") as server:
        yield Workspace(server.base_url, colleague_id, study_ids)
        if server.process.poll() is not None:
            print(f"--- mestring serve stderr ---\n{server.stderr()}")


@pytest.fixture(scope="module")
async def sessions(workspace, browser) -> AsyncIterator:
    """``open_page(role, width, language, fresh=False, **options)``: a page logged in as
    ``role``; contexts are kept per (role, width, language) unless ``fresh`` or ``options``."""
    states = {}
    for role, email in (("lead", LEAD), ("admin", ADMIN)):
        context = await browser.new_context(base_url=workspace.base_url, locale=BROWSER_LOCALE)
        page = await context.new_page()
        await staff_login(page, email, PASSWORD)
        await expect(page).not_to_have_url(re.compile(r"/login"))
        states[role] = await context.storage_state()
        await context.close()
    kept: dict = {}
    extra: list = []

    async def open_page(role: str, width: int, language: str = "nb", *, fresh: bool = False, **options):
        key = (role, width, language)
        if fresh or options or key not in kept:
            context = await browser.new_context(
                base_url=workspace.base_url,
                locale=BROWSER_LOCALE,
                viewport={"width": width, "height": 800},
                storage_state=states[role],
                **options,
            )
            context.set_default_timeout(10_000)
            page = await context.new_page()
            if fresh or options:
                extra.append(context)
                return page
            kept[key] = context
        return kept[key].pages[0]

    yield open_page
    for context in [*kept.values(), *extra]:
        await context.close()


async def visit(open_page, workspace: Workspace, name: str, width: int, language: str = "nb"):
    role, path = workspace.pages()[name]
    page = await open_page(role, width, language)
    response = await page.goto(path + (f"?lang={language}" if language != "nb" else ""))
    assert response and response.ok, f"{name}: GET {path} answered {response and response.status}"
    await page.wait_for_load_state("load")
    assert await page.evaluate("document.documentElement.lang") == language, f"{name} is not in {language}"
    return page


# --- 1. axe-core -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGE_NAMES)
async def test_axe_finds_nothing_serious(workspace, sessions, name, width, language):
    page = await visit(sessions, workspace, name, width, language)
    problems = await axe_problems(page, f"{name} {width} px {language}")
    assert not problems, "\n".join(problems)


# --- 2. no sideways scrolling ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "width"),
    [pytest.param(name, width, id=f"{name}-{width}") for name in PAGE_NAMES for width in (360, 1280)],
)
async def test_no_sideways_scroll(workspace, sessions, name, width):
    page = await visit(sessions, workspace, name, width)
    problems = await sideways_scroll(page, width, name)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["nb", "en"])
async def test_the_caseload_table_fits_a_desktop(workspace, sessions, language):
    page = await visit(sessions, workspace, "caseload", 1280, language)
    viewport = await page.evaluate("document.documentElement.clientWidth")
    assert viewport == 1280 and await page.evaluate("document.documentElement.scrollWidth") <= viewport
    table = page.locator("table.caseload")
    await expect(table.locator("thead")).to_be_visible()  # a table, not cards, at 1280
    sizes = await table.evaluate("t => ({scroll: t.scrollWidth, client: t.clientWidth})")
    assert sizes["scroll"] <= sizes["client"] + 1, f"the caseload table is cut off: {sizes}"
    last = await table.locator("thead th").last.bounding_box()
    assert last, "the last column header is not on the page"
    assert last["x"] + last["width"] <= viewport, f"the last column ends at {last['x'] + last['width']} > {viewport}"
    # Every cell of the last column is inside the window too.
    rights = await page.evaluate(
        "Array.from(document.querySelectorAll('table.caseload tr > :last-child'))"
        ".map(cell => cell.getBoundingClientRect().right)"
    )
    assert rights and max(rights) <= viewport, f"cells beyond {viewport} px: {rights}"


TABLE_REGIONS = """() => Array.from(document.querySelectorAll('.table-scroll')).map(region => {
    const caption = region.querySelector('caption');
    const text = document.createRange();
    if (caption) text.selectNodeContents(caption);
    return {
        table: region.getAttribute('aria-labelledby'),
        overflow: region.scrollWidth - region.clientWidth,
        visibleRight: region.getBoundingClientRect().right,
        captionRight: caption ? text.getBoundingClientRect().right : 0,
    };
})"""


@pytest.mark.parametrize("name", ["participant-fall", "office", "admin"])
async def test_tables_fit_a_desktop(workspace, sessions, name):
    """At 1280 px no table of these pages needs its scrolling box: every column is in view."""
    page = await visit(sessions, workspace, name, 1280)
    cut = [region for region in await page.evaluate(TABLE_REGIONS) if region["overflow"] > 1]
    assert not cut, f"{name}: tables with columns out of view at 1280 px: {cut}"


@pytest.mark.parametrize(
    "name",
    ["participant-fall", "office", "admin"],
)
async def test_table_captions_can_be_read_on_a_phone(workspace, sessions, name):
    """A wide table may scroll inside its box on a phone, but its caption must not."""
    page = await visit(sessions, workspace, name, 360)
    regions = await page.evaluate(TABLE_REGIONS)
    assert regions, f"{name} has no scrolling table"
    cut = [region for region in regions if region["captionRight"] > region["visibleRight"] + 1]
    assert not cut, f"{name}: captions cut off at 360 px: {cut}"


# --- 3. the keyboard ---------------------------------------------------------------------------


async def test_the_caseload_with_the_keyboard(workspace, sessions):
    page = await visit(sessions, workspace, "caseload", 1280)
    for control in ("filter-programme", "filter-level", "filter-status", "filter-sort"):
        await tab_to(page, lambda focused, control=control: focused["id"] == control, f"#{control}")
    show = await tab_to(page, lambda focused: focused["tag"] == "BUTTON", "the Show button")
    assert show["text"] == "Vis", show

    def is_name_link(focused: dict) -> bool:
        return focused["tag"] == "A" and focused["text"] == "Aud Fallende"

    await tab_to(page, is_name_link, "the name link of a job seeker")
    assert (await page.evaluate(FOCUS_INDICATOR))["visible"]
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(rf"/caseload/{workspace.study_ids['fall']}$"))
    await expect(page.locator("h1")).to_contain_text("Aud Fallende")


async def test_the_panel_downloads_with_the_keyboard(workspace, sessions):
    page = await visit(sessions, workspace, "research", 1280, "en")
    await tab_to(page, lambda focused: focused["id"] == "format-csv", "the CSV choice")
    await page.keyboard.press("ArrowDown")  # radio buttons move with the arrow keys
    assert await page.is_checked("#format-parquet")
    button = await tab_to(page, lambda focused: focused["text"] == "Download the panel", "the download button", 200)
    assert button["tag"] == "BUTTON"
    async with page.expect_download() as download:
        await page.keyboard.press("Enter")
    assert (await download.value).suggested_filename.endswith("-parquet.zip")


# --- 4. the filters without JavaScript ---------------------------------------------------------


async def test_the_filters_work_without_javascript(workspace, sessions):
    page = await sessions("lead", 1280, java_script_enabled=False)
    await page.goto("/caseload")
    rows = page.locator("table.caseload tbody tr")
    everyone = await rows.count()
    assert everyone == 5
    await page.select_option("#filter-level", "standard")
    await page.get_by_role("button", name="Vis", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/caseload/?\?(.*&)?level=standard(&|$)"))
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_class(re.compile(r"\blevel-standard\b"))
    await expect(rows.first.get_by_role("link")).to_have_text("Dag Papir")
    await expect(page.locator("#filter-level")).to_have_value("standard")
    await expect(page.locator("table.caseload caption")).to_contain_text(f"1 av {everyone}")


# --- 5. the charts under the Content-Security-Policy -------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
async def test_the_charts_keep_the_policy_and_show_one_layout(workspace, sessions, width):
    page = await sessions("lead", width, fresh=True)  # a context of its own, for the init script
    await page.add_init_script(WATCH_VIOLATIONS)
    watch = Watch(page)
    problems: list[str] = []
    for name in ("caseload", "participant-fall", "participant-dont-know", "participant-missed", "participant-paper"):
        await page.goto(workspace.pages()[name][1])
        await page.wait_for_load_state("load")
        problems += await watch.problems(f"{name} {width} px")
        if not name.startswith("participant"):
            await expect(page.locator("td.measure svg").first).to_be_visible()  # the sparklines
            continue
        wide, narrow = page.locator(".chart-wide"), page.locator(".chart-narrow")
        await expect(wide).to_have_count(1)
        await expect(narrow).to_have_count(1)
        shown, hidden = (narrow, wide) if width <= 360 else (wide, narrow)
        await expect(shown).to_be_visible()
        await expect(hidden).to_be_hidden()
        await expect(shown.locator("svg[role=img]")).to_be_visible()
    assert watch.policies and all(watch.policies), "a page came without its Content-Security-Policy"
    assert not problems, "\n".join(problems)


# Pairs of words in the visible chart that cover each other (two lines of one label touch a
# little: only an overlap of more than a third of a line counts).
CHART_TEXT_OVERLAPS = """() => {
    const svg = Array.from(document.querySelectorAll('.trajectory svg')).find(s => s.getBoundingClientRect().width > 0);
    const boxes = Array.from(svg.querySelectorAll('text'))
        .map(t => [t.textContent.trim(), t.getBoundingClientRect()]).filter(([, b]) => b.width > 0);
    const clashes = [];
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const [a, p] = boxes[i], [b, q] = boxes[j];
        const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
        const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
        if (w > 1 && h > Math.min(p.height, q.height) / 3) clashes.push(`${a} / ${b}`);
    }
    return {clashes, height: svg.getBoundingClientRect().height};
}"""


@pytest.mark.parametrize(
    "width",
    [
        pytest.param(360, id="phone-360"),
        pytest.param(1280, id="desktop-1280"),
    ],
)
async def test_the_visible_chart_can_be_read(workspace, sessions, width):
    page = await visit(sessions, workspace, "participant-fall", width)
    found = await page.evaluate(CHART_TEXT_OVERLAPS)
    assert not found["clashes"], f"words of the chart cover each other at {width} px: {found}"
    assert found["height"] >= 200, f"the chart is only {found['height']:.0f} px tall at {width} px"


# --- 6. screenshots ------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
async def test_screenshots(workspace, sessions, width):
    """Every page, whole, for a person to look at (``var/`` is not in git)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name in PAGE_NAMES:
        page = await visit(sessions, workspace, name, width)
        path = SHOTS / f"workspace-{name}-{width}.png"
        await page.screenshot(path=path, full_page=True)
        assert path.stat().st_size > 0
