"""Caseload order and the few candidates for close follow-up with a workplace mentor.

The hybrid model picks two or three people per counsellor; feedback systems in health care teach
that more flags than that stop being read. So the rule set caps the candidates, and every
candidate carries the reasons of its suggestion.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from .model import Suggestion
from .rules import RuleSet, load_rule_set


@dataclass(frozen=True)
class RankInput:
    """One person of a caseload, to be ranked.

    Attributes
    ----------
    key : str
        The study ID.
    suggestion : Suggestion
    last_contact : datetime.date or None
        Date of the last answered wave, else of enrolment; None = never in contact.
    active : bool
        False for a person who has withdrawn: ranked last, never a candidate.
    """

    key: str
    suggestion: Suggestion
    last_contact: datetime.date | None
    active: bool


@dataclass(frozen=True)
class Ranked:
    """A person's place in the caseload (1-based) and whether they are a candidate."""

    key: str
    suggestion: Suggestion
    position: int
    candidate: bool


def _order(item: RankInput) -> tuple:
    # None sorts before every date: never in contact is the longest time since contact.
    contact = (False, datetime.date.min) if item.last_contact is None else (True, item.last_contact)
    return (not item.active, -item.suggestion.score, -item.suggestion.largest_fall, contact, item.key)


def rank(items: Sequence[RankInput], rules: RuleSet | None = None) -> list[Ranked]:
    """Rank a caseload by need and mark the candidates for close follow-up.

    Order: active people first; then higher score; then the larger work-capacity fall; then the
    longer time since last contact (never = longest); then study ID, so the order is stable.
    Candidates are the first ``[ranking].max_candidates`` active people in that order whose
    level is at least ``[ranking].candidate_min_level``.

    Parameters
    ----------
    items : sequence of RankInput
    rules : RuleSet or None
        None means the packaged default rule set.

    Returns
    -------
    list of Ranked
        In rank order, positions from 1.

    Raises
    ------
    ValueError
        If a suggestion has a level the rule set does not know.
    """
    rules = load_rule_set() if rules is None else rules
    lowest = rules.level_rank(rules.candidate_min_level)
    ranked: list[Ranked] = []
    chosen = 0
    for position, item in enumerate(sorted(items, key=_order), start=1):
        candidate = item.active and chosen < rules.max_candidates and rules.level_rank(item.suggestion.level) >= lowest
        chosen += candidate
        ranked.append(Ranked(item.key, item.suggestion, position, candidate))
    return ranked
