"""The study's analyses (the JSON of ``mestring analyse``) laid out like a journal article's
tables: baseline by group, hours before and after, prediction, correlations, reliability and
the response per wave with its chart.

Numbers follow APA habits: p and r without a leading zero, p below .001 as "< .001", stars for
significance, n in every cell; the decimal mark is the language's. A value that could not be
computed prints as "–" with the reason below the table. Every word comes from the caller.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from analysis.reports.document import BODY, HEADING, NOTE, TITLE, WIDTH, build_pdf, data_table, text
from analysis.response_chart import ResponseChartTexts, response_bars, response_drawing

DASH = "–"
BASELINE_ORDER = ("gender", "age_at_inclusion", "was", "rtwse", "rtwexp", "hours_before", "hours_after", "hours_change")
EFFECTS = ("time", "group", "group_x_time")


@dataclass(frozen=True)
class ReportTexts:
    """Every text of the report, translated by the caller. The mappings' keys are fixed (see
    :data:`REQUIRED_KEYS`); a missing key is refused when the texts are made."""

    title: str
    meta_lines: tuple[str, ...]
    footer: str
    page: str
    decimal_comma: bool
    headings: Mapping[str, str]
    columns: Mapping[str, str]
    variables: Mapping[str, str]
    effects: Mapping[str, str]
    groups: Mapping[str, str]
    genders: Mapping[str, str]
    notes: Mapping[str, str]
    chart: ResponseChartTexts

    def __post_init__(self) -> None:
        for name, keys in REQUIRED_KEYS.items():
            missing = [key for key in keys if key not in getattr(self, name)]
            if missing:
                raise ValueError(f"report texts: {name} lacks {', '.join(missing)}")


REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "headings": (
        "baseline",
        "hours_by_time",
        "prediction_multiple",
        "prediction_bivariate",
        "correlations",
        "reliability",
        "response",
    ),
    "columns": (
        "variable",
        "test",
        "df",
        "p",
        "welch",
        "effect",
        "F",
        "partial_eta_sq",
        "term",
        "B",
        "ci",
        "predictor",
        "group",
        "n",
        "r2",
        "sample",
        "pair",
        "r",
        "wave",
        "programme",
        "invited",
        "answered",
        "missed",
        "pending",
        "withdrawn",
        "response_rate",
        "before",
        "after",
        "alpha",
        "items",
    ),
    "variables": (*BASELINE_ORDER, "intercept", "group"),
    "effects": EFFECTS,
    "groups": ("a", "b", "all"),
    "notes": ("stars", "welch", "covariate", "multiple", "published", "response", "chi2", "t", "programmes"),
}


class _Numbers:
    """Formatting in the report's language."""

    def __init__(self, decimal_comma: bool) -> None:
        self.mark = "," if decimal_comma else "."

    def fixed(self, value: float | None, digits: int = 2) -> str:
        if value is None or not math.isfinite(value):
            return DASH
        return f"{value:.{digits}f}".replace(".", self.mark).replace("-", "−")

    def bare(self, value: float | None, digits: int = 2) -> str:
        """Without the leading zero, for values that cannot exceed 1 (p, r)."""
        shown = self.fixed(value, digits)
        return shown.replace(f"0{self.mark}", self.mark, 1) if shown.lstrip("−").startswith("0") else shown

    def p(self, value: float | None) -> str:
        if value is None:
            return DASH
        return f"< {self.mark}001" if value < 0.001 else self.bare(value, 3)

    def p_relation(self, value: float | None) -> str:
        """``= .032`` or ``< .001``, to follow a "p"."""
        shown = self.p(value)
        return shown if shown.startswith("<") else f"=\u00a0{shown}"

    def df(self, value: float | None) -> str:
        if value is None:
            return DASH
        return str(int(value)) if float(value).is_integer() else self.fixed(value, 1)

    @staticmethod
    def stars(p: float | None) -> str:
        if p is None:
            return ""
        return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""

    def mean_sd(self, part: Mapping) -> str:
        if part.get("mean") is None:
            return DASH
        return f"{self.fixed(part['mean'])} ({self.fixed(part.get('sd'))})"


def _notes(entries: Sequence[tuple[str, Mapping]]) -> list[Flowable]:
    """One line per entry that could not be computed: its label and why."""
    return [text(f"{DASH} {label}: {entry['note']}", NOTE) for label, entry in entries if entry.get("note")]


def _section(heading: str, *parts: Flowable) -> Flowable:
    # A table's heading never stays behind alone at the foot of a page.
    return KeepTogether([text(heading, HEADING), *parts])


