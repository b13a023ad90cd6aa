"""Each participant's own calendar: wave dates in calendar months, in the study's time zone."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months, clamped to the month's end (31 Jan + 3 = 30 Apr)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def start_of_day(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """Local midnight of ``day`` as an aware UTC time (correct across summer-time changes)."""
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz).astimezone(dt.UTC)


def closing_time(opens_on: dt.date, window_days: int, tz: ZoneInfo) -> dt.datetime:
    """When a wave that opens on ``opens_on`` closes: local midnight ``window_days`` days later."""
    return start_of_day(opens_on + dt.timedelta(days=window_days), tz)


@dataclass(frozen=True)
class PlannedWave:
    label: str
    months: int
    opens_at: dt.datetime
    closes_at: dt.datetime


def plan_waves(
    enrolled_on: dt.date,
    labels: Sequence[str],
    offsets_months: Sequence[int],
    window_days: int,
    tz: ZoneInfo,
) -> list[PlannedWave]:
    """The waves of one participant enrolled on ``enrolled_on``.

    A wave opens at local midnight of its day (enrolment day + offset in calendar months) and
    closes ``window_days`` local days later, also at midnight.
    """
    if len(labels) != len(offsets_months):
        raise ValueError("each wave needs exactly one offset")
    waves = []
    for label, months in zip(labels, offsets_months, strict=True):
        opens_on = add_months(enrolled_on, months)
        waves.append(
            PlannedWave(
                label=label,
                months=months,
                opens_at=start_of_day(opens_on, tz),
                closes_at=closing_time(opens_on, window_days, tz),
            )
        )
    return waves


def last_answer_day(closes_at: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The last day a wave can be answered: the local day before it closes at midnight. The
    one rule for every e-mail and page that says "until"."""
    return (closes_at - dt.timedelta(microseconds=1)).astimezone(tz).date()


def days_left(closes_at: dt.datetime, now: dt.datetime, tz: ZoneInfo) -> int:
    """Days left to answer, today included (1 on the last day)."""
    return (last_answer_day(closes_at, tz) - now.astimezone(tz).date()).days + 1


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
