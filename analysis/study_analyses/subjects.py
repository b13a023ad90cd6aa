"""One row per participant: the baseline (T1) measures and the participant-level values that the
study's analyses (``domain/study.md``, "Analyses") start from.

The long layout (``analysis/panel_frames.py``) reaches this module in two shapes: typed, out of
the database (nullable ``Int64``/``Float64``, ``string``), and as text, out of a researcher's CSV
read with ``dtype=str`` (or as pandas guesses it). Both become ``float64`` with NaN for missing
here, so that every analysis downstream sees one kind of frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from instruments.scoring import COPING_ITEMS, RTWEXP_DONT_KNOW, RTWEXP_ITEM, WAS_ITEM

__all__ = [
    "GENDER_NOT_SAID",
    "GROUP_A",
    "PARTICIPANT_VALUES",
    "REQUIRED_COLUMNS",
    "SUBJECT_COLUMNS",
    "T1_VALUES",
    "subjects",
]

GROUP_A = "utvidet_oppfolging"
#: Gender code "prefer not to say": missing for every statistic, like rtwexp's "don't know".
GENDER_NOT_SAID = 9
T1_LABEL = "T1"
ANSWERED = "answered"

#: Values that belong to the participant and are repeated on every row of the long layout.
PARTICIPANT_VALUES = ("gender", "age_at_inclusion", "hours_before", "hours_after")
#: Values taken from the participant's answered T1 row only.
T1_VALUES = (WAS_ITEM, "rtwse", *COPING_ITEMS, RTWEXP_ITEM)
REQUIRED_COLUMNS = ("study_id", "programme", "wave", "status", *PARTICIPANT_VALUES, *T1_VALUES)
#: The columns of :func:`subjects`' result, in order.
SUBJECT_COLUMNS = (
    "study_id",
    "programme",
    "group",
    "gender",
    "age_at_inclusion",
    WAS_ITEM,
    "rtwse",
    *COPING_ITEMS,
    RTWEXP_ITEM,
    "hours_before",
    "hours_after",
    "hours_change",
)

# Besides the empty cell, what R, Stata and SPSS users may leave in an edited CSV for "missing".
_MISSING_TEXT = frozenset({"", "NA", "N/A", "NaN", "nan", "."})
_EXAMPLES = 3


def require_columns(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> None:
    """Raise a ValueError naming every column of ``columns`` that ``frame`` lacks."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"the panel lacks required column(s): {', '.join(missing)}")


def text_column(series: pd.Series) -> pd.Series:
    """A key or label column as stripped text (``object`` dtype), with None for empty cells."""
    text = series.astype("string").str.strip()
    text = text.mask(text.isin(_MISSING_TEXT))
    return text.astype(object).where(text.notna(), None)


def numeric_column(series: pd.Series, name: str) -> np.ndarray:
    """A column as ``float64`` with NaN for missing, whatever its dtype (numbers, nullable
    numbers, or text from a CSV).

    Raises
    ------
    ValueError
        If a non-empty cell is not a number (naming the column and a few of the values).
    """
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype="float64", na_value=np.nan)
    text = series.astype("string").str.strip()
    text = text.mask(text.isin(_MISSING_TEXT))
    values = pd.to_numeric(text, errors="coerce")
    bad = text.notna() & values.isna()
    if bad.any():
        examples = ", ".join(repr(value) for value in text[bad].unique()[:_EXAMPLES])
        raise ValueError(f"column {name!r} has values that are not numbers: {examples}")
    return values.to_numpy(dtype="float64", na_value=np.nan)


