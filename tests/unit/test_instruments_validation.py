"""Validating submitted answers: coercion, skipping, conditions, messages."""

import dataclasses

import pytest

from instruments import load_instrument, score_wave, validate_answers


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


def one(instrument, item_id, raw, *, wave="T1", lang="nb", **extra):
    """Validate a single item (with `extra` fields) and return its answer or error."""
    result = validate_answers(instrument, {item_id: raw, **extra}, wave=wave, lang=lang)
    return result.answers.get(item_id), result.errors.get(item_id)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("7", 7), (" 7 ", 7), ("7.0", 7), ("7,0", 7), ("+7", 7), ("007", 7), (7, 7), (7.0, 7), (0, 0), ("10", 10)],
)
def test_integers_are_accepted_in_the_ways_people_write_them(instrument, raw, expected):
    answer, error = one(instrument, "was", raw)
    assert error is None
    assert answer.value == expected and not answer.skipped
    assert type(answer.value) is int


@pytest.mark.parametrize(
    ("item_id", "raw", "code"),
    [
        ("was", "sju", "not_a_number"),
        ("was", "1e3", "not_a_number"),
        ("was", "７", "not_a_number"),  # full-width digit
        ("was", "1_0", "not_a_number"),
        ("was", b"7", "not_a_number"),
        ("was", {"value": 7}, "not_a_number"),
        ("was", True, "not_a_number"),
        ("was", False, "not_a_number"),
        ("was", float("nan"), "not_a_number"),
        ("was", float("inf"), "not_a_number"),
        ("was", object(), "not_a_number"),
        ("was", "7.5", "not_an_integer"),
        ("was", 7.5, "not_an_integer"),
        ("was", 11, "out_of_range"),
        ("was", -1, "out_of_range"),
        ("was", 10**400, "out_of_range"),
        ("was", "9" * 5000, "out_of_range"),
        ("was", 1e300, "out_of_range"),
        ("rtwse_1", 0, "out_of_range"),
        ("rtwse_2", "11", "out_of_range"),
        ("birth_year", "1924", "out_of_range"),
        ("birth_year", "2013", "out_of_range"),
        ("was", ["3", "4"], "too_many_values"),
        ("rtwexp", [1, 2], "too_many_values"),
        ("rtwexp", 10, "unknown_option"),
        ("rtwexp", "sju", "unknown_option"),
        ("rtwexp", True, "unknown_option"),
        ("gender", 4, "unknown_option"),
        ("work_now", 2, "unknown_option"),
        ("benefits", ["aap", "pension"], "unknown_option"),
        ("benefits", ["aap", ["dagpenger"]], "unknown_option"),
        ("benefits", {"aap": True}, "unknown_option"),
        ("benefits", ["none", "aap"], "exclusive_option"),
        ("health_problem", ["mental", "none"], "exclusive_option"),
    ],
)
def test_bad_values_get_an_error_and_no_answer(instrument, item_id, raw, code):
    answer, error = one(instrument, item_id, raw)
    assert answer is None
    assert error.code == code and error.item_id == item_id
    assert error.message


@pytest.mark.parametrize("raw", [None, "", "  ", "\t\n", [], (), ["", " "], [None]])
def test_empty_answers_are_skipped_never_zero(instrument, raw):
    for item_id in ("was", "rtwse_1", "rtwexp", "work_now", "birth_year", "benefits"):
        answer, error = one(instrument, item_id, raw)
        assert error is None
        assert answer.skipped and answer.value is None


def test_absent_items_are_skipped(instrument):
    result = validate_answers(instrument, {}, wave="T2")
    assert result.ok
    assert set(result.answers) == {i.id for i in instrument.items_for_wave("T2")} - {"work_hours", "work_form"}
    assert all(a.skipped and a.value is None for a in result.answers.values())
    assert 0 not in result.values.values()


def test_a_one_element_list_counts_as_one_answer(instrument):
    assert one(instrument, "rtwexp", ["3"])[0].value == 3
    assert one(instrument, "was", ["", "6"])[0].value == 6


def test_dont_know_is_a_valid_answer_reported_as_such(instrument):
    answer, error = one(instrument, "rtwexp", "9")
    assert error is None and answer.value == 9
    scores = score_wave({"rtwexp": answer.value})
    assert scores.rtw_expectation is None and scores.rtw_expectation_dont_know


def test_multi_select_is_deduplicated_in_option_order(instrument):
    answer, error = one(instrument, "benefits", ["other", " aap ", "aap", "dagpenger"])
    assert error is None
    assert answer.value == ("aap", "dagpenger", "other")
    assert one(instrument, "benefits", "none")[0].value == ("none",)
    assert one(instrument, "benefits", ["none", "none"])[0].value == ("none",)


def test_coping_score_from_validated_answers(instrument):
    two = validate_answers(instrument, {"rtwse_1": "7", "rtwse_2": "", "rtwse_3": "8"}, wave="T2")
    assert score_wave(two.values).coping_beliefs == 7.5
    single = validate_answers(instrument, {"rtwse_1": "7"}, wave="T2")
    assert score_wave(single.values).coping_beliefs is None
    assert score_wave(single.values).coping_beliefs_items_answered == 1