def _baseline(result: Mapping, t: ReportTexts, number: _Numbers) -> list[Flowable]:
    c, groups = t.columns, t.groups
    rows: list[list[str]] = [
        [c["variable"], f"{groups['a']}", f"{groups['b']}", c["test"], c["df"], c["p"], c["welch"]]
    ]
    entries = {entry["variable"]: entry for entry in result["baseline"]}
    for variable in BASELINE_ORDER:
        entry = entries.get(variable)
        if entry is None:
            continue
        a, b = entry["a"], entry["b"]
        if entry["test"] == "chi2":
            codes = sorted(set(a.get("counts", {})) | set(b.get("counts", {})))

            def counts(part: Mapping, codes: list[str] = codes) -> str:
                n = part.get("n") or 0
                shares = [
                    f"{t.genders.get(code, code)} {part['counts'].get(code, 0)}"
                    + (f" ({number.fixed(100 * part['counts'].get(code, 0) / n, 0)}\u00a0%)" if n else "")
                    for code in codes
                ]
                return f"n = {n}: " + ", ".join(shares)

            cells = [counts(a), counts(b), f"chi² = {number.fixed(entry['statistic'])}", number.df(entry["df"])]
            welch = ""
        else:
            cells = [
                f"{number.mean_sd(a)}, n = {a['n']}",
                f"{number.mean_sd(b)}, n = {b['n']}",
                f"t = {number.fixed(entry['statistic'])}",
                number.df(entry["df"]),
            ]
            w = entry.get("welch") or {}
            welch = (
                f"t({number.df(w.get('df'))})\u00a0=\u00a0{number.fixed(w.get('statistic'))}, "
                f"p\u00a0{number.p_relation(w.get('p'))}"
                if w.get("statistic") is not None
                else DASH
            )
        rows.append([t.variables[variable], *cells, number.p(entry["p"]) + number.stars(entry["p"]), welch])
    widths = [x * WIDTH for x in (0.16, 0.2, 0.2, 0.1, 0.05, 0.08, 0.21)]
    return [
        _section(t.headings["baseline"], data_table(rows, widths)),
        text(f"{t.notes['chi2']} {t.notes['t']} {t.notes['welch']} {t.notes['stars']}", NOTE),
        *_notes([(t.variables.get(e["variable"], e["variable"]), e) for e in result["baseline"]]),
    ]


def _hours(result: Mapping, t: ReportTexts, number: _Numbers) -> list[Flowable]:
    hours, c = result["hours_by_time"], t.columns
    means = hours.get("means") or {}
    n = hours.get("n") or {}
    mean_rows = [["", c["n"], c["before"], c["after"]]]
    for group in ("a", "b"):
        part = means.get(group) or {}
        mean_rows.append(
            [
                t.groups[group],
                str(n.get(group, 0)),
                number.fixed(part.get("hours_before")),
                number.fixed(part.get("hours_after")),
            ]
        )
    effect_rows = [[c["effect"], c["F"], c["df"], c["p"], c["partial_eta_sq"]]]
    for effect in EFFECTS:
        e = hours.get(effect) or {}
        df = f"{number.df(e.get('df1'))}, {number.df(e.get('df2'))}" if e.get("df1") is not None else DASH
        effect_rows.append(
            [
                t.effects[effect],
                number.fixed(e.get("F")),
                df,
                number.p(e.get("p")) + number.stars(e.get("p")),
                number.bare(e.get("partial_eta_sq")),
            ]
        )
    centre = hours.get("covariate_centre")
    parts: list[Flowable] = [
        _section(
            t.headings["hours_by_time"],
            data_table(mean_rows, [x * WIDTH for x in (0.4, 0.1, 0.25, 0.25)]),
            Spacer(1, 3 * mm),
            data_table(effect_rows, [x * WIDTH for x in (0.4, 0.15, 0.15, 0.15, 0.15)]),
        ),
        text(t.notes["covariate"].format(centre=number.fixed(centre, 1)), NOTE),
    ]
    return parts + _notes([(t.headings["hours_by_time"], hours)])


