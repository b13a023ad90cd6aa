"""The panel's codebook as a PDF to read or print beside the data: one row per variable with its
label, type, values and their labels, missing codes, waves and source questionnaire."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from reportlab.lib.colors import HexColor
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, TableStyle

from analysis.reports.document import BODY, MONO, RULE, TITLE, WIDE, build_pdf, data_table, text

# Names run to 33 characters (health_problem_musculoskeletal_t1): at 7.5 pt they fit their column whole.
_NAME = ParagraphStyle("codebook-name", parent=MONO, fontSize=7.5)

COLUMNS = ("variable", "label", "type", "values", "missing", "waves", "source")
# Shares of the page's width; the values (with their labels) need the most room.
_WIDTHS = (0.21, 0.26, 0.06, 0.24, 0.07, 0.05, 0.11)
# Rows per table: many small tables lay out far faster than one spanning the whole document.
_ROWS_PER_TABLE = 40
# A hairline between variables makes each one a block of its own without a grid.
_BETWEEN = TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.25, HexColor("#b0b0b0"))])
_END = TableStyle([("LINEBELOW", (0, -1), (-1, -1), 0.8, RULE)])


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
    # The header row is drawn once under the title and then by every later page itself: the parts
    # below carry none, so it never shows up again where one part ends in the middle of a page.
    story: list[Flowable] = [
        text(title, TITLE),
        text(subtitle, BODY),
        data_table([header], widths, numeric_from=len(COLUMNS)),
    ]
    records = book[list(COLUMNS)].fillna("").astype(str).to_numpy().tolist()
    for start in range(0, len(records), _ROWS_PER_TABLE):
        rows = []
        for record in records[start : start + _ROWS_PER_TABLE]:
            # Values are listed "1 = Kvinne; 2 = Mann": one per line reads far better.
            rows.append([text(record[0], _NAME), record[1], record[2], record[3].replace("; ", "\n"), *record[4:]])
        table = data_table(rows, widths, numeric_from=len(COLUMNS), header=False)
        table.setStyle(_BETWEEN)
        if start + _ROWS_PER_TABLE >= len(records):
            table.setStyle(_END)
        story.append(table)
    page_header = data_table([header], widths, numeric_from=len(COLUMNS))
    return build_pdf(story, title=title, footer=title, page_label=page, wide=True, page_header=page_header)
