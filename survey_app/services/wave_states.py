"""What a wave's state is at a given moment: stored facts plus the clock."""

from __future__ import annotations

import datetime as dt

# Display order and the keys the UI translates.
WAVE_STATES = ("not_yet_open", "open", "invited", "in_progress", "answered", "missed", "withdrawn")


def wave_state(status: str, opens_at: dt.datetime, closes_at: dt.datetime, now: dt.datetime, invited: bool) -> str:
    """One of :data:`WAVE_STATES`.

    ``status`` is the stored one (pending, in_progress, answered, missed, withdrawn); a pending
    or started wave whose window has passed is *missed* before the dispatcher has marked it so;
    ``invited`` says whether an invitation for it was sent.
    """
    if status in ("answered", "withdrawn", "missed"):
        return status
    if now < opens_at:
        return "not_yet_open"
    if now >= closes_at:
        return "missed"
    if status == "in_progress":
        return "in_progress"
    return "invited" if invited else "open"
