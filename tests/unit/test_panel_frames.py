"""The long and wide layouts of the panel: reshaping loses nothing, either way."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.panel_frames import item_columns, long_columns, to_long, to_wide
from instruments import load_instrument

WAVES = ("T1", "T2", "T3", "T4")


def _long(people: list[tuple[str, str, list[tuple[str, str, int | None]]]]) -> pd.DataFrame:
    rows = [
        {"study_id": study_id, "programme": programme, "wave": wave, "status": status, "gender": 1, "was": was}
        for study_id, programme, waves in people
        for wave, status, was in waves
    ]
    return pd.DataFrame(rows).astype({"was": "Int64", "gender": "Int64"})


def test_the_long_layout_follows_the_contract():
    columns = long_columns(load_instrument("mestring-2026.1"))
    assert columns[:7] == ["study_id", "programme", "wave", "months", "status", "answered_on", "mode"]
    assert columns[8:13] == ["gender", "birth_year", "age_at_inclusion", "hours_before", "hours_after"]
    assert columns[13:19] == ["was", "rtwse_1", "rtwse_2", "rtwse_3", "rtwexp", "rtwse"]
    # A multi-select item is one 0/1 column per option; participant-level items are not repeated.
    items = item_columns(load_instrument("mestring-2026.1"))
    assert "benefits_aap" in items and "benefits" not in items and "gender" not in items


def test_wide_has_one_row_per_participant_and_a_column_per_wave():
    long = _long([("B", "kvp", [("T1", "answered", 7), ("T2", "missed", None)]), ("A", "kvp", [("T1", "answered", 3)])])
    wide = to_wide(long, WAVES)
    assert list(wide["study_id"]) == ["A", "B"]
    assert list(wide.columns) == ["study_id", "programme", "gender"] + [
        f"{column}_{wave.lower()}" for wave in WAVES for column in ("status", "was")
    ]
    assert wide.loc[1, "was_t1"] == 7 and pd.isna(wide.loc[1, "was_t2"]) and wide.loc[1, "status_t2"] == "missed"
    assert pd.isna(wide.loc[0, "status_t2"])


def test_a_participant_twice_in_one_wave_is_refused():
    long = _long([("A", "kvp", [("T1", "answered", 7), ("T1", "answered", 8)])])
    with pytest.raises(ValueError, match="one row per participant and wave"):
        to_wide(long, WAVES)


_person = st.tuples(
    st.sampled_from(["utvidet_oppfolging", "kvp", "external"]),
    st.lists(
        st.tuples(st.sampled_from(["answered", "missed", "pending", "withdrawn"]), st.none() | st.integers(0, 10)),
        min_size=1,
        max_size=4,
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_person, min_size=1, max_size=8))
def test_long_to_wide_and_back_loses_nothing(people):
    long = _long(
        [
            (f"P{number:03d}", programme, [(WAVES[index], status, was) for index, (status, was) in enumerate(waves)])
            for number, (programme, waves) in enumerate(people)
        ]
    )
    back = to_long(to_wide(long, WAVES), WAVES)
    pd.testing.assert_frame_equal(back, long.reset_index(drop=True), check_dtype=False)


def test_labels_come_from_the_questionnaire_in_the_chosen_language():
    from analysis.panel_labels import panel_labels

    instrument = load_instrument("mestring-2026.1")
    columns = ["study_id", "was_t2", "rtwexp", "benefits_aap", "rtwse"]
    english = panel_labels(instrument, columns, "en", WAVES)
    assert english.variables["was_t2"] == "How do you rate your current work ability? (T2)"
    assert english.values["rtwexp"][9] == "Don't know / unsure" and english.missing == {"rtwexp": [9]}
    assert english.values["benefits_aap"] == {0: "No", 1: "Yes"}
    assert english.variables["benefits_aap"].startswith(instrument.item("benefits").option("aap").label_in("en") + ": ")
    norwegian = panel_labels(instrument, columns, "nb", WAVES)
    assert norwegian.variables["study_id"] == "Studie-ID (pseudonym)" and "study_id" not in norwegian.values
    assert all(len(label) <= 80 for label in norwegian.variables.values())
    with pytest.raises(ValueError, match="nb or en"):
        panel_labels(instrument, columns, "nn")
