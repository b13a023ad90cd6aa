"""Hours worked before and after programme start by group (the chapter's Table 3): a 2 (group,
between) x 2 (time, within) repeated-measures GLM controlling for age, as SPSS's GLM Repeated
Measures with a covariate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from analysis.study_analyses._numbers import number
from analysis.study_analyses.subjects import require_columns

__all__ = ["COVARIATE", "TIMES", "Effect", "GroupMeans", "GroupSizes", "HoursByTime", "TimeMeans", "hours_by_time"]

COVARIATE = "age_at_inclusion"
#: The two levels of the within-subject factor, in time order.
TIMES = ("hours_before", "hours_after")
GROUPS = ("a", "b")
# A residual sum of squares this small relative to the outcome's raw sum of squares is rounding
# noise of an exact fit (e.g. everyone's hours changed by the same amount), not variance.
_EXACT_FIT = 1e-20


@dataclass(frozen=True)
class Effect:
    """One effect's ``F`` on ``df1`` and ``df2`` degrees of freedom, its ``p`` and
    ``partial_eta_sq = SS_effect / (SS_effect + SS_error)``; None where it cannot be computed."""

    F: float | None
    df1: int | None
    df2: int | None
    p: float | None
    partial_eta_sq: float | None


@dataclass(frozen=True)
class GroupSizes:
    """Participants analysed in group ``a`` and group ``b``."""

    a: int
    b: int


@dataclass(frozen=True)
class TimeMeans:
    """A group's observed (not covariate-adjusted) mean hours per week before and after."""

    hours_before: float | None
    hours_after: float | None


@dataclass(frozen=True)
class GroupMeans:
    """:class:`TimeMeans` of group ``a`` and group ``b``."""

    a: TimeMeans
    b: TimeMeans


@dataclass(frozen=True)
class HoursByTime:
    """The repeated-measures GLM of hours by group and time, controlling for ``covariate``."""

    n: GroupSizes
    covariate: str | None
    covariate_centre: float | None
    means: GroupMeans
    time: Effect
    group: Effect
    group_x_time: Effect
    note: str | None


_MISSING = Effect(None, None, None, None, None)


def _effect(fit, column: int, df2: int, exact: bool) -> Effect:
    if exact:
        return Effect(None, 1, df2, None, None)
    # With one numerator df the F test of a coefficient is its squared t test, same p.
    f_value = float(fit.tvalues[column]) ** 2
    eta = f_value / (f_value + df2)
    return Effect(number(f_value), 1, df2, number(fit.pvalues[column]), number(eta))


def _fit(outcome: np.ndarray, design: np.ndarray) -> tuple[object, bool]:
    fit = sm.OLS(outcome, design).fit()
    exact = float(fit.ssr) <= _EXACT_FIT * float(np.sum(outcome**2))
    return fit, exact


