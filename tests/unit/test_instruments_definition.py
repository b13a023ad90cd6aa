"""The questionnaire definition: wording, codes, waves and the loader's checks."""

import copy
import dataclasses
import json

import pytest

from instruments import (
    CURRENT_VERSION,
    LANGUAGES,
    WAVES,
    DefinitionError,
    UnknownInstrumentVersion,
    available_versions,
    instrument_from_dict,
    load_instrument,
)
from instruments.scoring import COPING_RANGE, MEASURE_ITEMS, RTWEXP_DONT_KNOW, RTWEXP_ORDINAL_RANGE

SECTIONS = {
    "measures": ["was", "rtwse_1", "rtwse_2", "rtwse_3", "rtwexp"],
    "work": ["work_now", "work_hours", "work_form", "benefits"],
    "health": ["general_health", "health_problem"],
    "background": ["gender", "birth_year", "education", "living_situation", "children_under_18"],
}
RTWEXP_TABLE = [
    (0, "Jeg er i arbeid nå", "I am in work now"),
    (1, "Innen 1 måned", "Within 1 month"),
    (2, "Innen 3 måneder", "Within 3 months"),
    (3, "Innen 6 måneder", "Within 6 months"),
    (4, "Innen 1 år", "Within 1 year"),
    (5, "Innen 2 år", "Within 2 years"),
    (6, "Innen 5 år", "Within 5 years"),
    (7, "Mer enn 5 år", "More than 5 years"),
    (8, "Aldri", "Never"),
    (9, "Vet ikke / usikker", "Don't know / unsure"),
]


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


def all_texts(instrument):
    for section in instrument.sections:
        yield section.id, section.title
        yield section.id, section.intro
    for item in instrument.items:
        yield item.id, item.text
        for texts in (item.stem, item.help, *item.anchors.values(), *(o.label for o in item.options)):
            if texts is not None:
                yield item.id, texts


def test_sections_and_item_ids_in_form_order(instrument):
    assert [s.id for s in instrument.sections] == list(SECTIONS)
    assert [i.id for i in instrument.items] == [i for ids in SECTIONS.values() for i in ids]
    assert {i.id: i.section for i in instrument.items} == {i: s for s, ids in SECTIONS.items() for i in ids}


def test_every_text_exists_in_every_language(instrument):
    assert instrument.languages == LANGUAGES
    for owner, texts in all_texts(instrument):
        assert set(texts) == set(LANGUAGES), owner
        assert all(text.strip() for text in texts.values()), owner


def test_nynorsk_is_not_a_copy_of_bokmal(instrument):
    # Short labels such as «Ja» are alike in both; whole questions never are.
    for item in instrument.items:
        assert item.text["nn"] != item.text["nb"], item.id


def test_work_ability_score_wording_is_verbatim(instrument):
    was = instrument.item("was")
    assert (was.kind, was.min, was.max, was.measure) == ("scale", 0, 10, "work_capacity")
    assert was.text["nb"] == "Hvordan vurderer du din arbeidsevne?"
    assert was.text["en"] == "How do you rate your current work ability?"
    assert {p: t["nb"] for p, t in was.anchors.items()} == {
        0: "helt uten evne til å arbeide",
        10: "min beste arbeidsevne",
    }
    assert {p: t["en"] for p, t in was.anchors.items()} == {
        0: "completely unable to work",
        10: "my work ability at its best",
    }


@pytest.mark.parametrize(
    ("item_id", "nb", "en"),
    [
        ("rtwse_1", "møte forventningene til jobbutførelse", "meet the performance expectations of the job"),
        ("rtwse_2", "holde vanlig arbeidstempo", "keep a normal work pace"),
        ("rtwse_3", "gjøre arbeidet ditt uten å forsinke andre", "do your work without slowing others down"),
    ],
)
def test_coping_belief_wording_is_verbatim(instrument, item_id, nb, en):
    item = instrument.item(item_id)
    assert (item.kind, item.min, item.max, item.measure) == ("scale", 1, 10, "coping_beliefs")
    assert item.stem["nb"] == "Hvor sikker er du på at du kan …"
    assert item.stem["en"] == "How certain are you that you can …"
    # The text stands alone: the stem without its ellipsis, then the item.
    assert item.text["nb"] == f"Hvor sikker er du på at du kan {nb}?"
    assert item.text["en"] == f"How certain are you that you can {en}?"
    assert {p: (t["nb"], t["en"]) for p, t in item.anchors.items()} == {
        1: ("ikke sikker i det hele tatt", "not certain at all"),
        10: ("helt sikker", "completely certain"),
    }


