"""Regressions of hours after on the measures, against published and independent values.

Sources of the reference numbers:

* [NIST-Longley] NIST Statistical Reference Datasets, Linear Least Squares Regression, "Longley"
  (higher difficulty; itl.nist.gov/div898/strd/lls/data/Longley.shtml): certified coefficients,
  R-squared 0.995479004577296 and F statistic 330.285339234588 on 6 and 9 df. Copied from
  statsmodels' own test results (github.com/statsmodels/statsmodels,
  statsmodels/regression/tests/results/results_regression.py, class ``Longley``), which also
  holds Stata's 95 % confidence intervals and R's p-values for the same fit. The data ship with
  statsmodels (``statsmodels.datasets.longley``).
* [R-cars] R, ``summary(lm(dist ~ speed, data = cars))`` and ``confint()`` on R's
  ``datasets::cars`` (Ezekiel 1930, 50 cars): speed B = 3.9324, p = 1.49e-12, R-squared 0.6511,
  F 89.57 on 1 and 48 df, p-value 1.490e-12; 95 % CI of speed 3.096964 to 4.767853.
* [lstsq] An independent computation in this file with numpy's least squares and the textbook
  formulas (Draper & Smith 1998, ch. 5): B = lstsq(X, y), s^2 = SS_res / (n - k),
  SE = sqrt(diag(s^2 (X'X)^-1)), CI = B +- t(.975, n - k) SE, F = (R^2 / (k - 1)) / ((1 - R^2) / (n - k)).
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis.study_analyses.prediction import linear_regression, prediction

# [R-cars] datasets::cars: speed (mph) and stopping distance (ft).
SPEED = [4, 4, 7, 7, 8, 9, 10, 10, 10, 11, 11, 12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15]
SPEED += [15, 16, 16, 17, 17, 17, 18, 18, 18, 18, 19, 19, 19, 20, 20, 20, 20, 20, 22, 23, 24, 24, 24, 24, 25]
DIST = [2, 10, 4, 22, 16, 10, 18, 26, 34, 17, 28, 14, 20, 24, 28, 26, 34, 34, 46, 26, 36, 60, 80, 20, 26]
DIST += [54, 32, 40, 32, 40, 50, 42, 56, 76, 84, 36, 46, 68, 32, 48, 52, 56, 64, 66, 54, 70, 92, 93, 120, 85]
CARS = {"B": 3.9324, "ci_low": 3.096964, "ci_high": 4.767853, "p": 1.490e-12, "r2": 0.6511, "F": 89.57}

# [NIST-Longley] certified coefficients, in the order intercept, GNPDEFL, GNP, UNEMP, ARMED, POP, YEAR.
LONGLEY_B = [
    -3482258.63459582,
    15.0618722713733,
    -0.358191792925910e-01,
    -2.02022980381683,
    -1.03322686717359,
    -0.511041056535807e-01,
    1829.15146461355,
]
LONGLEY_R2, LONGLEY_F = 0.995479004577296, 330.285339234588
# Stata's 95 % CIs and R's p-values for the same fit (statsmodels' results_regression.Longley).
LONGLEY_CI = [
    (-5496529, -1467987),
    (-177.0291, 207.1524),
    (-0.111581, 0.0399428),
    (-3.125065, -0.9153928),
    (-1.517948, -0.5485049),
    (-0.5625173, 0.4603083),
    (798.7873, 2859.515),
]
LONGLEY_P = [0.0035604, 0.86314083, 0.31268106, 0.00253509, 0.00094437, 0.8262118, 0.0030368]
LONGLEY_X = ["GNPDEFL", "GNP", "UNEMP", "ARMED", "POP", "YEAR"]


def _subjects(**columns) -> pd.DataFrame:
    """A frame shaped like ``subjects()``' (only the columns the analysis reads)."""
    n = len(columns["group"])
    frame = pd.DataFrame({"study_id": [f"P{i:04d}" for i in range(n)], "group": list(columns.pop("group"))})
    for name in ("was", "rtwse", "rtwexp", "age_at_inclusion", "hours_after"):
        frame[name] = np.asarray(columns.get(name, np.full(n, np.nan)), dtype="float64")
    return frame


def test_linear_regression_reproduces_nist_longley_certified_values():
    data = sm.datasets.longley.load_pandas().data
    fit = linear_regression(data, "TOTEMP", LONGLEY_X)
    assert fit.note is None
    assert (fit.n, fit.df1, fit.df2) == (16, 6, 9)
    assert [term.term for term in fit.terms] == ["intercept", *LONGLEY_X]
    assert [term.B for term in fit.terms] == pytest.approx(LONGLEY_B, rel=1e-8)
    assert fit.r2 == pytest.approx(LONGLEY_R2, rel=1e-10)
    assert pytest.approx(LONGLEY_F, rel=1e-8) == fit.F
    for term, (low, high), p in zip(fit.terms, LONGLEY_CI, LONGLEY_P, strict=True):
        assert (term.ci_low, term.ci_high) == pytest.approx((low, high), rel=2e-6)
        assert term.p == pytest.approx(p, rel=1e-5)


