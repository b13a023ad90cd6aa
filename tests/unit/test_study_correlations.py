"""Pearson correlations among the three measures against R's ``cor.test``.

Source of the reference numbers: [R-cor.test] R documentation of ``cor.test`` (stats package),
example (Hollander & Wolfe 1973, p. 187f., "Assessment of tuna quality", 9 lots of canned tuna)
x <- c(44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1);
y <- c( 2.6,  3.1,  2.5,  5.0,  3.6,  4.0,  5.2,  2.8,  3.8);
``cor.test(x, y)`` (Pearson, two-sided): t = 1.8411, df = 7, p-value = 0.1082, cor 0.5711816.
"""

from __future__ import annotations

import dataclasses
import json
import math

import pandas as pd
import pytest

from analysis.study_analyses.correlations import correlations, pearson
from analysis.study_analyses.subjects import subjects
from tests.study_panels import t1_panel

X = [44.4, 45.9, 41.9, 53.3, 44.7, 44.1, 50.7, 45.2, 60.1]
Y = [2.6, 3.1, 2.5, 5.0, 3.6, 4.0, 5.2, 2.8, 3.8]


def _entries(long: pd.DataFrame) -> dict[tuple[str, str, str], object]:
    return {(row.sample, row.x, row.y): row for row in correlations(subjects(long))}


def test_pearson_matches_r_cor_test():
    rows = _entries(t1_panel([{"group": "a", "was": x, "rtwse": y} for x, y in zip(X, Y, strict=True)]))
    row = rows[("all", "was", "rtwse")]
    # [R-cor.test] cor 0.5711816, p-value = 0.1082, df = 7 (n = 9)
    assert row.r == pytest.approx(0.5711816, abs=5e-8)
    assert row.p == pytest.approx(0.1082, abs=5e-5)
    assert row.n == 9 and row.note is None
    # [R-cor.test] t = 1.8411 on df = 7: the r and p above belong to that t.
    assert row.r * math.sqrt(7 / (1 - row.r**2)) == pytest.approx(1.8411, abs=5e-5)
    # Group a is everyone here; group b is empty.
    assert rows[("a", "was", "rtwse")].r == row.r
    assert rows[("b", "was", "rtwse")].n == 0 and rows[("b", "was", "rtwse")].r is None


def test_samples_split_by_group():
    # The reference data in group b; five other people in group a.
    people = [{"group": "b", "was": x, "rtwexp": y} for x, y in zip(X, Y, strict=True)]
    people += [{"group": "a", "was": v, "rtwexp": v % 4} for v in (1, 2, 3, 5, 6)]
    rows = _entries(t1_panel(people))
    assert rows[("b", "was", "rtwexp")].r == pytest.approx(0.5711816, abs=5e-8)
    assert rows[("b", "was", "rtwexp")].n == 9
    assert rows[("a", "was", "rtwexp")].n == 5
    assert rows[("all", "was", "rtwexp")].n == 14


def test_pairs_are_pairwise_complete_and_rtwexp_9_is_missing():
    people = [{"was": x, "rtwse": y, "rtwexp": 2} for x, y in zip(X, Y, strict=True)]
    # rtwexp varies only among the first four; two answered "don't know" (9), three skipped it.
    for person, code in zip(people, (0, 3, 5, 1, 9, 9, None, None, None), strict=True):
        person["rtwexp"] = code
    people.append({"rtwse": 4.0, "rtwexp": 6})  # skipped was
    rows = _entries(t1_panel(people))
    assert rows[("all", "was", "rtwse")].n == 9
    assert rows[("all", "was", "rtwexp")].n == 4
    assert rows[("all", "rtwse", "rtwexp")].n == 5
    # With 9 as a number the correlation would use six pairs.
    expected = pd.Series(X[:4]).corr(pd.Series([0, 3, 5, 1], dtype=float))
    assert rows[("all", "was", "rtwexp")].r == pytest.approx(expected)


def test_drafts_are_not_used():
    answered = t1_panel([{"was": x, "rtwse": y} for x, y in zip(X, Y, strict=True)])
    draft = t1_panel([{"was": 0, "rtwse": 10}] * 3, status="pending")
    draft["study_id"] = ["D1", "D2", "D3"]
    row = _entries(pd.concat([answered, draft], ignore_index=True))[("all", "was", "rtwse")]
    assert row.n == 9 and row.r == pytest.approx(0.5711816, abs=5e-8)


def test_too_few_pairs_or_no_variance_give_null_with_a_note():
    two = pearson(pd.DataFrame({"x": [1.0, 2.0], "y": [2.0, 1.0]}), "x", "y")
    assert two.r is None and two.p is None and two.n == 2 and two.note == "fewer than 3 complete pairs"
    flat = pearson(pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [5.0, 5.0, 5.0]}), "x", "y")
    assert flat.r is None and flat.n == 3 and flat.note == "no variance in y"


def test_nine_entries_in_the_contract_shape():
    rows = correlations(subjects(t1_panel([{"was": x, "rtwse": y, "rtwexp": 1} for x, y in zip(X, Y, strict=True)])))
    assert [(row.sample, row.x, row.y) for row in rows] == [
        (sample, x, y)
        for sample in ("all", "a", "b")
        for x, y in (("was", "rtwse"), ("was", "rtwexp"), ("rtwse", "rtwexp"))
    ]
    plain = [dataclasses.asdict(row) for row in rows]
    assert list(plain[0]) == ["sample", "x", "y", "r", "p", "n", "note"]
    json.dumps(plain, allow_nan=False)
    assert type(plain[0]["r"]) is float and type(plain[0]["n"]) is int
    assert plain[1]["r"] is None and plain[1]["note"] == "no variance in rtwexp"
