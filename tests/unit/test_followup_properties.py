"""Properties of the follow-up suggestion over generated histories."""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import json
import random

from hypothesis import given
from hypothesis import strategies as st

from analysis.followup import WaveRecord, load_rule_set, suggest

RULES = load_rule_set()
WAVES = ("T1", "T2", "T3", "T4")
# Coping-belief means of two or three items on 1..10, the values the platform produces.
COPING_MEANS = sorted({round(total / n, 10) for n in (2, 3) for total in range(n, 10 * n + 1)})


@st.composite
def records(draw, wave: str) -> WaveRecord:
    return WaveRecord(
        wave=wave,
        status=draw(st.sampled_from(("answered", "answered", "answered", "missed", "pending", "withdrawn"))),
        work_capacity=draw(st.none() | st.integers(0, 10)),
        coping_beliefs=draw(st.none() | st.sampled_from(COPING_MEANS) | st.floats(1, 10)),
        rtw_expectation=draw(st.none() | st.integers(0, 9)),
        in_paid_work=draw(st.none() | st.booleans()),
        answered_on=draw(st.none() | st.dates(datetime.date(2024, 1, 1), datetime.date(2030, 12, 31))),
    )


@st.composite
def histories(draw, with_capacity: int = 0) -> list[WaveRecord]:
    """Histories in wave order; `with_capacity` answered waves are sure to have a work capacity."""
    waves = sorted(draw(st.lists(st.sampled_from(WAVES), unique=True, min_size=with_capacity, max_size=4)))
    history = [draw(records(wave)) for wave in waves]
    chosen = (
        draw(st.lists(st.sampled_from(range(len(waves))), unique=True, min_size=with_capacity, max_size=with_capacity))
        if waves
        else []
    )
    for index in chosen:
        history[index] = dataclasses.replace(history[index], status="answered", work_capacity=draw(st.integers(0, 10)))
    return history


def _capacity_indices(history: list[WaveRecord]) -> list[int]:
    return [i for i, record in enumerate(history) if record.status == "answered" and record.work_capacity is not None]


def _with_capacity(history: list[WaveRecord], index: int, value: int) -> list[WaveRecord]:
    changed = list(history)
    changed[index] = dataclasses.replace(history[index], work_capacity=value)
    return changed


@given(histories())
def test_suggest_never_raises_and_is_consistent(history):
    suggestion = suggest(history)
    assert suggestion.score == max(0, sum(reason.points for reason in suggestion.reasons))
    assert suggestion.level == RULES.level_for(suggestion.score)
    assert suggestion.level in {"standard", "increased", "intensive"}
    assert all(reason.points != 0 for reason in suggestion.reasons)
    codes = [reason.code for reason in suggestion.reasons]
    assert codes == sorted(codes, key=RULES.reason_codes.index)
    assert suggestion.largest_fall >= 0
    answered = [record.wave for record in history if record.status == "answered"]
    assert suggestion.latest_wave == (answered[-1] if answered else None)
    for item in (*suggestion.reasons, *suggestion.hints, *suggestion.basis):
        assert set(item.text) == {"nb", "en", "nn"} and all("{" not in text for text in item.text.values())
    # Whatever the history, the suggestion says what it rests on or why it scored.
    assert suggestion.basis or suggestion.reasons or answered
    json.dumps(suggestion.as_dict())


@given(histories(), st.randoms())
def test_the_order_of_the_records_does_not_matter(history, rnd: random.Random):
    shuffled = list(history)
    rnd.shuffle(shuffled)
    assert suggest(shuffled) == suggest(history)


@given(histories(with_capacity=1))
def test_lower_latest_work_capacity_never_lowers_the_suggestion(history):
    # Every value of the latest work capacity, all else equal: score and level never rise with it.
    index = _capacity_indices(history)[-1]
    suggestions = [suggest(_with_capacity(history, index, value)) for value in range(11)]
    for lower, higher in itertools.pairwise(suggestions):
        assert lower.score >= higher.score
        assert RULES.level_rank(lower.level) >= RULES.level_rank(higher.level)


@given(histories(with_capacity=2), st.integers(2, 10))
def test_a_fall_beyond_measurement_error_never_gives_a_lower_level_than_no_change(history, fall):
    answered = _capacity_indices(history)
    previous = max(history[answered[-2]].work_capacity, fall)
    history = _with_capacity(history, answered[-2], previous)
    same = suggest(_with_capacity(history, answered[-1], previous))
    fallen = suggest(_with_capacity(history, answered[-1], previous - fall))
    assert RULES.level_rank(fallen.level) >= RULES.level_rank(same.level)
    assert fallen.score >= same.score
    assert "capacity_fall_previous" in {reason.code for reason in fallen.reasons}
    assert fallen.largest_fall >= fall


@given(histories(with_capacity=2), st.sampled_from((-1, 1)))
def test_a_change_of_one_point_is_no_clear_change(history, step):
    answered = _capacity_indices(history)
    previous = history[answered[-2]].work_capacity
    step = -step if not 0 <= previous + step <= 10 else step
    codes = {reason.code for reason in suggest(_with_capacity(history, answered[-1], previous + step)).reasons}
    assert not codes & {"capacity_fall_previous", "capacity_rise_previous"}


@given(histories())
def test_missed_wave_points_look_only_at_waves_that_are_due(history):
    with_pending = [*history, *(WaveRecord(wave, "pending") for wave in WAVES if wave not in {r.wave for r in history})]
    assert suggest(with_pending).reasons == suggest(history).reasons