def test_longley_mapped_onto_the_subjects_columns_matches_independent_least_squares():
    # Four of Longley's collinear predictors as the continuous ones (with an alternating group),
    # TOTEMP as the outcome: an ill-conditioned fit through the public function.
    data = sm.datasets.longley.load_pandas().data
    frame = _subjects(
        group=["a", "b"] * 8,
        was=data["GNPDEFL"],
        rtwse=data["UNEMP"],
        rtwexp=data["ARMED"],
        age_at_inclusion=data["YEAR"],
        hours_after=data["TOTEMP"],
    )
    multiple = prediction(frame).multiple
    expected = _lstsq(
        frame.assign(group=np.tile([1.0, 0.0], 8)), ["was", "rtwse", "rtwexp", "group", "age_at_inclusion"]
    )
    _assert_matches(multiple, expected)


def _cars_subjects() -> pd.DataFrame:
    """Group a: cars with speed as ``was``; group b: cars with speed as ``rtwexp`` and a constant
    ``rtwse``; the other measure of each group is missing."""
    n = len(SPEED)
    return _subjects(
        group=["a"] * n + ["b"] * n,
        was=SPEED + [np.nan] * n,
        rtwse=[np.nan] * n + [5.0] * n,
        rtwexp=[np.nan] * n + SPEED,
        age_at_inclusion=[40.0] * (2 * n),
        hours_after=DIST + DIST,
    )


def test_bivariate_regressions_reproduce_r_lm_on_cars():
    entries = {(row.group, row.predictor): row for row in prediction(_cars_subjects()).bivariate}
    assert list(entries) == [(g, p) for g in ("a", "b") for p in ("was", "rtwse", "rtwexp")]
    for key in (("a", "was"), ("b", "rtwexp")):
        row = entries[key]
        assert row.note is None and row.n == 50
        assert pytest.approx(CARS["B"], abs=5e-5) == row.B
        assert (row.ci_low, row.ci_high) == pytest.approx((CARS["ci_low"], CARS["ci_high"]), abs=5e-7)
        assert row.p == pytest.approx(CARS["p"], rel=1e-3)
        assert row.r2 == pytest.approx(CARS["r2"], abs=5e-5)
    for key in (("a", "rtwse"), ("a", "rtwexp"), ("b", "was")):
        assert entries[key].n == 0 and entries[key].B is None and "too few" in entries[key].note
    assert entries[("b", "rtwse")].B is None and entries[("b", "rtwse")].note == "no variance in rtwse"


def test_overall_f_of_the_simple_regression_reproduces_r_lm_on_cars():
    fit = linear_regression(pd.DataFrame({"speed": SPEED, "dist": DIST}), "dist", ["speed"])
    assert pytest.approx(CARS["F"], abs=5e-3) == fit.F
    assert (fit.df1, fit.df2) == (1, 48)
    assert fit.p == pytest.approx(CARS["p"], rel=1e-3)
    assert pytest.approx(-17.5791, abs=5e-5) == fit.terms[0].B


def _lstsq(frame: pd.DataFrame, predictors: list[str]) -> dict:
    """[lstsq] OLS from scratch, listwise."""
    data = frame[["hours_after", *predictors]].dropna()
    x = np.column_stack([np.ones(len(data)), data[predictors].to_numpy()])
    y = data["hours_after"].to_numpy()
    n, k = x.shape
    b = np.linalg.lstsq(x, y, rcond=None)[0]
    residual = y - x @ b
    s2 = residual @ residual / (n - k)
    se = np.sqrt(np.diag(s2 * np.linalg.inv(x.T @ x)))
    q = stats.t.ppf(0.975, n - k)
    r2 = 1 - residual @ residual / np.sum((y - y.mean()) ** 2)
    f_value = (r2 / (k - 1)) / ((1 - r2) / (n - k))
    return {
        "n": n,
        "B": b,
        "low": b - q * se,
        "high": b + q * se,
        "p": 2 * stats.t.sf(np.abs(b / se), n - k),
        "r2": r2,
        "F": f_value,
        "p_F": stats.f.sf(f_value, k - 1, n - k),
        "df": (k - 1, n - k),
    }


def _assert_matches(fit, expected: dict) -> None:
    assert fit.note is None
    assert fit.n == expected["n"]
    assert (fit.df1, fit.df2) == expected["df"]
    assert fit.r2 == pytest.approx(expected["r2"], rel=1e-9)
    assert pytest.approx(expected["F"], rel=1e-7) == fit.F
    assert fit.p == pytest.approx(expected["p_F"], rel=1e-6)
    assert [t.B for t in fit.terms] == pytest.approx(list(expected["B"]), rel=1e-7)
    assert [t.ci_low for t in fit.terms] == pytest.approx(list(expected["low"]), rel=1e-7)
    assert [t.ci_high for t in fit.terms] == pytest.approx(list(expected["high"]), rel=1e-7)
    assert [t.p for t in fit.terms] == pytest.approx(list(expected["p"]), rel=1e-6)


