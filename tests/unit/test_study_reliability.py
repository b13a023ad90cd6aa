"""Cronbach's alpha of the coping-belief items against published values.

Sources of the reference numbers:

* [ZHAW] J. Degenfellner, ZHAW teaching script ``Cronbach_alpha.R``
  (github.com/jdegenfellner/ZHAW_Teaching): three items Q1..Q3 of ten respondents (below),
  ``ltm::cronbach.alpha(data)`` gives 0.773, the variance formula 0.7734375.
* [pingouin] pingouin 0.6.0, ``pingouin.cronbach_alpha`` docstring (src/pingouin/reliability.py)
  (github.com/raphaelvallat/pingouin): dataset ``cronbach_wide_missing`` (11 binary items,
  12 respondents, 4 missing answers, written out below), "In R: psych:alpha(data,
  use="complete.obs")" -> 0.8016949152542373 after listwise deletion.
"""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction
from statistics import variance

import numpy as np
import pandas as pd
import pytest

from analysis.study_analyses.reliability import cronbach_alpha, reliability
from analysis.study_analyses.subjects import subjects
from tests.study_panels import t1_panel

# [ZHAW] Q1, Q2, Q3 of ten respondents.
ZHAW = {
    "rtwse_1": [1, 2, 2, 3, 2, 2, 3, 3, 2, 3],
    "rtwse_2": [1, 1, 1, 2, 3, 3, 2, 3, 3, 3],
    "rtwse_3": [1, 1, 2, 1, 2, 3, 3, 3, 2, 3],
}
# [pingouin] cronbach_wide_missing.csv, one row per respondent, None = missing.
WIDE_MISSING = [
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0],
    [None, 0, 1, 1, None, 1, 1, 1, 1, 0, 0],
    [1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0],
    [1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0],
    [0, 1, None, 0, 1, 1, 1, 1, 0, 0, 0],
    [1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
    [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
    [0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 0],
    [1, 0, 0, 1, 0, 1, 0, 0, None, 0, 0],
    [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
]


def _respondents(items: dict[str, list]) -> list[dict]:
    """The published data come item by item; the shared builder takes them person by person."""
    # All in kvp: reliability() pools every answered T1 case, so the programme plays no part.
    return [{"group": "b", **dict(zip(items, answers, strict=True))} for answers in zip(*items.values(), strict=True)]


def test_alpha_of_three_items_matches_ltm():
    result = reliability(subjects(t1_panel(_respondents(ZHAW)))).rtwse
    # [ZHAW] ltm::cronbach.alpha -> 0.773; by the variance formula 0.7734375.
    assert result.alpha == pytest.approx(0.773, abs=5e-4)
    assert result.alpha == pytest.approx(0.7734375, abs=1e-12)
    assert (result.n, result.items, result.note) == (10, 3, None)


def test_alpha_agrees_with_an_exact_hand_calculation():
    # Independent of numpy and pandas: exact fractions with the standard library's variance.
    items = [[Fraction(v) for v in values] for values in ZHAW.values()]
    total = [sum(row) for row in zip(*items, strict=True)]
    k = Fraction(len(items))
    exact = k / (k - 1) * (1 - sum(variance(item) for item in items) / variance(total))
    assert exact == Fraction(99, 128)  # = 0.7734375
    assert reliability(subjects(t1_panel(_respondents(ZHAW)))).rtwse.alpha == pytest.approx(float(exact), abs=1e-15)


def test_listwise_deletion_matches_psych_alpha_complete_obs():
    frame = pd.DataFrame(WIDE_MISSING, columns=[f"Q{i}" for i in range(1, 12)], dtype="float64")
    result = cronbach_alpha(frame)
    # [pingouin] psych::alpha(data, use = "complete.obs") -> 0.8016949152542373
    assert result.alpha == pytest.approx(0.8016949152542373, abs=1e-12)
    assert (result.n, result.items) == (9, 11)


def test_only_complete_answered_t1_cases_count():
    items = {column: [*values, None] for column, values in ZHAW.items()}
    items["rtwse_3"][-1] = 3  # an eleventh respondent skipped two items: left out listwise
    answered = t1_panel(_respondents(items))
    # Later waves and a pending T1 that carries values (a draft in an edited CSV) are not T1 answers.
    later = t1_panel(_respondents({column: [10] * 4 for column in ZHAW}), wave="T2")
    draft = t1_panel(
        _respondents({"rtwse_1": [1, 10], "rtwse_2": [10, 1], "rtwse_3": [5, 5]}), status="pending", prefix="D"
    )
    long = pd.concat([answered, later, draft], ignore_index=True)
    result = reliability(subjects(long)).rtwse
    assert result.n == 10 and result.alpha == pytest.approx(0.7734375, abs=1e-12)


def test_too_few_cases_or_no_variance_give_null_with_a_note():
    one = reliability(
        subjects(t1_panel(_respondents({"rtwse_1": [3, 4], "rtwse_2": [3, None], "rtwse_3": [3, 5]})))
    ).rtwse
    assert one.alpha is None and one.n == 1 and one.items == 3
    assert one.note == "fewer than 2 cases with every item answered"
    flat = reliability(
        subjects(t1_panel(_respondents({"rtwse_1": [4, 4], "rtwse_2": [5, 5], "rtwse_3": [6, 6]})))
    ).rtwse
    assert flat.alpha is None and flat.n == 2 and flat.note == "no variance in the sum score"
    nobody = reliability(
        subjects(t1_panel(_respondents({"rtwse_1": [None], "rtwse_2": [None], "rtwse_3": [None]})))
    ).rtwse
    assert nobody.alpha is None and nobody.n == 0


def test_the_contract_shape():
    plain = dataclasses.asdict(reliability(subjects(t1_panel(_respondents(ZHAW)))))
    assert list(plain) == ["rtwse"] and list(plain["rtwse"]) == ["alpha", "n", "items", "note"]
    assert type(plain["rtwse"]["alpha"]) is float and not isinstance(plain["rtwse"]["alpha"], np.floating)
    json.dumps(plain, allow_nan=False)


def test_missing_items_are_named():
    with pytest.raises(ValueError, match="rtwse_3"):
        reliability(subjects(t1_panel(_respondents(ZHAW))).drop(columns=["rtwse_3"]))
