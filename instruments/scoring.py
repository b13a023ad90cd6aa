"""Scores of the three measures from one wave's clean answers.

The item ids, ranges and band limits below are the single source for scoring;
the questionnaire definition names the same items in their ``measure`` field
(a test keeps the two in step).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

WAS_ITEM = "was"
COPING_ITEMS = ("rtwse_1", "rtwse_2", "rtwse_3")
RTWEXP_ITEM = "rtwexp"
MEASURE_ITEMS = {
    "work_capacity": (WAS_ITEM,),
    "coping_beliefs": COPING_ITEMS,
    "rtw_expectation": (RTWEXP_ITEM,),
}

# Band name and inclusive limits of the Work Ability Score, in rising order.
WORK_CAPACITY_BANDS = (("poor", 0, 5), ("moderate", 6, 7), ("good", 8, 9), ("excellent", 10, 10))
COPING_RANGE = (1, 10)
# Our rule for a valid coping score; the sources give none.
COPING_MIN_ANSWERED = 2
# Codes 0..8 are ordinal (longer expected wait); "don't know" is off the scale.
RTWEXP_ORDINAL_RANGE = (0, 8)
RTWEXP_DONT_KNOW = 9


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def work_capacity_band(was: int | None) -> str | None:
    """Band of a Work Ability Score.

    Customary bands of the Swedish WAI network: poor 0–5, moderate 6–7, good
    8–9, excellent 10. The score is the first item of the Work Ability Index;
    Ahlström L, Grimby-Ekman A, Hagberg M, Dellve L. The work ability index
    and single-item question: associations with sick leave, symptoms, and
    health. Scand J Work Environ Health 2010;36(5):404–412.

    Parameters
    ----------
    was : int or None
        The answer to ``was`` (0–10); None when skipped.

    Returns
    -------
    str or None
        ``poor``, ``moderate``, ``good`` or ``excellent``; None when skipped.

    Raises
    ------
    ValueError
        If `was` is not a whole number from 0 to 10.
    """
    if was is None:
        return None
    if _is_int(was):
        for name, low, high in WORK_CAPACITY_BANDS:
            if low <= was <= high:
                return name
    raise ValueError(f"work ability score must be a whole number from 0 to 10, not {was!r}")


def coping_beliefs_score(values: Sequence[int | None]) -> float | None:
    """Mean of the answered coping-belief items (``rtwse_1..3``).

    Parameters
    ----------
    values : sequence of int or None
        The three answers in item order, None for a skipped item.

    Returns
    -------
    float or None
        The exact mean of the answered items when at least
        :data:`COPING_MIN_ANSWERED` are answered, else None.

    Raises
    ------
    ValueError
        If there are not exactly three values or one is outside 1–10.
    """
    if len(values) != len(COPING_ITEMS):
        raise ValueError(f"expected {len(COPING_ITEMS)} coping-belief values, got {len(values)}")
    answered = [value for value in values if value is not None]
    low, high = COPING_RANGE
    if not all(_is_int(value) and low <= value <= high for value in answered):
        raise ValueError(f"coping-belief answers must be whole numbers from {low} to {high}: {values!r}")
    if len(answered) < COPING_MIN_ANSWERED:
        return None
    return sum(answered) / len(answered)


@dataclass(frozen=True)
class RtwExpectation:
    """An expected-return-to-work answer split into its ordinal value and "don't know"."""

    code: int | None
    ordinal: int | None
    dont_know: bool


def rtw_expectation(code: int | None) -> RtwExpectation:
    """Interpret an ``rtwexp`` answer.

    Codes 0–8 are ordinal (0 = in work now … 8 = never). Code 9, "don't know /
    unsure", is not on the scale: ordinal None, but flagged, because the
    follow-up suggestion treats it as meaningful.

    Raises
    ------
    ValueError
        For a code other than None and 0–9.
    """
    if code is None:
        return RtwExpectation(None, None, False)
    low, high = RTWEXP_ORDINAL_RANGE
    if not _is_int(code) or not (low <= code <= high or code == RTWEXP_DONT_KNOW):
        raise ValueError(f"expected-return-to-work code must be {low} to {high} or {RTWEXP_DONT_KNOW}, not {code!r}")
    if code == RTWEXP_DONT_KNOW:
        return RtwExpectation(code, None, True)
    return RtwExpectation(code, code, False)


@dataclass(frozen=True)
class WaveScores:
    """The three measures for one participant at one wave; None where not scorable."""

    work_capacity: int | None
    work_capacity_band: str | None
    coping_beliefs: float | None
    coping_beliefs_items_answered: int
    rtw_expectation: int | None
    rtw_expectation_dont_know: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def score_wave(answers: Mapping[str, int | None]) -> WaveScores:
    """Score one wave from its clean answers.

    Parameters
    ----------
    answers : mapping of item id to int or None
        E.g. :attr:`instruments.validation.ValidationResult.values`; a skipped
        item is None or absent, other items are ignored.

    Raises
    ------
    ValueError
        If a measure item holds a value outside its range.
    """
    was = answers.get(WAS_ITEM)
    coping = [answers.get(item_id) for item_id in COPING_ITEMS]
    expectation = rtw_expectation(answers.get(RTWEXP_ITEM))
    return WaveScores(
        work_capacity=was,
        work_capacity_band=work_capacity_band(was),
        coping_beliefs=coping_beliefs_score(coping),
        coping_beliefs_items_answered=sum(value is not None for value in coping),
        rtw_expectation=expectation.ordinal,
        rtw_expectation_dont_know=expectation.dont_know,
    )
