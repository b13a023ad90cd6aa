"""Histories and suggestions from the panel's long format (one row per participant and wave).

Columns follow DESIGN.md: ``study_id``, ``wave`` and ``status`` are required; ``was``,
``rtwse`` (or ``rtwse_1..3``), ``rtwexp``, ``work_now`` and ``answered_on`` are read when present.
An empty cell means not answered.
"""

from __future__ import annotations

import datetime
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from instruments import WAVES, coping_beliefs_score
from instruments.scoring import COPING_ITEMS, RTWEXP_ITEM, WAS_ITEM

from .model import WaveRecord
from .rules import RuleSet
from .suggest import suggest

REQUIRED_COLUMNS = ("study_id", "wave", "status")
COPING_SCORE_COLUMN = "rtwse"
WORK_NOW_COLUMN = "work_now"
ANSWERED_ON_COLUMN = "answered_on"


def _blank(value: Any) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    return not isinstance(value, str) and bool(pd.isna(value))


def _whole(value: Any, column: str) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, str):
        value = value.strip()
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"column {column!r} must hold whole numbers, not {value!r}") from None
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real) or value != int(value):
        raise ValueError(f"column {column!r} must hold whole numbers, not {value!r}")
    return int(value)


def _number(value: Any, column: str) -> float | None:
    if _blank(value):
        return None
    try:
        if isinstance(value, bool | np.bool_):
            raise ValueError
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"column {column!r} must hold numbers, not {value!r}") from None


def _yes_no(value: Any, column: str) -> bool | None:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    code = _whole(value, column)
    if code not in (None, 0, 1):
        raise ValueError(f"column {column!r} must hold 1 (yes) or 0 (no), not {value!r}")
    return None if code is None else bool(code)


def _date(value: Any, column: str) -> datetime.date | None:
    if _blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        # A timestamp keeps the date it was written with; only the day matters here.
        return datetime.date.fromisoformat(str(value).strip()[: len("YYYY-MM-DD")])
    except ValueError:
        raise ValueError(f"column {column!r} must hold dates (YYYY-MM-DD), not {value!r}") from None


def _coping(row: Mapping[str, Any], columns: set[str]) -> float | None:
    if COPING_SCORE_COLUMN in columns:
        return _number(row[COPING_SCORE_COLUMN], COPING_SCORE_COLUMN)
    if columns & set(COPING_ITEMS):
        return coping_beliefs_score([_whole(row[item], item) for item in COPING_ITEMS])
    return None


def _record(row: Mapping[str, Any], columns: set[str]) -> WaveRecord:
    def optional(column: str, read: Any) -> Any:
        return read(row[column], column) if column in columns else None

    return WaveRecord(
        wave=str(row["wave"]).strip() if not _blank(row["wave"]) else "",
        status=str(row["status"]).strip() if not _blank(row["status"]) else "",
        work_capacity=optional(WAS_ITEM, _whole),
        coping_beliefs=_coping(row, columns),
        rtw_expectation=optional(RTWEXP_ITEM, _whole),
        in_paid_work=optional(WORK_NOW_COLUMN, _yes_no),
        answered_on=optional(ANSWERED_ON_COLUMN, _date),
    )


def histories_from_long(frame: pd.DataFrame) -> dict[str, list[WaveRecord]]:
    """Each participant's wave history from a long-format panel.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per participant and wave. Coping beliefs come from ``rtwse`` when that column
        exists, else from ``rtwse_1..3`` as their mean when at least 2 of 3 are answered.

    Returns
    -------
    dict of str to list of WaveRecord
        Keyed by study ID in sorted order; each history in wave order.

    Raises
    ------
    ValueError
        If a required column is missing, only some of ``rtwse_1..3`` are present, a participant
        has the same wave twice, or a cell holds a value outside its range (the message names
        the row, the study ID and the column or value).
    """
    columns = {str(column) for column in frame.columns}
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise ValueError(f"the long-format panel lacks the required column(s) {', '.join(missing)}")
    items = [item for item in COPING_ITEMS if item in columns]
    if COPING_SCORE_COLUMN not in columns and items and len(items) != len(COPING_ITEMS):
        absent = [item for item in COPING_ITEMS if item not in columns]
        raise ValueError(f"the long-format panel has {', '.join(items)} but lacks {', '.join(absent)}")
    histories: dict[str, list[WaveRecord]] = {}
    for index, row in zip(frame.index, frame.to_dict("records"), strict=True):
        study_id = "" if _blank(row["study_id"]) else str(row["study_id"]).strip()
        try:
            if not study_id:
                raise ValueError("study_id is empty")
            record = _record(row, columns)
            if any(earlier.wave == record.wave for earlier in histories.get(study_id, ())):
                raise ValueError(f"wave {record.wave} appears twice")
        except ValueError as exc:
            raise ValueError(f"long-format panel, row {index} (study_id {study_id!r}): {exc}") from exc
        histories.setdefault(study_id, []).append(record)
    return {key: sorted(histories[key], key=lambda record: WAVES.index(record.wave)) for key in sorted(histories)}


def suggest_panel(frame: pd.DataFrame, rules: RuleSet | None = None) -> list[dict]:
    """A follow-up suggestion per participant of a long-format panel.

    Parameters
    ----------
    frame : pandas.DataFrame
        As for :func:`histories_from_long`.
    rules : RuleSet or None
        None means the packaged default rule set.

    Returns
    -------
    list of dict
        :meth:`Suggestion.as_dict` plus ``study_id``, sorted by study ID.

    Raises
    ------
    ValueError
        As :func:`histories_from_long`.
    """
    histories = histories_from_long(frame)
    return [{"study_id": key, **suggest(history, rules).as_dict()} for key, history in histories.items()]
