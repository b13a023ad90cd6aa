"""What the multi-page reports share: an A4 page with a running footer and page numbers, the
paragraph styles, and tables with a repeated header row. The texts come translated from the
caller; this module only lays them out."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from analysis.charts import FONT, FONT_BOLD, FONT_ITALIC, register_fonts

AUTHOR = "mestring"
INK = HexColor("#1a1a1a")
MUTED = HexColor("#404040")
RULE = HexColor("#555555")
MARGIN = 16 * mm
WIDTH = A4[0] - 2 * MARGIN
WIDE = landscape(A4)[0] - 2 * MARGIN
_FRAME_PADDING = 6  # reportlab's Frame default, which SimpleDocTemplate keeps

TITLE = ParagraphStyle("title", fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=6, textColor=INK)
HEADING = ParagraphStyle("heading", fontName=FONT_BOLD, fontSize=11.5, leading=14, spaceBefore=12, spaceAfter=4)
BODY = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, textColor=INK)
NOTE = ParagraphStyle("note", fontName=FONT_ITALIC, fontSize=7.5, leading=9.5, textColor=MUTED, spaceBefore=2)
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=10, textColor=INK)
CELL_HEAD = ParagraphStyle("cell-head", parent=CELL, fontName=FONT_BOLD)
MONO = ParagraphStyle("mono", parent=CELL, fontName="Courier-Bold")
_RIGHT = {style.name: ParagraphStyle(f"{style.name}-right", parent=style, alignment=2) for style in (CELL, CELL_HEAD)}


def text(value: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (escaped: names of variables and notes are not markup)."""
    register_fonts()  # a paragraph looks its font up when it is made, not when it is drawn
    return Paragraph(escape(value).replace("\n", "<br/>"), style)


def data_table(
    rows: Sequence[Sequence[object]], widths: Sequence[float], *, numeric_from: int = 1, header: bool = True
) -> Table:
    """A journal-style table: rules above and below the header and at the end, no grid; the
    header row repeats on a new page; columns from ``numeric_from`` on are right-aligned.
    Cells may be strings or flowables (a string is wrapped in a cell paragraph). With
    ``header=False`` the first row is data: a continuation whose page draws the header."""

    def cell(value: object, row: int, column: int) -> Flowable:
        if isinstance(value, Flowable):
            return value
        style = CELL_HEAD if header and row == 0 else CELL
        return text(str(value), _RIGHT[style.name] if column >= numeric_from else style)

    cells = [[cell(value, r, c) for c, value in enumerate(row)] for r, row in enumerate(rows)]
    table = Table(cells, colWidths=list(widths), repeatRows=1 if header else 0, hAlign="LEFT")
    rules = [("LINEABOVE", (0, 0), (-1, 0), 0.8, RULE), ("LINEBELOW", (0, 0), (-1, 0), 0.5, RULE)] if header else []
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        *rules,
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    table.setStyle(TableStyle(style))
    return table


def build_pdf(
    story: list[Flowable],
    *,
    title: str,
    footer: str,
    page_label: str,
    wide: bool = False,
    page_header: Flowable | None = None,
) -> bytes:
    """Lay ``story`` out on A4 pages with ``footer`` and "``page_label`` n" at the foot of each.

    Parameters
    ----------
    story : list of Flowable
    title : str
        The document's title in its metadata (never a person's name).
    footer : str
        The running footer's text, left.
    page_label : str
        The word before the page number ("Side", "Page").
    wide : bool
        Landscape pages (tables then have :data:`WIDE` points instead of :data:`WIDTH`).
    page_header : Flowable, optional
        Drawn at the top of every page after the first (a table's header row, so that a story
        of many small tables shows its header once per page, never in the middle of one).

    Returns
    -------
    bytes
        The PDF.
    """
    register_fonts()
    buffer = BytesIO()
    pagesize = landscape(A4) if wide else A4
    header_height = page_header.wrap(pagesize[0] - 2 * MARGIN, pagesize[1])[1] if page_header else 0
    top = 14 * mm + header_height

    def decorate(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 9 * mm, footer)
        canvas.drawRightString(pagesize[0] - MARGIN, 9 * mm, f"{page_label} {document.page}")
        canvas.restoreState()

    def decorate_later(canvas, document) -> None:
        decorate(canvas, document)
        if page_header is not None:
            # Where the frame's first row goes: inside the frame's own padding (6 pt each side).
            page_header.drawOn(canvas, MARGIN + _FRAME_PADDING, pagesize[1] - top - _FRAME_PADDING)

    document = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=top,
        bottomMargin=16 * mm,
        title=title,
        author=AUTHOR,
        creator=AUTHOR,
    )
    document.build(story, onFirstPage=decorate, onLaterPages=decorate_later)
    return buffer.getvalue()
