"""All of the study's analyses (``domain/study.md``, "Analyses") over one long-format panel, as
the JSON document ``mestring analyse --json`` writes (its shape is in the README)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pandas as pd

from analysis.study_analyses.baseline import baseline
from analysis.study_analyses.correlations import correlations
from analysis.study_analyses.hours_by_time import hours_by_time
from analysis.study_analyses.prediction import prediction
from analysis.study_analyses.reliability import reliability
from analysis.study_analyses.response import response
from analysis.study_analyses.subjects import subjects

GROUP_A = "utvidet_oppfolging"


def _plain(value: object) -> object:
    return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value


def analyse(
    long: pd.DataFrame,
    group_a: str = GROUP_A,
    *,
    snapshot: dt.datetime,
    source: str,
    version: str,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """The study's analyses of a long-format panel.

    Parameters
    ----------
    long : DataFrame
        The long layout (``analysis/panel_frames.py``), from the database or a researcher's CSV.
    group_a : str
        The experimental programme; group b is every other programme.
    snapshot : datetime
        When the data were taken (the database read, or the file's last change); timezone-aware.
    source : str
        ``"database"`` or ``"file:<name>"``.
    version : str
        The mestring version that ran the analyses.
    progress : callable, optional
        Called as ``progress(done, total)`` after each of the analyses.

    Returns
    -------
    dict
        JSON-ready: ``meta``, ``baseline``, ``hours_by_time``, ``prediction``, ``correlations``,
        ``reliability`` and ``response`` (see the README for every key).

    Raises
    ------
    ValueError
        If no participant is in ``group_a`` (a mistyped programme would otherwise compare
        nobody with everybody), or if required columns are missing.
    """
    programmes = sorted(set(long["programme"].dropna())) if "programme" in long.columns else []
    if group_a not in programmes:
        raise ValueError(f"no participant in programme {group_a!r}; the panel has: {', '.join(programmes) or 'none'}")
    people = subjects(long, group_a)
    steps: list[tuple[str, Callable[[], object]]] = [
        ("baseline", lambda: [_plain(row) for row in baseline(people)]),
        ("hours_by_time", lambda: _plain(hours_by_time(people))),
        ("prediction", lambda: _plain(prediction(people))),
        ("correlations", lambda: [_plain(row) for row in correlations(people)]),
        ("reliability", lambda: _plain(reliability(people))),
        ("response", lambda: [_plain(row) for row in response(long)]),
    ]
    counts = people["group"].value_counts()
    result: dict = {
        "meta": {
            "snapshot": snapshot.isoformat(timespec="seconds"),
            "mestring_version": version,
            "input": source,
            "group_a": group_a,
            "n": {"a": int(counts.get("a", 0)), "b": int(counts.get("b", 0))},
        }
    }
    for done, (key, run) in enumerate(steps, start=1):
        result[key] = run()
        if progress:
            progress(done, len(steps))
    return result
