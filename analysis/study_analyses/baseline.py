"""The baseline table by group (the chapter's Table 2): gender by Pearson's chi-square, the
numeric variables by independent-samples t-tests, each with its statistic, df and p and the n of
its own row (items were not answered by all).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.study_analyses._numbers import number
from analysis.study_analyses.subjects import require_columns

__all__ = ["NUMERIC_VARIABLES", "BaselineRow", "ChiSquareRow", "Counts", "Moments", "TTest", "TTestRow", "baseline"]

#: The t-tested variables, in the table's order (gender comes first).
NUMERIC_VARIABLES = (
    "age_at_inclusion",
    "was",
    "rtwse",
    "rtwexp",
    "hours_before",
    "hours_after",
    "hours_change",
)
GROUPS = ("a", "b")


@dataclass(frozen=True)
class Counts:
    """A group's gender counts: ``n`` answers, ``counts`` per code (``"1"``, ``"2"``, ...)."""

    n: int
    counts: dict[str, int]


@dataclass(frozen=True)
class Moments:
    """A group's ``n``, ``mean`` and ``sd`` (``ddof=1``; None below two values)."""

    n: int
    mean: float | None
    sd: float | None


@dataclass(frozen=True)
class TTest:
    """A t-test's ``statistic``, ``df`` and two-sided ``p``."""

    statistic: float | None
    df: float | None
    p: float | None


@dataclass(frozen=True)
class ChiSquareRow:
    """Gender by group: Pearson's chi-square without continuity correction."""

    variable: str
    test: str
    statistic: float | None
    df: int | None
    p: float | None
    a: Counts
    b: Counts
    note: str | None


@dataclass(frozen=True)
class TTestRow:
    """A numeric variable by group: Student's t-test of a minus b, with Welch's alongside."""

    variable: str
    test: str
    statistic: float | None
    df: int | None
    p: float | None
    a: Moments
    b: Moments
    welch: TTest
    note: str | None


BaselineRow = ChiSquareRow | TTestRow


def _code(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def gender_row(subjects: pd.DataFrame) -> ChiSquareRow:
    """Pearson's chi-square test of independence of gender and group.

    The table has the two groups as rows and, as columns, the gender codes present in either
    group (code 9, "prefer not to say", is already missing). No continuity correction, as the
    authors ran it in SPSS and as R's ``chisq.test(x, correct = FALSE)``:
    ``X^2 = sum((O - E)^2 / E)`` with ``E = row total * column total / N`` and
    ``df = (rows - 1)(columns - 1)``.

    Parameters
    ----------
    subjects : DataFrame
        :func:`~analysis.study_analyses.subjects.subjects`' frame (``group``, ``gender``).

    Returns
    -------
    ChiSquareRow
        ``statistic``, ``df`` and ``p`` are None (with a ``note``) when a group has no gender
        answer or fewer than two codes are present.
    """
    answered = subjects.loc[subjects["gender"].notna(), ["group", "gender"]]
    codes = sorted(answered["gender"].unique())
    table = pd.crosstab(answered["group"], answered["gender"]).reindex(index=list(GROUPS), columns=codes, fill_value=0)
    per_group = {
        group: Counts(
            n=int(table.loc[group].sum()),
            counts={_code(code): int(table.loc[group, code]) for code in codes},
        )
        for group in GROUPS
    }
    note = None
    if any(per_group[group].n == 0 for group in GROUPS):
        note = "no gender answers in group " + " and ".join(group for group in GROUPS if per_group[group].n == 0)
    elif len(codes) < 2:
        note = "fewer than 2 gender categories present"
    statistic = df = p = None
    if note is None:
        result = stats.chi2_contingency(table.to_numpy(), correction=False)
        statistic, p, df = number(result.statistic), number(result.pvalue), int(result.dof)
    return ChiSquareRow("gender", "chi2", statistic, df, p, per_group["a"], per_group["b"], note)


def _moments(values: np.ndarray) -> Moments:
    n = len(values)
    mean = number(values.mean()) if n else None
    sd = number(values.std(ddof=1)) if n >= 2 else None
    return Moments(n, mean, sd)


def t_test_row(subjects: pd.DataFrame, variable: str) -> TTestRow:
    """Independent-samples t-tests of ``variable``, group a minus group b.

    Student's test pools the variances, as SPSS's "equal variances assumed" row and R's
    ``t.test(x ~ group, var.equal = TRUE)``: ``t = (m_a - m_b) / (s_p sqrt(1/n_a + 1/n_b))`` with
    ``df = n_a + n_b - 2``. Welch's test, as R's default ``t.test``, does not: its df follow the
    Welch-Satterthwaite equation (Welch, 1947). Both are two-sided (:func:`scipy.stats.ttest_ind`).

    Parameters
    ----------
    subjects : DataFrame
        :func:`~analysis.study_analyses.subjects.subjects`' frame.
    variable : str
        A numeric column; its missing values are left out (so n differs between rows).

    Returns
    -------
    TTestRow
        Both tests None (with a ``note``) when a group has fewer than two values or neither
        group varies (every value the same), since t is then undefined. One group without
        variance is fine: the other's variance carries the test (e.g. no one worked before).
    """
    samples = {
        group: subjects.loc[(subjects["group"] == group) & subjects[variable].notna(), variable].to_numpy("float64")
        for group in GROUPS
    }
    moments = {group: _moments(samples[group]) for group in GROUPS}
    few = [group for group in GROUPS if len(samples[group]) < 2]
    note = None
    if few:
        note = "fewer than 2 values in group " + " and ".join(few)
    elif all(np.ptp(samples[group]) == 0 for group in GROUPS):
        note = "no variance: every value is the same within each group"
    student = welch = TTest(None, None, None)
    df = None
    if note is None:
        pooled = stats.ttest_ind(samples["a"], samples["b"], equal_var=True)
        unpooled = stats.ttest_ind(samples["a"], samples["b"], equal_var=False)
        df = len(samples["a"]) + len(samples["b"]) - 2
        student = TTest(number(pooled.statistic), df, number(pooled.pvalue))
        welch = TTest(number(unpooled.statistic), number(unpooled.df), number(unpooled.pvalue))
    return TTestRow(variable, "student_t", student.statistic, df, student.p, moments["a"], moments["b"], welch, note)


def baseline(subjects: pd.DataFrame) -> list[BaselineRow]:
    """The baseline table by group: gender, then :data:`NUMERIC_VARIABLES`.

    Parameters
    ----------
    subjects : DataFrame
        :func:`~analysis.study_analyses.subjects.subjects`' frame: one row per participant with
        ``group`` (``"a"``/``"b"``), ``gender`` and the numeric variables as floats, NaN missing.

    Returns
    -------
    list of ChiSquareRow and TTestRow
        In the order of the contract (``gender``, ``age_at_inclusion``, ``was``, ``rtwse``,
        ``rtwexp``, ``hours_before``, ``hours_after``, ``hours_change``);
        ``dataclasses.asdict`` gives each entry's JSON.

    Raises
    ------
    ValueError
        If a required column is missing.

    References
    ----------
    Pearson, K. (1900). On the criterion that a given system of deviations from the probable ...
    *Philosophical Magazine*, 50(302), 157-175.

    Welch, B. L. (1947). The generalization of "Student's" problem when several different
    population variances are involved. *Biometrika*, 34(1-2), 28-35.
    """
    require_columns(subjects, ["group", "gender", *NUMERIC_VARIABLES])
    return [gender_row(subjects), *(t_test_row(subjects, variable) for variable in NUMERIC_VARIABLES)]
