"""Register data (mean hours worked per week in the 12 months before and after programme start),
imported from a file keyed by study ID and kept apart from the answers.

Everything is checked first and every problem reported with its line; then all lines are
written in one transaction, or none. A value that replaces an earlier import is audited.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from survey_app.db.engine import transactional
from survey_app.db.tables import Participant, RegisterOutcome
from survey_app.i18n import N_
from survey_app.services import audit
from survey_app.services.calendar import utcnow
from survey_app.services.enrolment import LineError, looks_like_study_id
from survey_app.services.enrolment_csv import read_csv_rows
from survey_app.services.studies import current_study, study_for_writing

REGISTER_COLUMNS = ("study_id", "hours_before", "hours_after")
HOURS_FIELDS = ("hours_before", "hours_after")
_COLUMN_ORDER = {column: index for index, column in enumerate(REGISTER_COLUMNS)}
# A mean of more than 80 hours a week over a year is a typing error, not a job.
MAX_HOURS = 80.0


class RegisterImportRejected(Exception):
    """The file had problems; nothing was written. ``errors`` lists each with its line."""

    def __init__(self, errors: Sequence[LineError]) -> None:
        super().__init__(f"{len(errors)} problem(s); nothing was imported")
        self.errors = list(errors)


@dataclass(frozen=True)
class RegisterImported:
    imported: int
    replaced: int


def _hours(text: str) -> float | str | None:
    """The number of hours, None for an empty cell, or the msgid of what is wrong."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return N_("Write the hours as a number, such as 37.5.")
    if not math.isfinite(value):
        return N_("Write the hours as a number, such as 37.5.")
    if value < 0:
        return N_("Hours cannot be negative.")
    if value > MAX_HOURS:
        return N_("More than 80 hours a week on average: check the number.")
    return value


def check_register_file(
    text: str,
) -> tuple[dict[str, dict[str, float | None]], list[LineError], dict[str, int]]:
    """The hours per study ID, every problem of the file with its line number, and the line of
    each study ID (unknown study IDs are found when importing, against the database)."""
    rows, problems = read_csv_rows(text, REGISTER_COLUMNS, N_("The file has no register data in it."))
    errors = list(problems)
    values: dict[str, dict[str, float | None]] = {}
    first_line: dict[str, int] = {}
    for line, fields in rows:
        study_id = fields.get("study_id", "").strip().upper()
        # The hours are checked on every line, also one whose study ID is wrong: every problem
        # of the file is named at once, not one round of corrections at a time.
        hours = {}
        for field in HOURS_FIELDS:
            value = _hours(fields.get(field, ""))
            if isinstance(value, str):
                errors.append(LineError(line, field, value))
            hours[field] = value
        if all(hours[field] is None for field in HOURS_FIELDS):
            errors.append(LineError(line, "hours_before", N_("The line has no hours, neither before nor after.")))
        if not looks_like_study_id(study_id):
            errors.append(LineError(line, "study_id", N_("Write the study ID, such as 7K3Q-9PXA.")))
        elif study_id in first_line:
            errors.append(LineError(line, "study_id", N_("The same study ID appears on an earlier line.")))
        else:
            first_line[study_id] = line
            values[study_id] = hours
    return values, errors, first_line


async def import_register(text: str, source: str, actor: audit.Actor) -> RegisterImported:
    """Check the whole file, then import it all or nothing.

    Raises
    ------
    RegisterImportRejected
        With every problem of every line, unknown study IDs included; nothing is written.
    """
    values, errors, lines = check_register_file(text)
    return await _write(values, errors, lines, source[:200], actor)


@transactional
async def _write(
    values: Mapping[str, Mapping[str, float | None]],
    errors: Sequence[LineError],
    lines: Mapping[str, int],
    source: str,
    actor: audit.Actor,
) -> RegisterImported:
    # One import at a time: two files naming the same person would both find no earlier value
    # and both insert it (PostgreSQL refuses the second: one register row per participant).
    await study_for_writing((await current_study()).id, exclusive=True)
    errors = list(errors)
    known = {
        row["study_id"]: row["id"]
        for row in await Participant.select(Participant.id, Participant.study_id).where(
            Participant.study_id.is_in(list(values) or [""])
        )
    }
    for study_id, line in lines.items():
        if study_id not in known:
            errors.append(LineError(line, "study_id", N_("No participant has this study ID.")))
    if errors:
        # Line by line, and within a line in the file's column order.
        raise RegisterImportRejected(sorted(errors, key=lambda error: (error.line, _COLUMN_ORDER.get(error.field, -1))))
    earlier = {
        row["participant"]: row
        for row in await RegisterOutcome.select().where(RegisterOutcome.participant.is_in(list(known.values()) or [0]))
    }
    now, replaced = utcnow(), 0
    for study_id, hours in values.items():
        participant = known[study_id]
        if participant in earlier:
            changed = [field for field in HOURS_FIELDS if earlier[participant][field] != hours[field]]
            if changed:
                replaced += 1
                await RegisterOutcome.update(
                    {
                        RegisterOutcome.hours_before: hours["hours_before"],
                        RegisterOutcome.hours_after: hours["hours_after"],
                        RegisterOutcome.source: source,
                        RegisterOutcome.imported_at: now,
                    }
                ).where(RegisterOutcome.participant == participant)
                await audit.record(actor, "register.replace", "participant", study_id, {"fields": changed})
        else:
            await RegisterOutcome.insert(
                RegisterOutcome(participant=participant, source=source, imported_at=now, **hours)
            )
    await audit.record(
        actor, "register.import", "register", "import", {"file": source, "lines": len(values), "replaced": replaced}
    )
    return RegisterImported(imported=len(values), replaced=replaced)
