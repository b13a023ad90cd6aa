"""The follow-up suggestion for every job seeker in the database, keyed by study ID only, so
that a study team can review the rules on a cohort (``mestring suggest``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from analysis.followup import load_rule_set, suggest
from survey_app.db.tables import Participant
from survey_app.services.calendar import utcnow
from survey_app.services.caseload import wave_views

BATCH = 500


async def all_suggestions(
    rules_path: str | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict]:
    """One entry per participant, in study-ID order: ``study_id`` and the suggestion's
    ``as_dict()`` (level, score, reasons, hints, basis, rule_set). Read in batches so that a
    large study never holds every wave in memory at once."""
    now = now or utcnow()
    rules = load_rule_set(rules_path)
    participants = await Participant.select(Participant.id, Participant.study_id).order_by(Participant.study_id)
    entries = []
    for start in range(0, len(participants), BATCH):
        batch = participants[start : start + BATCH]
        waves = await wave_views([row["id"] for row in batch], now)
        for row in batch:
            history = [wave.record() for wave in waves.get(row["id"], [])]
            entries.append({"study_id": row["study_id"], **suggest(history, rules).as_dict()})
        if progress:
            progress(len(entries), len(participants))
    return entries
