"""The JSON form and the plain-text listing show ranges, codes and conditions."""

import json

import pytest

from instruments import describe, load_instrument


@pytest.fixture(scope="module")
def instrument():
    return load_instrument()


def items_of(data):
    return {item["id"]: item for section in data["sections"] for item in section["items"]}


def test_json_in_one_language(instrument):
    data = json.loads(json.dumps(instrument.to_dict("en")))
    assert data["version"] == "mestring-2026.1" and data["language"] == "en"
    assert [s["title"] for s in data["sections"]] == ["Work ability and expectations", "Work", "Health", "About you"]
    items = items_of(data)
    assert (items["was"]["min"], items["was"]["max"]) == (0, 10)
    assert items["was"]["anchors"] == {"0": "completely unable to work", "10": "my work ability at its best"}
    for item_id in ("rtwse_1", "rtwse_2", "rtwse_3"):
        assert (items[item_id]["min"], items[item_id]["max"]) == (1, 10)
        assert items[item_id]["stem"] == "How certain are you that you can …"
    rtwexp = items["rtwexp"]
    assert [o["code"] for o in rtwexp["options"]] == list(range(10))
    assert rtwexp["options"][9]["label"] == "Don't know / unsure"
    assert rtwexp["missing_codes"] == [9]
    assert items["benefits"]["exclusive_codes"] == ["none"]
    assert items["work_hours"]["shown_if"] == {"item": "work_now", "equals": 1}
    assert items["gender"]["waves"] == ["T1"]


def test_json_with_all_languages_and_fallback(instrument):
    everything = items_of(instrument.to_dict())
    assert set(everything["was"]["text"]) == {"nb", "en", "nn"}
    unknown = items_of(instrument.to_dict("de"))
    assert unknown["was"]["text"] == "Hvordan vurderer du din arbeidsevne?"


def test_describe_lists_ranges_codes_waves_and_conditions(instrument):
    text = describe(instrument)
    assert "== Arbeidsevne og forventninger [measures] ==" in text
    assert "was: scale 0–10; waves T1 T2 T3 T4; optional; measure work_capacity" in text
    assert "rtwse_2: scale 1–10" in text
    assert "    0 = helt uten evne til å arbeide" in text
    assert "    9 = Vet ikke / usikker  [missing]" in text
    assert "    none = Ingen  [exclusive]" in text
    assert "work_hours: integer 0–80; waves T1 T2 T3 T4; optional; only if work_now = 1" in text
    assert "gender: single choice; waves T1; optional" in text
    assert "birth_year: integer 1925–2012" in text
    # Each item id appears once, in form order.
    positions = [text.index(f"\n{item.id}: ") for item in instrument.items]
    assert positions == sorted(positions)


def test_describe_in_english(instrument):
    text = describe(instrument, "en")
    assert "How certain are you that you can keep a normal work pace?" in text
    assert "8 = Never" in text
    assert "Hvordan" not in text
