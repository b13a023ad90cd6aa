"""The panel's two layouts (DESIGN.md, "Contracts"): long, one row per participant and wave, and
wide, one row per participant with the wave columns suffixed ``_t1`` .. ``_t4``.

Pure functions over DataFrames: the database side (``survey_app/services/panel_export.py``) and
a researcher's own CSV both end up here, so the two layouts are the same whatever the source.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from instruments import Instrument
from instruments.scoring import COPING_ITEMS, RTWEXP_ITEM, WAS_ITEM

# Columns of the long layout in the contract's order: who, which wave, participant-level values
# repeated on every row, then the items and scores (see :func:`item_columns`).
KEY_COLUMNS = ("study_id", "programme")
WAVE_COLUMNS = ("wave", "months", "status", "answered_on", "mode", "instrument_version")
PARTICIPANT_COLUMNS = ("gender", "birth_year", "age_at_inclusion", "hours_before", "hours_after")
MEASURE_ITEMS = (WAS_ITEM, *COPING_ITEMS, RTWEXP_ITEM)
SCORE_COLUMNS = ("rtwse",)
STATUSES = ("answered", "missed", "pending", "withdrawn")


def item_columns(instrument: Instrument) -> list[str]:
    """The item and score columns of the long layout: the three measures' items, the coping
    score, then every other item in questionnaire order. A multi-select item becomes one 0/1
    column per option (``benefits_aap``), which every statistics package reads as it is; the
    participant-level items (gender, birth year) are not repeated here.

    Parameters
    ----------
    instrument : Instrument
        The questionnaire version the panel was collected with.

    Returns
    -------
    list of str
    """
    columns = [*MEASURE_ITEMS, *SCORE_COLUMNS]
    for item in instrument.items:
        if item.id in MEASURE_ITEMS or item.id in PARTICIPANT_COLUMNS:
            continue
        if item.kind == "multi":
            columns.extend(f"{item.id}_{option.code}" for option in item.options)
        else:
            columns.append(item.id)
    return columns


def long_columns(instrument: Instrument) -> list[str]:
    """Every column of the long layout, in order."""
    return [*KEY_COLUMNS, *WAVE_COLUMNS, *PARTICIPANT_COLUMNS, *item_columns(instrument)]


def _suffix(label: str) -> str:
    return "_" + label.lower()


def to_wide(long: pd.DataFrame, wave_labels: Sequence[str] = ("T1", "T2", "T3", "T4")) -> pd.DataFrame:
    """One row per participant: the keys and participant-level columns once, every other column
    once per wave with the wave's suffix (``was_t1`` .. ``was_t4``).

    Parameters
    ----------
    long : DataFrame
        The long layout (one row per participant and wave); participant-level columns must be
        the same on every row of a participant.
    wave_labels : sequence of str
        The study's waves, in order: a wave no participant has still gets its columns.

    Returns
    -------
    DataFrame
        Sorted by study ID; columns: keys, participant-level, then per wave its columns.

    Raises
    ------
    ValueError
        If a participant has two rows for one wave, or participant-level values differ between
        a participant's rows.
    """
    if long.duplicated(["study_id", "wave"]).any():
        raise ValueError("two rows for one participant and wave: the long layout has one row per participant and wave")
    fixed = [column for column in (*KEY_COLUMNS, *PARTICIPANT_COLUMNS) if column in long.columns]
    varying = [column for column in long.columns if column not in fixed and column != "wave"]
    people = long[fixed].drop_duplicates()
    if people["study_id"].duplicated().any():
        raise ValueError("participant-level columns differ between the rows of one participant")
    wide = people.set_index("study_id")
    for label in wave_labels:
        rows = long.loc[long["wave"] == label, ["study_id", *varying]].set_index("study_id")
        rows = rows.reindex(wide.index)
        rows.columns = [column + _suffix(label) for column in varying]
        wide = wide.join(rows)
    return wide.reset_index().sort_values("study_id", kind="stable").reset_index(drop=True)


def to_long(wide: pd.DataFrame, wave_labels: Sequence[str] = ("T1", "T2", "T3", "T4")) -> pd.DataFrame:
    """The inverse of :func:`to_wide`: one row per participant and wave that has a status.

    Parameters
    ----------
    wide : DataFrame
        The wide layout.
    wave_labels : sequence of str
        The waves whose suffixed columns to read.

    Returns
    -------
    DataFrame
        Sorted by study ID and wave order.
    """
    suffixes = {label: _suffix(label) for label in wave_labels}
    varying_by_wave = {
        label: [column for column in wide.columns if column.endswith(suffix)] for label, suffix in suffixes.items()
    }
    fixed = [column for column in wide.columns if not any(column in cols for cols in varying_by_wave.values())]
    frames = []
    for position, (label, columns) in enumerate(varying_by_wave.items()):
        part = wide[fixed + columns].copy()
        part.columns = fixed + [column[: -len(suffixes[label])] for column in columns]
        part.insert(len(KEY_COLUMNS), "wave", label)
        part["_order"] = position
        frames.append(part[part["status"].notna()] if "status" in part.columns else part)
    long = pd.concat(frames, ignore_index=True)
    ordered = [column for column in (*KEY_COLUMNS, *WAVE_COLUMNS, *PARTICIPANT_COLUMNS) if column in long.columns]
    rest = [column for column in long.columns if column not in ordered and column != "_order"]
    long = long.sort_values(["study_id", "_order"], kind="stable")
    return long[ordered + rest].reset_index(drop=True)
