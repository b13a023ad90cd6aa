"""The paper pages over HTTP: who may print and type in, CSRF on every form, the due forms as a
PDF recorded once, finding a form by its code, and a form typed in twice, decided by a third
person and shown on the specialist's page as answered on paper."""

from __future__ import annotations

import html
import re
from contextlib import asynccontextmanager

import httpx
import pytest

from survey_app.db.tables import PaperPrint, Wave
from tests.helpers import csrf_from, enrol_person, login, make_staff, pdf_text
from tests.integration.test_paper_entry import fields_for


@asynccontextmanager
async def logged_in(db, email: str):
    """A browser of its own (cookie jar) logged in as ``email``."""
    from survey_app.web.app import create_app

    transport = httpx.ASGITransport(app=create_app(db.settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as browser:
        assert (await login(browser, email)).status_code == 303
        yield browser


async def _post(browser, page_path: str, action: str, data: dict | list | None = None):
    token = csrf_from((await browser.get(page_path)).text)
    items = list(data.items()) if isinstance(data, dict) else list(data or [])
    form: dict[str, list[str]] = {"_csrf_token": [token]}
    for name, value in items:
        form.setdefault(name, []).append(value)
    return await browser.post(action, data=form, follow_redirects=False)


def _form_data(fields: dict[str, list[str]], marks_in_group: bool = True) -> list[tuple[str, str]]:
    """The entry form's fields as the browser posts them: a mark of a radio-button question
    is one more choice of its own group."""
    data = []
    for name, values in fields.items():
        if name.startswith("mark-") and marks_in_group and not any(v for v in fields.get(name[5:], [])):
            data += [(name[5:], f"mark:{value}") for value in values]
        else:
            data += [(name, value) for value in values]
    return data


@pytest.fixture
async def people(db):
    kari = await make_staff("kari@example.no", name="Kari Spes")
    await make_staff("ola@example.no", name="Ola Spes")
    await make_staff("ada@example.no", "admin", name="Ada Admin")
    await make_staff("rita@example.no", "researcher")
    first = await enrol_person(kari, "Pål Papirsen", None, contact_mode="paper")
    second = await enrol_person(kari, "Siri Skjema", None, contact_mode="paper", language="en")
    return kari, first, second


async def test_who_may_print_and_type_in(db, people):
    _, person, _ = people
    async with logged_in(db, "rita@example.no") as researcher:
        assert (await researcher.get("/paper")).status_code == 403
        assert (await researcher.get(f"/paper/entry/{person.study_id}/T1")).status_code == 403
    async with logged_in(db, "ada@example.no") as admin:
        page = await admin.get("/paper")
        assert page.status_code == 200 and "Pål" not in page.text and person.study_id not in page.text
        refused = await _post(admin, "/paper", "/paper/print/forms")
        assert refused.status_code == 403 and await PaperPrint.count() == 0
        entry = await admin.get(f"/paper/entry/{person.study_id}/T1")
        assert entry.status_code == 200 and "Pål" not in entry.text and "Papirsen" not in entry.text
    async with logged_in(db, "ola@example.no") as other:
        # Another specialist does not print someone else's job seekers, even by study ID.
        other_page = await other.get("/paper")
        assert person.study_id not in other_page.text.split('id="entry"')[0]
        assert (await _post(other, "/paper", f"/paper/print/{person.study_id}/T1")).status_code == 404
        assert await PaperPrint.count() == 0


async def test_printing_the_due_forms_gives_one_pdf_recorded_once(db, people):
    _, first, second = people
    async with logged_in(db, "kari@example.no") as kari:
        page = await kari.get("/paper")
        assert first.study_id in page.text and second.study_id in page.text
        without_csrf = await kari.post("/paper/print/forms")
        assert without_csrf.status_code == 403 and await PaperPrint.count() == 0
        printed = await _post(kari, "/paper", "/paper/print/forms")
        assert printed.status_code == 200 and printed.headers["content-type"] == "application/pdf"
        assert "attachment" in printed.headers["content-disposition"]
        text = pdf_text(printed.content)
        assert "Pål Papirsen" in text and "Siri Skjema" in text and "Testveien 1" in text
        assert await PaperPrint.count() == 2
        again = await _post(kari, "/paper", "/paper/print/forms")
        assert again.status_code == 303
        notice = await kari.get(again.headers["location"])
        assert "Nothing to print" in notice.text or "Ingenting å skrive ut" in notice.text
        reprint = await _post(kari, "/paper", f"/paper/print/{first.study_id}/T1")
        assert reprint.status_code == 200 and "Pål Papirsen" in pdf_text(reprint.content)
        assert [row["reprint"] for row in await PaperPrint.select().order_by(PaperPrint.id)][-1] is True


async def test_finding_a_form_by_its_code(db, people):
    _, person, _ = people
    async with logged_in(db, "ada@example.no") as admin:
        found = await admin.get("/paper/find", params={"code": f"{person.study_id.lower()} t1"})
        assert found.status_code == 303 and found.headers["location"] == f"/paper/entry/{person.study_id}/T1"
        missing = await admin.get("/paper/find", params={"code": "ZZZZ-ZZZZ T1\x00"}, follow_redirects=True)
        assert missing.status_code == 200 and 'aria-invalid="true"' in missing.text


async def test_a_form_typed_in_twice_and_decided_shows_as_answered_on_paper(db, people):
    _, person, _ = people
    path = f"/paper/entry/{person.study_id}/T1"
    first = fields_for("T1", was=["8"], rtwexp=["2"], general_health="mark:unreadable")
    second = fields_for("T1", was=["3"], rtwexp=["2"], general_health="mark:unreadable")
    async with logged_in(db, "kari@example.no") as kari:
        empty = await _post(kari, path, path, [])
        shown = await kari.get(empty.headers["location"])
        assert shown.text.count('class="field-error"') >= 10 and "error-summary" in shown.text
        saved = await _post(kari, path, path, _form_data(first))
        after = await kari.get(saved.headers["location"])
        assert "another person" in after.text.lower() or "en annen" in after.text.lower()
        refused = await _post(kari, path, path, _form_data(first))
        assert "refused" in (await kari.get(refused.headers["location"])).text
    async with logged_in(db, "ola@example.no") as ola:
        page = await ola.get(path)
        # Nothing of the first entry shows.
        assert 'value="8"' in page.text and 'value="8" checked' not in page.text
        assert 'value="mark:unreadable" checked' not in page.text
        await _post(ola, path, path, _form_data(second))
    async with logged_in(db, "ada@example.no") as ada:
        page = await ada.get(path)
        differing = set(re.findall(r'<fieldset class="question[^"]*" id="([a-z_0-9]+)"', page.text))
        assert differing == {"was"}
        decided = await _post(ada, path, f"{path}/resolve", [("was", "8")])
        done = html.unescape((await ada.get(decided.headers["location"])).text)
        assert 'class="notice" role="status"' in done and "field-error" not in done
    wave = await Wave.select().where(Wave.participant == person.participant_id).order_by(Wave.opens_at).first()
    assert (wave["status"], wave["mode"], wave["work_capacity"]) == ("answered", "paper", 8)
    async with logged_in(db, "kari@example.no") as kari:
        detail = await kari.get(f"/caseload/{person.study_id}")
        assert "on paper" in detail.text or "på papir" in detail.text
