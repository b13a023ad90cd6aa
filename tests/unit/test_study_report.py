"""The analyses' PDF report, the response chart and the codebook PDF: what they print, read
back from the PDF's text."""

from __future__ import annotations

import copy
import re

import pandas as pd
import pytest

from analysis.charts import svg_markup
from analysis.panel_frames import long_columns, to_wide
from analysis.panel_labels import codebook
from analysis.reports.codebook_pdf import codebook_pdf
from analysis.response_chart import ResponseBar, ResponseChartTexts, response_drawing
from instruments import load_instrument
from survey_app.services.study_report import study_report
from tests.helpers import pdf_text

WAVES = ("T1", "T2", "T3", "T4")


def _effect(F, p, eta):
    return {"F": F, "df1": 1, "df2": 55, "p": p, "partial_eta_sq": eta}


def _t_row(variable, statistic, df, p, a, b):
    return {
        "variable": variable,
        "test": "student_t",
        "statistic": statistic,
        "df": df,
        "p": p,
        "a": {"n": a[0], "mean": a[1], "sd": a[2]},
        "b": {"n": b[0], "mean": b[1], "sd": b[2]},
        "welch": {"statistic": statistic, "df": df - 1.55, "p": p},
        "note": None,
    }


RESULT = {
    "meta": {
        "snapshot": "2026-11-23T21:40:00+00:00",
        "mestring_version": "9.9.9",
        "input": "database",
        "group_a": "utvidet_oppfolging",
        "n": {"a": 40, "b": 38},
    },
    "baseline": [
        {
            "variable": "gender",
            "test": "chi2",
            "statistic": 1.2345,
            "df": 2,
            "p": 0.54,
            "a": {"n": 40, "counts": {"1": 20, "2": 19, "3": 1}},
            "b": {"n": 38, "counts": {"1": 19, "2": 19}},
            "note": None,
        },
        _t_row("age_at_inclusion", -0.8123, 76, 0.4191, (40, 35.14, 9.2), (38, 36.9, 10.1)),
        _t_row("was", 2.9, 70, 0.0049, (36, 7.4, 1.8), (36, 6.2, 1.7)),
        {
            **_t_row("rtwse", 0.0, 0, 0.0, (1, 5.0, 0.0), (0, 0.0, 0.0)),
            "statistic": None,
            "df": None,
            "p": None,
            "welch": {"statistic": None, "df": None, "p": None},
            "note": "too few answers in group b",
        },
    ],
    "hours_by_time": {
        "n": {"a": 30, "b": 28},
        "covariate": "age_at_inclusion",
        "covariate_centre": 36.2,
        "means": {"a": {"hours_before": 3.1, "hours_after": 9.8}, "b": {"hours_before": 2.5, "hours_after": 8.0}},
        "time": _effect(20.1, 0.00004, 0.2675),
        "group": _effect(0.5, 0.48, 0.009),
        "group_x_time": _effect(4.44, 0.0396, 0.0747),
        "note": None,
    },
    "prediction": {
        "multiple": {
            "outcome": "hours_after",
            "n": 55,
            "r2": 0.2101,
            "F": 2.6,
            "df1": 5,
            "df2": 49,
            "p": 0.036,
            "terms": [
                {"term": "intercept", "B": -4.2, "ci_low": -12.1, "ci_high": 3.7, "p": 0.29},
                {"term": "was", "B": 4.61, "ci_low": 1.02, "ci_high": 8.2, "p": 0.013},
            ],
            "note": None,
        },
        "bivariate": [
            {
                "group": "a",
                "predictor": "was",
                "n": 30,
                "B": 4.6,
                "ci_low": 1.0,
                "ci_high": 8.2,
                "p": 0.01,
                "r2": 0.18,
                "note": None,
            },
            {
                "group": "b",
                "predictor": "rtwexp",
                "n": 2,
                "B": None,
                "ci_low": None,
                "ci_high": None,
                "p": None,
                "r2": None,
                "note": "no more cases than parameters",
            },
        ],
    },
    "correlations": [
        {"sample": "all", "x": "was", "y": "rtwse", "r": 0.8012, "p": 0.0001, "n": 70, "note": None},
        {"sample": "a", "x": "was", "y": "rtwexp", "r": -0.4123, "p": 0.009, "n": 35, "note": None},
    ],
    "reliability": {"rtwse": {"alpha": 0.8634, "n": 70, "items": 3, "note": None}},
    "response": [
        {
            "wave": "T1",
            "programme": "all",
            "invited": 78,
            "answered": 70,
            "missed": 8,
            "pending": 0,
            "withdrawn": 2,
            "response_rate": 70 / 78,
        },
        {
            "wave": "T1",
            "programme": "kvp",
            "invited": 38,
            "answered": 33,
            "missed": 5,
            "pending": 0,
            "withdrawn": 1,
            "response_rate": 33 / 38,
        },
        {
            "wave": "T2",
            "programme": "all",
            "invited": 0,
            "answered": 0,
            "missed": 0,
            "pending": 70,
            "withdrawn": 0,
            "response_rate": None,
        },
    ],
}


