"""The researcher's page and API: the panel's download, register import and the study's
analyses, each for researchers and administrators only and none naming anyone."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from survey_app.db.tables import AuditEvent, RegisterOutcome, Wave
from survey_app.services import audit
from survey_app.services.answering import record_complete_response, save_page
from survey_app.services.calendar import utcnow
from tests.helpers import csrf_from, enrol_person, link_for, login, make_staff, pdf_text

SECRET_NAMES = ("Åshild Hemmeligsen", "Kjærstin Skjultvik")
SECRET_WORDS = ("Hemmeligsen", "Skjultvik", "example.org")


async def _panel(size: int = 16) -> list:
    """``size`` job seekers, half in each of two programmes, with T1 answered and register data;
    one more has a T1 draft only. Returns the enrolments in order."""
    specialist = await make_staff("spes@example.no")
    now = utcnow()
    enrolled_on = (now - dt.timedelta(days=120)).date()
    people = []
    for index in range(size):
        name = SECRET_NAMES[index % 2] + f" {index}"
        email = f"person{index}@example.org"
        programme = "utvidet_oppfolging" if index % 2 == 0 else "kvp"
        people.append(
            await enrol_person(specialist, name, email, programme=programme, enrolled_on=enrolled_on, now=now)
        )
    waves = {
        row["participant"]: row["id"] for row in await Wave.select(Wave.id, Wave.participant).where(Wave.label == "T1")
    }
    for index, person in enumerate(people):
        was = 2 + (index * 7) % 9
        await record_complete_response(
            waves[person.participant_id],
            {
                "was": was,
                "rtwse_1": min(10, was + 1),
                "rtwse_2": max(1, was - (index % 3)),
                "rtwse_3": min(10, max(1, was + (index % 4) - 1)),
                "rtwexp": 9 if index == 5 else 8 - was // 2,
                "gender": 1 + index % 2,
                "birth_year": 1970 + (index * 5) % 30,
            },
            mode="web",
            language="nb",
            actor=audit.SYSTEM,
            now=now - dt.timedelta(days=118),
        )
        await RegisterOutcome.insert(
            RegisterOutcome(
                participant=person.participant_id, hours_before=float(index % 5), hours_after=float(3 * was + index % 4)
            )
        )
    drafting = await enrol_person(
        specialist, "Utkast Uferdigsen", "utkast@example.org", enrolled_on=now.date(), now=now
    )
    await save_page(await link_for(drafting.participant_id), "measures", {"was": ["1"]}, "nb")
    return people


async def _as(client, role: str) -> None:
    await make_staff(f"{role}@example.no", role)
    assert (await login(client, f"{role}@example.no")).status_code == 303


def _names_no_one(content: bytes, what: str) -> None:
    for word in (*SECRET_WORDS, "Utkast", "Uferdigsen"):
        for encoding in ("utf-8", "latin-1", "utf-16-le"):
            assert word.encode(encoding) not in content, (what, word, encoding)


def _exports_left() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("mestring-export-*"))


async def test_the_page_offers_the_panel_the_register_import_and_the_analyses(client):
    await _panel(4)
    await _as(client, "researcher")
    page = await client.get("/research?lang=en")
    assert page.status_code == 200
    assert 'action="/research/export"' in page.text and 'enctype="multipart/form-data"' in page.text
    assert 'action="/research/report.pdf"' in page.text and 'formaction="/research/report.json"' in page.text
    # The response chart is drawn inline (the page's policy allows no image from elsewhere).
    assert "<svg" in page.text and "<img" not in page.text
    for name in SECRET_NAMES:
        assert name.split()[1] not in page.text


@pytest.mark.parametrize("shape", ["long", "wide"])
@pytest.mark.parametrize("file_format", ["csv", "parquet", "dta", "sav"])
async def test_the_panel_download_holds_data_and_codebook_and_names_no_one(client, shape, file_format):
    people = await _panel(4)
    await _as(client, "researcher")
    before = _exports_left()
    response = await client.get(f"/research/export?shape={shape}&format={file_format}&labels=en")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    data = next(name for name in names if name.endswith(f".{file_format}"))
    stem = data.removesuffix(f".{file_format}")
    assert sorted(names) == sorted([data, f"{stem}-codebook.csv", f"{stem}-codebook.pdf"])
    for name in names:
        _names_no_one(archive.read(name), name)
    readers = {"csv": pd.read_csv, "parquet": pd.read_parquet, "dta": pd.read_stata, "sav": pd.read_spss}
    with tempfile.TemporaryDirectory() as folder:
        archive.extractall(folder)
        frame = readers[file_format](Path(folder) / data)
    # Five people (one with a draft only) x four waves, or one row each.
    assert len(frame) == (20 if shape == "long" else 5)
    assert set(frame["study_id"]) > {person.study_id for person in people} and frame["study_id"].nunique() == 5
    assert 1 not in set(pd.to_numeric(frame.get("was", frame.get("was_t1")), errors="coerce").dropna())
    # The temporary files are gone once the download is sent.
    assert _exports_left() == before
    event = await AuditEvent.select().where(AuditEvent.action == "panel.export").first()
    assert event is not None and f'"rows": {len(frame)}' in event["details_json"]


async def test_the_api_gives_the_same_panel_download(client):
    await _panel(4)
    await _as(client, "admin")
    response = await client.get("/api/v1/research/export?shape=wide&format=csv&labels=nb")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert any("-wide-" in name and name.endswith(".csv") for name in archive.namelist())
    assert (await client.get("/api/v1/research/export?format=xlsx")).status_code == 400


async def test_a_register_file_with_problems_imports_nothing_and_names_each_line(client):
    people = await _panel(4)
    await _as(client, "researcher")
    page = await client.get("/research?lang=en")
    token = csrf_from(page.text)
    text = "\n".join(
        [
            "study_id,hours_before,hours_after",
            f"{people[0].study_id},1,99",
            "ZZZZ-ZZZZ,1,2",
            f"{people[1].study_id},-1,5",
        ]
    )
    before = await RegisterOutcome.select().order_by(RegisterOutcome.id)
    response = await client.post(
        "/research/register",
        data={"_csrf_token": token},
        files={"file": ("register.csv", text.encode(), "text/csv")},
        follow_redirects=True,
    )
    assert response.status_code == 200  # followed the redirect back to the page
    for line in (2, 3, 4):
        assert f"Line {line}" in response.text
    assert await RegisterOutcome.select().order_by(RegisterOutcome.id) == before

    good = f"study_id,hours_before,hours_after\n{people[0].study_id},2.5,30\n"
    done = await client.post(
        "/research/register",
        data={"_csrf_token": token},
        files={"file": ("register.csv", good.encode(), "text/csv")},
        follow_redirects=True,
    )
    assert "Register data imported for 1 participant; 1 earlier values replaced." in done.text
    row = await RegisterOutcome.select().where(RegisterOutcome.participant == people[0].participant_id).first()
    assert (row["hours_before"], row["hours_after"]) == (2.5, 30.0)


async def test_a_register_upload_without_a_file_or_without_the_csrf_token_changes_nothing(client):
    people = await _panel(2)
    await _as(client, "researcher")
    token = csrf_from((await client.get("/research?lang=en")).text)
    body = f"study_id,hours_before,hours_after\n{people[0].study_id},1,2\n".encode()
    refused = await client.post("/research/register", files={"file": ("r.csv", body, "text/csv")})
    assert refused.status_code == 403
    empty = await client.post("/research/register", data={"_csrf_token": token}, follow_redirects=True)
    assert "Choose a file to import." in empty.text
    latin = await client.post(
        "/research/register",
        follow_redirects=True,
        data={"_csrf_token": token},
        files={"file": ("r.csv", "study_id,hours_before,hours_after\nÆØÅ,1,2\n".encode("latin-1"), "text/csv")},
    )
    assert "not UTF-8" in latin.text
    assert (
        await RegisterOutcome.select(RegisterOutcome.hours_after)
        .where(RegisterOutcome.participant == people[0].participant_id)
        .first()
    )["hours_after"] != 2.0


async def test_the_analyses_come_as_json_and_pdf_without_names(client):
    await _panel(16)
    await _as(client, "researcher")
    page_json = await client.get("/research/report.json")
    api_json = await client.get("/api/v1/research/analysis")
    assert page_json.status_code == api_json.status_code == 200
    result = api_json.json()
    assert set(result) == {"meta", "baseline", "hours_by_time", "prediction", "correlations", "reliability", "response"}
    assert result["meta"]["n"] == {"a": 9, "b": 8} and result["meta"]["input"] == "database"
    first = {key: value for key, value in page_json.json().items() if key != "meta"}
    assert first == {key: value for key, value in result.items() if key != "meta"}
    assert result["hours_by_time"]["n"] == {"a": 8, "b": 8}
    assert result["baseline"][0]["variable"] == "gender"
    _names_no_one(api_json.content, "analysis JSON")

    pdf = await client.get("/research/report.pdf?lang=en")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert "Cronbach" in text
    for word in (*SECRET_WORDS, "Utkast"):
        assert word not in text


async def test_the_analyses_say_what_is_wrong_with_the_request(client):
    await _as(client, "researcher")
    nobody = await client.get("/api/v1/research/analysis")
    assert nobody.status_code == 409 and "nothing to analyse" in nobody.json()["detail"]
    await _panel(4)
    unknown = await client.get("/api/v1/research/analysis?group_a=no_such_programme")
    assert unknown.status_code == 404 and "no_such_programme" in unknown.json()["detail"]


NEW_ROUTES = [
    "/research/export",
    "/research/report.pdf",
    "/research/report.json",
    "/api/v1/research/export",
    "/api/v1/research/analysis",
]


async def test_only_researchers_and_administrators_reach_the_research_routes(client):
    await _panel(2)
    for path in NEW_ROUTES:
        anonymous = await client.get(path, follow_redirects=False)
        assert anonymous.status_code in ((401,) if path.startswith("/api") else (302, 303)), path
    await _as(client, "specialist")
    token = csrf_from((await client.get("/caseload")).text)
    for path in NEW_ROUTES:
        assert (await client.get(path)).status_code == 403, path
    upload = await client.post(
        "/research/register", data={"_csrf_token": token}, files={"file": ("r.csv", b"study_id\n", "text/csv")}
    )
    assert upload.status_code == 403
    assert await AuditEvent.count().where(AuditEvent.action == "panel.export") == 0
