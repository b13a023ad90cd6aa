"""The pseudonymised panel out of the database, in the layouts of ``analysis/panel_frames.py``.

Keyed by study ID only: the identity table is never read. Only submitted answers are read
(what a job seeker has not sent is theirs). Participants are read in batches and each batch is
written before the next is read, so memory stays bounded however large the study is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import anyio
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat

from analysis.panel_frames import long_columns, to_wide
from analysis.panel_labels import PanelLabels, codebook, panel_labels
from analysis.reports.codebook_pdf import codebook_pdf
from instruments import Instrument, load_instrument
from survey_app.db.tables import Answer, Participant, RegisterOutcome, Wave
from survey_app.i18n import format_date, gettext
from survey_app.services.answering import decode_value
from survey_app.services.calendar import utcnow
from survey_app.services.studies import StudyConfig, current_study
from survey_app.services.wave_states import wave_state

SHAPES = ("long", "wide")
FORMATS = ("csv", "parquet", "dta", "sav")
STATA_NAME_LENGTH = 32
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


def codebook_path(path: Path) -> Path:
    """Where the codebook of an export goes: beside it, ``panel.dta`` -> ``panel-codebook.csv``."""
    return path.with_name(f"{path.stem}-codebook.csv")


def codebook_pdf_path(path: Path) -> Path:
    """The codebook as PDF, beside the CSV one: ``panel.dta`` -> ``panel-codebook.pdf``."""
    return path.with_name(f"{path.stem}-codebook.pdf")


def _codebook_pdf(book: pd.DataFrame, study: StudyConfig, shape: str, file_format: str, lang: str, now) -> bytes:
    def _(message: str) -> str:
        return gettext(lang, message)

    layout = _("long layout") if shape == "long" else _("wide layout")
    return codebook_pdf(
        book,
        title=_("Codebook of the panel"),
        subtitle=f"{study.name}: {layout}, {file_format}, {format_date(now)}",
        headings={
            "variable": _("Variable"),
            "label": _("Label"),
            "type": _("Type"),
            "values": _("Values"),
            "missing": _("Missing codes"),
            "waves": _("Waves"),
            "source": _("Questionnaire"),
        },
        page=_("Page"),
    )


def _stata_name(column: str, wave_labels: Sequence[str]) -> str:
    """Stata allows 32 characters in a variable name: a longer one is cut before its wave
    suffix, so ``health_problem_musculoskeletal_t1`` keeps its ``_t1`` (the label says the rest)."""
    if len(column) <= STATA_NAME_LENGTH:
        return column
    base, wave = next(
        (
            (column[: -len(label) - 1], column[-len(label) - 1 :])
            for label in wave_labels
            if column.endswith("_" + label.lower())
        ),
        (column, ""),
    )
    return base[: STATA_NAME_LENGTH - len(wave)] + wave


def _write_labelled(
    table: pd.DataFrame, path: Path, file_format: str, labels: PanelLabels, wave_labels
) -> pd.DataFrame:
    """A .dta or .sav file with variable and value labels (SPSS: "don't know" as user-missing;
    Stata has no user-missing values, so there it is a labelled code). Returns the table as written."""
    if file_format == "sav":
        pyreadstat.write_sav(
            table,
            path,
            column_labels={column: labels.variables.get(column) for column in table.columns},
            variable_value_labels=labels.values,
            missing_ranges=labels.missing,
        )
        return table
    names = {column: _stata_name(column, wave_labels) for column in table.columns}
    written = table.rename(columns=names)
    # Stata's missing text is the empty string (and it refuses a text column of nulls only).
    text = [column for column in written.columns if written[column].dtype == "string"]
    written[text] = written[text].fillna("")
    written.to_stata(
        path,
        write_index=False,
        version=118,
        variable_labels={names[column]: text for column, text in labels.variables.items()},
        value_labels={names[column]: codes for column, codes in labels.values.items()},
        convert_dates={names[column]: "td" for column in table.columns if column.startswith("answered_on")},
    )
    return written


async def write_panel(
    path: Path,
    shape: str,
    file_format: str,
    lang: str = "nb",
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the panel to ``path`` and its codebook beside it (:func:`codebook_path`); returns the
    number of rows written. CSV and Parquet get each batch appended as it is read (memory stays
    at one batch); .dta and .sav are written whole, with labels in ``lang``."""
    if shape not in SHAPES or file_format not in FORMATS:
        raise ValueError(f"shape must be one of {SHAPES} and format one of {FORMATS}")
    study = await current_study()
    instrument = load_instrument(study.instrument_version)
    empty = pd.DataFrame(columns=long_columns(instrument)).astype(column_types(instrument))
    # No participant yet: still a file with the layout's columns, so scripts can rely on it.
    template = to_wide(empty, study.wave_labels) if shape == "wide" else empty
    written, writer, whole = 0, None, []
    try:
        async for frame in panel_batches(now, progress=progress):
            table = to_wide(frame, study.wave_labels) if shape == "wide" else frame
            if file_format == "csv":
                table.to_csv(
                    path, mode="w" if written == 0 else "a", header=written == 0, index=False, date_format="%Y-%m-%d"
                )
            elif file_format == "parquet":
                arrow = pa.Table.from_pandas(table, preserve_index=False)
                writer = writer or pq.ParquetWriter(path, arrow.schema)
                writer.write_table(arrow)
            else:
                whole.append(table)
            written += len(table)
    finally:
        if writer is not None:
            writer.close()
    table = pd.concat(whole, ignore_index=True) if whole else template
    labels = panel_labels(instrument, list(table.columns), lang, study.wave_labels)
    if file_format in ("dta", "sav"):
        # Seconds for a large panel: in a worker thread, so that the web app goes on answering.
        table = await anyio.to_thread.run_sync(_write_labelled, table, path, file_format, labels, study.wave_labels)
    elif written == 0 and file_format == "csv":
        table.to_csv(path, index=False)
    elif written == 0:
        table.to_parquet(path, index=False)
    book = codebook(template, instrument, lang, study.wave_labels)
    if file_format == "dta":
        book["variable"] = [_stata_name(column, study.wave_labels) for column in book["variable"]]
    book.to_csv(codebook_path(path), index=False)
    pdf = await anyio.to_thread.run_sync(_codebook_pdf, book, study, shape, file_format, lang, now or utcnow())
    codebook_pdf_path(path).write_bytes(pdf)
    return written
