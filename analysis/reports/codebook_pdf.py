"""The panel's codebook as a PDF to read or print beside the data: one row per variable with its
label, type, values and their labels, missing codes, waves and source questionnaire."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from reportlab.platypus import Flowable

from analysis.reports.document import BODY, MONO, TITLE, WIDE, build_pdf, data_table, text

COLUMNS = ("variable", "label", "type", "values", "missing", "waves", "source")
# Shares of the page's width; the values (with their labels) need the most room.
_WIDTHS = (0.17, 0.29, 0.07, 0.26, 0.05, 0.05, 0.11)
# Rows per table: many small tables lay out far faster than one spanning the whole document.
_ROWS_PER_TABLE = 40


def codebook_pdf(book: pd.DataFrame, title: str, subtitle: str, headings: Mapping[str, str], page: str) -> bytes:
    """The codebook (as :func:`analysis.panel_labels.codebook` builds it) as a landscape A4 PDF.

    Parameters
    ----------
    book : DataFrame
        Columns ``variable, label, type, values, missing, waves, source``.
    title, subtitle : str
        The document's title and a line under it (the study, the layout, the date).
    headings : mapping
        The column headings, keyed by the codebook's column names.
    page : str
        The word before the page number.

    Returns
    -------
    bytes
    """
    missing = [column for column in COLUMNS if column not in book.columns or column not in headings]
    if missing:
        raise ValueError(f"the codebook or its headings lack {', '.join(missing)}")
    header = [headings[column] for column in COLUMNS]
    widths = [share * WIDE for share in _WIDTHS]
    story: list[Flowable] = [text(title, TITLE), text(subtitle, BODY)]
    records = book[list(COLUMNS)].fillna("").astype(str).to_numpy().tolist()
    for start in range(0, max(1, len(records)), _ROWS_PER_TABLE):
        rows = [header]
        for record in records[start : start + _ROWS_PER_TABLE]:
            # Values are listed "1 = Kvinne; 2 = Mann": one per line reads far better.
            rows.append([text(record[0], MONO), record[1], record[2], record[3].replace("; ", "\n"), *record[4:]])
        story.append(data_table(rows, widths, numeric_from=len(COLUMNS)))
    return build_pdf(story, title=title, footer=title, page_label=page, wide=True)