def test_expected_return_to_work_wording_and_codes_are_verbatim(instrument):
    item = instrument.item("rtwexp")
    assert (item.kind, item.measure) == ("single", "rtw_expectation")
    assert item.text["nb"] == "Hvor lang tid forventer du at det tar før du er i arbeid?"
    assert item.text["en"] == "How long do you expect it will take before you are in work?"
    assert [(o.code, o.label["nb"], o.label["en"]) for o in item.options] == RTWEXP_TABLE
    assert item.codes() == tuple(range(10))
    assert item.missing_codes == {9}


@pytest.mark.parametrize(
    ("item_id", "kind", "codes"),
    [
        ("work_now", "yes_no", (1, 0)),
        ("work_form", "single", (1, 2, 3, 4)),
        (
            "benefits",
            "multi",
            ("aap", "dagpenger", "sosialhjelp", "kvalifiseringsstonad", "uforetrygd", "none", "other"),
        ),
        ("general_health", "single", (1, 2, 3, 4, 5)),
        ("health_problem", "multi", ("none", "musculoskeletal", "mental", "other")),
        ("gender", "single", (1, 2, 3, 9)),
        ("education", "single", (1, 2, 3, 4, 5)),
        ("living_situation", "single", (1, 2, 3, 4)),
        ("children_under_18", "yes_no", (1, 0)),
    ],
)
def test_choice_items_have_their_codes(instrument, item_id, kind, codes):
    item = instrument.item(item_id)
    assert (item.kind, item.codes()) == (kind, codes)


def test_special_codes_and_ranges(instrument):
    assert instrument.item("benefits").exclusive_codes == {"none"}
    assert instrument.item("health_problem").exclusive_codes == {"none"}
    assert instrument.item("gender").missing_codes == {9}
    assert instrument.item("gender").option(9).label["nb"] == "Ønsker ikke å svare"
    assert [o.label["nb"] for o in instrument.item("general_health").options] == [
        "Svært god",
        "God",
        "Verken god eller dårlig",
        "Dårlig",
        "Svært dårlig",
    ]
    hours, year = instrument.item("work_hours"), instrument.item("birth_year")
    assert (hours.kind, hours.min, hours.max) == ("integer", 0, 80)
    assert (year.kind, year.min, year.max) == ("integer", 1925, 2012)
    for item_id in ("work_hours", "work_form"):
        shown_if = instrument.item(item_id).shown_if
        assert (shown_if.item, shown_if.equals) == ("work_now", 1)
    assert [i.id for i in instrument.items if i.shown_if] == ["work_hours", "work_form"]


def test_every_item_is_voluntary(instrument):
    assert not any(item.required for item in instrument.items)


def test_background_is_asked_at_t1_only(instrument):
    for item in instrument.items:
        expected = {"T1"} if item.section == "background" else set(WAVES)
        assert item.waves == expected, item.id
    assert [s.id for s in instrument.sections_for_wave("T1")] == list(SECTIONS)
    for wave in ("T2", "T3", "T4"):
        assert [s.id for s in instrument.sections_for_wave(wave)] == ["measures", "work", "health"]
        assert "gender" not in {i.id for i in instrument.items_for_wave(wave)}
    assert instrument.section_items("background", "T2") == ()
    assert [i.id for i in instrument.section_items("work", "T3")] == SECTIONS["work"]


