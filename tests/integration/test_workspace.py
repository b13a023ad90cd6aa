"""The specialist's workspace over HTTP: the caseload ranked by the follow-up suggestion with
its candidates, filters and sorting, latest values with their wave, drafts kept out of sight,
the one-page PDF, the job seeker's page, correcting contact details, the audit trail of views,
and the demo data that shows every reason, hint and note of the rule set."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
from zoneinfo import ZoneInfo

from markupsafe import escape
from pypdf import PdfReader

from analysis.followup import load_rule_set
from survey_app.db.tables import Answer, AuditEvent, ParticipantIdentity, Staff, Wave
from survey_app.i18n import gettext
from survey_app.services import audit
from survey_app.services.answering import record_complete_response, save_page, withdraw_participant
from survey_app.services.calendar import utcnow
from survey_app.services.participant_sheet import DISCLAIMER
from survey_app.services.passwords import hash_password_async
from survey_app.services.staff import StaffPrincipal, staff_by_email, start_session
from survey_app.web.auth import SESSION_COOKIE
from tests.helpers import PASSWORD, csrf_from, enrol_person, link_for

OSLO = ZoneInfo("Europe/Oslo")
# Enrolled this many days ago, T1 has closed and T2 (3 calendar months) is open now.
T2_OPEN = 100
ROW = re.compile(
    r'<tr role="row" class="([^"]*)">\s*<td role="cell"[^>]*>(\d+)</td>\s*'
    r'<th scope="row" role="rowheader"><a href="/caseload/([0-9A-Z-]+)">([^<]+)</a>'
)


_PASSWORD_HASH: list[str] = []


async def staff_member(
    email: str, role: str = "specialist", name: str | None = None, office: str | None = None, lead: bool = False
) -> StaffPrincipal:
    """A staff account, made quicker than ``make_staff``: one argon2 hash shared by all of them."""
    if not _PASSWORD_HASH:
        _PASSWORD_HASH.append(await hash_password_async(PASSWORD))
    await Staff.insert(
        Staff(
            email=email,
            display_name=name or email,
            password_hash=_PASSWORD_HASH[0],
            role=role,
            office=office,
            office_lead=lead,
        )
    )
    return await staff_by_email(email)


async def logged_in_as(client, staff: StaffPrincipal) -> None:
    """Drop the client's cookies and give it a session of ``staff`` (as a login would)."""
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, await start_session(staff.id))


def band_label(measure: str, value: float, lang: str = "nb") -> str:
    """The rule set's name of the band ``value`` falls in, as its reason texts say it."""
    return load_rule_set().band_rule(measure).band_of(value).label[lang]


def _today() -> dt.date:
    return utcnow().astimezone(OSLO).date()


def _measures(was=None, coping=(None, None, None), rtwexp=None, **more) -> dict[str, object]:
    """The three measures (None = skipped) and any other items."""
    answers = {"was": was, "rtwexp": rtwexp, **{f"rtwse_{n}": v for n, v in enumerate(coping, start=1)}, **more}
    return {item: value for item, value in answers.items() if value is not None}


async def _answer(participant_id: int, label: str, answers: dict[str, object]) -> None:
    wave = (
        await Wave.select(Wave.id, Wave.opens_at)
        .where((Wave.participant == participant_id) & (Wave.label == label))
        .first()
    )
    at = min(utcnow(), wave["opens_at"] + dt.timedelta(days=1, hours=10))
    stored = await record_complete_response(wave["id"], answers, mode="web", language="nb", actor=audit.SYSTEM, now=at)
    assert stored, label


async def _person(specialist, name: str, *waves: dict[str, object], days_ago: int = T2_OPEN, **options):
    """Enrol ``name`` ``days_ago`` and submit the given waves (T1, T2, ...) in order."""
    email = name.lower().replace(" ", ".").replace("ø", "o").replace("å", "a") + "@example.no"
    enrolled = await enrol_person(
        specialist, name, options.pop("email", email), enrolled_on=_today() - dt.timedelta(days=days_ago), **options
    )
    for label, answers in zip(("T1", "T2", "T3", "T4"), waves, strict=False):
        await _answer(enrolled.participant_id, label, answers)
    return enrolled


