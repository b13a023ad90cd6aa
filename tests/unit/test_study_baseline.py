"""The baseline table by group against published reference values.

Sources of the reference numbers:

* [R-t.test] R documentation of ``t.test`` (stats package), example ``t.test(extra ~ group,
  data = sleep)``: Welch t = -1.8608, df = 17.776, p-value = 0.07939, mean in group 1 0.75, mean
  in group 2 2.33; with ``var.equal = TRUE``: t = -1.8608, df = 18, p-value = 0.07919. The sleep
  data (Cushny & Peebles 1905, R's ``datasets::sleep``), extra by group, are written out below.
* [R-chisq.test] R documentation of ``chisq.test``, example ``M <- as.table(rbind(c(762, 327,
  468), c(484, 239, 477)))`` (Agresti 2007, p. 39): X-squared = 30.07, df = 2, p-value = 2.954e-07.
* [FLL-2x2] Fagerland, Lydersen & Laake (2017), *Statistical Analysis of Contingency Tables*,
  chapter 4, the "lady tasting tea" table rbind(c(3, 1), c(1, 3)), as checked by their R package
  contingencytables (github.com/ocbe-uio/contingencytables, tests/testthat/test-ch4.R): Pearson
  chi-squared test P = 0.15730, T = 2.000 (df = 1); with continuity correction P = 0.47950,
  T = 0.500.
"""

from __future__ import annotations

import dataclasses
import json
import math
import statistics

import numpy as np
import pandas as pd
import pytest

from analysis.study_analyses.baseline import ChiSquareRow, TTestRow, baseline
from analysis.study_analyses.subjects import subjects
from tests.study_panels import GROUP_A, t1_panel

# [R-t.test] datasets::sleep, extra (hours of extra sleep) for group 1 and group 2.
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def _rows(long: pd.DataFrame) -> dict[str, ChiSquareRow | TTestRow]:
    return {row.variable: row for row in baseline(subjects(long))}


def _sleep_panel(**others) -> pd.DataFrame:
    people = [{"group": "a", "value": value} for value in SLEEP_1] + [
        {"group": "b", "value": value} for value in SLEEP_2
    ]
    return t1_panel(
        [
            # hours_change = hours_after - hours_before = extra: the difference goes through too.
            {"group": p["group"], "age_at_inclusion": p["value"], "hours_before": 1.0, "hours_after": 1.0 + p["value"]}
            | others
            for p in people
        ]
    )


@pytest.mark.parametrize("variable", ["age_at_inclusion", "hours_change"])
def test_t_tests_match_r_on_the_sleep_data(variable):
    row = _rows(_sleep_panel())[variable]
    assert row.test == "student_t" and row.note is None
    # [R-t.test] t.test(extra ~ group, data = sleep, var.equal = TRUE): group 1 minus group 2.
    assert row.statistic == pytest.approx(-1.8608, abs=5e-5)
    assert row.df == 18 and isinstance(row.df, int)
    assert row.p == pytest.approx(0.07919, abs=5e-6)
    # [R-t.test] t.test(extra ~ group, data = sleep): Welch.
    assert row.welch.statistic == pytest.approx(-1.8608, abs=5e-5)
    assert row.welch.df == pytest.approx(17.776, abs=5e-4)
    assert row.welch.p == pytest.approx(0.07939, abs=5e-6)
    # [R-t.test] mean in group 1 0.75, mean in group 2 2.33; the SDs by the standard library's
    # stdev (n - 1 denominator), a computation independent of numpy.
    assert (row.a.n, row.b.n) == (10, 10)
    assert row.a.mean == pytest.approx(0.75) and row.b.mean == pytest.approx(2.33)
    assert row.a.sd == pytest.approx(statistics.stdev(SLEEP_1)) and row.b.sd == pytest.approx(statistics.stdev(SLEEP_2))


def test_the_t_test_is_a_minus_b_whichever_programme_is_a():
    row = _rows(_sleep_panel().assign(programme=lambda f: f["programme"].map({GROUP_A: "kvp", "kvp": GROUP_A})))
    assert row["age_at_inclusion"].statistic == pytest.approx(+1.8608, abs=5e-5)