def _prediction(result: Mapping, t: ReportTexts, number: _Numbers) -> list[Flowable]:
    c = t.columns
    multiple = result["prediction"]["multiple"]
    rows = [[c["term"], c["B"], c["ci"], c["p"]]]
    for term in multiple.get("terms") or []:
        rows.append(
            [
                t.variables.get(term["term"], term["term"]),
                number.fixed(term.get("B")),
                f"{number.fixed(term.get('ci_low'))} – {number.fixed(term.get('ci_high'))}"
                if term.get("ci_low") is not None
                else DASH,
                number.p(term.get("p")) + number.stars(term.get("p")),
            ]
        )
    summary = t.notes["multiple"].format(
        n=multiple.get("n") or 0,
        r2=number.bare(multiple.get("r2")),
        F=number.fixed(multiple.get("F")),
        df1=number.df(multiple.get("df1")),
        df2=number.df(multiple.get("df2")),
        p=number.p_relation(multiple.get("p")),
    )
    bivariate = [[c["group"], c["predictor"], c["n"], c["B"], c["ci"], c["p"], c["r2"]]]
    for entry in result["prediction"]["bivariate"]:
        bivariate.append(
            [
                t.groups[entry["group"]],
                t.variables.get(entry["predictor"], entry["predictor"]),
                str(entry.get("n") or 0),
                number.fixed(entry.get("B")),
                f"{number.fixed(entry.get('ci_low'))} – {number.fixed(entry.get('ci_high'))}"
                if entry.get("ci_low") is not None
                else DASH,
                number.p(entry.get("p")) + number.stars(entry.get("p")),
                number.bare(entry.get("r2")),
            ]
        )
    return [
        _section(t.headings["prediction_multiple"], data_table(rows, [x * WIDTH for x in (0.4, 0.15, 0.3, 0.15)])),
        text(summary, NOTE),
        *_notes([(t.headings["prediction_multiple"], multiple)]),
        _section(
            t.headings["prediction_bivariate"],
            data_table(bivariate, [x * WIDTH for x in (0.2, 0.24, 0.07, 0.1, 0.2, 0.11, 0.08)], numeric_from=2),
        ),
        text(t.notes["published"], NOTE),
        *_notes(
            [
                (f"{t.groups[e['group']]}, {t.variables.get(e['predictor'], e['predictor'])}", e)
                for e in result["prediction"]["bivariate"]
            ]
        ),
    ]


def _correlations(result: Mapping, t: ReportTexts, number: _Numbers) -> list[Flowable]:
    c = t.columns
    rows = [[c["sample"], c["pair"], c["r"], c["p"], c["n"]]]
    for entry in result["correlations"]:
        rows.append(
            [
                t.groups[entry["sample"]],
                f"{t.variables[entry['x']]} × {t.variables[entry['y']]}",
                number.bare(entry.get("r")) + number.stars(entry.get("p")),
                number.p(entry.get("p")),
                str(entry.get("n") or 0),
            ]
        )
    alpha = result["reliability"]["rtwse"]
    reliability = [
        [c["variable"], c["alpha"], c["items"], c["n"]],
        [t.variables["rtwse"], number.bare(alpha.get("alpha")), str(alpha.get("items")), str(alpha.get("n") or 0)],
    ]
    return [
        _section(
            t.headings["correlations"], data_table(rows, [x * WIDTH for x in (0.2, 0.5, 0.1, 0.1, 0.1)], numeric_from=2)
        ),
        text(t.notes["stars"], NOTE),
        *_notes(
            [
                (f"{t.groups[e['sample']]}, {t.variables[e['x']]} × {t.variables[e['y']]}", e)
                for e in result["correlations"]
            ]
        ),
        _section(t.headings["reliability"], data_table(reliability, [x * WIDTH for x in (0.5, 0.17, 0.16, 0.17)])),
        *_notes([(t.variables["rtwse"], alpha)]),
    ]


def _response(result: Mapping, t: ReportTexts, number: _Numbers) -> list[Flowable]:
    c = t.columns
    keys = ("invited", "answered", "missed", "pending", "withdrawn")
    rows = [[c["wave"], c["programme"], *(c[key] for key in keys), c["response_rate"]]]
    for entry in result["response"]:
        rate = entry.get("response_rate")
        rows.append(
            [
                entry["wave"],
                t.chart.series.get(entry["programme"], entry["programme"]),
                *(str(entry[key]) for key in keys),
                t.chart.rate(rate) if rate is not None else DASH,
            ]
        )
    chart = response_drawing(response_bars(result["response"]), t.chart, width=WIDTH)
    if len(rows) == 1:
        return [_section(t.headings["response"], chart)]  # the chart says that nothing came due yet
    return [
        _section(t.headings["response"], chart),
        Spacer(1, 2 * mm),
        data_table(rows, [x * WIDTH for x in (0.08, 0.24, 0.11, 0.11, 0.11, 0.11, 0.11, 0.13)], numeric_from=2),
        text(t.notes["response"], NOTE),
    ]


def study_report_pdf(result: Mapping, texts: ReportTexts) -> bytes:
    """The analyses as a PDF report.

    Parameters
    ----------
    result : mapping
        What :func:`analysis.study_analyses.analyse` returns (or its JSON read back).
    texts : ReportTexts
        Every word, in the report's language.

    Returns
    -------
    bytes
        An A4 PDF with page numbers.
    """
    number = _Numbers(texts.decimal_comma)
    story: list[Flowable] = [text(texts.title, TITLE), *(text(line, BODY) for line in texts.meta_lines)]
    story.append(text(texts.notes["programmes"], NOTE))
    for part in (_baseline, _hours, _prediction, _correlations, _response):
        story.extend(part(result, texts, number))
    return build_pdf(story, title=texts.title, footer=texts.footer, page_label=texts.page)
