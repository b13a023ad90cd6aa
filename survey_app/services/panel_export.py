"""The pseudonymised panel out of the database, in the layouts of ``analysis/panel_frames.py``.

Keyed by study ID only: the identity table is never read. Only submitted answers are read
(what a job seeker has not sent is theirs). Participants are read in batches and each batch is
written before the next is read, so memory stays bounded however large the study is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.panel_frames import long_columns, to_wide
from instruments import Instrument, load_instrument
from survey_app.db.tables import Answer, Participant, RegisterOutcome, Wave
from survey_app.services.answering import decode_value
from survey_app.services.calendar import utcnow
from survey_app.services.studies import StudyConfig, current_study
from survey_app.services.wave_states import wave_state

SHAPES = ("long", "wide")
FORMATS = ("csv", "parquet")
BATCH = 1000
# Wave states that are still to come or under way are "pending" in the panel.
_PENDING = ("not_yet_open", "open", "invited", "in_progress")
_TEXT_COLUMNS = ("study_id", "programme", "wave", "status", "mode", "instrument_version")


def column_types(instrument: Instrument) -> dict[str, str]:
    """The pandas type of every long column: whole numbers as nullable integers, so a skipped
    answer stays empty and is never written as 0 or as 3.0."""
    types = {column: "string" for column in _TEXT_COLUMNS}
    types.update(months="Int64", answered_on="datetime64[s]", rtwse="Float64", hours_before="Float64")
    types["hours_after"] = "Float64"
    for column in long_columns(instrument):
        types.setdefault(column, "Int64")
    return types


def _item_values(instrument: Instrument, answers: dict[str, object]) -> dict[str, object]:
    values: dict[str, object] = {}
    for item in instrument.items:
        if item.id not in answers:
            continue
        value = answers[item.id]
        if item.kind == "multi":
            for option in item.options:
                values[f"{item.id}_{option.code}"] = None if value is None else int(option.code in value)
        else:
            values[item.id] = value
    return values


async def _batch_rows(
    participants: list[dict], study: StudyConfig, instrument: Instrument, now: dt.datetime
) -> list[dict]:
    ids = [row["id"] for row in participants]
    waves = await Wave.select().where(Wave.participant.is_in(ids)).order_by(Wave.opens_at)
    answered = [wave["id"] for wave in waves if wave["status"] == "answered"]
    answers: dict[int, dict[str, object]] = defaultdict(dict)
    if answered:
        for row in await Answer.select(Answer.wave, Answer.item_id, Answer.value_json).where(
            Answer.wave.is_in(answered)
        ):
            answers[row["wave"]][row["item_id"]] = decode_value(row["value_json"])
    register = {
        row["participant"]: row
        for row in await RegisterOutcome.select(
            RegisterOutcome.participant, RegisterOutcome.hours_before, RegisterOutcome.hours_after
        ).where(RegisterOutcome.participant.is_in(ids))
    }
    by_participant: dict[int, list[dict]] = defaultdict(list)
    for wave in waves:
        by_participant[wave["participant"]].append(wave)
    rows = []
    for participant in participants:
        own = by_participant[participant["id"]]
        first = next((answers[wave["id"]] for wave in own if wave["id"] in answers), {})
        birth_year = first.get("birth_year")
        hours = register.get(participant["id"], {})
        person = {
            "study_id": participant["study_id"],
            "programme": participant["programme"],
            "gender": first.get("gender"),
            "birth_year": birth_year,
            # Whole years at enrolment, from the birth year only (no birth date is asked).
            "age_at_inclusion": participant["enrolled_on"].year - birth_year if birth_year is not None else None,
            "hours_before": hours.get("hours_before"),
            "hours_after": hours.get("hours_after"),
        }
        for wave in own:
            state = wave_state(wave["status"], wave["opens_at"], wave["closes_at"], now, invited=False)
            is_answered = state == "answered"
            row = {
                **person,
                "wave": wave["label"],
                "months": wave["months"],
                "status": "pending" if state in _PENDING else state,
                "answered_on": wave["submitted_at"].astimezone(study.timezone).date() if is_answered else None,
                "mode": wave["mode"] if is_answered else None,
                "instrument_version": wave["instrument_version"] if is_answered else None,
                "rtwse": wave["coping_beliefs"] if is_answered else None,
            }
            if is_answered:
                row.update(_item_values(instrument, answers[wave["id"]]))
            rows.append(row)
    return rows


async def panel_batches(
    now: dt.datetime | None = None,
    batch: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> AsyncIterator[pd.DataFrame]:
    """The long layout, a batch of participants at a time (each batch holds whole participants,
    so each can be made wide on its own)."""
    now = now or utcnow()
    study = await current_study()
    instrument = load_instrument(study.instrument_version)
    columns, types = long_columns(instrument), column_types(instrument)
    participants = (
        await Participant.select(Participant.id, Participant.study_id, Participant.programme, Participant.enrolled_on)
        .where(Participant.study == study.id)
        .order_by(Participant.study_id)
    )
    for start in range(0, len(participants), batch):
        chunk = participants[start : start + batch]
        frame = pd.DataFrame(await _batch_rows(chunk, study, instrument, now), columns=columns)
        yield frame.astype(types)
        if progress:
            progress(min(start + batch, len(participants)), len(participants))


async def write_panel(
    path: Path,
    shape: str,
    file_format: str,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the panel to ``path``; returns the number of rows written. Each batch is appended
    as it is read (CSV lines, Parquet row groups)."""
    if shape not in SHAPES or file_format not in FORMATS:
        raise ValueError(f"shape must be one of {SHAPES} and format one of {FORMATS}")
    study = await current_study()
    written, writer = 0, None
    try:
        async for frame in panel_batches(now, progress=progress):
            table = to_wide(frame, study.wave_labels) if shape == "wide" else frame
            if file_format == "csv":
                table.to_csv(
                    path, mode="w" if written == 0 else "a", header=written == 0, index=False, date_format="%Y-%m-%d"
                )
            else:
                arrow = pa.Table.from_pandas(table, preserve_index=False)
                writer = writer or pq.ParquetWriter(path, arrow.schema)
                writer.write_table(arrow)
            written += len(table)
    finally:
        if writer is not None:
            writer.close()
    if written == 0:
        # No participant yet: still a file with the layout's columns, so scripts can rely on it.
        instrument = load_instrument(study.instrument_version)
        empty = pd.DataFrame(columns=long_columns(instrument)).astype(column_types(instrument))
        empty = to_wide(empty, study.wave_labels) if shape == "wide" else empty
        if file_format == "csv":
            empty.to_csv(path, index=False)
        else:
            empty.to_parquet(path, index=False)
    return written
