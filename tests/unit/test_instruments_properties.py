"""Whatever is submitted, validation answers with clean values or errors, never an exception."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from instruments import LANGUAGES, WAVES, load_instrument, validate_answers

INSTRUMENT = load_instrument()
ITEM_IDS = [item.id for item in INSTRUMENT.items]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**500), max_value=10**500),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.text(alphabet="0123456789 .,+-e\u00a0\uff17", max_size=8),
    st.sampled_from(["", "  ", "7", " 7 ", "7.0", "1e3", "sju", "none", "aap", "9", "0", "1", "nan", "-0"]),
    st.binary(max_size=8),
    st.builds(object),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(st.text(max_size=5), children, max_size=3),
    ),
    max_leaves=8,
)
submissions = st.dictionaries(st.one_of(st.sampled_from(ITEM_IDS), st.text(max_size=10)), values, max_size=20)


def check_clean(item, value):
    if item.kind == "multi":
        assert isinstance(value, tuple) and value
        assert list(value) == [code for code in item.codes() if code in value]
        if len(value) > 1:
            assert not set(value) & item.exclusive_codes
    else:
        assert type(value) is int
        assert value in item.codes()


@settings(max_examples=400, deadline=None)
@given(
    submitted=submissions,
    wave=st.sampled_from(WAVES),
    lang=st.sampled_from([*LANGUAGES, "xx"]),
    page=st.none() | st.sets(st.sampled_from(ITEM_IDS)),
    context=st.none() | st.fixed_dictionaries({"work_now": st.sampled_from([0, 1, None])}),
)
def test_validation_never_raises_and_accounts_for_every_item(submitted, wave, lang, page, context):
    wave_ids = {item.id for item in INSTRUMENT.items_for_wave(wave)}
    item_ids = None if page is None else page & wave_ids
    result = validate_answers(INSTRUMENT, submitted, wave=wave, lang=lang, item_ids=item_ids, context=context)

    considered = wave_ids if item_ids is None else item_ids
    assert set(result.answers) <= considered and set(result.errors) <= considered
    assert not set(result.answers) & set(result.errors)
    assert result.ok == (not result.errors)
    for item_id, answer in result.answers.items():
        item = INSTRUMENT.item(item_id)
        assert answer.item_id == item_id
        assert answer.skipped == (answer.value is None)
        if not answer.skipped:
            check_clean(item, answer.value)
    for item_id, error in result.errors.items():
        assert error.item_id == item_id and error.code
        assert isinstance(error.message, str) and error.message.strip()
        assert "{" not in error.message
    for item_id in considered - set(result.answers) - set(result.errors):
        # Only an item whose condition is not met may be missing from both.
        condition = INSTRUMENT.item(item_id).shown_if
        assert condition is not None
        if condition.item in considered:
            assert result.answers[condition.item].value != condition.equals
        else:
            assert (context or {}).get(condition.item) != condition.equals


@settings(max_examples=200, deadline=None)
@given(number=st.integers(min_value=-5, max_value=15) | st.floats(allow_nan=True, allow_infinity=True))
def test_numbers_are_accepted_exactly_when_whole_and_in_range(number):
    for raw in (number, str(number)):
        result = validate_answers(INSTRUMENT, {"was": raw}, wave="T1", item_ids=["was"])
        whole = not isinstance(number, float) or (math.isfinite(number) and number.is_integer())
        if whole and 0 <= number <= 10 and "e" not in str(raw):
            assert result.values == {"was": int(number)}
        else:
            assert "was" in result.errors
