"""Pearson correlations among the three measures at T1 (the chapter's Table 5), in the whole
sample and per group."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.study_analyses._numbers import number
from analysis.study_analyses.subjects import require_columns

__all__ = ["MIN_PAIRS", "PAIRS", "SAMPLES", "CorrelationRow", "correlations", "pearson"]

#: The pairs of measures, in the table's order.
PAIRS = (("was", "rtwse"), ("was", "rtwexp"), ("rtwse", "rtwexp"))
SAMPLES = ("all", "a", "b")
#: R's ``cor.test`` refuses fewer than three pairs: with two, r is +-1 whatever the data.
MIN_PAIRS = 3


@dataclass(frozen=True)
class CorrelationRow:
    """Pearson's ``r`` of ``x`` and ``y`` in ``sample`` with its two-sided ``p`` and ``n`` pairs."""

    sample: str
    x: str
    y: str
    r: float | None
    p: float | None
    n: int
    note: str | None


def pearson(frame: pd.DataFrame, x: str, y: str, sample: str = "all") -> CorrelationRow:
    """Pearson's product-moment correlation of two columns over their complete pairs.

    ``r = cov(x, y) / (s_x s_y)``, tested with ``t = r sqrt((n - 2) / (1 - r^2))`` on ``n - 2``
    df, two-sided, as R's ``cor.test(x, y)`` (:func:`scipy.stats.pearsonr`).

    Parameters
    ----------
    frame : DataFrame
        Numeric columns ``x`` and ``y``, NaN for missing (pairwise deletion).
    x, y : str
        Column names.
    sample : str
        The label of the sample, copied into the result.

    Returns
    -------
    CorrelationRow
        ``r`` and ``p`` None (with a ``note``) below :data:`MIN_PAIRS` pairs or when a column
        does not vary over the pairs.
    """
    pairs = frame[[x, y]].dropna()
    n = len(pairs)
    note = None
    if n < MIN_PAIRS:
        note = f"fewer than {MIN_PAIRS} complete pairs"
    else:
        constant = [column for column in (x, y) if np.ptp(pairs[column].to_numpy("float64")) == 0]
        if constant:
            note = "no variance in " + " and ".join(constant)
    if note is not None:
        return CorrelationRow(sample, x, y, None, None, n, note)
    result = stats.pearsonr(pairs[x].to_numpy("float64"), pairs[y].to_numpy("float64"))
    return CorrelationRow(sample, x, y, number(result.statistic), number(result.pvalue), n, None)


def correlations(subjects: pd.DataFrame) -> list[CorrelationRow]:
    """Pearson's r, p and n for each pair of :data:`PAIRS` in the whole sample, group a and b.

    Parameters
    ----------
    subjects : DataFrame
        :func:`~analysis.study_analyses.subjects.subjects`' frame: ``group``, ``was``, ``rtwse``,
        ``rtwexp`` (code 9 already missing), one row per participant.

    Returns
    -------
    list of CorrelationRow
        Nine entries, sample by sample (``all``, ``a``, ``b``) and within each in the order of
        :data:`PAIRS`; each uses the participants with both values (so n differs per entry).

    Raises
    ------
    ValueError
        If a required column is missing.

    References
    ----------
    R Core Team. ``cor.test`` in R's stats package (method = "pearson").
    """
    require_columns(subjects, ["group", *dict.fromkeys(column for pair in PAIRS for column in pair)])
    rows = []
    for sample in SAMPLES:
        part = subjects if sample == "all" else subjects[subjects["group"] == sample]
        rows.extend(pearson(part, x, y, sample) for x, y in PAIRS)
    return rows
