"""From the long layout to one row per participant: T1 answers only, participant-level values
from any row, "9" codes missing, and the same result from the database's typed frame and from a
CSV written and read back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.panel_frames import long_columns
from analysis.study_analyses.subjects import SUBJECT_COLUMNS, subjects
from instruments import load_instrument
from survey_app.services.panel_export import column_types

INSTRUMENT = "mestring-2026.1"
MEASURES = ("was", "rtwse_1", "rtwse_2", "rtwse_3", "rtwexp", "rtwse")


def _row(study_id, programme, wave, status, **values):
    months = {"T1": 0, "T2": 3, "T3": 12, "T4": 18}[wave]
    return {"study_id": study_id, "programme": programme, "wave": wave, "months": months, "status": status, **values}


def _person(*, gender=1, age=30, before=0.0, after=10.0):
    return {"gender": gender, "age_at_inclusion": age, "hours_before": before, "hours_after": after}


def _answers(was, coping=(6, 7, 8), rtwexp=3):
    return {
        "was": was,
        "rtwse_1": coping[0],
        "rtwse_2": coping[1],
        "rtwse_3": coping[2],
        "rtwexp": rtwexp,
        "rtwse": float(np.mean(coping)),
    }


def _panel() -> pd.DataFrame:
    """Three participants with the cases that matter: an answered T1, a pending T1 whose row
    carries values anyway (as a hand-edited CSV could), a missed T1 with an answered T2."""
    a = _person(gender=2, age=41, before=2.5, after=12.0)
    b = _person(gender=9, age=25, before=0.0, after=0.0)
    c = _person(gender=1, age=33, before=None, after=7.5)
    rows = [
        _row("B", "kvp", "T1", "pending", **b, **_answers(9, rtwexp=2)),
        _row("A", "utvidet_oppfolging", "T1", "answered", **a, **_answers(8, coping=(5, 6, 7), rtwexp=9)),
        _row("A", "utvidet_oppfolging", "T2", "answered", **a, **_answers(2, coping=(1, 1, 1), rtwexp=0)),
        _row("C", "external", "T1", "missed", **c),
        _row("C", "external", "T2", "answered", **c, **_answers(4, rtwexp=8)),
    ]
    return pd.DataFrame(rows)


def test_one_row_per_participant_with_the_contract_columns():
    people = subjects(_panel())
    assert list(people.columns) == list(SUBJECT_COLUMNS)
    assert list(people["study_id"]) == ["A", "B", "C"]
    assert list(people["group"]) == ["a", "b", "b"]
    assert list(people["programme"]) == ["utvidet_oppfolging", "kvp", "external"]
    numeric = people.drop(columns=["study_id", "programme", "group"])
    assert (numeric.dtypes == "float64").all()


def test_baseline_values_come_only_from_an_answered_t1():
    people = subjects(_panel()).set_index("study_id")
    # A: the answered T1, not the answered T2.
    assert people.loc["A", ["was", "rtwse_1", "rtwse_2", "rtwse_3", "rtwse"]].tolist() == [8, 5, 6, 7, 6]
    # B: T1 is pending, so its values are not used, whatever the row carries.
    # C: T1 was missed; a later answered wave is no baseline.
    for study_id in ("B", "C"):
        assert people.loc[study_id, list(MEASURES)].isna().all()


def test_code_9_is_missing_and_0_to_8_are_kept():
    long = _panel()
    long.loc[(long["study_id"] == "C") & (long["wave"] == "T1"), ["status", "rtwexp", "was"]] = ["answered", 8, 10]
    people = subjects(long).set_index("study_id")
    assert np.isnan(people.loc["A", "rtwexp"])  # "don't know"
    assert people.loc["C", "rtwexp"] == 8  # the longest wait is a real value
    assert np.isnan(people.loc["B", "gender"])  # "prefer not to say"
    assert people.loc["A", "gender"] == 2
    assert people.loc["C", "was"] == 10  # 9/10 on other scales are not "don't know"


def test_participant_level_values_and_hours_change():
    long = _panel()
    # An edited CSV may leave participant-level cells empty on some rows: any row may hold them.
    long.loc[1, ["age_at_inclusion", "hours_after"]] = np.nan
    people = subjects(long).set_index("study_id")
    assert people.loc["A", "age_at_inclusion"] == 41
    assert people.loc["A", "hours_change"] == pytest.approx(12.0 - 2.5)
    assert people.loc["B", "hours_change"] == 0
    assert np.isnan(people.loc["C", "hours_change"])  # hours before unknown
    assert people.loc["C", "hours_after"] == 7.5


def test_group_a_is_the_named_programme():
    people = subjects(_panel(), group_a="kvp")
    assert list(people["group"]) == ["b", "a", "b"]


def _typed(long: pd.DataFrame) -> pd.DataFrame:
    """The frame as the database export types it (nullable Int64/Float64, "string")."""
    instrument = load_instrument(INSTRUMENT)
    types = column_types(instrument)
    full = long.reindex(columns=long_columns(instrument))
    full["answered_on"] = pd.NaT
    return full.astype(types)


def test_the_databases_typed_frame_gives_the_same_result():
    long = _panel()
    typed = _typed(long)
    assert typed["was"].dtype == "Int64" and typed["study_id"].dtype == "string"
    pd.testing.assert_frame_equal(subjects(typed), subjects(long))


@pytest.mark.parametrize(
    "read",
    [
        # How mestring analyse --input reads a CSV (survey_app/services/study_analysis.py) ...
        lambda path: pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]),
        # ... and how a researcher's own pandas would.
        pd.read_csv,
    ],
    ids=["text", "guessed"],
)
def test_a_csv_round_trip_gives_the_same_result(tmp_path, read):
    typed = _typed(_panel())
    path = tmp_path / "panel.csv"
    typed.to_csv(path, index=False)
    pd.testing.assert_frame_equal(subjects(read(path)), subjects(typed))


def test_missing_as_written_by_r_stata_or_spss_is_missing():
    long = _panel().astype(object)
    long.loc[1, "was"] = "NA"
    long.loc[1, "rtwse_1"] = "."
    long.loc[1, "hours_before"] = " "
    people = subjects(long).set_index("study_id")
    assert np.isnan(people.loc["A", "was"]) and np.isnan(people.loc["A", "rtwse_1"])
    assert people.loc["A", "hours_before"] == 2.5  # from A's other row


def test_missing_columns_are_named():
    long = _panel().drop(columns=["programme", "wave", "rtwexp"])
    with pytest.raises(ValueError, match="programme, wave, rtwexp"):
        subjects(long)


@pytest.mark.parametrize("column", ["programme", "wave", "study_id"])
def test_an_empty_key_is_refused(column):
    long = _panel()
    long.loc[0, column] = None
    with pytest.raises(ValueError, match=f"'{column}' is empty on 1 row"):
        subjects(long)


def test_a_cell_that_is_not_a_number_is_named():
    long = _panel().astype(object)
    long.loc[1, "hours_after"] = "ti"
    with pytest.raises(ValueError, match=r"'hours_after'.*'ti'"):
        subjects(long)


def test_two_rows_for_one_wave_are_refused():
    long = pd.concat([_panel(), _panel().iloc[[1]]], ignore_index=True)
    with pytest.raises(ValueError, match=r"two rows for one participant and wave.*A"):
        subjects(long)


def test_participant_level_values_that_differ_between_rows_are_refused():
    long = _panel()
    long.loc[2, "gender"] = 1  # A's T2 row says woman, the T1 row man
    with pytest.raises(ValueError, match=r"differ between the rows of one participant.*A"):
        subjects(long)
