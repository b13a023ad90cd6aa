"""Internal consistency of the coping-belief scale: Cronbach's alpha of its three items at T1."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.study_analyses._numbers import number
from analysis.study_analyses.subjects import require_columns
from instruments.scoring import COPING_ITEMS

__all__ = ["CronbachAlpha", "Reliability", "cronbach_alpha", "reliability"]


@dataclass(frozen=True)
class CronbachAlpha:
    """Cronbach's ``alpha`` over ``n`` complete cases of ``items`` items."""

    alpha: float | None
    n: int
    items: int
    note: str | None


@dataclass(frozen=True)
class Reliability:
    """The reliability of each multi-item scale; the study has one, ``rtwse``."""

    rtwse: CronbachAlpha


def cronbach_alpha(items: pd.DataFrame) -> CronbachAlpha:
    """Cronbach's coefficient alpha of the columns of ``items``, listwise.

    ``alpha = k / (k - 1) * (1 - sum(s_i^2) / s_X^2)`` with ``k`` items, ``s_i^2`` the variance of
    item ``i`` and ``s_X^2`` the variance of the sum score, all with ``ddof=1`` (Cronbach, 1951).
    Only cases with every item answered are used, as SPSS's RELIABILITY does, R's
    ``ltm::cronbach.alpha(na.rm = TRUE)`` and ``psych::alpha(use = "complete.obs")``.

    Parameters
    ----------
    items : DataFrame
        One numeric column per item, one row per case, NaN for missing.

    Returns
    -------
    CronbachAlpha
        ``alpha`` None (with a ``note``) with fewer than two items or two complete cases, or when
        the sum score does not vary (alpha is then 0/0).

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297-334.
    """
    complete = items.dropna()
    n, k = complete.shape
    note = None
    if k < 2:
        note = "fewer than 2 items"
    elif n < 2:
        note = "fewer than 2 cases with every item answered"
    else:
        total_variance = complete.sum(axis=1).var(ddof=1)
        if total_variance == 0:
            note = "no variance in the sum score"
    if note is not None:
        return CronbachAlpha(None, n, k, note)
    alpha = k / (k - 1) * (1 - complete.var(ddof=1).sum() / total_variance)
    return CronbachAlpha(number(alpha), n, k, None)


def reliability(subjects: pd.DataFrame) -> Reliability:
    """Cronbach's alpha of the coping-belief items ``rtwse_1`` .. ``rtwse_3`` at T1.

    Parameters
    ----------
    subjects : DataFrame
        :func:`~analysis.study_analyses.subjects.subjects`' frame (T1 answers only).

    Returns
    -------
    Reliability
        ``dataclasses.asdict`` gives ``{"rtwse": {"alpha", "n", "items", "note"}}``.

    Raises
    ------
    ValueError
        If an item column is missing.
    """
    require_columns(subjects, list(COPING_ITEMS))
    return Reliability(rtwse=cronbach_alpha(subjects[list(COPING_ITEMS)].astype("float64")))