def _gender_panel(table: list[list[int]]) -> pd.DataFrame:
    """Group a is the table's first row, b the second; the columns are gender codes 1, 2, ..."""
    people = [
        {"group": group, "gender": code}
        for group, counts in zip("ab", table, strict=True)
        for code, count in enumerate(counts, start=1)
        for _ in range(count)
    ]
    return t1_panel(people)


def test_gender_chi_square_matches_r_on_a_2_by_3_table():
    row = _rows(_gender_panel([[762, 327, 468], [484, 239, 477]]))["gender"]
    # [R-chisq.test] X-squared = 30.07, df = 2, p-value = 2.954e-07
    assert row.test == "chi2" and row.note is None
    assert row.statistic == pytest.approx(30.07, abs=5e-3)
    assert row.df == 2
    assert row.p == pytest.approx(2.954e-07, rel=2e-4)
    assert row.a.n == 1557 and row.a.counts == {"1": 762, "2": 327, "3": 468}
    assert row.b.n == 1200 and row.b.counts == {"1": 484, "2": 239, "3": 477}


def test_gender_chi_square_on_a_2_by_2_table_has_no_continuity_correction():
    row = _rows(_gender_panel([[3, 1], [1, 3]]))["gender"]
    # [FLL-2x2] Pearson chi-squared test: P = 0.15730, T = 2.000 (df = 1); Yates' correction
    # would give T = 0.500, P = 0.47950.
    assert row.statistic == pytest.approx(2.000, abs=5e-4)
    assert row.df == 1
    assert row.p == pytest.approx(0.15730, abs=5e-6)


def test_gender_code_9_is_left_out_and_only_present_categories_count():
    # 9 = "prefer not to say"; code 3 occurs in neither group, so the table is 2 x 2 again.
    long = _gender_panel([[3, 1], [1, 3]])
    extra = t1_panel([{"group": "a", "gender": 9}, {"group": "b", "gender": 9}, {"group": "b"}])
    extra["study_id"] = ["X1", "X2", "X3"]
    row = _rows(pd.concat([long, extra], ignore_index=True))["gender"]
    assert row.statistic == pytest.approx(2.000, abs=5e-4) and row.df == 1
    assert row.a.counts == {"1": 3, "2": 1} and row.b.n == 4


def test_a_category_present_in_one_group_only_is_counted_as_zero_in_the_other():
    row = _rows(_gender_panel([[3, 1, 0], [1, 3, 2]]))["gender"]
    assert row.a.counts == {"1": 3, "2": 1, "3": 0} and row.df == 2


def test_n_differs_per_row_and_rtwexp_9_is_missing():
    people = [
        {"group": "a", "age_at_inclusion": 30, "was": 7, "rtwexp": 9},
        {"group": "a", "age_at_inclusion": 40, "was": 5, "rtwexp": 2},
        {"group": "a", "age_at_inclusion": 50, "rtwexp": 4},
        {"group": "b", "age_at_inclusion": 20, "was": 8, "rtwexp": 8},
        {"group": "b", "age_at_inclusion": 25, "was": 6, "rtwexp": 6},
    ]
    rows = _rows(t1_panel(people))
    assert (rows["age_at_inclusion"].a.n, rows["age_at_inclusion"].b.n) == (3, 2)
    assert (rows["was"].a.n, rows["was"].b.n) == (2, 2)
    # "don't know" is neither a long wait (9) nor counted: a's rtwexp mean is (2 + 4) / 2.
    assert rows["rtwexp"].a.n == 2 and rows["rtwexp"].a.mean == pytest.approx(3.0)
    assert rows["rtwexp"].df == 2


def test_drafts_and_unanswered_t1_rows_are_not_used():
    answered = _sleep_panel()
    pending = t1_panel([{"group": "a", "age_at_inclusion": 1000, "was": 10}] * 3, status="pending")
    pending["study_id"] = ["D1", "D2", "D3"]
    row = _rows(pd.concat([answered, pending], ignore_index=True))
    # Age is a participant-level value (from enrolment), so it counts; T1 answers do not.
    assert row["age_at_inclusion"].a.n == 13
    assert row["was"].a.n == 0