def test_hours_sent_while_not_in_work_is_an_error(instrument):
    result = validate_answers(instrument, {"work_now": "0", "work_hours": "37"}, wave="T2")
    assert result.answers["work_now"].value == 0
    assert "work_hours" not in result.answers
    error = result.errors["work_hours"]
    assert error.code == "not_applicable"
    assert "«Ja»" in error.message and "«Har du betalt arbeid nå?»" in error.message


def test_conditional_items_left_empty_are_simply_absent(instrument):
    for work_now in ("0", None, ""):
        result = validate_answers(instrument, {"work_now": work_now, "work_hours": " ", "work_form": []}, wave="T3")
        assert result.ok
        assert "work_hours" not in result.answers and "work_form" not in result.answers


def test_conditional_items_apply_when_in_work(instrument):
    result = validate_answers(instrument, {"work_now": 1, "work_hours": "37,0", "work_form": "2"}, wave="T4")
    assert result.ok
    assert (result.values["work_hours"], result.values["work_form"]) == (37, 2)
    skipped = validate_answers(instrument, {"work_now": "1"}, wave="T4")
    assert skipped.answers["work_hours"].skipped and skipped.answers["work_form"].skipped


def test_condition_is_read_from_context_when_on_another_page(instrument):
    page = {"work_hours": "20"}
    in_work = validate_answers(instrument, page, wave="T2", item_ids=["work_hours"], context={"work_now": 1})
    assert in_work.values == {"work_hours": 20}
    not_in_work = validate_answers(instrument, page, wave="T2", item_ids=["work_hours"], context={"work_now": 0})
    assert not_in_work.errors["work_hours"].code == "not_applicable"
    # The answer in this submission wins over an older saved one.
    changed = validate_answers(instrument, {"work_now": "0", **page}, wave="T2", context={"work_now": 1})
    assert changed.errors["work_hours"].code == "not_applicable"


def test_a_broken_condition_answer_does_not_hide_the_dependent_answer(instrument):
    result = validate_answers(instrument, {"work_now": "kanskje", "work_hours": "500"}, wave="T2")
    assert result.errors["work_now"].code == "unknown_option"
    assert result.errors["work_hours"].code == "out_of_range"


def test_messages_follow_the_language(instrument):
    nb = one(instrument, "was", 11, lang="nb")[1].message
    en = one(instrument, "was", 11, lang="en")[1].message
    nn = one(instrument, "was", 11, lang="nn")[1].message
    assert nb == "Velg et tall fra 0 til 10."
    assert en == "Choose a number from 0 to 10."
    assert nn == "Vel eit tal frå 0 til 10."
    assert one(instrument, "was", 11, lang="sv")[1].message == nb
    assert one(instrument, "birth_year", 1900)[1].message == "Skriv et tall fra 1925 til 2012."


def test_exclusive_and_not_applicable_messages_name_the_options(instrument):
    en = one(instrument, "benefits", ["none", "aap"], lang="en")[1].message
    assert "“None”" in en
    nn = one(instrument, "health_problem", ["none", "mental"], lang="nn")[1].message
    assert "«Ingen helseplager»" in nn
    result = validate_answers(instrument, {"work_now": 0, "work_form": 1}, wave="T1", lang="en")
    assert "“Do you have paid work now?”" in result.errors["work_form"].message
    assert "“Yes”" in result.errors["work_form"].message


def test_other_keys_are_ignored(instrument):
    result = validate_answers(instrument, {"_csrf_token": "abc", "gender": "1", "was": "5"}, wave="T2")
    assert result.ok
    assert "gender" not in result.answers  # T1 only
    assert "_csrf_token" not in result.answers


def test_item_ids_restrict_validation_to_one_page(instrument):
    submitted = {"was": "99", "general_health": "2", "health_problem": ["mental"]}
    page = validate_answers(instrument, submitted, wave="T1", item_ids=["general_health", "health_problem"])
    assert page.ok
    assert page.values == {"general_health": 2, "health_problem": ("mental",)}


def test_programmer_errors_raise(instrument):
    with pytest.raises(ValueError):
        validate_answers(instrument, {}, wave="T5")
    with pytest.raises(ValueError):
        validate_answers(instrument, {}, wave="T2", item_ids=["gender"])
    with pytest.raises(ValueError):
        validate_answers(instrument, {}, wave="T1", item_ids=["no_such_item"])


def with_required(instrument, *item_ids):
    items = tuple(dataclasses.replace(i, required=True) if i.id in item_ids else i for i in instrument.items)
    return dataclasses.replace(instrument, items=items)


def test_required_items_must_be_answered(instrument):
    strict = with_required(instrument, "was", "benefits", "work_hours")
    result = validate_answers(strict, {"was": " ", "benefits": [], "work_now": "0"}, wave="T2", lang="en")
    assert result.errors["was"].code == "required" and result.errors["benefits"].code == "required"
    assert result.errors["was"].message == "Please answer this question."
    assert "work_hours" not in result.errors  # required, but it does not apply
    assert validate_answers(strict, {"was": "3", "benefits": "aap", "work_now": "0"}, wave="T2").ok
    assert validate_answers(instrument, {}, wave="T2").ok


def test_item_applies_follows_its_condition():
    hours = load_instrument().item("work_hours")
    assert hours.applies({"work_now": 1})
    assert not hours.applies({"work_now": 0})
    assert not hours.applies({"work_now": None}) and not hours.applies({})
    assert not hours.applies({"work_now": True})  # a boolean is not the answer 1
    assert load_instrument().item("was").applies({})