def _rows(page: str) -> list[tuple[str, int, str, str]]:
    """(classes, position, study ID, name) of each caseload row, in page order."""
    return [(c, int(p), s, html.unescape(n)) for c, p, s, n in ROW.findall(page)]


def _names(page: str) -> list[str]:
    return [name for _, _, _, name in _rows(page)]


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), " ".join(reader.pages[0].extract_text().split())


def _cell(page: str, study_id: str, label: str) -> str:
    """The caseload cell ``data-label=label`` of the row of ``study_id``."""
    row = page[page.index(f'<a href="/caseload/{study_id}">') :]
    row = row[: row.index("</tr>")]
    start = row.index(f'data-label="{label}"')
    return re.sub(r"<svg.*?</svg>", "", row[start : row.index("</td>", start)], flags=re.S)


async def _views(study_id: str) -> list[dict]:
    return await AuditEvent.select().where(
        (AuditEvent.action == "participant.view") & (AuditEvent.subject_id == study_id)
    )


# --- the caseload, ranked ----------------------------------------------------------------------


async def _ranked_caseload(client):
    """Six job seekers with known scores; returns them by short name."""
    specialist = await staff_member("spes@example.no", name="Siri Spesialist")
    people = {
        # 3 + 2 + 2 (never) = 7: intensive.
        "vera": await _person(specialist, "Vera Vekt", _measures(3, (3, 3, 3), 8)),
        # 1 (moderate) + 1 (coping 6) + 1 (within 2 years) + 1 (the gap) = 4: increased.
        "tor": await _person(specialist, "Tor Tett", _measures(6, (6, 6, 6), 4)),
        # 1 (moderate) + 2 (down 2 since T1) = 3: increased, answered recently.
        "dina": await _person(specialist, "Dina Fall", _measures(9, (9, 9, 9), 1), _measures(7, (9, 9, 9), 1)),
        # 3 (poor) = 3: increased, no fall, last heard from 100 days ago.
        "erik": await _person(specialist, "Erik Jevn", _measures(5, (9, 9, 9), 1)),
        # 0: standard.
        "bjorn": await _person(specialist, "Bjørn Bra", _measures(9, (9, 9, 9), 1), programme="kvp"),
        # 7 but withdrawn: last, never a candidate.
        "anna": await _person(specialist, "Anna Ute", _measures(2, (2, 2, 2), 8)),
    }
    await withdraw_participant(people["anna"].participant_id, audit.SYSTEM)
    await logged_in_as(client, specialist)
    return people


RANK_ORDER = ["Vera Vekt", "Tor Tett", "Dina Fall", "Erik Jevn", "Bjørn Bra", "Anna Ute"]


async def test_the_caseload_is_ranked_by_the_suggestion_and_marks_the_top_three(client):
    people = await _ranked_caseload(client)
    page = await client.get("/caseload")
    assert page.status_code == 200
    rows = _rows(page.text)
    assert [name for *_, name in rows] == RANK_ORDER
    assert [position for _, position, _, _ in rows] == [1, 2, 3, 4, 5, 6]
    # Exactly the top three (increased or more) are candidates; Erik is increased but fourth.
    candidates = [name for classes, _, _, name in rows if "candidate" in classes.split()]
    assert candidates == ["Vera Vekt", "Tor Tett", "Dina Fall"]
    levels = [re.search(r"level-(\w+)", classes).group(1) for classes, *_ in rows]
    assert levels == ["intensive", "increased", "increased", "increased", "standard", "intensive"]
    assert "withdrawn" in rows[-1][0].split()
    assert page.text.count("flag-candidate") == 3
    # Dina and Erik both have 3 points: the larger fall goes first, though Erik was heard from longer ago.
    dina = _cell(page.text, people["dina"].study_id, "Forslag")
    assert "3 poeng" in dina and f"Arbeidsevne 7 ({band_label('work_capacity', 7)}) ved T2, ned fra 9 ved T1" in dina
    # The API gives the same order, positions and candidates.
    api = (await client.get("/api/v1/caseload")).json()
    assert [(e["name"], e["position"], e["candidate"]) for e in api] == [
        ("Vera Vekt", 1, True),
        ("Tor Tett", 2, True),
        ("Dina Fall", 3, True),
        ("Erik Jevn", 4, False),
        ("Bjørn Bra", 5, False),
        ("Anna Ute", 6, False),
    ]
    assert [(e["suggestion"]["level"], e["suggestion"]["score"]) for e in api] == [
        ("intensive", 7),
        ("increased", 4),
        ("increased", 3),
        ("increased", 3),
        ("standard", 0),
        ("intensive", 7),
    ]
    assert api[1]["suggestion"]["rule_set"] == "followup-v1"
    assert [r["code"] for r in api[1]["suggestion"]["reasons"]] == [
        "work_capacity_moderate",
        "coping_beliefs_moderate",
        "expected_wait_some",
        "gap_able_long_wait",
    ]


