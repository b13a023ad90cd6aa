"""The trajectory and sparkline drawings, and their SVG for pages under a strict CSP."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from reportlab.graphics.shapes import Circle, Line, String

from analysis.charts import (
    ChartTexts,
    TrajectoryPoint,
    sparkline_drawing,
    svg_markup,
    trajectory_drawing,
)

SVG = "{http://www.w3.org/2000/svg}"
TEXTS = ChartTexts(
    work_capacity="Arbeidsevne (0–10)",
    coping_beliefs="Mestringstro (1–10)",
    rtw_expectation="Forventet tid til arbeid",
    expectation_top="I arbeid nå",
    expectation_bottom="Aldri",
    dont_know="Vet ikke",
    band_labels={"poor": "dårlig", "moderate": "moderat", "good": "god", "excellent": "svært god"},
    no_answer="Ikke besvart",
)
MONTHS = {"T1": 0, "T2": 3, "T3": 12, "T4": 18}
MARKER_PANELS = ("work_capacity", "coping_beliefs", "rtw_expectation")


def waves(work=(None,) * 4, coping=(None,) * 4, expectation=(None,) * 4) -> list[TrajectoryPoint]:
    return [
        TrajectoryPoint(wave, months, w, c, e)
        for (wave, months), w, c, e in zip(MONTHS.items(), work, coping, expectation, strict=True)
    ]


TYPICAL = waves(work=(4, 6, None, 8), coping=(4.67, 5.0, None, 7.33), expectation=(6, 9, None, 2))
CASES = {
    "typical": TYPICAL,
    "missing waves": waves(work=(3, None, None, 7), coping=(None, 5.0, None, 6.5), expectation=(None, 4, None, 0)),
    "don't know only": waves(work=(5, 5, 5, 5), expectation=(9, 9, 9, 9)),
    "only T1": waves(work=(5, None, None, None), coping=(6.0, None, None, None), expectation=(3, None, None, None)),
    "all None": waves(),
    "one wave passed": [TrajectoryPoint("T1", 0, 5, 6.0, 3)],
    "no waves": [],
}


def markup(points=TYPICAL, prefix="chart", title="Kari Nordmann", **kwargs) -> str:
    return svg_markup(
        trajectory_drawing(points, TEXTS, **kwargs), title=title, description="Arbeidsevne 4 og 6.", id_prefix=prefix
    )


def shapes(node, kind):
    """All shapes of a kind under a drawing or group, depth first."""
    found = []
    for child in getattr(node, "contents", []):
        if isinstance(child, kind):
            found.append(child)
        found += shapes(child, kind)
    return found


def centre(shape) -> tuple[float, float]:
    if isinstance(shape, Circle):
        return shape.cx, shape.cy
    x0, y0, x1, y1 = shape.getBounds()
    return (x0 + x1) / 2, (y0 + y1) / 2


def marker_centres(drawing, panel: str) -> list[tuple[float, float]]:
    return [centre(shape) for shape in getattr(drawing, panel).markers.contents]


@pytest.mark.parametrize("points", CASES.values(), ids=CASES.keys())
def test_every_case_gives_well_formed_svg_without_style(points):
    for layout in ("row", "column"):
        text = markup(points, layout=layout)
        root = ET.fromstring(text)
        assert root.tag == f"{SVG}svg"
        assert "style=" not in text
        assert "<?xml" not in text and "DOCTYPE" not in text
        assert all(value != "None" for element in root.iter() for value in element.attrib.values())


def test_root_scales_and_is_an_image_with_its_own_title_and_description():
    root = ET.fromstring(markup(prefix="kari", title="Oppfølging <Kari> & co"))
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert root.get("height") is None
    assert root.get("viewBox") == "0 0 480 170"
    assert root.get("aria-labelledby") == "kari-title kari-desc"
    titles, descriptions = root.findall(f"{SVG}title"), root.findall(f"{SVG}desc")
    assert [(t.get("id"), t.text) for t in titles] == [("kari-title", "Oppfølging <Kari> & co")]
    assert [(d.get("id"), d.text) for d in descriptions] == [("kari-desc", "Arbeidsevne 4 og 6.")]


def test_markup_escapes_the_title():
    text = markup(title="Kari <&> Nordmann")
    assert "Kari &lt;&amp;&gt; Nordmann" in text
    assert "<&>" not in text


def test_ids_are_unique_across_charts_and_references_follow_them():
    ids = []
    for prefix in ("trajectory-1", "trajectory-2"):
        text = markup(prefix=prefix)
        own = [element.get("id") for element in ET.fromstring(text).iter() if element.get("id")]
        assert own and all(i.startswith(prefix + "-") for i in own)
        assert set(re.findall(r"url\(#([^)]+)\)", text)) <= set(own)
        ids += own
    assert len(ids) == len(set(ids))


def test_styles_become_presentation_attributes():
    root = ET.fromstring(markup())
    attributes = {name for element in root.iter() for name in element.attrib}
    assert {"stroke", "stroke-width", "stroke-dasharray", "fill", "font-family", "font-size", "clip-path"} <= attributes
    texts = [element for element in root.iter(f"{SVG}text")]
    assert texts and all(float(element.get("font-size")) >= 7 for element in texts)
    assert all("sans-serif" in element.get("font-family") for element in texts)


def test_svg_keeps_norwegian_text_and_places_it_exactly():
    root = ET.fromstring(markup())
    texts = list(root.iter(f"{SVG}text"))
    assert {"Arbeidsevne (0–10)", "I arbeid nå", "dårlig", "svært god", "Vet ikke", "?"} <= {t.text for t in texts}
    # reportlab writes the text flip as translate(0, 2y) rounded down; a unit off is visible.
    for element in texts:
        assert element.get("transform") == f"translate(0,{2 * float(element.get('y')):g}) scale(1,-1)"


def test_straight_lines_are_not_drawn_there_and_back():
    # A closed two-point path draws a dashed line twice with the dashes out of step.
    paths = [element.get("d") for element in ET.fromstring(markup()).iter(f"{SVG}path")]
    assert paths and not [d for d in paths if re.fullmatch(r"M \S+ L \S+ Z", d)]


@pytest.mark.parametrize("prefix", ["", "1chart", "a b", 'x"y'])
def test_a_bad_id_prefix_is_refused(prefix):
    with pytest.raises(ValueError, match="id_prefix"):
        markup(prefix=prefix)


def test_expectation_axis_is_inverted():
    drawing = trajectory_drawing(waves(work=(2, 8, None, None), expectation=(0, 8, None, None)), TEXTS)
    (_, in_work_now), (_, never) = marker_centres(drawing, "rtw_expectation")
    assert in_work_now > never  # reportlab's y points up: "never" is drawn lower
    (_, low_capacity), (_, high_capacity) = marker_centres(drawing, "work_capacity")
    assert high_capacity > low_capacity


def test_markers_have_a_distinct_shape_per_measure():
    drawing = trajectory_drawing(TYPICAL, TEXTS)
    kinds = {panel: {type(m).__name__ for m in getattr(drawing, panel).markers.contents} for panel in MARKER_PANELS}
    assert kinds == {"work_capacity": {"Circle"}, "coping_beliefs": {"Rect"}, "rtw_expectation": {"Polygon"}}


def test_dont_know_is_a_text_marker_not_a_value():
    drawing = trajectory_drawing(waves(expectation=(2, 9, 4, None)), TEXTS)
    panel = drawing.rtw_expectation
    assert len(panel.markers.contents) == 2
    strings = [s.text for s in shapes(panel, String)]
    assert strings.count("?") == 1 and "Vet ikke" in strings
    assert "Ikke besvart" not in strings


def data_lines(drawing, panel):
    """Lines whose two ends are markers of the panel, keyed by the markers' order."""
    centres = marker_centres(drawing, panel)
    found = {}
    for line in shapes(getattr(drawing, panel), Line):
        ends = ((line.x1, line.y1), (line.x2, line.y2))
        if all(end in centres for end in ends):
            found[tuple(centres.index(end) for end in ends)] = line
    return found


