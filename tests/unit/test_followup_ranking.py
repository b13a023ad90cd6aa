"""Caseload ranking and the candidates for close follow-up with a workplace mentor."""

from __future__ import annotations

import datetime
from importlib import resources

import pytest

from analysis.followup import RankInput, Suggestion, WaveRecord, load_rule_set, rank, suggest

RULES = load_rule_set()
DAY = datetime.date(2026, 3, 1)


def made(score: int, fall: int = 0) -> Suggestion:
    return Suggestion(RULES.level_for(score), score, (), (), (), RULES.version, "T1", fall)


def person(key: str, score: int, fall: int = 0, contact: datetime.date | None = DAY, active: bool = True) -> RankInput:
    return RankInput(key, made(score, fall), contact, active)


def keys(ranked) -> list[str]:
    return [item.key for item in ranked]


def candidates(ranked) -> list[str]:
    return [item.key for item in ranked if item.candidate]


def test_higher_score_first_and_positions_from_one():
    ranked = rank([person("a", 1), person("b", 6), person("c", 3)])
    assert keys(ranked) == ["b", "c", "a"]
    assert [item.position for item in ranked] == [1, 2, 3]


def test_ties_go_to_the_larger_fall_then_the_longer_time_since_contact_then_the_key():
    items = [
        person("k1", 4, fall=0, contact=datetime.date(2026, 2, 1)),
        person("k2", 4, fall=3, contact=DAY),
        person("k3", 4, fall=0, contact=None),
        person("k4", 4, fall=0, contact=datetime.date(2025, 12, 1)),
        person("k5", 4, fall=0, contact=datetime.date(2026, 2, 1)),
        person("k0", 4, fall=0, contact=datetime.date(2026, 2, 1)),
    ]
    assert keys(rank(items)) == ["k2", "k3", "k4", "k0", "k1", "k5"]


def test_withdrawn_people_rank_last_and_are_never_candidates():
    ranked = rank([person("gone", 9, fall=5, active=False), person("a", 3), person("b", 0)])
    assert keys(ranked) == ["a", "b", "gone"]
    assert candidates(ranked) == ["a"]


def test_candidates_are_at_most_three_at_level_increased_or_above():
    items = [person(f"p{score}", score) for score in range(9)]
    ranked = rank(items)
    assert candidates(ranked) == ["p8", "p7", "p6"]
    assert all(item.candidate == (item.position <= 3) for item in ranked)


def test_standard_level_is_never_a_candidate_even_with_room_left():
    ranked = rank([person("a", 2, fall=4), person("b", 3), person("c", 0, contact=None)])
    assert candidates(ranked) == ["b"]


def test_the_cut_among_equal_scores_follows_the_tie_breakers():
    items = [
        person("d", 5, fall=2, contact=DAY),
        person("c", 5, fall=2, contact=DAY),
        person("b", 5, fall=2, contact=datetime.date(2025, 1, 1)),
        person("a", 5, fall=0, contact=None),
        person("e", 5, fall=3, contact=DAY),
    ]
    ranked = rank(items)
    assert keys(ranked) == ["e", "b", "c", "d", "a"]
    assert candidates(ranked) == ["e", "b", "c"]


def test_a_withdrawn_person_does_not_take_a_candidate_place():
    items = [person("w", 9, active=False), *(person(k, 4) for k in "abcd")]
    assert candidates(rank(items)) == ["a", "b", "c"]


def test_an_empty_caseload():
    assert rank([]) == []


def test_the_number_of_candidates_comes_from_the_rule_file(tmp_path):
    text = resources.files("analysis.followup").joinpath("rules").joinpath("followup-v1.toml").read_text("utf-8")
    path = tmp_path / "two.toml"
    path.write_text(
        text.replace("max_candidates = 3", "max_candidates = 2").replace(
            'candidate_min_level = "increased"', 'candidate_min_level = "intensive"'
        )
    )
    rules = load_rule_set(path)
    items = [person(k, score) for k, score in (("a", 9), ("b", 4), ("c", 5), ("d", 6))]
    assert candidates(rank(items, rules)) == ["a", "d"]
    assert candidates(rank([person("b", 4), person("c", 3)], rules)) == []


def test_a_level_the_rule_set_does_not_know_is_refused():
    odd = Suggestion("urgent", 9, (), (), (), "other-v9", "T1", 0)
    with pytest.raises(ValueError, match="no level 'urgent'"):
        rank([RankInput("x", odd, DAY, True)])


def test_ranking_real_suggestions_by_their_fall():
    # Same score 5 (intensive) for both: the larger work-capacity fall ranks first.
    steep = [WaveRecord("T1", "answered", 10, 8.0, 2), WaveRecord("T2", "answered", 5, 8.0, 2)]
    gentle = [WaveRecord("T1", "answered", 7, 8.0, 2), WaveRecord("T2", "answered", 5, 8.0, 2)]
    items = [RankInput("gentle", suggest(gentle), DAY, True), RankInput("steep", suggest(steep), DAY, True)]
    ranked = rank(items)
    assert [item.suggestion.score for item in ranked] == [5, 5]
    assert keys(ranked) == ["steep", "gentle"]
    assert [item.suggestion.largest_fall for item in ranked] == [5, 2]
