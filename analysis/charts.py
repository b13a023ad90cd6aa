"""Charts of a job seeker's three measures, drawn once for both the PDF and the web page.

The functions return reportlab :class:`~reportlab.graphics.shapes.Drawing` objects: a
platypus story takes them as flowables, and :func:`svg_markup` turns them into SVG that
can be inlined in a page served under a strict Content-Security-Policy.

The trajectory reads without colour: one small panel per measure with its own title and
y axis, a distinct marker shape per measure, band limits as dashed lines and the
expectation axis turned upside down, so that "lower on the page" means "worse" in all
three panels. All text comes translated from the caller.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from xml.dom import minidom

from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, Rect, String
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from instruments.scoring import COPING_RANGE, WORK_CAPACITY_BANDS, rtw_expectation

# Bitstream Vera ships with reportlab and, unlike the PDF base fonts, covers letters of
# Sami and other names outside Latin-1 (č, đ, š, ž); the text stays extractable.
FONT = "Vera"
FONT_BOLD = "VeraBd"
FONT_ITALIC = "VeraIt"
# DejaVu Sans is Vera extended, with the same metrics, so text measured by reportlab
# lines up in the browser; Verdana is the closest common fallback.
_SVG_FONT_STACK = "'Bitstream Vera Sans', 'DejaVu Sans', Verdana, sans-serif"
_SVG_FONTS = {
    FONT: {"family": _SVG_FONT_STACK},
    FONT_BOLD: {"family": _SVG_FONT_STACK, "weight": "bold"},
    FONT_ITALIC: {"family": _SVG_FONT_STACK, "style": "italic"},
}

_INK = HexColor("#222222")
_AXIS = HexColor("#555555")
_MUTED_TEXT = HexColor("#4a4a4a")
_LIMIT = HexColor("#8c8c8c")

# Follow-up rule set v1 (domain/followup.md): coping beliefs < 5 / 5–6.9 / ≥ 7.
COPING_LIMITS = (5.0, 7.0)

_SOLID_WIDTH = 1.3
# A dotted line bridges waves without an answer: see trajectory_drawing.
_BRIDGE_DASH = [1.2, 2.2]
_LIMIT_DASH = [3, 2]


@dataclass(frozen=True)
class TrajectoryPoint:
    """One wave of one job seeker, as drawn in the trajectory.

    ``months`` places the wave on an honest time axis; ``rtw_expectation`` is the raw
    ``rtwexp`` code (0 in work now … 8 never, 9 don't know, None not answered).
    """

    wave: str
    months: int
    work_capacity: int | None
    coping_beliefs: float | None
    rtw_expectation: int | None


@dataclass(frozen=True)
class ChartTexts:
    """Every text the trajectory shows, already translated by the caller."""

    work_capacity: str
    coping_beliefs: str
    rtw_expectation: str
    expectation_top: str
    expectation_bottom: str
    dont_know: str
    band_labels: Mapping[str, str]
    no_answer: str


@dataclass(frozen=True)
class _Sizes:
    text: float
    title: float
    marker: float
    gap: float


# 7 pt is the smallest text on paper; the stacked layout is meant to be shown about
# 280 units wide on a phone, where 10 units come out at about 12 CSS px.
_ROW = _Sizes(text=7, title=8, marker=5, gap=12)
_COLUMN = _Sizes(text=10, title=11, marker=7, gap=12)


@dataclass(frozen=True)
class _Panel:
    name: str
    title: str
    low: float
    high: float
    inverted: bool
    ticks: tuple[tuple[float, str], ...]
    minor_ticks: tuple[float, ...]
    limits: tuple[float, ...]
    bands: tuple[tuple[float, str], ...]
    marker: Literal["circle", "square", "triangle"]
    values: tuple[float | None, ...]
    dont_know: tuple[bool, ...]


@functools.cache
def register_fonts() -> None:
    """Register the bundled Vera fonts with reportlab (once per process).

    Called by the chart and report functions; exposed so that other reportlab
    documents can use :data:`FONT`, :data:`FONT_BOLD` and :data:`FONT_ITALIC` too.
    """
    pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, "VeraBd.ttf"))
    pdfmetrics.registerFont(TTFont(FONT_ITALIC, "VeraIt.ttf"))
    pdfmetrics.registerFont(TTFont("VeraBI", "VeraBI.ttf"))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic="VeraBI")


def wrap_lines(text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Break text into at most ``max_lines`` lines of ``width`` points, the last cut with "…".

    Parameters
    ----------
    text : str
        Plain text.
    font : str
        A registered reportlab font name, e.g. :data:`FONT`.
    size : float
        Font size in points.
    width : float
        Room per line in points.
    max_lines : int
        At least 1.

    Returns
    -------
    list of str
        The lines; one empty line for empty text.
    """
    lines = simpleSplit(text, font, size, width) or [""]
    if len(lines) <= max_lines:
        return lines
    last = " ".join(lines[max_lines - 1 :])
    while last and pdfmetrics.stringWidth(last + "…", font, size) > width:
        last = last[:-1]
    return [*lines[: max_lines - 1], last.rstrip() + "…"]


def _checked(values: Sequence[float | None], low: float, high: float, what: str) -> tuple[float | None, ...]:
    for value in values:
        if value is not None and not low <= value <= high:
            raise ValueError(f"{what} must be from {low:g} to {high:g}, not {value!r}")
    return tuple(values)


def _panels(points: Sequence[TrajectoryPoint], texts: ChartTexts) -> tuple[_Panel, ...]:
    was_low, was_high = WORK_CAPACITY_BANDS[0][1], WORK_CAPACITY_BANDS[-1][2]
    coping_low, coping_high = COPING_RANGE
    expectations = [rtw_expectation(point.rtw_expectation) for point in points]
    ordinal = [e.ordinal for e in expectations]
    dont_know = tuple(e.dont_know for e in expectations)
    no_dont_know = (False,) * len(points)
    return (
        _Panel(
            name="work_capacity",
            title=texts.work_capacity,
            low=was_low,
            high=was_high,
            inverted=False,
            ticks=tuple((v, str(v)) for v in range(was_low, was_high + 1, 2)),
            minor_ticks=tuple(range(was_low, was_high + 1)),
            # Half-way between the last score of a band and the first of the next.
            limits=tuple(high + 0.5 for _, _, high in WORK_CAPACITY_BANDS[:-1]),
            bands=tuple(
                ((low + high) / 2, texts.band_labels[name])
                for name, low, high in WORK_CAPACITY_BANDS
                if name in texts.band_labels
            ),
            marker="circle",
            values=_checked([p.work_capacity for p in points], was_low, was_high, "work capacity"),
            dont_know=no_dont_know,
        ),
        _Panel(
            name="coping_beliefs",
            title=texts.coping_beliefs,
            low=coping_low,
            high=coping_high,
            inverted=False,
            ticks=tuple((v, str(v)) for v in range(coping_low, coping_high + 1, 3)),
            minor_ticks=tuple(range(coping_low, coping_high + 1)),
            limits=COPING_LIMITS,
            bands=(),
            marker="square",
            values=_checked([p.coping_beliefs for p in points], coping_low, coping_high, "coping beliefs"),
            dont_know=no_dont_know,
        ),
        _Panel(
            name="rtw_expectation",
            title=texts.rtw_expectation,
            low=0,
            high=8,
            inverted=True,
            ticks=((0, texts.expectation_top), (8, texts.expectation_bottom)),
            minor_ticks=tuple(range(0, 9)),
            limits=(),
            bands=(),
            marker="triangle",
            values=tuple(ordinal),
            dont_know=dont_know,
        ),
    )


def _marker(kind: str, x: float, y: float, size: float) -> Circle | Rect | Polygon:
    # A thin white outline keeps a marker visible where it sits on a line.
    style = {"fillColor": _INK, "strokeColor": white, "strokeWidth": 0.6}
    if kind == "circle":
        return Circle(x, y, size * 0.55, **style)
    if kind == "square":
        half = size * 0.48
        return Rect(x - half, y - half, 2 * half, 2 * half, **style)
    half = size * 0.62
    return Polygon([x - half, y - half * 0.8, x + half, y - half * 0.8, x, y + half], **style)


def _text(
    x: float, y: float, text: str, size: float, *, anchor: str = "start", font: str = FONT, color: Color = _INK
) -> String:
    return String(x, y, text, textAnchor=anchor, fontName=font, fontSize=size, fillColor=color)


def _lines(group: Group, positions: Sequence[tuple[float, float] | None]) -> None:
    """Join the answered positions of one series; None is a wave without a value."""
    answered = [(i, pos) for i, pos in enumerate(positions) if pos is not None]
    for (i, start), (j, end) in itertools.pairwise(answered):
        line = Line(*start, *end, strokeColor=_INK, strokeLineCap=1)
        if j == i + 1:
            line.strokeWidth = _SOLID_WIDTH
        else:
            line.strokeWidth = 1.1
            line.strokeDashArray = _BRIDGE_DASH
        group.add(line)


def _label_lines(panel: _Panel, sizes: _Sizes, max_width: float) -> list[tuple[float, list[str]]]:
    return [(value, wrap_lines(label, FONT, sizes.text, max_width, 2)) for value, label in panel.ticks]


def _text_width(lines: Sequence[str], font: str, size: float) -> float:
    return max((pdfmetrics.stringWidth(line, font, size) for line in lines), default=0.0)


def _draw_panel(
    drawing: Drawing,
    panel: _Panel,
    points: Sequence[TrajectoryPoint],
    texts: ChartTexts,
    sizes: _Sizes,
    *,
    title_lines: Sequence[str],
    title_x: float,
    title_top: float,
    plot_x0: float,
    dont_know_lines: Sequence[str],
    plot_width: float,
    plot_bottom: float,
    plot_top: float,
    tick_labels: Sequence[tuple[float, list[str]]],
) -> None:
    group = Group()
    text = sizes.text
    for k, line in enumerate(title_lines):
        group.add(_text(title_x, title_top - (k + 1) * sizes.title * 1.15, line, sizes.title, font=FONT_BOLD))

    # "Don't know" answers get a strip under the scale: code 9 is an answer, not a value.
    strip = (len(dont_know_lines) * 1.1 + 0.8) * text if any(panel.dont_know) else 0.0
    scale_bottom = plot_bottom + strip
    pad = max(sizes.marker, 4.0)

    def y_of(value: float) -> float:
        share = (value - panel.low) / (panel.high - panel.low)
        if panel.inverted:
            share = 1 - share
        return scale_bottom + pad + share * (plot_top - scale_bottom - 2 * pad)

    months = [p.months for p in points]
    first, last = min(months, default=0), max(months, default=1)
    span = (last - first) or 1

    def x_of(month: float) -> float:
        return plot_x0 + pad + (month - first) / span * (plot_width - 2 * pad)

    plot_x1 = plot_x0 + plot_width
    group.add(Line(plot_x0, plot_bottom, plot_x1, plot_bottom, strokeColor=_AXIS, strokeWidth=0.6))
    group.add(Line(plot_x0, scale_bottom, plot_x0, plot_top, strokeColor=_AXIS, strokeWidth=0.6))
    for value in panel.minor_ticks:
        group.add(Line(plot_x0 - 2, y_of(value), plot_x0, y_of(value), strokeColor=_AXIS, strokeWidth=0.5))
    for value, lines in tick_labels:
        # Multi-line labels grow towards the middle so they never meet the title or the strip.
        first_baseline = y_of(value) - text * 0.35
        if y_of(value) < (scale_bottom + plot_top) / 2:
            first_baseline += (len(lines) - 1) * text * 1.1
        for k, line in enumerate(lines):
            group.add(_text(plot_x0 - 4, first_baseline - k * text * 1.1, line, text, anchor="end"))
        group.add(Line(plot_x0 - 3.5, y_of(value), plot_x0, y_of(value), strokeColor=_AXIS, strokeWidth=0.6))
    for limit in panel.limits:
        group.add(
            Line(
                plot_x0,
                y_of(limit),
                plot_x1,
                y_of(limit),
                strokeColor=_LIMIT,
                strokeWidth=0.6,
                strokeDashArray=_LIMIT_DASH,
            )
        )
    for value, label in panel.bands:
        group.add(_text(plot_x1 + 3, y_of(value) - text * 0.35, label, text, color=_MUTED_TEXT))

    for point in points:
        x = x_of(point.months)
        group.add(Line(x, plot_bottom, x, plot_bottom - 2.5, strokeColor=_AXIS, strokeWidth=0.6))
        group.add(_text(x, plot_bottom - 2.5 - text, point.wave, text, anchor="middle"))

    positions = [None if v is None else (x_of(p.months), y_of(v)) for p, v in zip(points, panel.values, strict=True)]
    _lines(group, positions)
    markers = Group()
    for position in positions:
        if position is not None:
            markers.add(_marker(panel.marker, *position, sizes.marker))
    group.add(markers, name="markers")

    if any(panel.dont_know):
        group.add(
            Line(
                plot_x0,
                scale_bottom,
                plot_x1,
                scale_bottom,
                strokeColor=_LIMIT,
                strokeWidth=0.5,
                strokeDashArray=_BRIDGE_DASH,
            )
        )
        middle = plot_bottom + strip / 2
        first_baseline = middle + (len(dont_know_lines) - 1) * text * 0.55 - text * 0.35
        for k, line in enumerate(dont_know_lines):
            group.add(_text(plot_x0 - 4, first_baseline - k * text * 1.1, line, text, anchor="end"))
        for point, unsure in zip(points, panel.dont_know, strict=True):
            if unsure:
                group.add(
                    _text(x_of(point.months), middle - text * 0.45, "?", text + 2, anchor="middle", font=FONT_BOLD)
                )
    elif all(value is None for value in panel.values):
        # On white, so that a band line behind the text does not strike it through.
        x, y = (plot_x0 + plot_x1) / 2, (scale_bottom + plot_top) / 2
        half = pdfmetrics.stringWidth(texts.no_answer, FONT, text) / 2 + 2
        group.add(Rect(x - half, y - text * 0.8, 2 * half, text * 1.6, fillColor=white, strokeColor=None))
        group.add(_text(x, y - text * 0.35, texts.no_answer, text, anchor="middle", color=_MUTED_TEXT))
    drawing.add(group, name=panel.name)


def trajectory_drawing(
    points: Sequence[TrajectoryPoint],
    texts: ChartTexts,
    *,
    width: float = 480,
    height: float = 170,
    layout: Literal["row", "column"] = "row",
) -> Drawing:
    """Small multiples of work capacity, coping beliefs and expected time to work over the waves.

    One panel per measure, each with its own title, y axis and marker shape (circle,
    square, triangle), sharing the time axis: waves are placed by their months since
    enrolment. Work capacity has dashed lines at its band limits (5|6, 7|8, 9|10) and
    the band names beside them; coping beliefs at 5 and 7 (follow-up rule set v1). The
    expectation axis is inverted, so a longer expected wait is drawn lower, like a lower
    score; "don't know" (code 9) is a "?" in a strip under that scale, not a value.

    Consecutive answered waves are joined by a solid line. Across a wave without a value
    a dotted line joins the answers on either side and no marker is drawn: the change
    since the last answer stays visible (the follow-up rules compare with the previous
    answered wave too), while the dots and the missing marker show that nothing was
    measured in between. Trailing unanswered waves draw nothing.

    Parameters
    ----------
    points : sequence of TrajectoryPoint
        One per wave of the study in time order, unanswered waves with None values; the
        x axis shows exactly these waves.
    texts : ChartTexts
        Titles and labels, translated.
    width, height : float
        Size in points (PDF) or SVG user units.
    layout : {"row", "column"}
        ``row`` puts the panels side by side (paper, wide screens, text 7 pt);
        ``column`` stacks them with larger text for narrow screens (about 280 x 440).

    Returns
    -------
    Drawing
        The panels are named ``work_capacity``, ``coping_beliefs`` and
        ``rtw_expectation``; each has a ``markers`` group with one marker per value.

    Raises
    ------
    ValueError
        If a value is outside its measure's range, or for an unknown layout.
    """
    if layout not in ("row", "column"):
        raise ValueError(f"layout must be 'row' or 'column', not {layout!r}")
    register_fonts()
    sizes = _ROW if layout == "row" else _COLUMN
    panels = _panels(points, texts)
    drawing = Drawing(width, height)
    count = len(panels)
    nominal_width = width if layout == "column" else (width - sizes.gap * (count - 1)) / count
    # Axis labels may take up to 30 % of a panel's width, wrapped onto two lines.
    label_width = nominal_width * 0.3
    labels = [_label_lines(panel, sizes, label_width) for panel in panels]
    dont_know_lines = wrap_lines(texts.dont_know, FONT, sizes.text, label_width, 2)
    lefts = [
        4
        + max(
            _text_width([line for _, lines in label for line in lines], FONT, sizes.text),
            _text_width(dont_know_lines, FONT, sizes.text) if any(panel.dont_know) else 0,
        )
        for panel, label in zip(panels, labels, strict=True)
    ]
    rights = [4 + _text_width([label for _, label in panel.bands], FONT, sizes.text) for panel in panels]
    if layout == "row":
        # Panels take the width their labels need; the plots get the same width, so the
        # time axes of the three panels have one scale.
        plot_width = (width - sizes.gap * (count - 1) - sum(lefts) - sum(rights)) / count
        slot_height = height
        slot_widths = [left + plot_width + right for left, right in zip(lefts, rights, strict=True)]
        slots = [(sum(slot_widths[:k]) + k * sizes.gap, 0.0) for k in range(count)]
    else:
        # Stacked panels share one x axis, so their plots must line up.
        lefts = [max(lefts)] * count
        plot_width = width - lefts[0] - max(rights)
        slot_height = (height - sizes.gap * (count - 1)) / count
        slot_widths = [width] * count
        slots = [(0.0, height - (k + 1) * slot_height - k * sizes.gap) for k in range(count)]
    titles = [
        wrap_lines(panel.title, FONT_BOLD, sizes.title, slot_width, 2)
        for panel, slot_width in zip(panels, slot_widths, strict=True)
    ]
    title_height = max(len(lines) for lines in titles) * sizes.title * 1.15
    for panel, label, title, left, (x, y) in zip(panels, labels, titles, lefts, slots, strict=True):
        _draw_panel(
            drawing,
            panel,
            points,
            texts,
            sizes,
            title_lines=title,
            title_x=x,
            title_top=y + slot_height,
            plot_x0=x + left,
            dont_know_lines=dont_know_lines,
            plot_width=plot_width,
            plot_bottom=y + sizes.text * 2 + 1,
            plot_top=y + slot_height - title_height - sizes.text * 0.9,
            tick_labels=label,
        )
    return drawing


def sparkline_drawing(
    values: Sequence[float | None],
    *,
    low: float,
    high: float,
    width: float = 72,
    height: float = 20,
    invert: bool = False,
) -> Drawing:
    """A word-sized line of one measure over the waves, for a caseload row.

    Waves are evenly spaced; None leaves out the marker and is bridged with a dotted
    line, as in :func:`trajectory_drawing`. The latest value carries a dot.

    Parameters
    ----------
    values : sequence of float or None
        One value per wave, in time order.
    low, high : float
        The measure's range; values outside it are drawn at the nearer end.
    width, height : float
        Size in points or SVG user units.
    invert : bool
        Draw high values low (for the expected wait, where higher is worse).

    Returns
    -------
    Drawing
        Its ``markers`` group holds the dot on the latest value (empty when every value is None).
    """
    if high <= low:
        raise ValueError(f"high ({high!r}) must be above low ({low!r})")
    drawing = Drawing(width, height)
    pad = 2.5
    step = (width - 2 * pad) / max(len(values) - 1, 1)

    def y_of(value: float) -> float:
        share = (min(max(value, low), high) - low) / (high - low)
        return pad + (1 - share if invert else share) * (height - 2 * pad)

    positions = [None if v is None else (pad + k * step, y_of(v)) for k, v in enumerate(values)]
    line = Group()
    _lines(line, positions)
    drawing.add(line)
    # Only the latest value is marked: a sparkline shows the shape, the number sits beside it.
    markers = Group()
    answered = [position for position in positions if position is not None]
    if answered:
        markers.add(Circle(*answered[-1], 1.8, fillColor=_INK, strokeColor=None))
    drawing.add(markers, name="markers")
    return drawing


_ID_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_URL_REF = re.compile(r"url\(#([^)]+)\)")
_CLOSED_LINE = re.compile(r"M \S+ L \S+ Z")
_TEXT_FLIP = re.compile(r"translate\(0,-?\d+\) scale\(1,-1\)")


def svg_markup(drawing: Drawing, *, title: str, description: str, id_prefix: str) -> str:
    """SVG markup of a drawing for inlining in an HTML page under a strict CSP.

    reportlab's SVG renderer writes ``style`` attributes, which a Content-Security-Policy
    without ``'unsafe-inline'`` blocks; every declaration becomes a presentation
    attribute instead. The XML prolog and DOCTYPE are dropped, every id gets
    ``id_prefix`` (several charts share a page), reportlab's placeholder title and
    description are replaced, and the root carries ``role="img"``, ``aria-labelledby``
    (title and description), ``width="100%"`` and a ``viewBox`` so that it scales to its
    container with the drawing's aspect ratio.

    Parameters
    ----------
    drawing : Drawing
        E.g. from :func:`trajectory_drawing` or :func:`sparkline_drawing`.
    title : str
        Short accessible name, plain text (escaped here).
    description : str
        The text alternative: what the chart shows, in words and numbers.
    id_prefix : str
        Unique on the page; a letter, then letters, digits, ``-`` or ``_``.

    Returns
    -------
    str
        One ``<svg>`` element, well-formed XML, with no ``style`` attribute.
    """
    if not _ID_PREFIX.fullmatch(id_prefix):
        raise ValueError(f"id_prefix must be a letter followed by letters, digits, - or _, not {id_prefix!r}")
    register_fonts()
    raw = renderSVG.drawToString(drawing, fontHacks=_SVG_FONTS, fontSizer="")
    document = minidom.parseString(raw)
    root = document.documentElement
    for old in [*root.getElementsByTagName("title"), *root.getElementsByTagName("desc")]:
        old.parentNode.removeChild(old)

    elements = [root, *root.getElementsByTagName("*")]
    renamed = {}
    for element in elements:
        if element.hasAttribute("style"):
            for declaration in element.getAttribute("style").split(";"):
                name, colon, value = declaration.partition(":")
                if colon:
                    value = value.strip()
                    element.setAttribute(name.strip(), "none" if value.lower() == "none" else value)
            element.removeAttribute("style")
        if element.tagName == "path" and _CLOSED_LINE.fullmatch(element.getAttribute("d")):
            # reportlab closes a straight line, so a dashed one is drawn there and back
            # again with the dashes out of step: in a browser it looks solid.
            element.setAttribute("d", element.getAttribute("d")[: -len(" Z")])
        if element.tagName == "text" and _TEXT_FLIP.fullmatch(element.getAttribute("transform")):
            # reportlab truncates 2·y to a whole number here, which shifts text by up to a unit.
            element.setAttribute(
                "transform", f"translate(0,{_number(2 * float(element.getAttribute('y')))}) scale(1,-1)"
            )
        if element.hasAttribute("id"):
            renamed[element.getAttribute("id")] = new_id = f"{id_prefix}-{element.getAttribute('id')}"
            element.setAttribute("id", new_id)

    def prefixed(match: re.Match[str]) -> str:
        return f"url(#{renamed.get(match.group(1), match.group(1))})"

    for element in elements:
        for name, value in list(element.attributes.items()):
            if "url(#" in value:
                element.setAttribute(name, _URL_REF.sub(prefixed, value))
            elif name.endswith("href") and value.startswith("#") and value[1:] in renamed:
                element.setAttribute(name, "#" + renamed[value[1:]])

    _prepend_text_element(document, root, "desc", f"{id_prefix}-desc", description)
    _prepend_text_element(document, root, "title", f"{id_prefix}-title", title)
    root.setAttribute("width", "100%")
    root.removeAttribute("height")
    root.setAttribute("viewBox", f"0 0 {_number(drawing.width)} {_number(drawing.height)}")
    root.setAttribute("role", "img")
    root.setAttribute("aria-labelledby", f"{id_prefix}-title {id_prefix}-desc")
    return root.toxml()


def _number(value: float) -> str:
    return f"{value:g}"


def _prepend_text_element(document: minidom.Document, root: minidom.Element, tag: str, id_: str, text: str) -> None:
    element = document.createElement(tag)
    element.setAttribute("id", id_)
    element.appendChild(document.createTextNode(text))
    root.insertBefore(element, root.firstChild)


__all__ = [
    "COPING_LIMITS",
    "FONT",
    "FONT_BOLD",
    "FONT_ITALIC",
    "ChartTexts",
    "TrajectoryPoint",
    "register_fonts",
    "sparkline_drawing",
    "svg_markup",
    "trajectory_drawing",
    "wrap_lines",
]