def subjects(long: pd.DataFrame, group_a: str = GROUP_A) -> pd.DataFrame:
    """One row per participant with the values the study's analyses use.

    Baseline measures (``was``, ``rtwse``, ``rtwse_1`` .. ``rtwse_3``, ``rtwexp``) come from the
    participant's T1 row (``wave == "T1"``) when its ``status`` is ``"answered"``; a T1 that was
    missed, is pending or was withdrawn leaves them missing, so values in such a row (an unsent
    draft, a hand-edited CSV) are never used. Participant-level values (gender, age at inclusion,
    register hours) are read from any row: the first non-empty one.

    Parameters
    ----------
    long : DataFrame
        The panel in the long layout: one row per participant and wave, with at least the columns
        in :data:`REQUIRED_COLUMNS`. Numbers may be numeric (also pandas' nullable ``Int64`` and
        ``Float64``) or text as read from a CSV (``""``, ``"NA"``, ``"."`` are missing).
    group_a : str
        The programme of group ``"a"`` (the experimental one); every other programme is ``"b"``.

    Returns
    -------
    DataFrame
        Sorted by study ID, columns :data:`SUBJECT_COLUMNS`. ``study_id``, ``programme`` and
        ``group`` are text; the rest are ``float64`` with NaN for missing. ``gender`` code 9
        ("prefer not to say") and ``rtwexp`` code 9 ("don't know") are NaN;
        ``hours_change = hours_after - hours_before``.

    Raises
    ------
    ValueError
        If required columns are missing, a study ID, programme or wave is empty, a participant
        has two rows for one wave, a participant-level value or the programme differs between a
        participant's rows, or a cell that should hold a number does not.

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"study_id": ["P1", "P1"], "programme": ["kvp", "kvp"],
    ...     "wave": ["T1", "T2"], "status": ["answered", "missed"], "gender": [9, 9],
    ...     "age_at_inclusion": [30, 30], "hours_before": [0, 0], "hours_after": [10, 10],
    ...     "was": [7, None], "rtwse": [6.0, None], "rtwse_1": [6, None], "rtwse_2": [6, None],
    ...     "rtwse_3": [6, None], "rtwexp": [9, None]})
    >>> subjects(long)[["study_id", "group", "gender", "was", "rtwexp", "hours_change"]]
      study_id group  gender  was  rtwexp  hours_change
    0       P1     b     NaN  7.0     NaN          10.0
    """
    require_columns(long, REQUIRED_COLUMNS)
    keys = pd.DataFrame({column: text_column(long[column]) for column in ("study_id", "programme", "wave", "status")})
    for column in ("study_id", "programme", "wave"):
        if keys[column].isna().any():
            raise ValueError(f"column {column!r} is empty on {int(keys[column].isna().sum())} row(s)")
    twice = keys.duplicated(["study_id", "wave"])
    if twice.any():
        examples = ", ".join(keys.loc[twice, "study_id"].unique()[:_EXAMPLES])
        raise ValueError(f"two rows for one participant and wave (study ID {examples})")

    values = pd.DataFrame(
        {column: numeric_column(long[column], column) for column in (*PARTICIPANT_VALUES, *T1_VALUES)},
        index=keys.index,
    )
    frame = pd.concat([keys, values], axis=1)

    fixed = ["programme", *PARTICIPANT_VALUES]
    people = frame.groupby("study_id", sort=True)[fixed]
    differs = (people.nunique() > 1).any(axis=1)
    if differs.any():
        examples = ", ".join(differs.index[differs][:_EXAMPLES])
        raise ValueError(f"participant-level values differ between the rows of one participant (study ID {examples})")
    result = people.first()

    baseline = frame.loc[(frame["wave"] == T1_LABEL) & (frame["status"] == ANSWERED), ["study_id", *T1_VALUES]]
    result = result.join(baseline.set_index("study_id"), how="left")

    result["gender"] = result["gender"].mask(result["gender"] == GENDER_NOT_SAID)
    result[RTWEXP_ITEM] = result[RTWEXP_ITEM].mask(result[RTWEXP_ITEM] == RTWEXP_DONT_KNOW)
    result["hours_change"] = result["hours_after"] - result["hours_before"]
    result["group"] = np.where(result["programme"] == group_a, "a", "b")
    result = result.reset_index()
    numeric = [column for column in SUBJECT_COLUMNS if column not in ("study_id", "programme", "group")]
    result[numeric] = result[numeric].astype("float64")
    return result[list(SUBJECT_COLUMNS)].astype({"study_id": object, "programme": object, "group": object})
