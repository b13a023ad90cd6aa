"""When reminders fall due and when mail may go: local days and hours, across clock changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from survey_app.services.sending_policy import (
    in_quiet_hours,
    next_reminder,
    quiet_hours_end,
    reminder_due_at,
    still_due,
)

OSLO = ZoneInfo("Europe/Oslo")


def oslo(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=OSLO).astimezone(dt.UTC)


@pytest.mark.parametrize(
    "opens, days, due",
    [
        (oslo(2026, 3, 23), 7, oslo(2026, 3, 30)),  # summer time begins on 29 March: 167 hours
        (oslo(2026, 10, 19), 7, oslo(2026, 10, 26)),  # and ends on 25 October: 169 hours
        (oslo(2026, 1, 31), 14, oslo(2026, 2, 14)),
    ],
)
def test_a_reminder_is_due_days_later_at_the_same_local_time(opens, days, due):
    assert reminder_due_at(opens, days, OSLO) == due


@pytest.mark.parametrize(
    "moment, quiet",
    [
        (oslo(2026, 3, 29, 1, 30), True),  # before the clocks jump from 02:00 to 03:00
        (oslo(2026, 3, 29, 7, 59), True),
        (oslo(2026, 3, 29, 8, 0), False),
        (oslo(2026, 10, 25, 20, 59), False),
        (oslo(2026, 10, 25, 21, 0), True),
        (dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC), True),  # 02:30 summer time, the first time round
        (dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC), True),  # 02:30 winter time, the second
    ],
)
def test_quiet_hours_are_local_hours_on_the_nights_the_clocks_change(moment, quiet):
    assert in_quiet_hours(moment, 21, 8, OSLO) is quiet


def test_quiet_hours_end_at_the_next_local_eight_o_clock():
    assert quiet_hours_end(oslo(2026, 3, 28, 22), 21, 8, OSLO) == oslo(2026, 3, 29, 8)
    assert quiet_hours_end(oslo(2026, 10, 25, 3), 21, 8, OSLO) == oslo(2026, 10, 25, 8)
    assert quiet_hours_end(oslo(2026, 10, 25, 12), 21, 8, OSLO) == oslo(2026, 10, 25, 12)
    assert not in_quiet_hours(oslo(2026, 1, 1, 3), 0, 0, OSLO)  # the same hour twice: none


def test_reminders_are_counted_and_those_long_overdue_are_stale():
    opens = oslo(2026, 3, 2)
    assert next_reminder(opens, 0, (7, 14), oslo(2026, 3, 8), OSLO) == []
    assert next_reminder(opens, 0, (7, 14), oslo(2026, 3, 9, 8), OSLO) == [(1, oslo(2026, 3, 9), False)]
    # After a week of downtime the first is stale and the second not yet due.
    assert next_reminder(opens, 0, (7, 14), oslo(2026, 3, 12), OSLO) == [(1, oslo(2026, 3, 9), True)]
    # Both stale, then nothing: no burst.
    assert next_reminder(opens, 0, (7, 14), oslo(2026, 3, 20), OSLO) == [
        (1, oslo(2026, 3, 9), True),
        (2, oslo(2026, 3, 16), True),
    ]
    assert next_reminder(opens, 2, (7, 14), oslo(2026, 3, 20), OSLO) == []
    # A policy cut from two reminders to one sends no second.
    assert next_reminder(opens, 1, (3,), oslo(2026, 3, 20), OSLO) == []
    assert still_due(opens, 1, (3,), oslo(2026, 3, 5), OSLO) and not still_due(opens, 2, (3,), oslo(2026, 3, 20), OSLO)