async def test_the_api_record_has_the_place_in_the_ranking(client):
    people = await _ranked_caseload(client)
    listed = {e["study_id"]: (e["position"], e["candidate"]) for e in (await client.get("/api/v1/caseload")).json()}
    assert listed[people["vera"].study_id] == (1, True)
    for key in ("vera", "dina", "erik", "anna"):
        record = (await client.get(f"/api/v1/caseload/{people[key].study_id}")).json()
        assert (record["entry"]["position"], record["entry"]["candidate"]) == listed[people[key].study_id], key


async def test_filters_and_sorting_and_junk_in_the_query(client):
    await _ranked_caseload(client)
    intensive = await client.get("/caseload?level=intensive")
    assert _names(intensive.text) == ["Vera Vekt", "Anna Ute"]
    assert "2 av 6 jobbsøkere." in intensive.text
    assert _names((await client.get("/caseload?level=increased")).text) == ["Tor Tett", "Dina Fall", "Erik Jevn"]
    assert _names((await client.get("/caseload?programme=kvp")).text) == ["Bjørn Bra"]
    assert _names((await client.get("/caseload?status=withdrawn")).text) == ["Anna Ute"]
    assert _names((await client.get("/caseload?status=active&level=intensive")).text) == ["Vera Vekt"]
    by_name = await client.get("/caseload?sort=name")
    assert _names(by_name.text) == ["Anna Ute", "Bjørn Bra", "Dina Fall", "Erik Jevn", "Tor Tett", "Vera Vekt"]
    # Sorted by name, each row keeps its place in the ranking.
    assert [position for _, position, _, _ in _rows(by_name.text)] == [6, 5, 3, 4, 2, 1]
    lowest = await client.get("/caseload?sort=work_capacity")
    assert _names(lowest.text) == ["Anna Ute", "Vera Vekt", "Erik Jevn", "Tor Tett", "Dina Fall", "Bjørn Bra"]
    nothing = await client.get("/caseload?programme=external")
    assert nothing.status_code == 200 and _names(nothing.text) == []
    assert "Ingen jobbsøkere passer med valgene." in nothing.text
    for junk in (
        "?level=xyz&sort=%3Cscript%3Ealert(1)%3C/script%3E",
        "?programme=%00&status=gone&sort=",
        "?level=INTENSIVE&programme=KVP",
        "?sort=rank&level=" + "x" * 300,
        "?lang=xx&sort=-name",
    ):
        page = await client.get(f"/caseload{junk}")
        assert page.status_code == 200, junk
        assert "<script>alert" not in page.text
        assert _names(page.text) == RANK_ORDER, junk