def _study_like(seed: int = 9) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 60
    was = rng.integers(0, 11, n).astype(float)
    rtwse = rng.integers(1, 8, n) + rng.integers(0, 3, n) / 3
    rtwexp = rng.integers(0, 9, n).astype(float)
    rtwexp[rng.random(n) < 0.15] = np.nan  # "don't know", already missing
    age = rng.integers(19, 64, n).astype(float)
    group = np.where(rng.random(n) < 0.5, "a", "b")
    hours = np.clip(4 * was + 2 * (group == "a") + rng.normal(0, 8, n), 0, 80)
    hours[rng.random(n) < 0.1] = np.nan
    return _subjects(group=group, was=was, rtwse=rtwse, rtwexp=rtwexp, age_at_inclusion=age, hours_after=hours)


def test_multiple_regression_is_listwise_with_group_a_coded_1():
    frame = _study_like()
    multiple = prediction(frame).multiple
    assert [t.term for t in multiple.terms] == ["intercept", "was", "rtwse", "rtwexp", "group", "age_at_inclusion"]
    coded = frame.assign(group=(frame["group"] == "a").astype(float))
    _assert_matches(multiple, _lstsq(coded, ["was", "rtwse", "rtwexp", "group", "age_at_inclusion"]))
    assert multiple.n < len(frame)

    swapped = prediction(frame.assign(group=frame["group"].map({"a": "b", "b": "a"}))).multiple
    assert pytest.approx(-multiple.terms[4].B, rel=1e-9) == swapped.terms[4].B
    assert swapped.r2 == pytest.approx(multiple.r2, rel=1e-9)


def test_bivariate_regressions_use_each_groups_complete_pairs():
    frame = _study_like()
    bivariate = prediction(frame).bivariate
    for row in bivariate:
        part = frame[frame["group"] == row.group]
        expected = _lstsq(part, [row.predictor])
        assert row.n == expected["n"]
        assert pytest.approx(expected["B"][1], rel=1e-9) == row.B
        assert (row.ci_low, row.ci_high) == pytest.approx((expected["low"][1], expected["high"][1]), rel=1e-9)
        assert row.p == pytest.approx(expected["p"][1], rel=1e-6)
        assert row.r2 == pytest.approx(expected["r2"], rel=1e-9)


def test_result_is_the_contracts_json():
    document = json.loads(json.dumps(dataclasses.asdict(prediction(_study_like()))))
    assert list(document) == ["multiple", "bivariate"]
    assert list(document["multiple"]) == ["outcome", "n", "r2", "F", "df1", "df2", "p", "terms", "note"]
    assert document["multiple"]["outcome"] == "hours_after"
    assert list(document["multiple"]["terms"][0]) == ["term", "B", "ci_low", "ci_high", "p"]
    assert len(document["bivariate"]) == 6
    assert list(document["bivariate"][0]) == ["group", "predictor", "n", "B", "ci_low", "ci_high", "p", "r2", "note"]


@pytest.mark.parametrize(
    ("change", "note"),
    [
        ({"n": 6}, "too few complete cases (6) for 6 parameters"),
        ({"age_at_inclusion": 40.0}, "no variance in age_at_inclusion"),
        ({"group": "a"}, "no variance in group"),
        ({"rtwse": "was"}, "collinear"),
        ({"hours_after": 10.0}, "no variance in hours_after"),
    ],
)
def test_a_model_that_cannot_be_fitted_gives_nulls_and_a_note(change, note):
    frame = _study_like().dropna().reset_index(drop=True)
    if "n" in change:
        frame = frame.head(change["n"])
    elif change.get("rtwse") == "was":
        frame["rtwse"] = frame["was"] * 2 + 1
    else:
        frame = frame.assign(**change)
    multiple = prediction(frame).multiple
    assert note in multiple.note
    assert multiple.r2 is None and multiple.F is None and multiple.p is None
    assert len(multiple.terms) == 6 and all(t.B is None and t.p is None for t in multiple.terms)


def test_an_exact_fit_keeps_b_and_r2_but_no_tests():
    fit = linear_regression(pd.DataFrame({"x": [1.0, 2, 3, 4, 5], "y": [3.0, 5, 7, 9, 11]}), "y", ["x"])
    assert pytest.approx(2.0) == fit.terms[1].B and fit.r2 == pytest.approx(1.0)
    assert fit.F is None and fit.p is None and fit.terms[1].ci_low is None
    assert fit.note == "the model fits exactly"
