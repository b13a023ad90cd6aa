"""The codebook as a PDF, read back page by page: every variable of a real wide panel with its
name whole, the header once at the top of every page (never again in the middle of one) and
the page numbers."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from pypdf import PdfReader

from analysis.panel_frames import long_columns, to_wide
from analysis.panel_labels import codebook
from analysis.reports.codebook_pdf import COLUMNS, codebook_pdf
from instruments import load_instrument

WAVES = ("T1", "T2", "T3", "T4")
HEADINGS = {
    "variable": "Variable",
    "label": "Label",
    "type": "Type",
    "values": "Values",
    "missing": "Missing",
    "waves": "Waves",
    "source": "Source",
}


@pytest.fixture(scope="module")
def book() -> pd.DataFrame:
    instrument = load_instrument("mestring-2026.1")
    wide = to_wide(pd.DataFrame(columns=long_columns(instrument)), WAVES)
    return codebook(wide, instrument, "en", WAVES)


def _pages(content: bytes) -> list[list[str]]:
    """Each page's lines (pypdf gives every table cell a line of its own)."""
    reader = PdfReader(io.BytesIO(content))
    return [[line.strip() for line in page.extract_text().replace("\u00a0", " ").splitlines()] for page in reader.pages]


def test_every_variable_is_listed_whole_with_its_values_and_source(book):
    pages = _pages(codebook_pdf(book, "Codebook", "Study, wide, 23.11.2026", HEADINGS, "Page"))
    lines = {line for page in pages for line in page}
    assert len(book) > 100
    for variable in book["variable"]:
        assert variable in lines, variable  # a name is never broken across two lines
    assert "9 = Don't know / unsure" in lines and "mestring-2026.1" in lines
    assert "Study, wide, 23.11.2026" in pages[0]


def test_the_header_heads_every_page_once_and_pages_are_numbered(book):
    pages = _pages(codebook_pdf(book, "Codebook", "", HEADINGS, "Page"))
    assert len(pages) > 3
    first_names = set(book["variable"])
    for number, page in enumerate(pages, start=1):
        assert page.count("Variable") == 1, number
        first_row = next(index for index, line in enumerate(page) if line in first_names)
        assert page.index("Variable") < first_row, number
        assert f"Page {number}" in page


def test_two_hundred_variables_and_more_are_all_there(book):
    # The same names for a fifth and sixth wave: as long as the real ones, so still whole.
    more = book.assign(variable=book["variable"].str.replace(r"_t([1-4])$", r"_u\1", regex=True))
    many = pd.concat([book, more], ignore_index=True)
    pages = _pages(codebook_pdf(many, "Codebook", "", HEADINGS, "Page"))
    lines = {line for page in pages for line in page}
    assert len(many) > 200 and set(many["variable"]) <= lines


def test_a_missing_column_or_heading_is_refused(book):
    for column in COLUMNS:
        with pytest.raises(ValueError, match=column):
            codebook_pdf(book.drop(columns=column), "Codebook", "", HEADINGS, "Page")
    with pytest.raises(ValueError, match="waves"):
        codebook_pdf(book, "Codebook", "", {key: value for key, value in HEADINGS.items() if key != "waves"}, "Page")
