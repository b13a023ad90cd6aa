"""Checking a study policy as typed in the settings form or on the command line (pure)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_app.services.errors import InvalidInput
from survey_app.services.studies import POLICY_FIELDS, StudyConfig, StudyPolicy, check_policy, policy_of, policy_text

STUDY = StudyConfig(
    id=1,
    code="default",
    name="Test",
    timezone=ZoneInfo("Europe/Oslo"),
    wave_labels=("T1", "T2", "T3", "T4"),
    wave_offsets_months=(0, 3, 12, 18),
    window_days=30,
    reminder_days=(7, 14),
    quiet_hours_start=21,
    quiet_hours_end=8,
    languages=("nb", "en", "nn"),
    instrument_version="2026.1",
    contact_name="",
    contact_email="",
    contact_phone="",
    sender_name="",
    double_entry=True,
)


def refused(raw: dict) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        check_policy(raw, STUDY)
    return caught.value.errors


def test_fields_not_given_keep_the_studys_values():
    assert check_policy({}, STUDY) == policy_of(STUDY)
    assert check_policy({"window_days": None, "sender_name": "Prosjekt Mestring"}, STUDY) == StudyPolicy(
        wave_offsets=(0, 3, 12, 18),
        window_days=30,
        reminder_days=(7, 14),
        quiet_hours=(21, 8),
        sender_name="Prosjekt Mestring",
        contact_name="",
        contact_email="",
        contact_phone="",
        double_entry=True,
    )


@pytest.mark.parametrize(
    "value, expected", [("on", True), ("OFF", False), (" yes ", True), ("0", False), (False, False), (True, True)]
)
def test_double_entry_is_on_or_off(value, expected):
    assert check_policy({"double_entry": value}, STUDY).double_entry is expected


@pytest.mark.parametrize("value", ["", "maybe", "2", "på"])
def test_double_entry_refuses_anything_else(value):
    assert list(refused({"double_entry": value})) == ["double_entry"]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ({"reminder_days": "7,14"}, (7, 14)),
        ({"reminder_days": " 3, 10 ,20 "}, (3, 10, 20)),
        ({"reminder_days": "1 2 3 4 5"}, (1, 2, 3, 4, 5)),
        ({"reminder_days": ""}, ()),
        ({"reminder_days": [5, 29]}, (5, 29)),
        ({"reminder_days": "29"}, (29,)),
    ],
)
def test_reminder_days_that_are_accepted(raw, expected):
    assert check_policy(raw, STUDY).reminder_days == expected


@pytest.mark.parametrize(
    "value",
    ["7;14", "7,x", "7.5", "1e3", "0,7", "-1", "14,7", "7,7", "1,2,3,4,5,6", "7,30", "7,31", [7, True], "9" * 5000],
)
def test_reminder_days_that_are_refused(value):
    assert set(refused({"reminder_days": value})) == {"reminder_days"}


def test_reminders_must_fit_in_a_new_window_too():
    assert refused({"window_days": "10"}) == {
        "reminder_days": "Each reminder must come before the answer window ends: use fewer days than the window."
    }
    assert check_policy({"window_days": "10", "reminder_days": "3,9"}, STUDY).window_days == 10


@pytest.mark.parametrize(
    "value, ok",
    [
        ("1", True),
        ("365", True),
        (45, True),
        ("0", False),
        ("366", False),
        ("", False),
        ("30 days", False),
        (30.0, False),
    ],
)
def test_window_days(value, ok):
    raw = {"window_days": value, "reminder_days": ""}
    if ok:
        assert check_policy(raw, STUDY).window_days == int(value)
    else:
        assert set(refused(raw)) == {"window_days"}


@pytest.mark.parametrize(
    "value, expected",
    [
        ("21-08", (21, 8)),
        ("22-7", (22, 7)),
        ("21.00–08.00", (21, 8)),
        ("21:00 - 08:00", (21, 8)),
        ("0-6", (0, 6)),
        ("8-8", (8, 8)),  # no quiet hours
        (("23", "0"), (23, 0)),
        ((21, 8), (21, 8)),
    ],
)
def test_quiet_hours_that_are_accepted(value, expected):
    assert check_policy({"quiet_hours": value}, STUDY).quiet_hours == expected


@pytest.mark.parametrize("value", ["24-08", "21-", "21", "kl 21-08", "21-08-09", "21.30-08", ("21",), ("x", "8"), 21])
def test_quiet_hours_that_are_refused(value):
    assert set(refused({"quiet_hours": value})) == {"quiet_hours"}


@pytest.mark.parametrize(
    "value, field_ok",
    [
        ("0,3,12,18", True),
        ("0, 1, 2, 60", True),
        ([0, 6, 12, 24], True),
        ("0,3,12", False),  # one per wave
        ("0,3,12,18,24", False),
        ("1,3,12,18", False),  # the first is 0
        ("0,12,3,18", False),
        ("0,3,3,18", False),
        ("0,3,12,61", False),
        ("0,3,12,x", False),
        ("", False),
    ],
)
def test_wave_offsets(value, field_ok):
    if field_ok:
        assert check_policy({"wave_offsets": value}, STUDY).wave_offsets == tuple(
            int(part) for part in str(value).strip("[]").split(",")
        )
    else:
        assert set(refused({"wave_offsets": value})) == {"wave_offsets"}


@pytest.mark.parametrize(
    "field, value",
    [
        ("sender_name", "Prosjekt\r\nBcc: victim@example.com"),
        ("sender_name", "Prosjekt\nMestring"),
        ("sender_name", "Tab\there"),
        ("sender_name", "Null\x00byte"),
        ("sender_name", "Right\u202eto left"),
        ("sender_name", "Line\u2028separator"),
        ("sender_name", "x" * 201),
        ("contact_name", "Pia\nProsjekt"),
        ("contact_name", "x" * 201),
        ("contact_phone", "1" * 41),
        ("contact_phone", "22 00\n00 00"),
        ("contact_email", "not an address"),
        ("contact_email", "pia@example.no\r\nBcc: x@example.com"),
    ],
)
def test_text_fields_refuse_line_breaks_control_characters_and_excess(field, value):
    assert set(refused({field: value})) == {field}


def test_text_fields_are_trimmed_and_may_be_empty():
    policy = check_policy(
        {
            "sender_name": "  Prosjekt  Mestring – NAV Øst ",
            "contact_name": "Pia\u00a0Prosjekt",
            "contact_email": " pia@example.no ",
            "contact_phone": "+47 22 00 00 00",
        },
        STUDY,
    )
    assert policy.sender_name == "Prosjekt Mestring – NAV Øst"
    assert policy.contact_name == "Pia Prosjekt"
    assert (policy.contact_email, policy.contact_phone) == ("pia@example.no", "+47 22 00 00 00")
    assert check_policy({"sender_name": "x" * 200, "contact_email": ""}, STUDY).contact_email == ""


def test_every_problem_is_reported_at_once_in_the_forms_order():
    errors = refused(
        {
            "contact_phone": "1" * 41,
            "reminder_days": "14,7",
            "window_days": "0",
            "quiet_hours": "25-08",
            "wave_offsets": "0,3",
            "sender_name": "a\nb",
            "contact_name": "x" * 300,
            "contact_email": "@",
            "double_entry": "maybe",
        }
    )
    assert list(errors) == list(POLICY_FIELDS)


@given(
    offsets=st.lists(st.integers(1, 60), min_size=3, max_size=3, unique=True).map(lambda xs: (0, *sorted(xs))),
    window=st.integers(1, 365),
    hours=st.tuples(st.integers(0, 23), st.integers(0, 23)),
    double_entry=st.booleans(),
    data=st.data(),
)
def test_the_text_a_form_shows_reads_back_as_the_same_policy(offsets, window, hours, double_entry, data):
    days = data.draw(st.lists(st.integers(1, window - 1), max_size=5, unique=True).map(sorted)) if window > 1 else []
    policy = StudyPolicy(
        offsets, window, tuple(days), hours, "Prosjekt", "Pia", "pia@example.no", "22 00 00 00", double_entry
    )
    assert check_policy(policy_text(policy), STUDY) == policy