def test_the_report_prints_apa_style_numbers_stars_and_notes():
    text = pdf_text(study_report(RESULT, "en"))
    for heading in ("Table 1.", "Table 2.", "Table 3.", "Table 4.", "Table 5.", "Table 6.", "Response per wave"):
        assert heading in text
    assert "chi² = 1.23" in text and ".540" in text
    assert "35.14 (9.20), n = 40" in text and "t = −0.81" in text and "t(74.5) = −0.81" in text
    assert ".005**" in text  # p .0049 with two stars
    assert "< .001***" in text  # the time effect, p .00004
    assert ".040*" in text and ".07" in text  # group x time: p .0396, partial eta² .0747
    assert "36.2 years" in text  # where age was centred
    assert "4.61" in text and "1.02 – 8.20" in text and "F(5, 49) = 2.60, p = .036" in text
    assert ".80***" in text and "−.41**" in text  # r without leading zero, with stars
    assert ".86" in text  # Cronbach's alpha
    assert "– Coping beliefs (1–10): too few answers in group b" in text
    assert "– Group b, Expected time to work (0–8): no more cases than parameters" in text
    assert "90%" in text and "87%" in text  # response rates 70/78 and 33/38
    assert "Data as of 23.11.2026 22:40" in text  # Oslo time
    assert "Page 2" in text


def test_the_report_writes_numbers_as_norwegian_does():
    text = pdf_text(study_report(RESULT, "nb"))
    assert "35,14 (9,20)" in text and "< ,001***" in text and ",80***" in text and "90 %" in text
    assert "35.14" not in text


def test_a_result_without_values_still_gives_a_report():
    empty = copy.deepcopy(RESULT)
    for effect in ("time", "group", "group_x_time"):
        empty["hours_by_time"][effect] = {key: None for key in ("F", "df1", "df2", "p", "partial_eta_sq")}
    empty["hours_by_time"].update(covariate_centre=None, note="no one has register data yet")
    empty["prediction"]["multiple"].update(terms=[], n=0, r2=None, F=None, df1=None, df2=None, p=None, note="none")
    empty["reliability"]["rtwse"].update(alpha=None, note="fewer than 2 complete cases")
    text = pdf_text(study_report(empty, "en"))
    assert "no one has register data yet" in text and "fewer than 2 complete cases" in text


def _texts(series):
    return ResponseChartTexts(
        title="Response", axis="Rate", series=series, none_due="–", none_yet="Nothing due yet", percent="{}%"
    )


def test_the_chart_draws_one_bar_per_programme_and_wave_with_someone_due():
    bars = [
        ResponseBar("T1", "all", 10, 8),
        ResponseBar("T1", "kvp", 4, 3),
        ResponseBar("T2", "all", 5, 5),
        ResponseBar("T2", "kvp", 0, 0),
    ]
    svg = svg_markup(
        response_drawing(bars, _texts({"all": "All", "kvp": "KVP"})), title="t", description="d", id_prefix="r"
    )
    # Two legend keys and three bars (nobody was due for KVP at T2: a dash instead).
    assert svg.count("<rect") == 2 + 3 + 1  # plus the drawing's background
    for label in ("80%", "75%", "100%", "8/10", "3/4", "5/5", "–"):
        assert f">{label}<" in svg


def test_the_chart_keeps_five_programmes_counts_apart_and_says_when_nothing_came_due():
    series = {code: code.upper() for code in ("all", "p1", "p2", "p3", "p4")}
    bars = [ResponseBar(wave, code, 1234, 1172) for wave in WAVES for code in series]
    svg = svg_markup(response_drawing(bars, _texts(series)), title="t", description="d", id_prefix="r")
    assert svg.count(">1172/1234<") == 20 and svg.count("<rect") == 5 + 20 + 1
    # Four-digit counts are wider than a fifth of a wave's room: neighbours sit on two rows.
    rows = set(re.findall(r'<text[^>]* y="([^"]+)"[^>]*>1172/1234<', svg))
    assert len(rows) == 2, rows
    empty = svg_markup(response_drawing([], _texts({})), title="t", description="d", id_prefix="e")
    assert ">Nothing due yet<" in empty and empty.count("<rect") == 1


def test_the_chart_refuses_more_series_than_it_can_tell_apart():
    bars = [ResponseBar("T1", str(index), 1, 1) for index in range(6)]
    with pytest.raises(ValueError, match="at most 5"):
        response_drawing(bars, _texts({}))


def test_the_codebook_pdf_lists_every_variable_with_its_values():
    instrument = load_instrument("mestring-2026.1")
    wide = to_wide(pd.DataFrame(columns=long_columns(instrument)), WAVES)
    book = codebook(wide, instrument, "en", WAVES)
    headings = {
        column: column.title() for column in ("variable", "label", "type", "values", "missing", "waves", "source")
    }
    text = pdf_text(codebook_pdf(book, "Codebook", "Study, wide", headings, "Page"))
    flat = text.replace("\n", " ")
    for variable in book["variable"]:
        # The text extraction may break a long name across two lines of its cell.
        assert variable in flat or variable[:14] in flat, variable
    assert "9 = Don't know / unsure" in text and "Page 3" in text
    with pytest.raises(ValueError, match="source"):
        codebook_pdf(book.drop(columns="source"), "Codebook", "", headings, "Page")
