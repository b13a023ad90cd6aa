"""``mestring export``'s data: the panel out of the database, with study IDs only and submitted
answers only, in both layouts and both formats."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyreadstat
import pytest

from analysis.panel_frames import to_long
from survey_app.db.tables import RegisterOutcome, Wave
from survey_app.services import audit
from survey_app.services.answering import record_complete_response, save_page
from survey_app.services.calendar import utcnow
from survey_app.services.panel_export import codebook_path, panel_batches, write_panel
from tests.helpers import enrol_person, link_for, make_staff

NAMES = ("Åse Særnavn", "Kåre Egennavn")
EMAILS = ("ase.saernavn@example.no", "kare.egennavn@example.no")


async def _panel():
    specialist = await make_staff("spes@example.no")
    now = utcnow()
    # Enrolled four months ago: T1 and T2 have opened.
    enrolled_on = (now - dt.timedelta(days=120)).date()
    first = await enrol_person(specialist, NAMES[0], EMAILS[0], enrolled_on=enrolled_on, now=now)
    second = await enrol_person(specialist, NAMES[1], EMAILS[1], programme="kvp", enrolled_on=enrolled_on, now=now)
    waves = {
        (row["participant"], row["label"]): row["id"]
        for row in await Wave.select(Wave.id, Wave.participant, Wave.label)
    }
    await record_complete_response(
        waves[(first.participant_id, "T1")],
        {
            "was": 7,
            "rtwse_1": 6,
            "rtwse_2": 7,
            "rtwse_3": 8,
            "rtwexp": 9,
            "benefits": ["aap", "other"],
            "gender": 2,
            "birth_year": 1990,
        },
        mode="web",
        language="nb",
        actor=audit.SYSTEM,
        now=now - dt.timedelta(days=118),
    )
    # T2 of the first is started, not sent: a draft with a value no answer has.
    token = await link_for(first.participant_id, "T2")
    await save_page(token, "measures", {"was": ["1"]}, "nb")
    await RegisterOutcome.insert(RegisterOutcome(participant=second.participant_id, hours_before=2.5, hours_after=20.0))
    return first, second, enrolled_on


async def test_the_long_panel_has_submitted_answers_and_no_draft(db):
    first, second, enrolled_on = await _panel()
    [long] = [frame async for frame in panel_batches()]
    assert list(long["study_id"]) == sorted([first.study_id] * 4 + [second.study_id] * 4)
    row = long[(long["study_id"] == first.study_id) & (long["wave"] == "T1")].iloc[0]
    assert (row["status"], row["mode"], row["was"], row["rtwexp"], row["gender"]) == ("answered", "web", 7, 9, 2)
    assert row["rtwse"] == pytest.approx(7.0) and row["age_at_inclusion"] == enrolled_on.year - 1990
    assert (row["benefits_aap"], row["benefits_other"], row["benefits_none"]) == (1, 1, 0)
    assert pd.isna(row["work_now"])  # not answered: empty, never 0
    draft = long[(long["study_id"] == first.study_id) & (long["wave"] == "T2")].iloc[0]
    assert draft["status"] == "pending" and pd.isna(draft["was"]) and pd.isna(draft["answered_on"])
    assert 1 not in set(long["was"].dropna())
    assert set(long.loc[long["wave"].isin(["T3", "T4"]), "status"]) == {"pending"}
    # The second never answered T1 (its window closed) and has register data on every row.
    other = long[long["study_id"] == second.study_id]
    assert list(other["status"]) == ["missed", "pending", "pending", "pending"]
    assert list(other["hours_after"]) == [20.0] * 4 and list(other["programme"]) == ["kvp"] * 4


@pytest.mark.parametrize("shape", ["long", "wide"])
@pytest.mark.parametrize("file_format", ["csv", "parquet", "dta", "sav"])
async def test_every_export_names_no_one(db, tmp_path, shape, file_format):
    await _panel()
    path = tmp_path / f"panel.{file_format}"
    rows = await write_panel(path, shape, file_format)
    assert rows == (8 if shape == "long" else 2)
    for written in (path, codebook_path(path)):
        content = written.read_bytes()
        for word in (*NAMES, *EMAILS, "Særnavn", "Egennavn", "example.no"):
            for encoding in ("utf-8", "latin-1"):
                assert word.encode(encoding) not in content, (written.name, word)
    readers = {"csv": pd.read_csv, "parquet": pd.read_parquet, "dta": pd.read_stata, "sav": pd.read_spss}
    frame = readers[file_format](path)
    assert len(frame) == rows
    book = pd.read_csv(codebook_path(path))
    assert list(book["variable"]) == list(frame.columns)


async def test_the_wide_file_turns_back_into_the_long_one(db, tmp_path):
    await _panel()
    await write_panel(tmp_path / "long.parquet", "long", "parquet")
    await write_panel(tmp_path / "wide.parquet", "wide", "parquet")
    long = pd.read_parquet(tmp_path / "long.parquet")
    back = to_long(pd.read_parquet(tmp_path / "wide.parquet"))
    pd.testing.assert_frame_equal(back[long.columns], long, check_dtype=False)


async def test_an_empty_study_still_gives_the_columns(db, tmp_path):
    assert await write_panel(tmp_path / "empty.csv", "long", "csv") == 0
    header = (tmp_path / "empty.csv").read_text().splitlines()
    assert header[0].startswith("study_id,programme,wave,months,status") and len(header) == 1


async def test_stata_and_spss_files_carry_labels_and_the_dont_know_code(db, tmp_path):
    first, _, _ = await _panel()
    await write_panel(tmp_path / "panel.sav", "long", "sav", lang="en")
    data, meta = pyreadstat.read_sav(tmp_path / "panel.sav", user_missing=True)
    assert meta.column_names_to_labels["was"] == "How do you rate your current work ability?"
    assert meta.variable_value_labels["rtwexp"][9] == "Don't know / unsure"
    assert meta.missing_ranges["rtwexp"] == [{"lo": 9.0, "hi": 9.0}]
    # Read as SPSS reads it, "don't know" is missing; kept as a code, it is still there.
    answered = data[(data["study_id"] == first.study_id) & (data["wave"] == "T1")].iloc[0]
    assert answered["rtwexp"] == 9 and answered["benefits_aap"] == 1
    plain, _ = pyreadstat.read_sav(tmp_path / "panel.sav")
    assert plain.loc[answered.name, "rtwexp"] != plain.loc[answered.name, "rtwexp"]  # NaN

    await write_panel(tmp_path / "wide.dta", "wide", "dta", lang="nb")
    with pd.io.stata.StataReader(tmp_path / "wide.dta") as reader:
        labels, values = reader.variable_labels(), reader.value_labels()
        wide = reader.read(convert_categoricals=False)
    assert labels["was_t1"] == "Hvordan vurderer du din arbeidsevne? (T1)"
    assert values["rtwexp_t1"][9] == "Vet ikke / usikker"
    # Stata's 32 characters: a long name keeps its wave suffix, and its label says what it is.
    assert "health_problem_musculoskeleta_t1" in wide.columns
    assert all(len(column) <= 32 for column in wide.columns)
    book = pd.read_csv(tmp_path / "wide-codebook.csv", dtype=str, keep_default_na=False)
    assert list(book["variable"]) == list(wide.columns)
    assert book.set_index("variable").loc["rtwexp_t1", "missing"] == "9"
