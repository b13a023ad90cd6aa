"""The values a follow-up suggestion is made from and made of.

Records are checked when they are built, so that :func:`analysis.followup.suggest` can take any
history of records without raising.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from instruments import WAVES, rtw_expectation, work_capacity_band
from instruments.scoring import COPING_RANGE

STATUSES = ("answered", "missed", "pending", "withdrawn")
MEASURES = ("work_capacity", "coping_beliefs", "rtw_expectation")


@dataclass(frozen=True)
class WaveRecord:
    """One wave of one person's history.

    Measures count only when `status` is ``answered``; a measure is None when it was skipped
    (coping beliefs: when fewer than 2 of its 3 items were answered).

    Raises
    ------
    ValueError
        If the wave, status or a value is outside its range.
    """

    wave: str
    status: str
    work_capacity: int | None = None
    coping_beliefs: float | None = None
    rtw_expectation: int | None = None
    in_paid_work: bool | None = None
    answered_on: datetime.date | None = None

    def __post_init__(self) -> None:
        if self.wave not in WAVES:
            raise ValueError(f"unknown wave {self.wave!r}; expected one of {', '.join(WAVES)}")
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; expected one of {', '.join(STATUSES)}")
        work_capacity_band(self.work_capacity)
        rtw_expectation(self.rtw_expectation)
        low, high = COPING_RANGE
        coping = self.coping_beliefs
        is_number = isinstance(coping, int | float) and not isinstance(coping, bool)
        if coping is not None and not (is_number and low <= coping <= high):
            raise ValueError(f"coping beliefs must be a number from {low} to {high}, not {coping!r}")
        if self.in_paid_work is not None and not isinstance(self.in_paid_work, bool):
            raise ValueError(f"in_paid_work must be True, False or None, not {self.in_paid_work!r}")
        if self.answered_on is not None and not isinstance(self.answered_on, datetime.date):
            raise ValueError(f"answered_on must be a date or None, not {self.answered_on!r}")


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    # Suggestions are shared between callers (ranking, pages, exports); keep them read-only.
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Reason:
    """A factor that scored, with one plain sentence per language and the evidence behind it."""

    code: str
    points: int
    text: Mapping[str, str]
    evidence: Mapping[str, object]

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", _frozen(self.text))
        object.__setattr__(self, "evidence", _frozen(self.evidence))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "code": self.code,
            "points": self.points,
            "text": dict(self.text),
            "evidence": {key: list(item) if isinstance(item, tuple) else item for key, item in self.evidence.items()},
        }


@dataclass(frozen=True)
class Hint:
    """What the specialist might do next, attached to a pattern of reasons."""

    code: str
    text: Mapping[str, str]

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", _frozen(self.text))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"code": self.code, "text": dict(self.text)}


class Note(Hint):
    """What a suggestion rests on, e.g. "based on T1 only" or "coping beliefs not answered"
    (a code and its text per language, like a hint)."""


@dataclass(frozen=True)
class Suggestion:
    """A follow-up intensity suggestion: a starting point for the conversation, never a decision.

    Attributes
    ----------
    level : str
        ``standard``, ``increased`` or ``intensive`` (the rule set's level names).
    score : int
        Sum of the reasons' points, floored at 0.
    reasons : tuple of Reason
        Every factor that scored, in rule-file order.
    hints : tuple of Hint
    basis : tuple of Note
    rule_set : str
        Version of the rule set that produced the suggestion.
    latest_wave : str or None
        The latest answered wave.
    largest_fall : int
        Largest work-capacity fall counted (positive), 0 if none; a tie-breaker in ranking.
    """

    level: str
    score: int
    reasons: tuple[Reason, ...]
    hints: tuple[Hint, ...]
    basis: tuple[Note, ...]
    rule_set: str
    latest_wave: str | None
    largest_fall: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (``largest_fall`` is left out: it is for ranking only)."""
        return {
            "level": self.level,
            "score": self.score,
            "reasons": [reason.as_dict() for reason in self.reasons],
            "hints": [hint.as_dict() for hint in self.hints],
            "basis": [note.as_dict() for note in self.basis],
            "rule_set": self.rule_set,
            "latest_wave": self.latest_wave,
        }


@dataclass(frozen=True)
class Change:
    """A change of a measure beyond measurement error: ``amount`` on the measure's scale (for the
    expected wait, in codes: positive = a longer wait), since ``since`` (a wave)."""

    amount: int | float
    since: str


@dataclass(frozen=True)
class MeasureTrend:
    """One measure of one person as the rules read it: the latest value (from the latest answered
    wave that has it), and the previous and first values with the changes to the latest.

    A change is None where it cannot be judged (fewer than two values; for the expected wait, a
    "don't know" at either end). ``min_change`` is the rule set's threshold of a clear change.
    """

    measure: str
    value: int | float
    wave: str
    band: str | None
    min_change: float
    previous_value: int | float | None = None
    previous_wave: str | None = None
    change_previous: int | float | None = None
    first_value: int | float | None = None
    first_wave: str | None = None
    change_first: int | float | None = None

    @property
    def clear_change(self) -> Change | None:
        """The change since the previous answer if it is clear, else the one since the first
        answer if that is clear, else None: smaller changes are within chance."""
        for amount, since in ((self.change_previous, self.previous_wave), (self.change_first, self.first_wave)):
            if amount is not None and since is not None and abs(amount) >= self.min_change:
                return Change(amount, since)
        return None
