"""The analyses' PDF report and the response chart in the reader's language: this module
translates and formats, ``analysis/reports/study_report.py`` lays out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from analysis.reports.study_report import ReportTexts, study_report_pdf
from analysis.response_chart import ResponseChartTexts
from survey_app.i18n import code_labels, format_datetime, gettext


def _translator(language: str) -> Callable[[str], str]:
    return lambda message: gettext(language, message)


def chart_texts(language: str, programmes: Iterable[str], title: str) -> ResponseChartTexts:
    _ = _translator(language)
    series = {"all": _("All programmes")}
    series.update({code: _(code_labels.PROGRAMMES.get(code, code)) for code in programmes if code != "all"})
    return ResponseChartTexts(
        title=title,
        axis=_("Response rate"),
        series=series,
        none_due="–",
        none_yet=_("No wave has come due yet"),
        percent="{}%" if language == "en" else "{} %",
    )


def report_texts(result: dict, language: str) -> ReportTexts:
    """Every word of the report in ``language`` (nb, nn or en)."""
    _ = _translator(language)
    meta = result["meta"]
    group_a = _(code_labels.PROGRAMMES.get(meta["group_a"], meta["group_a"]))
    source = _("the database") if meta["input"] == "database" else meta["input"].removeprefix("file:")
    snapshot = format_datetime(dt.datetime.fromisoformat(meta["snapshot"]), language)
    programmes = [row["programme"] for row in result["response"]]
    return ReportTexts(
        title=_("The study's analyses"),
        meta_lines=(
            _("Data as of {snapshot}, from {source}.").format(snapshot=snapshot, source=source),
            _("Group a: {programme} (n = {a}). Group b: every other programme (n = {b}).").format(
                programme=group_a, a=meta["n"]["a"], b=meta["n"]["b"]
            ),
            _("Computed by mestring {version}. Study IDs only: no names or contact details.").format(
                version=meta["mestring_version"]
            ),
        ),
        footer=_("mestring: the study's analyses"),
        page=_("Page"),
        decimal_comma=language != "en",
        headings={
            "baseline": _("Table 1. Baseline (T1) by group"),
            "hours_by_time": _("Table 2. Hours worked per week before and after, by group (controlling for age)"),
            "prediction_multiple": _("Table 3. Hours worked per week in the year after: multiple regression"),
            "prediction_bivariate": _("Table 4. Hours worked per week in the year after: one predictor at a time"),
            "correlations": _("Table 5. Correlations among the three measures at T1 (Pearson)"),
            "reliability": _("Table 6. Reliability of the coping-belief items at T1"),
            "response": _("Response per wave"),
        },
        columns={
            "variable": _("Variable"),
            "test": _("Test"),
            "df": "df",
            "p": "p",
            "welch": _("Welch's t"),
            "effect": _("Effect"),
            "F": "F",
            "partial_eta_sq": _("Partial eta²"),
            "term": _("Term"),
            "B": "B",
            "ci": _("95 % CI"),
            "predictor": _("Predictor"),
            "group": _("Group"),
            "n": "n",
            "r2": "R²",
            "sample": _("Sample"),
            "pair": _("Measures"),
            "r": "r",
            "wave": _("Wave"),
            "programme": _("Programme"),
            "invited": _("Came due"),
            "answered": _("Answered"),
            "missed": _("Missed"),
            "pending": _("Under way"),
            "withdrawn": _("Withdrawn"),
            "response_rate": _("Response rate"),
            "before": _("Hours before, mean"),
            "after": _("Hours after, mean"),
            "alpha": _("Cronbach's alpha"),
            "items": _("Items"),
        },
        variables={
            "gender": _("Gender"),
            "age_at_inclusion": _("Age at inclusion"),
            "was": _("Work capacity (0–10)"),
            "rtwse": _("Coping beliefs (1–10)"),
            "rtwexp": _("Expected time to work (0–8)"),
            "hours_before": _("Hours per week, 12 months before"),
            "hours_after": _("Hours per week, 12 months after"),
            "hours_change": _("Change in hours per week"),
            "intercept": _("Constant"),
            "group": _("Group (a = 1)"),
        },
        effects={"time": _("Time"), "group": _("Group"), "group_x_time": _("Group × time")},
        groups={"a": _("Group a"), "b": _("Group b"), "all": _("All")},
        genders={"1": _("Woman"), "2": _("Man"), "3": _("Other")},
        notes={
            "stars": _("* p < .05, ** p < .01, *** p < .001."),
            "chi2": _("Gender: chi-square test without continuity correction."),
            "t": _("Other rows: Student's t-test, group a minus group b; mean (SD)."),
            "welch": _("Welch's t-test (unequal variances) alongside."),
            "covariate": _(
                "Repeated-measures GLM with age as covariate, centred at its mean ({centre} years): the time effect "
                "is the change at the mean age. Partial eta²: .01 small, .06 medium, .14 large."
            ),
            "multiple": _("n = {n}, R² = {r2}, F({df1}, {df2}) = {F}, p {p}. Listwise complete cases."),
            "published": _(
                "For comparison, the study found work capacity the only significant predictor, in the extended "
                "follow-up group only: B ≈ 4.6 hours a week per point, R² ≈ .18."
            ),
            "response": _(
                "Came due: waves that came due for people still taking part (answered or missed); waves still open "
                "are under way and count in neither. Response rate = answered / came due."
            ),
            "programmes": _(
                "Group a is the experimental programme, group b every other programme. Values at baseline come "
                "from T1; \u201cdon't know\u201d about the expected time to work counts as missing, so n differs "
                "between rows."
            ),
        },
        chart=chart_texts(language, programmes, _("Response rate per wave and programme")),
    )


def study_report(result: dict, language: str) -> bytes:
    """The report of ``result`` (the analyses' JSON) as a PDF in ``language``."""
    return study_report_pdf(result, report_texts(result, language))
