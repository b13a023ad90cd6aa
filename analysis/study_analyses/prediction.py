"""Prediction of hours worked in the year after programme start (the chapter's Table 4): a multiple
regression on the three measures, group and age, then bivariate regressions per group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from analysis.study_analyses._numbers import number
from analysis.study_analyses.subjects import require_columns

__all__ = [
    "COVARIATES",
    "MEASURES",
    "OUTCOME",
    "Bivariate",
    "Prediction",
    "Regression",
    "Term",
    "linear_regression",
    "prediction",
]

OUTCOME = "hours_after"
#: The three measures, each also a bivariate predictor, in the table's order.
MEASURES = ("was", "rtwse", "rtwexp")
#: What the multiple regression controls for besides the measures: group (a = 1, b = 0) and age.
COVARIATES = ("group", "age_at_inclusion")
GROUPS = ("a", "b")
CONFIDENCE = 0.95
# A residual sum of squares this small relative to the outcome's raw sum of squares is rounding
# noise of an exact fit, not residual variance.
_EXACT_FIT = 1e-20


@dataclass(frozen=True)
class Term:
    """One coefficient: unstandardised ``B`` with its 95 % confidence interval and two-sided ``p``."""

    term: str
    B: float | None
    ci_low: float | None
    ci_high: float | None
    p: float | None


@dataclass(frozen=True)
class Regression:
    """An OLS regression of ``outcome``: ``n`` cases, ``r2``, the overall ``F`` test on ``df1``
    and ``df2`` degrees of freedom with its ``p``, and the ``terms``, intercept first."""

    outcome: str
    n: int
    r2: float | None
    F: float | None
    df1: int | None
    df2: int | None
    p: float | None
    terms: list[Term]
    note: str | None


@dataclass(frozen=True)
class Bivariate:
    """A simple regression of hours after on one ``predictor`` within one ``group``: its slope
    ``B`` with 95 % CI and ``p``, and ``r2``."""

    group: str
    predictor: str
    n: int
    B: float | None
    ci_low: float | None
    ci_high: float | None
    p: float | None
    r2: float | None
    note: str | None


@dataclass(frozen=True)
class Prediction:
    """The ``multiple`` regression and the six ``bivariate`` ones (group a, then b; was, rtwse,
    rtwexp)."""

    multiple: Regression
    bivariate: list[Bivariate]


def _unfit(outcome: str, n: int, names: list[str], note: str) -> Regression:
    return Regression(
        outcome, n, None, None, None, None, None, [Term(name, None, None, None, None) for name in names], note
    )


def linear_regression(frame: pd.DataFrame, outcome: str, predictors: Sequence[str]) -> Regression:
    """Ordinary least squares of ``outcome`` on ``predictors`` with an intercept, listwise.

    ``B = (X'X)^-1 X'y``; each coefficient's 95 % CI is ``B +- t(.975, n - k) SE(B)`` and its
    ``p`` two-sided from ``t = B / SE(B)``; ``R^2 = 1 - SS_res / SS_tot``, and the overall
    ``F = (R^2 / (k - 1)) / ((1 - R^2) / (n - k))`` on ``k - 1`` and ``n - k`` df, with ``k``
    parameters including the intercept: R's ``summary(lm(...))`` and ``confint``, SPSS's
    REGRESSION (:class:`statsmodels.regression.linear_model.OLS`).

    Parameters
    ----------
    frame : DataFrame
        Numeric columns ``outcome`` and ``predictors``, NaN for missing; cases with any of them
        missing are left out (listwise deletion, SPSS's default).
    outcome : str
        The dependent variable.
    predictors : sequence of str
        The independent variables, in the order their terms are reported.

    Returns
    -------
    Regression
        ``terms`` start with ``"intercept"``. Everything but ``n`` is None (with a ``note``) when
        there are no more cases than parameters, a predictor or the outcome does not vary, or the
        predictors are collinear; ``F``, ``p`` and the CIs are None (with a ``note``) when the
        model fits exactly.

    Examples
    --------
    >>> import pandas as pd
    >>> fit = linear_regression(pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [2.0, 4, 5, 8]}), "y", ["x"])
    >>> round(fit.terms[1].B, 2), round(fit.r2, 3), (fit.df1, fit.df2)
    (1.9, 0.963, (1, 2))
    """
    predictors = list(predictors)
    names = ["intercept", *predictors]
    complete = frame[[outcome, *predictors]].astype("float64").dropna()
    n, k = len(complete), len(names)
    if n <= k:
        return _unfit(outcome, n, names, f"too few complete cases ({n}) for {k} parameters")
    constant = [column for column in (*predictors, outcome) if np.ptp(complete[column].to_numpy()) == 0]
    if constant:
        return _unfit(outcome, n, names, "no variance in " + ", ".join(constant))
    design = np.column_stack([np.ones(n), complete[predictors].to_numpy()])
    if np.linalg.matrix_rank(design) < k:
        return _unfit(outcome, n, names, "the predictors are collinear: " + ", ".join(predictors))

    y = complete[outcome].to_numpy()
    fit = sm.OLS(y, design).fit()
    df1, df2 = k - 1, n - k
    if float(fit.ssr) <= _EXACT_FIT * float(np.sum(y**2)):
        # Standard errors are zero: B and R^2 stand, but no test or interval means anything.
        terms = [Term(name, number(b), None, None, None) for name, b in zip(names, fit.params, strict=True)]
        return Regression(outcome, n, number(fit.rsquared), None, df1, df2, None, terms, "the model fits exactly")
    interval = fit.conf_int(alpha=1 - CONFIDENCE)
    terms = [
        Term(name, number(b), number(low), number(high), number(p))
        for name, b, (low, high), p in zip(names, fit.params, interval, fit.pvalues, strict=True)
    ]
    return Regression(outcome, n, number(fit.rsquared), number(fit.fvalue), df1, df2, number(fit.f_pvalue), terms, None)


def _bivariate(part: pd.DataFrame, group: str, predictor: str) -> Bivariate:
    fit = linear_regression(part, OUTCOME, [predictor])
    slope = fit.terms[1]
    return Bivariate(group, predictor, fit.n, slope.B, slope.ci_low, slope.ci_high, slope.p, fit.r2, fit.note)


def prediction(subjects: pd.DataFrame) -> Prediction:
    """Regressions of hours per week in the year after programme start (``hours_after``).

    ``multiple``: on ``was``, ``rtwse``, ``rtwexp``, ``group`` (a = 1, b = 0) and
    ``age_at_inclusion``, over the participants with all six values (listwise).
    ``bivariate``: within group a and then group b, on each measure alone, over the
    participants with the measure and the outcome (so n differs per entry). All by
    :func:`linear_regression`: unstandardised B, 95 % CI, two-sided p, R^2.

    Parameters
    ----------
    subjects : DataFrame
        :func:`~analysis.study_analyses.subjects.subjects`' frame: ``group`` (``"a"``/``"b"``),
        the measures (``rtwexp`` code 9 already missing), ``age_at_inclusion`` and
        ``hours_after`` as floats, NaN for missing.

    Returns
    -------
    Prediction
        ``dataclasses.asdict`` gives the JSON of ``prediction``; entries that cannot be fitted
        have None values and a ``note``.

    Raises
    ------
    ValueError
        If a required column is missing.
    """
    require_columns(subjects, [OUTCOME, *MEASURES, *COVARIATES])
    frame = subjects[[OUTCOME, *MEASURES, "age_at_inclusion"]].astype("float64")
    # Any group label other than a or b is unknown, so missing rather than b.
    frame["group"] = subjects["group"].map({"a": 1.0, "b": 0.0}).astype("float64")
    multiple = linear_regression(frame, OUTCOME, [*MEASURES, *COVARIATES])
    bivariate = [
        _bivariate(frame[subjects["group"] == group], group, predictor) for group in GROUPS for predictor in MEASURES
    ]
    return Prediction(multiple, bivariate)
