"""Variable labels, value labels, missing codes and the codebook of the panel's columns, in
bokmål or English, from the questionnaire's own texts (so a Stata or SPSS file says what each
number means without the questionnaire at hand)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from instruments import Instrument
from instruments.scoring import RTWEXP_DONT_KNOW, RTWEXP_ITEM

LABEL_LANGUAGES = ("nb", "en")
# Stata allows 80 characters in a variable label; SPSS more, but one rule serves both files.
MAX_LABEL = 80

_FIXED = {
    "study_id": {"nb": "Studie-ID (pseudonym)", "en": "Study ID (pseudonym)"},
    "programme": {"nb": "Program", "en": "Programme"},
    "wave": {"nb": "Runde", "en": "Wave"},
    "months": {"nb": "Måneder etter innskriving", "en": "Months after enrolment"},
    "status": {"nb": "Status for runden", "en": "Status of the wave"},
    "answered_on": {"nb": "Dato svaret ble sendt inn", "en": "Date the answers were sent in"},
    "mode": {"nb": "Svarmåte (web, papir)", "en": "Mode (web, paper)"},
    "instrument_version": {"nb": "Versjon av spørreskjemaet", "en": "Questionnaire version"},
    "age_at_inclusion": {"nb": "Alder ved innskriving (år)", "en": "Age at inclusion (years)"},
    "hours_before": {
        "nb": "Timer i arbeid per uke, 12 mnd før (register)",
        "en": "Hours worked per week, 12 months before (register)",
    },
    "hours_after": {
        "nb": "Timer i arbeid per uke, 12 mnd etter (register)",
        "en": "Hours worked per week, 12 months after (register)",
    },
    "rtwse": {
        "nb": "Jobbrelatert mestringstro, snitt av 3 (minst 2 svar)",
        "en": "Job-related coping beliefs, mean of 3 (at least 2 answered)",
    },
}


@dataclass(frozen=True)
class PanelLabels:
    """What a labelled file (.dta, .sav) carries besides the numbers."""

    variables: dict[str, str]
    values: dict[str, dict[int, str]]
    # User-missing codes: a meaningful answer that is not a point on the scale ("don't know").
    missing: dict[str, list[int]]


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _wave_of(column: str, wave_labels: Sequence[str]) -> tuple[str, str | None]:
    """``was_t2`` -> (``was``, ``T2``); a long column -> (column, None)."""
    for label in wave_labels:
        suffix = "_" + label.lower()
        if column.endswith(suffix):
            return column[: -len(suffix)], label
    return column, None


def panel_labels(
    instrument: Instrument, columns: Sequence[str], lang: str = "nb", wave_labels: Sequence[str] = ()
) -> PanelLabels:
    """Labels for ``columns`` of the long or wide layout (wide columns get their wave added).

    Parameters
    ----------
    instrument : Instrument
        The questionnaire the panel was collected with (its item texts and option labels).
    columns : sequence of str
        The panel's columns.
    lang : {"nb", "en"}
        The labels' language.
    wave_labels : sequence of str
        The waves, to recognise wide columns such as ``was_t2``.

    Returns
    -------
    PanelLabels
    """
    if lang not in LABEL_LANGUAGES:
        raise ValueError(f"labels come in {' or '.join(LABEL_LANGUAGES)}, not {lang!r}")
    items = {item.id: item for item in instrument.items}
    variables: dict[str, str] = {}
    values: dict[str, dict[int, str]] = {}
    missing: dict[str, list[int]] = {}
    for column in columns:
        base, wave = _wave_of(column, wave_labels)
        label, codes = _FIXED.get(base, {}).get(lang), None
        if base in items:
            item = items[base]
            label = item.label(lang)
            if item.options and all(isinstance(option.code, int) for option in item.options):
                codes = {option.code: _short(option.label_in(lang) or str(option.code)) for option in item.options}
        elif "_" in base and base.rsplit("_", 1)[0] in items:
            item_id, code = base.rsplit("_", 1)
            option = next((option for option in items[item_id].options if str(option.code) == code), None)
            if option is not None:
                # The option first: it tells the columns of one question apart when a long
                # label is cut at 80 characters.
                label = f"{option.label_in(lang)}: {items[item_id].label(lang)}"
                codes = {0: "Nei" if lang == "nb" else "No", 1: "Ja" if lang == "nb" else "Yes"}
        if label:
            variables[column] = _short(f"{label} ({wave})" if wave else label)
        if codes:
            values[column] = codes
        if base == RTWEXP_ITEM:
            missing[column] = [RTWEXP_DONT_KNOW]
    return PanelLabels(variables=variables, values=values, missing=missing)


def codebook(
    frame: pd.DataFrame, instrument: Instrument, lang: str = "nb", wave_labels: Sequence[str] = ()
) -> pd.DataFrame:
    """One row per column of ``frame``: variable, label, type, values and their labels, missing
    codes, the waves it is asked at, and the questionnaire version it comes from.

    Parameters
    ----------
    frame : DataFrame
        The panel as written (long or wide).
    instrument, lang, wave_labels
        As for :func:`panel_labels`.

    Returns
    -------
    DataFrame
    """
    labels = panel_labels(instrument, list(frame.columns), lang, wave_labels)
    items = {item.id: item for item in instrument.items}
    rows = []
    for column in frame.columns:
        base, wave = _wave_of(column, wave_labels)
        item = items.get(base) or items.get(base.rsplit("_", 1)[0])
        rows.append(
            {
                "variable": column,
                "label": labels.variables.get(column, ""),
                "type": str(frame[column].dtype),
                "values": "; ".join(f"{code} = {text}" for code, text in labels.values.get(column, {}).items()),
                "missing": "; ".join(str(code) for code in labels.missing.get(column, [])),
                "waves": wave or (", ".join(sorted(item.waves)) if item else ""),
                "source": instrument.version if item else "",
            }
        )
    return pd.DataFrame(rows)