def test_consecutive_answers_are_joined_by_solid_lines():
    lines = data_lines(trajectory_drawing(waves(work=(4, 6, 7, 8)), TEXTS), "work_capacity")
    assert sorted(lines) == [(0, 1), (1, 2), (2, 3)]
    assert all(not line.strokeDashArray for line in lines.values())


def test_a_wave_without_an_answer_is_bridged_by_a_dotted_line_and_no_marker():
    drawing = trajectory_drawing(waves(work=(4, None, 8, None)), TEXTS)
    lines = data_lines(drawing, "work_capacity")
    assert list(lines) == [(0, 1)]
    assert lines[(0, 1)].strokeDashArray
    (t1, _), (t3, _) = marker_centres(drawing, "work_capacity")
    assert t3 > t1


def test_the_time_axis_is_in_months():
    drawing = trajectory_drawing(waves(work=(1, 2, 3, 4)), TEXTS)
    xs = [x for x, _ in marker_centres(drawing, "work_capacity")]
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    assert gaps[1] == pytest.approx(3 * gaps[0]) and gaps[2] == pytest.approx(2 * gaps[0])


def test_a_panel_without_any_value_says_so():
    drawing = trajectory_drawing(waves(work=(5, None, None, None)), TEXTS)
    said = {
        name for name in MARKER_PANELS if "Ikke besvart" in [s.text for s in shapes(getattr(drawing, name), String)]
    }
    assert said == {"coping_beliefs", "rtw_expectation"}