def test_scoring_constants_match_the_definition(instrument):
    for measure, item_ids in MEASURE_ITEMS.items():
        assert tuple(i.id for i in instrument.items if i.measure == measure) == item_ids
    for item_id in MEASURE_ITEMS["coping_beliefs"]:
        assert (instrument.item(item_id).min, instrument.item(item_id).max) == COPING_RANGE
    rtwexp = instrument.item("rtwexp")
    low, high = RTWEXP_ORDINAL_RANGE
    assert rtwexp.missing_codes == {RTWEXP_DONT_KNOW}
    assert set(rtwexp.codes()) - rtwexp.missing_codes == set(range(low, high + 1))


def test_lookups_reject_unknown_names(instrument):
    with pytest.raises(KeyError):
        instrument.item("nope")
    with pytest.raises(KeyError):
        instrument.section_items("nope", "T1")
    for bad_wave in ("T5", "t1", "", None):
        with pytest.raises(ValueError):
            instrument.items_for_wave(bad_wave)


def test_text_lookup_falls_back_to_bokmal(instrument):
    was = instrument.item("was")
    assert was.label("en") == "How do you rate your current work ability?"
    assert was.label("de") == was.label() == "Hvordan vurderer du din arbeidsevne?"
    bokmal_only = dataclasses.replace(was, text={"nb": "Bare bokmål"})
    assert bokmal_only.label("nn") == "Bare bokmål"


def test_loading_is_cached_and_versioned():
    assert CURRENT_VERSION in available_versions()
    assert load_instrument() is load_instrument(CURRENT_VERSION)
    assert load_instrument().version == CURRENT_VERSION


@pytest.mark.parametrize("version", ["mestring-1999.1", "", "../definitions/mestring-2026.1", "mestring-2026.1.json"])
def test_unknown_version_is_a_lookup_error(version):
    with pytest.raises(UnknownInstrumentVersion) as raised:
        load_instrument(version)
    assert isinstance(raised.value, LookupError)


def test_loaded_instrument_cannot_be_changed(instrument):
    with pytest.raises(dataclasses.FrozenInstanceError):
        instrument.item("was").min = 1
    with pytest.raises(TypeError):
        instrument.item("was").text["nb"] = "changed"


def test_to_dict_round_trips_and_is_json(instrument):
    data = json.loads(json.dumps(instrument.to_dict()))
    assert instrument_from_dict(data) == instrument


def broken(mutate):
    data = copy.deepcopy(load_instrument().to_dict())
    mutate({i["id"]: i for s in data["sections"] for i in s["items"]}, data)
    return data


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda items, data: items["was"].update(kind="slider"), id="unknown kind"),
        pytest.param(lambda items, data: items["was"].update(min=11), id="min above max"),
        pytest.param(lambda items, data: items["was"].update(anchors={"12": items["was"]["text"]}), id="anchor"),
        pytest.param(lambda items, data: items["was"]["text"].pop("nn"), id="missing nn"),
        pytest.param(lambda items, data: items["was"].pop("waves"), id="no waves"),
        pytest.param(lambda items, data: items["was"].update(waves=["T5"]), id="unknown wave"),
        pytest.param(lambda items, data: items["rtwexp"].update(missing_codes=[10]), id="missing code"),
        pytest.param(lambda items, data: items["benefits"].update(exclusive_codes=["never"]), id="exclusive"),
        pytest.param(lambda items, data: items["benefits"]["options"][0].update(code=1), id="mixed codes"),
        pytest.param(lambda items, data: items["work_now"]["options"][1].update(code=2), id="yes_no codes"),
        pytest.param(lambda items, data: items["gender"]["options"][1].update(code=1), id="duplicate code"),
        pytest.param(lambda items, data: items["gender"].update(id="was"), id="duplicate id"),
        pytest.param(lambda items, data: items["work_hours"]["shown_if"].update(item="gender"), id="later item"),
        pytest.param(lambda items, data: items["work_hours"]["shown_if"].update(equals=2), id="unknown equals"),
        pytest.param(lambda items, data: data.update(languages=["nn", "en"]), id="no bokmal"),
    ],
)
def test_inconsistent_definitions_are_refused(mutate):
    with pytest.raises(DefinitionError):
        instrument_from_dict(broken(mutate))
