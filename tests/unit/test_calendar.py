"""Each participant's calendar: calendar months, Europe/Oslo, summer time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from survey_app.services.calendar import add_months, plan_waves
from survey_app.services.wave_states import wave_state

OSLO = ZoneInfo("Europe/Oslo")


def test_month_ends_are_clamped():
    assert add_months(dt.date(2026, 1, 31), 3) == dt.date(2026, 4, 30)
    assert add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)  # leap year
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 8, 31), 18) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 5, 15), 12) == dt.date(2027, 5, 15)


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)), st.integers(0, 36))
def test_add_months_properties(day, months):
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == day.day or (result.day < day.day and (result + dt.timedelta(days=1)).day == 1)


def test_plan_waves_opens_at_local_midnight_across_summer_time():
    waves = plan_waves(dt.date(2026, 1, 31), ("T1", "T2", "T3", "T4"), (0, 3, 12, 18), 30, OSLO)
    assert [w.label for w in waves] == ["T1", "T2", "T3", "T4"]
    assert [w.opens_at.astimezone(OSLO).date() for w in waves] == [
        dt.date(2026, 1, 31),
        dt.date(2026, 4, 30),
        dt.date(2027, 1, 31),
        dt.date(2027, 7, 31),
    ]
    # Winter: UTC+1; summer: UTC+2, and both open at 00:00 local time.
    assert waves[0].opens_at == dt.datetime(2026, 1, 30, 23, 0, tzinfo=dt.UTC)
    assert waves[1].opens_at == dt.datetime(2026, 4, 29, 22, 0, tzinfo=dt.UTC)
    assert all(w.opens_at.astimezone(OSLO).time() == dt.time(0, 0) for w in waves)
    assert all((w.closes_at.astimezone(OSLO).date() - w.opens_at.astimezone(OSLO).date()).days == 30 for w in waves)


def test_wave_state_follows_the_clock():
    opens = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    closes = opens + dt.timedelta(days=30)
    before, during, after = opens - dt.timedelta(days=1), opens + dt.timedelta(days=1), closes
    assert wave_state("pending", opens, closes, before, False) == "not_yet_open"
    assert wave_state("pending", opens, closes, during, False) == "open"
    assert wave_state("pending", opens, closes, during, True) == "invited"
    assert wave_state("in_progress", opens, closes, during, True) == "in_progress"
    assert wave_state("in_progress", opens, closes, after, True) == "missed"
    assert wave_state("pending", opens, closes, after, True) == "missed"
    assert wave_state("answered", opens, closes, after, True) == "answered"
    assert wave_state("withdrawn", opens, closes, during, True) == "withdrawn"
