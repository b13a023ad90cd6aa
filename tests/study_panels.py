"""Small long-format panels for the unit tests of the study analyses (``analysis/study_analyses``).

The analyses start from :func:`analysis.study_analyses.subjects.subjects`, which reads the long
layout (one row per participant and wave). The tests state their reference data per person; the
builder here turns those into that layout, so each test file says only what its case is about.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["COLUMNS", "GROUP_A", "t1_panel"]

# Spelled out here rather than imported from the code under test, so that a column the analyses
# stop reading (or start to need) shows up as a failing test, not as a silently changed fixture.
GROUP_A = "utvidet_oppfolging"
# The columns subjects() reads, in the long layout's order. ``months`` is left out: no analysis
# that starts from subjects() reads it (the T1 row is found by its wave label).
COLUMNS = (
    "study_id",
    "programme",
    "wave",
    "status",
    "gender",
    "age_at_inclusion",
    "hours_before",
    "hours_after",
    "was",
    "rtwse_1",
    "rtwse_2",
    "rtwse_3",
    "rtwexp",
    "rtwse",
)


def t1_panel(
    people: list[dict],
    *,
    wave: str = "T1",
    status: str = "answered",
    prefix: str = "P",
) -> pd.DataFrame:
    """One long-layout row per person, all of the same wave and status.

    Parameters
    ----------
    people : list of dict
        Per person, the values of any of :data:`COLUMNS` (absent ones stay empty), plus
        ``group``: "a" for :data:`GROUP_A`, anything else for "kvp"; "a" when not given.
    wave : str
        The wave label of every row; T1 unless a test needs rows that are not baseline answers.
    status : str
        The status of every row; "pending" gives drafts that carry values but do not count.
    prefix : str
        Start of the study IDs ``{prefix}000``, ``{prefix}001``, ... (numbered in list order).
        A second panel with another prefix holds other people; one with the same prefix holds
        the same people again (another wave of them).

    Returns
    -------
    DataFrame
        With exactly the columns :data:`COLUMNS`, in that order; empty cells are NaN.
    """
    rows = [
        {
            "study_id": f"{prefix}{number:03d}",
            "programme": GROUP_A if person.get("group", "a") == "a" else "kvp",
            "wave": wave,
            "status": status,
            **{key: value for key, value in person.items() if key != "group"},
        }
        for number, person in enumerate(people)
    ]
    # reindex, not the constructor's columns=: it also fixes the order and adds the columns that
    # no person has, so every panel has the shape of the real export whatever the test supplies.
    return pd.DataFrame(rows).reindex(columns=COLUMNS)