async def test_the_latest_value_shows_its_wave_and_arrows_only_for_clear_changes(client):
    specialist = await staff_member("spes@example.no", name="Siri Spesialist")
    # Skipped work capacity at T2; coping beliefs down 2; expected wait one code longer.
    liv = await _person(specialist, "Liv Hopp", _measures(6, (8, 8, 8), 2), _measures(None, (6, 6, 6), 3))
    # Work capacity down 1, coping beliefs up 1: no clear change anywhere.
    mads = await _person(specialist, "Mads Liten", _measures(5, (6, 6, 6), 4), _measures(4, (7, 7, 7), 4))
    # Work capacity up 2.
    per = await _person(specialist, "Per Opp", _measures(4, (6, 6, 6), 4), _measures(6, (6, 6, 6), 4))
    await logged_in_as(client, specialist)
    page = (await client.get("/caseload?lang=nb")).text

    capacity = _cell(page, liv.study_id, "Arbeidsevne")
    assert "<strong>6</strong>" in capacity
    assert '<span class="meta">T1 · ikke svart senere</span>' in capacity
    assert "Ikke besvart" not in capacity and "–" not in capacity
    assert "↓" not in capacity and "↑" not in capacity
    coping = _cell(page, liv.study_id, "Mestringstro")
    assert "<strong>6,0</strong>" in coping and '<span class="meta">T2</span>' in coping
    assert '<span class="change">↓ ned 2,0 siden T1</span>' in coping
    expectation = _cell(page, liv.study_id, "Forventet tid til arbeid")
    assert '<span class="meta">T2</span>' in expectation
    assert 'class="change"' not in expectation
    # The suggestion says where the value comes from.
    assert "Arbeidsevne fra T1 (T2 hoppet over spørsmålet)." in _cell(page, liv.study_id, "Forslag")

    for label in ("Arbeidsevne", "Mestringstro", "Forventet tid til arbeid"):
        cell = _cell(page, mads.study_id, label)
        assert 'class="change"' not in cell and "↓" not in cell and "↑" not in cell, label
    assert "<strong>4</strong>" in _cell(page, mads.study_id, "Arbeidsevne")
    assert '<span class="change">↑ opp 2 siden T1</span>' in _cell(page, per.study_id, "Arbeidsevne")

    english = (await client.get("/caseload?lang=en")).text
    assert "T1 · not answered later" in _cell(english, liv.study_id, "Work capacity")
    assert '<span class="change">↓ down 2.0 since T1</span>' in _cell(english, liv.study_id, "Coping beliefs")


# --- what a job seeker has not sent ----------------------------------------------------------


async def test_a_started_wave_shows_as_started_and_nothing_of_the_draft(client):
    specialist = await staff_member("spes@example.no", name="Siri Spesialist")
    dora = await _person(specialist, "Dora Utkast", _measures(8, (8, 8, 8), 2, general_health=2))
    token = await link_for(dora.participant_id, "T2")
    draft = {"was": ["3"], "rtwse_1": ["2"], "rtwse_2": ["2"], "rtwse_3": ["2"], "rtwexp": ["8"]}
    await save_page(token, "measures", draft, "nb")
    t2_id = (await Wave.select(Wave.id).where((Wave.participant == dora.participant_id) & (Wave.label == "T2")))[0]
    stored = {row["item_id"] for row in await Answer.select(Answer.item_id).where(Answer.wave == t2_id["id"])}
    assert {"was", "rtwse_1", "rtwexp"} <= stored  # the draft is there, for the job seeker only
    await logged_in_as(client, specialist)

    page = (await client.get(f"/caseload/{dora.study_id}?lang=nb")).text
    waves = page[page.index('id="waves-caption"') :]
    t2 = waves[waves.index('<th scope="row">T2') : waves.index("</tr>", waves.index('<th scope="row">T2'))]
    assert '<span class="state state-in_progress">Påbegynt</span>' in t2
    assert re.findall(r"<td>([^<]*)</td>", t2)[2:] == ["", "", ""]
    answers = page[
        page.index('class="answers-by-wave"') : page.index("</table>", page.index('class="answers-by-wave"'))
    ]
    assert '<th scope="col">T2 <span class="meta">Påbegynt</span></th>' in answers
    for row in re.findall(r"<tr><th scope=\"row\">.*?</tr>", answers, flags=re.S):
        cells = re.findall(r"<td>(.*?)</td>", row, flags=re.S)
        assert cells[1:] == ["", "", ""], row
    assert "3 (dårlig)" not in page and "2,0" not in page
    assert "Standard oppfølging" in page and "0 poeng" in page

    pdf = await client.get(f"/caseload/{dora.study_id}/sheet.pdf")
    _, text = _pdf_text(pdf.content)
    assert "8 (god)" in text and "Påbegynt" in text
    assert "3 (dårlig)" not in text and "2,0" not in text

    record = (await client.get(f"/api/v1/caseload/{dora.study_id}")).json()
    assert record["answers"]["T2"] == {}
    assert record["answers"]["T1"]["was"] == 8
    t2_wave = next(w for w in record["entry"]["waves"] if w["label"] == "T2")
    assert t2_wave["state"] == "in_progress"
    assert (t2_wave["work_capacity"], t2_wave["coping_beliefs"], t2_wave["rtw_expectation"]) == (None, None, None)
    suggestion = record["entry"]["suggestion"]
    assert (suggestion["level"], suggestion["score"], suggestion["latest_wave"]) == ("standard", 0, "T1")

    caseload = (await client.get("/caseload")).text
    assert "<strong>8</strong>" in _cell(caseload, dora.study_id, "Arbeidsevne")
    assert "level-standard" in _rows(caseload)[0][0]
    [entry] = (await client.get("/api/v1/caseload")).json()
    assert entry["suggestion"]["score"] == 0 and entry["candidate"] is False


