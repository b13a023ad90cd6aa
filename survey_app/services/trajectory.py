"""A job seeker's three measures over T1–T4 as a chart, in the reader's language: one chart
definition (``analysis.charts``) serves the web page (inline SVG) and the PDF.

Only submitted waves carry values (``WaveView``), so a draft never reaches a chart.
"""

from __future__ import annotations

from analysis.charts import ChartTexts, TrajectoryPoint, sparkline_drawing, svg_markup, trajectory_drawing
from instruments import Instrument
from survey_app.i18n import N_, code_labels, gettext
from survey_app.services.caseload import CaseloadEntry

# Ranges of the measures on the sparklines (the expectation's scale runs 0 = in work now ..
# 8 = never, drawn upside down so that lower always means worse).
SPARKLINE_RANGES = {"work_capacity": (0, 10, False), "coping_beliefs": (1, 10, False), "rtw_expectation": (0, 8, True)}

# Side by side for wide screens; stacked, at the size its text stays readable, for phones.
CHART_LAYOUTS = (
    ("wide", "row", {"width": 480, "height": 170}),
    ("narrow", "column", {"width": 280, "height": 440}),
)
CHART_TITLE = N_("Work capacity, coping beliefs and expected time until work over time")


def trajectory_points(entry: CaseloadEntry) -> list[TrajectoryPoint]:
    return [
        TrajectoryPoint(
            wave=wave.label,
            months=wave.months,
            work_capacity=wave.work_capacity if wave.state == "answered" else None,
            coping_beliefs=wave.coping_beliefs if wave.state == "answered" else None,
            rtw_expectation=wave.expectation_code if wave.state == "answered" else None,
        )
        for wave in entry.waves
    ]


def chart_texts(instrument: Instrument, language: str) -> ChartTexts:
    def _(message: str) -> str:
        return gettext(language, message)

    expectation = instrument.item("rtwexp")
    return ChartTexts(
        work_capacity=_("Work capacity (0–10)"),
        coping_beliefs=_("Coping beliefs (1–10)"),
        rtw_expectation=_("Expected time until work"),
        expectation_top=expectation.option(0).label_in(language),
        expectation_bottom=expectation.option(8).label_in(language),
        dont_know=expectation.option(9).label_in(language),
        band_labels={band: _(label) for band, label in code_labels.BANDS.items()},
        no_answer=_("Not answered yet"),
    )


def chart_description(entry: CaseloadEntry, instrument: Instrument, language: str) -> str:
    """The chart in words (its text alternative): each answered wave's three values."""

    def _(message: str) -> str:
        return gettext(language, message)

    parts = []
    for point in trajectory_points(entry):
        if point.work_capacity is None and point.coping_beliefs is None and point.rtw_expectation is None:
            continue
        values = []
        if point.work_capacity is not None:
            values.append(f"{_('Work capacity')} {point.work_capacity}")
        if point.coping_beliefs is not None:
            values.append(f"{_('Coping beliefs')} {point.coping_beliefs:.1f}".replace(".", ","))
        if point.rtw_expectation is not None:
            label = instrument.item("rtwexp").option(point.rtw_expectation).label_in(language)
            values.append(f"{_('Expected time until work')}: {label}")
        parts.append(f"{point.wave}: " + ", ".join(values))
    return "; ".join(parts) + "." if parts else _("No answers yet.")


def trajectory_svg(entry: CaseloadEntry, instrument: Instrument, language: str) -> str:
    """The chart as SVG to put inline in a page (no style attributes: the CSP forbids them):
    panels side by side for wide screens and stacked for phones, in ``chart-wide`` and
    ``chart-narrow`` boxes that ``app.css`` shows one at a time."""
    points, texts = trajectory_points(entry), chart_texts(instrument, language)
    title, description = gettext(language, CHART_TITLE), chart_description(entry, instrument, language)
    return "".join(
        f'<div class="chart-{name}">'
        + svg_markup(
            trajectory_drawing(points, texts, layout=layout, **size),
            title=title,
            description=description,
            id_prefix=f"chart-{name}-{entry.study_id}",
        )
        + "</div>"
        for name, layout, size in CHART_LAYOUTS
    )


def sparkline_svg(entry: CaseloadEntry, measure: str, language: str) -> str:
    """A small line of one measure over the waves, for the caseload's row; its text names the
    values per wave (the expectation by code: the full wording stands next to it)."""
    low, high, invert = SPARKLINE_RANGES[measure]
    values, spoken = [], []
    for point in trajectory_points(entry):
        value = getattr(point, measure)
        # "Don't know" is off the expectation's scale: a gap, not a value.
        values.append(None if measure == "rtw_expectation" and value == 9 else value)
        if values[-1] is not None:
            shown = f"{value:.1f}".replace(".", ",") if isinstance(value, float) else str(value)
            spoken.append(f"{point.wave} {shown}")
    drawing = sparkline_drawing(values, low=low, high=high, invert=invert)
    name = gettext(language, code_labels.MEASURES[measure])
    text = f"{name}: {', '.join(spoken)}" if spoken else name
    return svg_markup(drawing, title=text, description=text, id_prefix=f"spark-{entry.study_id}-{measure}")
