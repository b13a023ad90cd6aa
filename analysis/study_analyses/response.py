"""Response and attrition per wave: how many waves came due, were answered, missed, are still
under way, or were withdrawn, per programme and overall."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.study_analyses._numbers import number
from analysis.study_analyses.subjects import numeric_column, require_columns, text_column

__all__ = ["ALL", "STATUSES", "ResponseRow", "response"]

STATUSES = ("answered", "missed", "pending", "withdrawn")
#: The programme label of the rows that count every programme.
ALL = "all"


@dataclass(frozen=True)
class ResponseRow:
    """One wave in one programme (or ``"all"``): counts of long rows by status.

    ``invited = answered + missed``: the waves that came due for people still taking part (a
    pending wave is still under way, a withdrawn one never came due); ``response_rate =
    answered / invited``, None when nothing came due.
    """

    wave: str
    programme: str
    invited: int
    answered: int
    missed: int
    pending: int
    withdrawn: int
    response_rate: float | None


def _wave_order(waves: pd.Series, months: pd.Series | None) -> list[str]:
    labels = pd.DataFrame({"wave": waves, "months": months if months is not None else float("nan")})
    # A wave's offset in months orders it (T1 before T2 whatever the labels); an edited CSV may
    # lack some offsets, so the label breaks ties and waves without one come last.
    first = labels.groupby("wave")["months"].min().reset_index()
    return first.sort_values(["months", "wave"], na_position="last", kind="stable")["wave"].tolist()


def response(long: pd.DataFrame) -> list[ResponseRow]:
    """Counts of the panel's rows by status, per wave and programme.

    Parameters
    ----------
    long : DataFrame
        The panel in the long layout: ``programme``, ``wave`` and ``status`` (one of
        :data:`STATUSES`) are required; ``months`` (the wave's offset) orders the waves when
        present, text or numeric.

    Returns
    -------
    list of ResponseRow
        Waves in order of their offset in months, then label; within each wave first the
        programme ``"all"``, then every programme of the panel in alphabetical order (with zero
        counts where a programme has no row for the wave, so the table stays rectangular).

    Raises
    ------
    ValueError
        If a required column is missing, a programme, wave or status is empty, or a status is
        not one of :data:`STATUSES`.
    """
    require_columns(long, ["programme", "wave", "status"])
    rows = pd.DataFrame({column: text_column(long[column]) for column in ("programme", "wave", "status")})
    for column in ("programme", "wave", "status"):
        if rows[column].isna().any():
            raise ValueError(f"column {column!r} is empty on {int(rows[column].isna().sum())} row(s)")
    unknown = sorted(set(rows["status"]) - set(STATUSES))
    if unknown:
        raise ValueError(f"unknown status(es) {', '.join(unknown)}; expected one of {', '.join(STATUSES)}")
    months = pd.Series(numeric_column(long["months"], "months"), index=rows.index) if "months" in long else None
    waves = _wave_order(rows["wave"], months)
    programmes = sorted(rows["programme"].unique())

    per_programme = (
        rows.groupby(["wave", "programme", "status"])
        .size()
        .unstack("status", fill_value=0)
        .reindex(index=pd.MultiIndex.from_product([waves, programmes]), columns=list(STATUSES), fill_value=0)
    )
    per_wave = per_programme.groupby(level=0, sort=False).sum()
    result = []
    for wave in waves:
        for programme in (ALL, *programmes):
            table = per_wave.loc[wave] if programme == ALL else per_programme.loc[(wave, programme)]
            counts = {status: int(table[status]) for status in STATUSES}
            invited = counts["answered"] + counts["missed"]
            rate = number(counts["answered"] / invited) if invited else None
            result.append(ResponseRow(wave, programme, invited, **counts, response_rate=rate))
    return result
