"""The response rate per wave and programme as grouped bars, drawn once for the PDF report and
the researcher's page (inline SVG through :func:`analysis.charts.svg_markup`).

It reads without colour: the series differ in lightness and sit in the legend's order, every
bar has its percentage above it and its answered/invited count below the axis; a wave with no
one invited yet has a dash instead of a bar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib.colors import HexColor
from reportlab.pdfbase.pdfmetrics import stringWidth

from analysis.charts import FONT, FONT_BOLD, register_fonts, wrap_lines

_INK = HexColor("#222222")
_AXIS = HexColor("#555555")
# From dark to light, each at least 3:1 apart from white where it carries a label above it.
_FILLS = ("#1f3a5f", "#4f6d8f", "#8aa2bd", "#c3d0de", "#e4eaf1")


@dataclass(frozen=True)
class ResponseChartTexts:
    """Every text of the chart, translated by the caller."""

    title: str
    axis: str
    series: Mapping[str, str]  # programme code (and "all") -> its name
    none_due: str  # under a wave with no one invited yet, e.g. "–"
    none_yet: str  # across the plot when no wave has come due for anyone yet
    percent: str  # how the language writes a percentage: "{} %" (nb, nn) or "{}%" (en)

    def rate(self, share: float) -> str:
        return self.percent.format(round(share * 100))


@dataclass(frozen=True)
class ResponseBar:
    wave: str
    series: str
    invited: int
    answered: int

    @property
    def rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None


def response_bars(rows: Sequence[Mapping]) -> list[ResponseBar]:
    """Bars from the ``response`` entries of the analyses (``wave``, ``programme``, ``invited``,
    ``answered``), in their order."""
    return [ResponseBar(row["wave"], row["programme"], int(row["invited"]), int(row["answered"])) for row in rows]


def response_drawing(bars: Sequence[ResponseBar], texts: ResponseChartTexts, width: float = 480) -> Drawing:
    """Grouped bars: one group per wave (in the order first met), one bar per series.

    Parameters
    ----------
    bars : sequence of ResponseBar
    texts : ResponseChartTexts
    width : float
        Width in points; the height follows from the legend.

    Returns
    -------
    Drawing
    """
    register_fonts()
    waves = list(dict.fromkeys(bar.wave for bar in bars))
    series = list(dict.fromkeys(bar.series for bar in bars))
    if len(series) > len(_FILLS):
        raise ValueError(f"at most {len(_FILLS)} series can be told apart, not {len(series)}")
    by_key = {(bar.wave, bar.series): bar for bar in bars}
    legend_rows = (len(series) + 2) // 3
    left, right = 36, 8
    group_width = (width - left - right) / max(1, len(waves))
    bar_width = min(28.0, (group_width - 12) / max(1, len(series)))
    counts = {key: f"{bar.answered}/{bar.invited}" for key, bar in by_key.items() if bar.rate is not None}
    # Counts wider than their bar (four digits, five programmes) alternate between two rows so
    # that neighbours never overlap.
    staggered = any(stringWidth(label, FONT, 6) > bar_width - 1 for label in counts.values())
    top, plot_height, bottom = 36 + 12 * legend_rows, 130, 42 if staggered else 34
    height = top + plot_height + bottom
    column_width = (width - left) / 3
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 12, texts.title, fontName=FONT_BOLD, fontSize=10, fillColor=_INK))
    for index, code in enumerate(series):
        x, y = left + (index % 3) * column_width, height - 26 - 12 * (index // 3)
        drawing.add(Rect(x, y - 1, 9, 9, fillColor=HexColor(_FILLS[index]), strokeColor=_AXIS, strokeWidth=0.5))
        # The full names are in the table under the chart; a long one is cut here, never overlapped.
        name = wrap_lines(texts.series.get(code, code), FONT, 8, column_width - 18, 1)[0]
        drawing.add(String(x + 13, y, name, fontName=FONT, fontSize=8, fillColor=_INK))
    base = bottom
    for share in (0, 0.5, 1):
        y = base + share * plot_height
        drawing.add(Line(left, y, width - right, y, strokeColor=_AXIS, strokeWidth=0.8 if share == 0 else 0.3))
        drawing.add(
            String(left - 4, y - 3, texts.rate(share), fontName=FONT, fontSize=7, textAnchor="end", fillColor=_AXIS)
        )
    drawing.add(String(2, base + plot_height + 6, texts.axis, fontName=FONT, fontSize=7, fillColor=_AXIS))
    if not counts:
        drawing.add(
            String(
                left + (width - left - right) / 2,
                base + plot_height * 0.3,  # between the gridlines, not on one
                texts.none_yet,
                fontName=FONT,
                fontSize=9,
                textAnchor="middle",
                fillColor=_INK,
            )
        )
    for w, wave in enumerate(waves):
        start = left + w * group_width + (group_width - bar_width * len(series)) / 2
        drawing.add(
            String(left + (w + 0.5) * group_width, 4, wave, fontName=FONT_BOLD, fontSize=8, textAnchor="middle")
        )
        for s, code in enumerate(series):
            bar = by_key.get((wave, code))
            x = start + s * bar_width
            middle = x + bar_width / 2
            if bar is None or bar.rate is None:
                drawing.add(String(middle, base + 3, texts.none_due, fontName=FONT, fontSize=8, textAnchor="middle"))
                continue
            drawing.add(
                Rect(
                    x + 1,
                    base,
                    bar_width - 2,
                    bar.rate * plot_height,
                    fillColor=HexColor(_FILLS[s]),
                    strokeColor=_AXIS,
                    strokeWidth=0.4,
                )
            )
            drawing.add(
                String(
                    middle,
                    base + bar.rate * plot_height + 2,
                    texts.rate(bar.rate),
                    fontName=FONT,
                    fontSize=6.5,
                    textAnchor="middle",
                    fillColor=_INK,
                )
            )
            drawing.add(
                String(
                    middle,
                    base - 10 - (8 if staggered and s % 2 else 0),
                    counts[(wave, code)],
                    fontName=FONT,
                    fontSize=6,
                    textAnchor="middle",
                    fillColor=_AXIS,
                )
            )
    return drawing