# --- the PDF and the page ----------------------------------------------------------------------


async def _falling(client):
    """A job seeker whose suggestion has six reasons and two hints."""
    specialist = await staff_member("spes@example.no", name="Siri Spesialist")
    gunn = await _person(
        specialist, "Gunn Aldri", _measures(7, (7, 7, 7), 6), _measures(3, (3, 4, 3), 8), email="gunn.a@example.no"
    )
    await logged_in_as(client, specialist)
    api = (await client.get(f"/api/v1/caseload/{gunn.study_id}")).json()
    return gunn, api["entry"]["suggestion"]


async def test_the_pdf_is_one_page_for_a_meeting_without_contact_details(client):
    gunn, suggestion = await _falling(client)
    assert [r["code"] for r in suggestion["reasons"]] == [
        "work_capacity_poor",
        "coping_beliefs_low",
        "expected_wait_never",
        "capacity_fall_previous",
        "coping_fall_previous",
        "expected_wait_longer",
    ]
    assert [h["code"] for h in suggestion["hints"]] == ["talk_expectations", "build_coping"]
    response = await client.get(f"/caseload/{gunn.study_id}/sheet.pdf?lang=nb")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="mestring-{gunn.study_id}.pdf"'
    assert "Gunn" not in response.headers["content-disposition"]
    assert "no-store" in response.headers["cache-control"]
    assert response.content.startswith(b"%PDF-")
    pages, text = _pdf_text(response.content)
    assert pages == 1
    assert "Gunn Aldri" in text and gunn.study_id in text and "Siri Spesialist" in text
    for reason in suggestion["reasons"]:
        assert reason["text"]["nb"] in text, reason["code"]
    assert " ".join(gettext("nb", DISCLAIMER).split()) in text
    assert "Forslag: intensiv oppfølging (11 poeng)" in text
    assert "@" not in text and "gunn.a@example.no" not in text

    english = await client.get(f"/caseload/{gunn.study_id}/sheet.pdf?lang=en")
    pages, text = _pdf_text(english.content)
    assert pages == 1
    for reason in suggestion["reasons"]:
        assert reason["text"]["en"] in text, reason["code"]
    assert " ".join(DISCLAIMER.split()) in text
    assert "@" not in text


async def test_the_bokmal_pdf_has_no_english_words(client):
    gunn, _ = await _falling(client)
    content = (await client.get(f"/caseload/{gunn.study_id}/sheet.pdf?lang=nb")).content
    _, text = _pdf_text(content)
    assert "Follow-up" not in text and "rule set" not in text
    assert f"Oppfølging – {gunn.study_id}" in text and "Gunn Aldri" in text and "regelsett followup-v1" in text
    # The file's metadata, which desktop search and mail previews show, names no one.
    metadata = PdfReader(io.BytesIO(content)).metadata
    assert metadata.title == f"Oppfølging – {gunn.study_id}"
    assert not any("Gunn" in str(value) for value in metadata.values())