def hours_by_time(subjects: pd.DataFrame, covariate: str | None = COVARIATE) -> HoursByTime:
    """2 (group) x 2 (time) repeated-measures GLM of hours per week, controlling for a covariate.

    With two time points the repeated-measures GLM splits into two linear models on each
    participant's pair of values (Maxwell & Delaney 2004, ch. 14; this is also how SPSS's GLM
    Repeated Measures computes its tests, on orthonormal transforms of the two measures):

    * **within subjects**, the change ``d = hours_after - hours_before`` regressed on group and
      the covariate. ``time`` is the test of its intercept and ``group_x_time`` the test of its
      group coefficient;
    * **between subjects**, the mean ``m = (hours_before + hours_after) / 2`` regressed on group
      and the covariate (an ANCOVA). ``group`` is the test of its group coefficient.

    Each test has ``df1 = 1`` and ``df2 = N - 3`` (``N - 2`` without a covariate), ``F = t^2``,
    and ``partial_eta_sq = SS_effect / (SS_effect + SS_error) = F / (F + df2)``. Scaling ``d`` and
    ``m`` by SPSS's ``1/sqrt(2)`` and ``sqrt(2)`` changes no F.

    Group is coded +1/2 for a and -1/2 for b (sum-to-zero), so the intercept of the change model
    is the unweighted mean of the two groups' adjusted changes: SPSS's Type III hypothesis for
    ``time`` when the groups differ in size. Group and interaction F do not depend on the coding.

    **The covariate is centred at the grand mean of the analysed cases**, and
    ``covariate_centre`` reports that mean. In an ANCOVA the intercept is the outcome where the
    covariate is zero, so SPSS, which enters the covariate as it is, tests ``time`` as the change
    in hours of a participant aged 0 years: an extrapolation that can be large or small whatever
    the data say. Centred, ``time`` is the change at the sample's mean age, which is what the
    chapter's readers take it to mean. Centring changes only the ``time`` test: ``group``,
    ``group_x_time`` and every error term are the same as SPSS's. The covariate's own effects
    (covariate, covariate x time) are fitted but not reported.

    Parameters
    ----------
    subjects : DataFrame
        :func:`~analysis.study_analyses.subjects.subjects`' frame: ``group`` (``"a"``/``"b"``),
        ``hours_before``, ``hours_after`` and the covariate as floats, NaN for missing.
    covariate : str or None
        The covariate column (``"age_at_inclusion"``); None runs the plain mixed ANOVA.

    Returns
    -------
    HoursByTime
        Over the participants with both hours and the covariate present (complete cases):
        ``n`` per group, ``covariate_centre``, observed ``means`` per group and time, and the
        ``time``, ``group`` and ``group_x_time`` effects. When nothing can be tested (a group
        without cases, no more cases than parameters, a covariate without variance or collinear
        with group) every F, p and partial eta squared is None and ``note`` says why; when the
        change (or the mean) is fitted exactly, only its tests are None, with a ``note``.

    Raises
    ------
    ValueError
        If a required column is missing.

    References
    ----------
    Maxwell, S. E., & Delaney, H. D. (2004). *Designing Experiments and Analyzing Data: A Model
    Comparison Perspective* (2nd ed.), chapters 9 (ANCOVA) and 14 (split-plot designs, the
    multivariate approach). Erlbaum.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"group": list("aaabbb"), "age_at_inclusion": [30, 40, 50, 35, 45, 55],
    ...     "hours_before": [0, 5, 2, 4, 0, 1], "hours_after": [10, 12, 9, 6, 3, 2]})
    >>> result = hours_by_time(frame)
    >>> result.n, result.covariate_centre, result.time.df2
    (GroupSizes(a=3, b=3), 42.5, 3)
    """
    columns = ["group", *TIMES, *([covariate] if covariate else [])]
    require_columns(subjects, columns)
    used = subjects.loc[subjects["group"].isin(GROUPS), columns].dropna()
    is_a = (used["group"] == "a").to_numpy()
    sizes = GroupSizes(a=int(is_a.sum()), b=int((~is_a).sum()))
    before = used[TIMES[0]].to_numpy("float64")
    after = used[TIMES[1]].to_numpy("float64")
    means = GroupMeans(
        *(
            TimeMeans(
                *(number(values[mask].mean()) if mask.any() else None for values in (before, after)),
            )
            for mask in (is_a, ~is_a)
        )
    )

    centre = None
    design = [np.ones(len(used)), np.where(is_a, 0.5, -0.5)]
    if covariate:
        values = used[covariate].to_numpy("float64")
        centre = number(values.mean()) if len(values) else None
        if centre is not None:
            design.append(values - values.mean())
    design_matrix = np.column_stack(design)
    parameters = design_matrix.shape[1]
    df2 = len(used) - parameters

    note = None
    empty = [group for group, size in zip(GROUPS, (sizes.a, sizes.b), strict=True) if size == 0]
    if empty:
        note = "no participant with hours before, hours after" + (f" and {covariate}" if covariate else "")
        note += " in group " + " and ".join(empty)
    elif df2 < 1:
        note = f"too few complete cases ({len(used)}) for {parameters} parameters"
    elif covariate and np.ptp(design_matrix[:, 2]) == 0:
        note = f"no variance in {covariate}"
    elif np.linalg.matrix_rank(design_matrix) < parameters:
        note = f"{covariate} is collinear with group"
    if note is not None:
        return HoursByTime(sizes, covariate, centre, means, _MISSING, _MISSING, _MISSING, note)

    change, change_exact = _fit(after - before, design_matrix)
    level, level_exact = _fit((before + after) / 2, design_matrix)
    notes = []
    if change_exact:
        notes.append("no residual variance in the change in hours: time effects cannot be tested")
    if level_exact:
        notes.append("no residual variance in mean hours: the group effect cannot be tested")
    return HoursByTime(
        n=sizes,
        covariate=covariate,
        covariate_centre=centre,
        means=means,
        time=_effect(change, 0, df2, change_exact),
        group=_effect(level, 1, df2, level_exact),
        group_x_time=_effect(change, 1, df2, change_exact),
        note="; ".join(notes) or None,
    )
