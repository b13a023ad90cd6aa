"""One A4 page about one job seeker, for a meeting: facts, waves, trajectory, suggestion.

The caller passes every text translated and formatted (dates as ``23.11.2026``, numbers
with a decimal comma where the language wants one); this module only lays them out.
The page always fits on one sheet: the layout first gets tighter, then long texts are
cut with an ellipsis, and only then is the whole page scaled down.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepInFrame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from analysis.charts import (
    FONT,
    FONT_BOLD,
    FONT_ITALIC,
    ChartTexts,
    TrajectoryPoint,
    register_fonts,
    trajectory_drawing,
    wrap_lines,
)

# Metadata names the software, not a person: the title is the only field that can hold
# the job seeker's name (see participant_sheet_pdf).
AUTHOR = "mestring"

INK = HexColor("#1a1a1a")
MUTED = HexColor("#404040")
RULE = HexColor("#8c8c8c")
HEADER_FILL = HexColor("#e6e6e6")

_MARGIN_X = 16 * mm
_MARGIN_TOP = 14 * mm
_MARGIN_BOTTOM = 18 * mm
_FOOTER_BASELINE = 10 * mm
_FOOTER_SIZE = 7

# Column shares of the wave table: wave, status, date, three measures.
_WAVE_COLUMNS = (0.07, 0.16, 0.13, 0.17, 0.17, 0.30)
_ELLIPSIS = "…"


@dataclass(frozen=True)
class SheetWaveRow:
    """One row of the wave table; display strings, already translated ("" allowed)."""

    wave: str
    status: str
    date: str
    work_capacity: str
    coping_beliefs: str
    rtw_expectation: str


@dataclass(frozen=True)
class SheetData:
    """Everything on the sheet, translated and formatted by the caller.

    ``language`` ("nb", "en" or "nn") only sets the PDF's ``/Lang``. The sheet prints
    ``person_name`` and ``study_id`` under the title, so ``facts`` need not repeat them.
    """

    language: str
    title: str
    person_name: str
    study_id: str
    facts: Sequence[tuple[str, str]]
    table_headings: Sequence[str]
    rows: Sequence[SheetWaveRow]
    chart_points: Sequence[TrajectoryPoint]
    chart_texts: ChartTexts
    chart_caption: str
    suggestion_heading: str
    reasons_heading: str
    reasons: Sequence[str]
    hints_heading: str
    hints: Sequence[str]
    basis: Sequence[str]
    disclaimer: str
    footer: str


@dataclass(frozen=True)
class _Scale:
    title: float
    heading: float
    body: float
    small: float
    chart_height: float
    space: float


# From roomy to tight; the tightest keeps 7 pt, the smallest size on the page.
_SCALES = (
    _Scale(title=15, heading=10.5, body=9.5, small=8, chart_height=170, space=8),
    _Scale(title=13, heading=9.5, body=8.5, small=7.5, chart_height=160, space=5),
    _Scale(title=12, heading=9, body=8, small=7, chart_height=155, space=4),
    _Scale(title=11, heading=8.5, body=7.5, small=7, chart_height=150, space=3),
)

# Last resort before scaling the page: the first items and a cut of each text.
_MAX_ITEMS = {"reasons": 10, "hints": 6, "basis": 4, "facts": 8}
_MAX_CHARS = {"title": 100, "name": 80, "fact": 70, "cell": 40, "item": 220, "caption": 300}


def participant_sheet_pdf(data: SheetData) -> bytes:
    """The one-page PDF about one job seeker for a meeting with them.

    Layout, top to bottom: title, name and study ID, facts, the wave table, the
    trajectory chart (:func:`analysis.charts.trajectory_drawing`) with its caption, and
    a framed box with the follow-up suggestion, the disclaimer right under it, the
    reasons, the hints and what the suggestion rests on; the footer is at the foot of
    the page. Text is set in Bitstream Vera (embedded, extractable, æøå and more).

    The page always fits on one A4 sheet: tighter sizes are tried first (down to 7 pt),
    then long texts and lists are cut with an ellipsis (never the disclaimer), and only
    input beyond that is scaled down as a whole.

    Metadata: the title is ``data.title``, which may carry the person's name; the PDF is
    the specialist's working paper about that person, already named on the page, and
    a viewer shows the title instead of a file name (``DisplayDocTitle``), which
    screen readers announce. Author and creator are ``mestring``; subject and keywords
    stay empty, so nothing else identifying (not the specialist either) is written. ``/Lang`` is
    ``data.language``.

    Parameters
    ----------
    data : SheetData
        The sheet's content.

    Returns
    -------
    bytes
        The PDF file.

    Raises
    ------
    ValueError
        If there are not six table headings.
    """
    if len(data.table_headings) != len(_WAVE_COLUMNS):
        raise ValueError(f"expected {len(_WAVE_COLUMNS)} table headings, got {len(data.table_headings)}")
    register_fonts()
    buffer = BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_MARGIN_X,
        rightMargin=_MARGIN_X,
        topMargin=_MARGIN_TOP,
        bottomMargin=_MARGIN_BOTTOM,
        title=data.title,
        author=AUTHOR,
        creator=AUTHOR,
        subject="",
        lang=data.language,
    )
    frame = Frame(document.leftMargin, document.bottomMargin, document.width, document.height, 0, 0, 0, 0, id="sheet")

    def decorate(canvas: Canvas, _document: BaseDocTemplate) -> None:
        _draw_footer(canvas, data.footer, document.leftMargin, document.width)

    document.addPageTemplates([PageTemplate(id="sheet", frames=[frame], onPage=decorate)])
    story = _fitted_story(data, document.width, document.height)
    document.build([KeepInFrame(document.width, document.height, story, mode="shrink")])
    return buffer.getvalue()


def _draw_footer(canvas: Canvas, footer: str, left: float, width: float) -> None:
    canvas.saveState()
    canvas.setViewerPreference("DisplayDocTitle", "true")
    canvas.setFont(FONT, _FOOTER_SIZE)
    canvas.setFillColor(MUTED)
    lines = wrap_lines(footer, FONT, _FOOTER_SIZE, width, 2)
    for k, line in enumerate(lines):
        canvas.drawString(left, _FOOTER_BASELINE + (len(lines) - 1 - k) * _FOOTER_SIZE * 1.25, line)
    canvas.restoreState()


def _fitted_story(data: SheetData, width: float, height: float) -> list[Flowable]:
    for scale in _SCALES:
        story = _story(data, scale, width)
        if _story_height(story, width, height) <= height:
            return story
    return _story(_shortened(data), _SCALES[-1], width)


def _story_height(story: Sequence[Flowable], width: float, height: float) -> float:
    # Counting every flowable's space before and after overestimates a little (a frame
    # drops the space at its top), which errs on the side of one page.
    return sum(f.wrap(width, height)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in story)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + _ELLIPSIS


def _first(items: Sequence[str], limit: int) -> list[str]:
    cut = [_cut(item, _MAX_CHARS["item"]) for item in items[:limit]]
    return [*cut, _ELLIPSIS] if len(items) > limit else cut


def _shortened(data: SheetData) -> SheetData:
    cell = _MAX_CHARS["cell"]
    return dataclasses.replace(
        data,
        title=_cut(data.title, _MAX_CHARS["title"]),
        person_name=_cut(data.person_name, _MAX_CHARS["name"]),
        facts=[
            (_cut(k, _MAX_CHARS["fact"]), _cut(v, _MAX_CHARS["fact"])) for k, v in data.facts[: _MAX_ITEMS["facts"]]
        ],
        rows=[SheetWaveRow(*(_cut(value, cell) for value in dataclasses.astuple(row))) for row in data.rows],
        chart_caption=_cut(data.chart_caption, _MAX_CHARS["caption"]),
        suggestion_heading=_cut(data.suggestion_heading, _MAX_CHARS["item"]),
        reasons=_first(data.reasons, _MAX_ITEMS["reasons"]),
        hints=_first(data.hints, _MAX_ITEMS["hints"]),
        basis=_first(data.basis, _MAX_ITEMS["basis"]),
    )


def _styles(scale: _Scale) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=scale.body, leading=scale.body * 1.3, textColor=INK)
    small = ParagraphStyle("small", body, fontSize=scale.small, leading=scale.small * 1.25)
    return {
        "title": ParagraphStyle("title", body, fontName=FONT_BOLD, fontSize=scale.title, leading=scale.title * 1.2),
        "heading": ParagraphStyle(
            "heading", body, fontName=FONT_BOLD, fontSize=scale.heading, leading=scale.heading * 1.25
        ),
        "subheading": ParagraphStyle("subheading", body, fontName=FONT_BOLD, spaceBefore=scale.space * 0.6),
        "body": body,
        "disclaimer": ParagraphStyle("disclaimer", body, fontName=FONT_ITALIC, spaceAfter=scale.space * 0.3),
        "bullet": ParagraphStyle(
            "bullet",
            body,
            leftIndent=scale.body * 1.2,
            bulletIndent=scale.body * 0.2,
            bulletFontName=FONT,
            bulletFontSize=scale.body,
        ),
        "small": small,
        "muted": ParagraphStyle("muted", small, textColor=MUTED),
        "caption": ParagraphStyle("caption", small, fontName=FONT_ITALIC, textColor=MUTED),
        "cell": small,
        "cell_heading": ParagraphStyle("cell_heading", small, fontName=FONT_BOLD),
    }


def _p(text: str, style: ParagraphStyle, **kwargs: str) -> Paragraph:
    # Paragraph reads mini-HTML: caller text is data and must not be parsed as markup.
    return Paragraph(escape(text), style, **kwargs)


def _table(rows: list[list[Paragraph]], widths: Sequence[float], commands: list[tuple]) -> Table:
    base = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    return Table(rows, colWidths=list(widths), style=TableStyle(base + commands), hAlign="LEFT")


def _facts(data: SheetData, styles: dict[str, ParagraphStyle], width: float) -> Table | None:
    if not data.facts:
        return None
    cells = [[_p(label, styles["cell_heading"]), _p(value, styles["cell"])] for label, value in data.facts]
    # Two label/value pairs per row keep the block short.
    if len(cells) % 2:
        cells.append([_p("", styles["cell"])] * 2)
    rows = [cells[k] + cells[k + 1] for k in range(0, len(cells), 2)]
    shares = (0.15, 0.35, 0.15, 0.35)
    return _table(rows, [width * share for share in shares], [("LEFTPADDING", (0, 0), (0, -1), 0)])


def _waves(data: SheetData, styles: dict[str, ParagraphStyle], width: float) -> Table:
    rows = [[_p(heading, styles["cell_heading"]) for heading in data.table_headings]]
    rows += [[_p(value, styles["cell"]) for value in dataclasses.astuple(row)] for row in data.rows]
    return _table(
        rows,
        [width * share for share in _WAVE_COLUMNS],
        [
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
            ("LINEABOVE", (0, 0), (-1, 0), 0.4, RULE),
        ],
    )


def _suggestion(data: SheetData, styles: dict[str, ParagraphStyle], scale: _Scale, width: float) -> Table:
    content: list[Flowable] = [
        _p(data.suggestion_heading, styles["heading"]),
        _p(data.disclaimer, styles["disclaimer"]),
    ]
    for heading, items in ((data.reasons_heading, data.reasons), (data.hints_heading, data.hints)):
        if items:
            content.append(_p(heading, styles["subheading"]))
            content += [_p(item, styles["bullet"], bulletText="•") for item in items]
    if data.basis:
        content.append(Spacer(1, scale.space * 0.5))
        content += [_p(line, styles["muted"]) for line in data.basis]
    return _table(
        [[content]],
        [width],
        [
            ("BOX", (0, 0), (-1, -1), 0.9, INK),
            ("LEFTPADDING", (0, 0), (-1, -1), 7),
            ("RIGHTPADDING", (0, 0), (-1, -1), 7),
            ("TOPPADDING", (0, 0), (-1, -1), 5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        ],
    )


def _story(data: SheetData, scale: _Scale, width: float) -> list[Flowable]:
    styles = _styles(scale)
    identity = Paragraph(f"<b>{escape(data.person_name)}</b> · {escape(data.study_id)}", styles["body"])
    chart = trajectory_drawing(data.chart_points, data.chart_texts, width=width, height=scale.chart_height)
    story: list[Flowable | None] = [
        _p(data.title, styles["title"]),
        identity,
        Spacer(1, scale.space * 0.6),
        _facts(data, styles, width),
        Spacer(1, scale.space),
        _waves(data, styles, width),
        Spacer(1, scale.space * 1.5),
        chart,
        Spacer(1, scale.space * 0.4),
        _p(data.chart_caption, styles["caption"]),
        Spacer(1, scale.space * 1.2),
        _suggestion(data, styles, scale, width),
    ]
    return [flowable for flowable in story if flowable is not None]
