"""Reading CSV files people make in a spreadsheet: a cohort for bulk enrolment (``mestring
enrol --csv``) and register data (``mestring register import``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from survey_app.i18n import N_
from survey_app.services.enrolment import LineError

CSV_COLUMNS = (
    "name",
    "email",
    "language",
    "programme",
    "contact_mode",
    "consent_date",
    "consent_version",
    "specialist_email",
    "enrolled_on",
)


def read_cohort_csv(text: str) -> tuple[list[tuple[int, Mapping[str, str]]], list[LineError]]:
    """Rows as (line number, fields) and the file-level problems (see :func:`read_csv_rows`)."""
    return read_csv_rows(text, CSV_COLUMNS, N_("The file has no job seekers in it."))


def read_csv_rows(
    text: str, columns: Sequence[str], nothing_in_it: str
) -> tuple[list[tuple[int, Mapping[str, str]]], list[LineError]]:
    """Rows as (line number, fields) of a file with at least ``columns``, and the file-level
    problems (``nothing_in_it`` when it has no rows).

    Accepts comma or semicolon as separator (Norwegian spreadsheets save with semicolons) and
    a byte-order mark. Line numbers count the header as line 1, as a spreadsheet shows them.
    """
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [column for column in columns if column not in header]
    if missing:
        return [], [LineError(1, ", ".join(missing), N_("These columns are missing from the header line."))]
    rows: list[tuple[int, Mapping[str, str]]] = []
    problems: list[LineError] = []
    start = 2
    try:
        for raw in reader:
            fields = {
                (key or "").strip(): (value or "") if isinstance(value, str) else "" for key, value in raw.items()
            }
            if None in raw:
                problems.append(LineError(start, "", N_("This line has more fields than the header.")))
            if any(value.strip() for value in fields.values()):
                rows.append((start, fields))
            start = reader.line_num + 1
    except csv.Error:
        problems.append(LineError(reader.line_num, "", N_("The file is not valid CSV from this line on.")))
    if not rows and not problems:
        problems.append(LineError(1, "", nothing_in_it))
    return rows, problems