def test_too_few_cases_give_null_with_a_note_and_no_crash():
    rows = _rows(
        t1_panel([{"group": "a", "gender": 1, "was": 7}, {"group": "a", "gender": 2, "was": 5}, {"group": "b"}])
    )
    assert rows["gender"].statistic is None and rows["gender"].p is None and rows["gender"].df is None
    assert rows["gender"].note == "no gender answers in group b"
    was = rows["was"]
    assert was.statistic is None and was.df is None and was.p is None
    assert was.welch.statistic is None and was.welch.df is None and was.welch.p is None
    assert was.note == "fewer than 2 values in group b"
    # The group's own description stays: n, mean, SD.
    assert was.a.n == 2 and was.a.mean == 6 and was.a.sd == pytest.approx(math.sqrt(2))
    assert was.b.n == 0 and was.b.mean is None and was.b.sd is None


def test_one_value_in_a_group_has_a_mean_but_no_sd():
    rows = _rows(t1_panel([{"group": "a", "was": 7}, {"group": "a", "was": 5}, {"group": "b", "was": 4}]))
    assert rows["was"].b.mean == 4 and rows["was"].b.sd is None and rows["was"].statistic is None


def test_one_gender_only_gives_null_with_a_note():
    row = _rows(_gender_panel([[3], [2]]))["gender"]
    assert row.statistic is None and row.note == "fewer than 2 gender categories present"


def test_no_variance_in_either_group_gives_null_but_one_constant_group_is_fine():
    flat = _rows(t1_panel([{"group": g, "hours_before": 0.0} for g in "aabb"]))["hours_before"]
    assert flat.statistic is None and flat.note.startswith("no variance")
    assert flat.a.sd == 0
    # Nobody in b worked before: the test rests on a's variance alone. Hand calculation:
    # a = (0, 4): mean 2, s^2 = 8; b = (0, 0); pooled s^2 = 8 / 2 = 4;
    # t = 2 / sqrt(4 * (1/2 + 1/2)) = 1 on 2 df; Welch t = 2 / sqrt(8 / 2) = 1 on
    # df = (8/2)^2 / ((8/2)^2 / 1) = 1.
    row = _rows(
        t1_panel([{"group": "a", "hours_before": v} for v in (0.0, 4.0)] + [{"group": "b", "hours_before": 0.0}] * 2)
    )
    hours = row["hours_before"]
    assert hours.note is None
    assert hours.statistic == pytest.approx(1.0) and hours.df == 2
    assert hours.welch.statistic == pytest.approx(1.0) and hours.welch.df == pytest.approx(1.0)


def test_rows_follow_the_contract():
    rows = baseline(subjects(_sleep_panel(gender=1)))
    variables = [row.variable for row in rows]
    assert variables == [
        "gender",
        "age_at_inclusion",
        "was",
        "rtwse",
        "rtwexp",
        "hours_before",
        "hours_after",
        "hours_change",
    ]
    plain = [dataclasses.asdict(row) for row in rows]
    assert list(plain[0]) == ["variable", "test", "statistic", "df", "p", "a", "b", "note"]
    assert list(plain[0]["a"]) == ["n", "counts"]
    assert list(plain[1]) == ["variable", "test", "statistic", "df", "p", "a", "b", "welch", "note"]
    assert list(plain[1]["a"]) == ["n", "mean", "sd"] and list(plain[1]["welch"]) == ["statistic", "df", "p"]
    # Plain JSON: no NaN, no numpy numbers (json refuses both with these settings).
    text = json.dumps(plain, allow_nan=False)
    assert '"statistic": null' in text  # one gender only, no was: nulls, not NaN
    for entry in plain[1:2]:
        assert type(entry["statistic"]) is float and type(entry["a"]["n"]) is int
        assert not isinstance(entry["p"], np.floating)


def test_required_columns_are_named():
    with pytest.raises(ValueError, match="hours_change"):
        baseline(subjects(_sleep_panel()).drop(columns=["hours_change"]))