async def test_markup_in_names_is_text_on_the_page_and_in_the_pdf(client):
    specialist = await staff_member("spes@example.no", name="Siri <i>Spes</i> & Co")
    odd = await _person(
        specialist, 'Åse <b>Ørnes</b> & "Ola" ' + "Langnavn " * 20, _measures(3, (3, 4, 3), 8), email="odd@example.no"
    )
    await logged_in_as(client, specialist)
    for lang in ("nb", "nn", "en"):
        response = await client.get(f"/caseload/{odd.study_id}/sheet.pdf?lang={lang}")
        assert response.status_code == 200, lang
        pages, text = _pdf_text(response.content)
        assert pages == 1, lang
        assert 'Åse <b>Ørnes</b> & "Ola" Langnavn' in text and "Siri <i>Spes</i> & Co" in text, lang
    for path in ("/caseload", f"/caseload/{odd.study_id}"):
        page = (await client.get(path)).text
        assert "<b>Ørnes" not in page and "&lt;b&gt;Ørnes&lt;/b&gt; &amp; &#34;Ola&#34;" in page, path


async def test_the_page_shows_answers_side_by_side_a_chart_and_the_reasons_in_words(client):
    gunn, suggestion = await _falling(client)
    page = await client.get(f"/caseload/{gunn.study_id}?lang=nb")
    assert page.status_code == 200
    text = page.text
    answers = text[text.index('class="answers-by-wave"') :]
    headers = re.findall(r'<th scope="col">(T\d)', answers[: answers.index("</thead>")])
    assert headers == ["T1", "T2", "T3", "T4"]
    work_capacity = re.search(r"Hvordan vurderer du din arbeidsevne\?</th>\s*(.*?)</tr>", answers, flags=re.S)
    assert re.findall(r"<td>(.*?)</td>", work_capacity.group(1)) == ["7", "3", "", ""]
    charts = re.findall(r"<svg\b[^>]*>", text)
    assert charts and any('role="img"' in tag and "aria-labelledby" in tag for tag in charts)
    assert "style=" not in text
    for reason in suggestion["reasons"]:
        assert str(escape(reason["text"]["nb"])) in text, reason["code"]
    for hint in suggestion["hints"]:
        assert str(escape(hint["text"]["nb"])) in text, hint["code"]
    assert str(escape(gettext("nb", DISCLAIMER))) in text
    assert "Intensiv oppfølging" in text and "11 poeng" in text
    # Its own job seeker: the specialist may correct and withdraw.
    assert f'href="/caseload/{gunn.study_id}/contact"' in text and f'href="/caseload/{gunn.study_id}/withdraw"' in text


# --- contact details -------------------------------------------------------------------------


async def _post(client, path: str, data: dict) -> object:
    page = await client.get("/caseload")
    return await client.post(path, data={**data, "_csrf_token": csrf_from(page.text)}, follow_redirects=False)


async def _identity(participant_id: int) -> dict:
    return (
        await ParticipantIdentity.select(ParticipantIdentity.name, ParticipantIdentity.email, ParticipantIdentity.phone)
        .where(ParticipantIdentity.participant == participant_id)
        .first()
    )


async def _changes() -> int:
    return await AuditEvent.count().where(AuditEvent.action != "participant.view")


