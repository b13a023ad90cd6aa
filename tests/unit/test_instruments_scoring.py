"""Scores of the three measures."""

import pytest

from instruments import RtwExpectation, coping_beliefs_score, rtw_expectation, score_wave, work_capacity_band

BANDS = ["poor"] * 6 + ["moderate"] * 2 + ["good"] * 2 + ["excellent"]


@pytest.mark.parametrize(("was", "band"), list(enumerate(BANDS)))
def test_work_capacity_band_at_every_point(was, band):
    assert work_capacity_band(was) == band


@pytest.mark.parametrize("was", [-1, 11, 5.5, True, "7"])
def test_work_capacity_band_rejects_values_off_the_scale(was):
    with pytest.raises(ValueError):
        work_capacity_band(was)


def test_work_capacity_band_of_a_skipped_answer():
    assert work_capacity_band(None) is None


@pytest.mark.parametrize(
    ("values", "score"),
    [
        ((7, None, 8), 7.5),
        ((None, 1, 2), 1.5),
        ((1, 2, 2), 5 / 3),
        ((10, 10, 10), 10.0),
        ((1, 1, None), 1.0),
        ((7, None, None), None),
        ((None, None, None), None),
    ],
)
def test_coping_beliefs_mean_needs_two_of_three(values, score):
    assert coping_beliefs_score(values) == score


@pytest.mark.parametrize("values", [(0, 5, 5), (5, 11, None), (5, 5.5, 5), (True, 5, 5), (5, 5), (5, 5, 5, 5)])
def test_coping_beliefs_rejects_bad_values(values):
    with pytest.raises(ValueError):
        coping_beliefs_score(values)


def test_rtw_expectation_codes():
    assert rtw_expectation(None) == RtwExpectation(None, None, False)
    assert rtw_expectation(9) == RtwExpectation(9, None, True)
    for code in range(9):
        assert rtw_expectation(code) == RtwExpectation(code, code, False)
    for bad in (-1, 10, 4.0, False):
        with pytest.raises(ValueError):
            rtw_expectation(bad)


def test_score_wave():
    scores = score_wave({"was": 6, "rtwse_1": 7, "rtwse_2": None, "rtwse_3": 8, "rtwexp": 3, "work_now": 1})
    assert scores.to_dict() == {
        "work_capacity": 6,
        "work_capacity_band": "moderate",
        "coping_beliefs": 7.5,
        "coping_beliefs_items_answered": 2,
        "rtw_expectation": 3,
        "rtw_expectation_dont_know": False,
    }


def test_score_wave_with_nothing_answered():
    assert score_wave({}).to_dict() == {
        "work_capacity": None,
        "work_capacity_band": None,
        "coping_beliefs": None,
        "coping_beliefs_items_answered": 0,
        "rtw_expectation": None,
        "rtw_expectation_dont_know": False,
    }


def test_score_wave_with_dont_know():
    scores = score_wave({"rtwexp": 9, "rtwse_2": 4})
    assert (scores.rtw_expectation, scores.rtw_expectation_dont_know) == (None, True)
    assert (scores.coping_beliefs, scores.coping_beliefs_items_answered) == (None, 1)