def test_column_layout_stacks_panels_on_one_time_axis():
    drawing = trajectory_drawing(TYPICAL, TEXTS, width=280, height=440, layout="column")
    t1 = {name: marker_centres(drawing, name)[0] for name in MARKER_PANELS}
    assert len({round(x, 6) for x, _ in t1.values()}) == 1
    assert t1["work_capacity"][1] > t1["coping_beliefs"][1] > t1["rtw_expectation"][1]


def test_text_is_at_least_7_points():
    for layout in ("row", "column"):
        assert min(s.fontSize for s in shapes(trajectory_drawing(TYPICAL, TEXTS, layout=layout), String)) >= 7


@pytest.mark.parametrize(
    "points",
    [
        waves(work=(11, None, None, None)),
        waves(coping=(0.5, None, None, None)),
        waves(expectation=(10, None, None, None)),
    ],
)
def test_values_outside_their_range_are_refused(points):
    with pytest.raises(ValueError):
        trajectory_drawing(points, TEXTS)


def test_sparkline_marks_the_latest_answer_and_bridges_gaps():
    drawing = sparkline_drawing([4, None, 6, None], low=0, high=10)
    (dot,) = drawing.markers.contents
    lines = shapes(drawing, Line)
    assert len(lines) == 1 and lines[0].strokeDashArray
    assert (dot.cx, dot.cy) == (lines[0].x2, lines[0].y2)


def test_sparkline_inverts():
    upright = sparkline_drawing([0, 8], low=0, high=8).markers.contents[0].cy
    inverted = sparkline_drawing([0, 8], low=0, high=8, invert=True).markers.contents[0].cy
    assert upright > inverted


@pytest.mark.parametrize("values", [[None, None, None], [], [7], [None, 3.5]])
def test_sparkline_edge_cases_give_valid_svg(values):
    drawing = sparkline_drawing(values, low=1, high=10)
    assert len(drawing.markers.contents) == (1 if any(v is not None for v in values) else 0)
    text = svg_markup(drawing, title="Mestringstro", description="…", id_prefix="spark")
    assert ET.fromstring(text).get("viewBox") == "0 0 72 20"
    assert "style=" not in text


def test_sparkline_refuses_an_empty_range():
    with pytest.raises(ValueError):
        sparkline_drawing([1], low=5, high=5)