async def test_correcting_contact_details_is_audited_without_the_values(client):
    specialist = await staff_member("spes@example.no", name="Siri Spesialist")
    other = await staff_member("annen@example.no", name="Anne Annen")
    kari = await enrol_person(specialist, "Kari Gammel", "kari.gammel@example.no")
    await enrol_person(specialist, "Ola Opptatt", "ola@example.no")
    await enrol_person(other, "Frank Fremmed", "frank@example.no")
    await logged_in_as(client, specialist)
    path = f"/caseload/{kari.study_id}/contact"

    form = await client.get(path)
    assert form.status_code == 200
    assert 'value="Kari Gammel"' in form.text and 'value="kari.gammel@example.no"' in form.text
    assert '<option value="nb" selected>' in form.text

    # Bad e-mail: back to the form with the error and what was typed; nothing changes.
    # Looking at the form is audited as a view; the changes are what counts here.
    before = (await _identity(kari.participant_id), await _changes())
    bad = await _post(client, path, {"name": "Kari Ny", "email": "not-an-address", "language": "nb"})
    assert bad.status_code in (302, 303) and bad.headers["location"] == path
    again = await client.get(path)
    assert "Skriv inn en gyldig e-postadresse, for eksempel navn@example.no." in again.text
    assert 'value="not-an-address"' in again.text and 'value="Kari Ny"' in again.text
    assert (await _identity(kari.participant_id), await _changes()) == before

    # Another active job seeker of the same specialist has the address: refused.
    taken = await _post(client, path, {"name": "Kari Gammel", "email": "OLA@example.no", "language": "nb"})
    assert taken.status_code in (302, 303) and taken.headers["location"] == path
    refused = await client.get(path)
    assert "En jobbsøker du allerede følger opp, har denne e-postadressen." in refused.text
    assert "Ola" not in refused.text
    assert (await _identity(kari.participant_id), await _changes()) == before

    # Another specialist's job seeker has it: accepted, and nothing is said about them.
    done = await _post(client, path, {"name": "Kari Ny", "email": "frank@example.no", "phone": "", "language": "nb"})
    assert done.status_code == 303 and done.headers["location"] == f"/caseload/{kari.study_id}"
    assert await _identity(kari.participant_id) == {"name": "Kari Ny", "email": "frank@example.no", "phone": None}
    page = await client.get(f"/caseload/{kari.study_id}")
    assert "Kari Ny" in page.text and "frank@example.no" in page.text and "Frank Fremmed" not in page.text
    [event] = await AuditEvent.select().where(AuditEvent.action == "participant.contact_update")
    assert event["subject_id"] == kari.study_id
    assert json.loads(event["details_json"]) == {"fields": ["name", "email"]}
    for value in ("Kari", "Gammel", "kari.gammel", "frank", "@"):
        assert value not in event["details_json"], value

    # The same values again change nothing and write nothing.
    count = await AuditEvent.count()
    same = await _post(client, path, {"name": "Kari Ny", "email": "frank@example.no", "phone": "", "language": "nb"})
    assert same.status_code == 303
    assert await AuditEvent.count() == count

    # Without the form's CSRF token: refused.
    forged = await client.post(path, data={"name": "Mallory", "email": "m@example.no", "language": "nb"})
    assert forged.status_code == 403
    assert (await _identity(kari.participant_id))["name"] == "Kari Ny"


# --- views are audited -------------------------------------------------------------------------


async def test_each_view_of_a_named_record_writes_one_audit_event(client):
    specialist = await staff_member("spes@example.no", name="Siri Spesialist")
    kari = await _person(specialist, "Kari Sett", _measures(5, (5, 5, 5), 5))
    await logged_in_as(client, specialist)
    assert await _views(kari.study_id) == []
    for path, kind in (
        (f"/caseload/{kari.study_id}", "page"),
        (f"/caseload/{kari.study_id}/sheet.pdf", "pdf"),
        (f"/api/v1/caseload/{kari.study_id}", "api"),
    ):
        before = len(await _views(kari.study_id))
        assert (await client.get(path)).status_code == 200, path
        events = await _views(kari.study_id)
        assert len(events) == before + 1, path
        event = max(events, key=lambda e: e["id"])
        assert event["actor_staff"] == specialist.id
        assert event["subject_type"] == "participant"
        assert json.loads(event["details_json"]) == {"as": kind}
    # The caseload list is not a view of one record.
    assert (await client.get("/caseload")).status_code == 200
    assert len(await _views(kari.study_id)) == 3
    # A refused look (someone else's, or unknown) writes nothing.
    other = await staff_member("annen@example.no")
    foreign = await enrol_person(other, "Frank Fremmed", "frank@example.no")
    assert (await client.get(f"/caseload/{foreign.study_id}")).status_code == 404
    assert await _views(foreign.study_id) == []


# --- the demo shows everything -----------------------------------------------------------------


async def test_the_demo_data_shows_every_reason_hint_note_and_level(db):
    from survey_app.services.demo import seed_demo
    from survey_app.services.suggestions import all_suggestions

    await seed_demo()
    entries = await all_suggestions()
    rules = load_rule_set()
    reasons = {reason["code"] for entry in entries for reason in entry["reasons"]}
    hints = {hint["code"] for entry in entries for hint in entry["hints"]}
    notes = {note["code"] for entry in entries for note in entry["basis"]}
    levels = {entry["level"] for entry in entries}
    assert set(rules.reason_codes) - reasons == set()
    assert set(rules.hint_codes) - hints == set()
    assert set(rules.note_codes) - notes == set()
    assert levels == {"standard", "increased", "intensive"}
    assert {entry["rule_set"] for entry in entries} == {"followup-v1"}
