"""When messages fall due and when they may go out: pure functions of the study's policy.

Times are aware datetimes; the policy's hours and days are in the study's time zone, so a
reminder "7 days after the wave opened" comes at the same local time of day on both sides of
a summer-time change, and quiet hours are local hours on the nights the clocks move too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

# A reminder whose moment passed longer ago than this (the dispatcher was down) is skipped:
# after downtime, people get what is still useful, not a burst of late reminders.
STALE_AFTER = dt.timedelta(days=1)


def reminder_due_at(opens_at: dt.datetime, days: int, tz: ZoneInfo) -> dt.datetime:
    """``days`` local days after ``opens_at``, at the same local time of day."""
    local = opens_at.astimezone(tz)
    later = dt.datetime.combine(local.date() + dt.timedelta(days=days), local.time().replace(tzinfo=None), tzinfo=tz)
    return later.astimezone(dt.UTC)


def in_quiet_hours(moment: dt.datetime, start_hour: int, end_hour: int, tz: ZoneInfo) -> bool:
    """Whether ``moment`` falls in the quiet hours ``start_hour``–``end_hour`` (local time;
    the span may pass midnight, as 21–08 does; equal hours mean no quiet hours)."""
    if start_hour == end_hour:
        return False
    hour = moment.astimezone(tz).hour
    if start_hour < end_hour:
        return start_hour <= hour < end_hour
    return hour >= start_hour or hour < end_hour


def quiet_hours_end(moment: dt.datetime, start_hour: int, end_hour: int, tz: ZoneInfo) -> dt.datetime:
    """The first moment at or after ``moment`` outside the quiet hours."""
    if not in_quiet_hours(moment, start_hour, end_hour, tz):
        return moment
    local = moment.astimezone(tz)
    day = local.date() if local.hour < end_hour else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(end_hour), tzinfo=tz).astimezone(dt.UTC)


def next_reminder(
    opens_at: dt.datetime, reminders_so_far: int, reminder_days: Sequence[int], now: dt.datetime, tz: ZoneInfo
) -> list[tuple[int, dt.datetime, bool]]:
    """The reminders that fall due by ``now`` after ``reminders_so_far`` of them exist.

    Returns ``(number, due_at, stale)`` for each, in order: stale ones (their moment passed
    more than :data:`STALE_AFTER` ago) are to be recorded as skipped, and the list ends with
    at most one that is to be sent. Reminders are counted, not matched by day, so a policy
    edited half-way (7, 14 to 3) never sends more reminders than the policy has.
    """
    due = []
    for number in range(reminders_so_far + 1, len(reminder_days) + 1):
        moment = reminder_due_at(opens_at, reminder_days[number - 1], tz)
        if moment > now:
            break
        stale = now - moment > STALE_AFTER
        due.append((number, moment, stale))
        if not stale:
            break
    return due


def still_due(opens_at: dt.datetime, number: int, reminder_days: Sequence[int], now: dt.datetime, tz: ZoneInfo) -> bool:
    """Whether reminder ``number``, queued earlier, is due under the current policy (which may
    have changed since it was queued)."""
    return number <= len(reminder_days) and reminder_due_at(opens_at, reminder_days[number - 1], tz) <= now
