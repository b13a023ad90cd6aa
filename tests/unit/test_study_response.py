"""Response and attrition per wave and programme: counts of the long rows by status.

No published reference exists for a count; the expected numbers are counted by hand from the
small panel below (each row is one participant and wave).
"""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from analysis.study_analyses.response import response

# study_id, programme, wave, months, status
ROWS = [
    ("A", "utvidet_oppfolging", "T1", 0, "answered"),
    ("A", "utvidet_oppfolging", "T2", 3, "answered"),
    ("A", "utvidet_oppfolging", "T3", 12, "pending"),
    ("B", "utvidet_oppfolging", "T1", 0, "answered"),
    ("B", "utvidet_oppfolging", "T2", 3, "missed"),
    ("B", "utvidet_oppfolging", "T3", 12, "withdrawn"),
    ("C", "kvp", "T1", 0, "missed"),
    ("C", "kvp", "T2", 3, "pending"),
    ("D", "kvp", "T1", 0, "withdrawn"),
    ("E", "external", "T1", 0, "answered"),
]


def _long(rows=ROWS) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["study_id", "programme", "wave", "months", "status"])


def _table(rows) -> dict[tuple[str, str], tuple[int, int, int, int, int, float | None]]:
    return {
        (row.wave, row.programme): (
            row.invited,
            row.answered,
            row.missed,
            row.pending,
            row.withdrawn,
            row.response_rate,
        )
        for row in rows
    }


def test_counts_invited_and_response_rate_per_wave_and_programme():
    table = _table(response(_long()))
    # Counted by hand: invited = answered + missed; pending and withdrawn count in neither.
    assert table[("T1", "all")] == (4, 3, 1, 0, 1, pytest.approx(3 / 4))
    assert table[("T1", "utvidet_oppfolging")] == (2, 2, 0, 0, 0, 1.0)
    assert table[("T1", "kvp")] == (1, 0, 1, 0, 1, 0.0)
    assert table[("T1", "external")] == (1, 1, 0, 0, 0, 1.0)
    assert table[("T2", "all")] == (2, 1, 1, 1, 0, 0.5)
    assert table[("T2", "kvp")] == (0, 0, 0, 1, 0, None)  # only a wave under way: no rate
    assert table[("T3", "all")] == (0, 0, 0, 1, 1, None)
    assert table[("T2", "external")] == (0, 0, 0, 0, 0, None)  # no row: zeros, the table stays whole


def test_waves_in_order_of_months_and_all_before_the_programmes():
    rows = response(_long())
    assert [(row.wave, row.programme) for row in rows[:4]] == [
        ("T1", "all"),
        ("T1", "external"),
        ("T1", "kvp"),
        ("T1", "utvidet_oppfolging"),
    ]
    assert [row.wave for row in rows] == ["T1"] * 4 + ["T2"] * 4 + ["T3"] * 4


def test_months_order_waves_that_labels_would_misorder():
    # A study with more waves than four: "T10" sorts before "T2" as text, not by time.
    rows = response(_long([("A", "kvp", "T10", 36, "answered"), ("A", "kvp", "T2", 3, "answered")]))
    assert [row.wave for row in rows if row.programme == "all"] == ["T2", "T10"]


def test_without_months_the_label_orders():
    rows = response(_long().drop(columns=["months"]).iloc[::-1])
    assert [row.wave for row in rows if row.programme == "all"] == ["T1", "T2", "T3"]


def test_a_csv_round_trip_gives_the_same_counts(tmp_path):
    path = tmp_path / "panel.csv"
    _long().to_csv(path, index=False)
    as_text = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    assert response(as_text) == response(_long())
    assert response(pd.read_csv(path)) == response(_long())


def test_the_databases_typed_frame_gives_the_same_counts():
    typed = _long().astype({"study_id": "string", "programme": "string", "wave": "string", "status": "string"})
    typed = typed.astype({"months": "Int64"})
    assert response(typed) == response(_long())


def test_unknown_status_and_missing_columns_are_refused():
    with pytest.raises(ValueError, match=r"unknown status.*closed"):
        response(_long([*ROWS, ("F", "kvp", "T1", 0, "closed")]))
    with pytest.raises(ValueError, match=r"lacks required column.*status"):
        response(_long().drop(columns=["status"]))
    with pytest.raises(ValueError, match="'wave' is empty"):
        response(_long([*ROWS, ("F", "kvp", None, 0, "answered")]))


def test_an_empty_panel_gives_no_rows():
    assert response(_long([])) == []


def test_the_contract_shape():
    plain = [dataclasses.asdict(row) for row in response(_long())]
    assert list(plain[0]) == [
        "wave",
        "programme",
        "invited",
        "answered",
        "missed",
        "pending",
        "withdrawn",
        "response_rate",
    ]
    assert type(plain[0]["invited"]) is int and type(plain[0]["response_rate"]) is float
    json.dumps(plain, allow_nan=False)
