"""One person's follow-up intensity suggestion from their wave history and a rule set.

Every number and every word comes from the rule set; this module only finds the values the rules
look at (latest, previous and first answered value per measure, the run of missed waves) and
writes the reasons, hints and notes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from instruments import WAVES, localize, rtw_expectation

from .model import MEASURES, Hint, MeasureTrend, Note, Reason, Suggestion, WaveRecord
from .rules import BandRule, ChangeRule, DontKnowRule, GapRule, MissedRule, Rule, RuleSet, load_rule_set

_CAPACITY = "work_capacity"
_EXPECTATION = "rtw_expectation"


@dataclass(frozen=True)
class _Value:
    wave: str
    value: int | float


@dataclass(frozen=True)
class _History:
    answered: tuple[WaveRecord, ...]
    # Per measure, the answered waves that have a value, in wave order: a later wave that skipped
    # the question does not erase an earlier answer.
    series: Mapping[str, tuple[_Value, ...]]
    missed_run: tuple[str, ...]
    withdrawn: bool
    in_paid_work: bool | None

    @property
    def latest_wave(self) -> str | None:
        return self.answered[-1].wave if self.answered else None


def _history(records: Sequence[WaveRecord]) -> _History:
    ordered = sorted(records, key=lambda record: WAVES.index(record.wave))
    answered = tuple(record for record in ordered if record.status == "answered")
    series = {
        measure: tuple(
            _Value(record.wave, getattr(record, measure)) for record in answered if getattr(record, measure) is not None
        )
        for measure in MEASURES
    }
    # Only waves that are due count as missed; a withdrawal ends the run (nobody to remind).
    run: list[str] = []
    for record in reversed([record for record in ordered if record.status != "pending"]):
        if record.status != "missed":
            break
        run.insert(0, record.wave)
    # Work status only from the latest answer: a "yes" from a year ago says nothing about now.
    return _History(
        answered=answered,
        series=series,
        missed_run=tuple(run),
        withdrawn=any(record.status == "withdrawn" for record in ordered),
        in_paid_work=answered[-1].in_paid_work if answered else None,
    )


def _on_scale(measure: str, value: int | float) -> int | float | None:
    # "Don't know" is a meaningful answer but not a point on the expected-wait scale.
    return rtw_expectation(value).ordinal if measure == _EXPECTATION else value


class _Writer:
    """Evidence and per-language texts, formatted as the rule set says."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules

    def rounded(self, value: int | float) -> int | float:
        return value if isinstance(value, int) else round(value, self.rules.evidence_decimals)

    def number(self, value: int | float, lang: str) -> str:
        if isinstance(value, int):
            return str(value)
        text = f"{value:.{self.rules.text_decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text.replace(".", self.rules.decimal_separator[lang])

    def expectation(self, code: int, lang: str) -> str:
        label = localize(self.rules.expectation_labels.get(code), lang) or str(code)
        # Lower-case for use inside a sentence, but keep a capital that is a word of its own ("I am ...").
        if len(label) > 1 and label[1].islower():
            return label[0].lower() + label[1:]
        return label

    def waves(self, waves: Sequence[str], lang: str) -> str:
        if len(waves) == 1:
            return waves[0]
        return ", ".join(waves[:-1]) + self.rules.list_and[lang] + waves[-1]

    def render(self, templates: Mapping[str, str], fields: Callable[[str], Mapping[str, str]]) -> dict[str, str]:
        return {lang: templates[lang].format(**fields(lang)) for lang in self.rules.languages}

    def change(self, measure: str, earlier: _Value, later: _Value) -> int | float | None:
        before, after = _on_scale(measure, earlier.value), _on_scale(measure, later.value)
        if before is None or after is None:
            return None
        # Rounded before it is judged, so the judged change is the one the evidence shows.
        return self.rounded(after - before)

    def band_name(self, measure: str, value: int | float, lang: str | None = None) -> str | None:
        rule = self.rules.band_rule(measure)
        band = rule.band_of(_on_scale(measure, value)) if rule else None
        if band is None:
            return None
        return band.name if lang is None else band.label[lang]

    def measure_evidence(self, measure: str, series: tuple[_Value, ...]) -> dict[str, object]:
        latest = series[-1]
        evidence: dict[str, object] = {"measure": measure, "value": self.rounded(latest.value), "wave": latest.wave}
        band = self.band_name(measure, latest.value)
        if band is not None:
            evidence["band"] = band
        if len(series) > 1:
            for name, earlier in (("previous", series[-2]), ("first", series[0])):
                evidence[f"{name}_value"] = self.rounded(earlier.value)
                evidence[f"{name}_wave"] = earlier.wave
                change = self.change(measure, earlier, latest)
                if change is not None:
                    evidence[f"change_{name}"] = change
        return evidence

    def measure_fields(self, measure: str, series: tuple[_Value, ...], lang: str) -> dict[str, str]:
        named = {"": series[-1]}
        if len(series) > 1:
            named |= {"previous_": series[-2], "first_": series[0]}
        fields = {}
        for prefix, item in named.items():
            fields[f"{prefix}value"] = self.number(item.value, lang)
            fields[f"{prefix}wave"] = item.wave
            if measure == _EXPECTATION:
                fields[f"{prefix}expectation"] = self.expectation(item.value, lang)
        band = self.band_name(measure, series[-1].value, lang)
        if band is not None:
            fields["band"] = band
        return fields


def _band_reason(rule: BandRule, history: _History, writer: _Writer) -> Reason | None:
    series = history.series[rule.measure]
    band = rule.band_of(_on_scale(rule.measure, series[-1].value)) if series else None
    if band is None or band.points == 0 or band.code is None or band.text is None:
        return None
    texts = writer.render(band.text, lambda lang: writer.measure_fields(rule.measure, series, lang))
    return Reason(band.code, band.points, texts, writer.measure_evidence(rule.measure, series))


def _dont_know_reason(rule: DontKnowRule, history: _History, writer: _Writer) -> Reason | None:
    series = history.series[rule.measure]
    if not series or not rtw_expectation(series[-1].value).dont_know:
        return None
    texts = writer.render(rule.text, lambda lang: writer.measure_fields(rule.measure, series, lang))
    return Reason(rule.code, rule.points, texts, writer.measure_evidence(rule.measure, series))


def _gap_reason(rule: GapRule, history: _History, writer: _Writer) -> Reason | None:
    capacity, expectation = history.series[_CAPACITY], history.series[_EXPECTATION]
    if not capacity or not expectation:
        return None
    wait = rtw_expectation(expectation[-1].value).ordinal
    if wait is None or capacity[-1].value < rule.min_work_capacity or wait < rule.min_expected_wait:
        return None
    wave = max(capacity[-1].wave, expectation[-1].wave, key=WAVES.index)
    evidence = {
        "measures": (_CAPACITY, _EXPECTATION),
        "work_capacity": capacity[-1].value,
        "work_capacity_wave": capacity[-1].wave,
        "band": writer.band_name(_CAPACITY, capacity[-1].value),
        "rtw_expectation": wait,
        "rtw_expectation_wave": expectation[-1].wave,
        "wave": wave,
    }
    texts = writer.render(
        rule.text,
        lambda lang: {
            "work_capacity": str(capacity[-1].value),
            "work_capacity_wave": capacity[-1].wave,
            "expectation": writer.expectation(wait, lang),
            "expectation_wave": expectation[-1].wave,
            "expected_wait": str(wait),
            "wave": wave,
        },
    )
    return Reason(rule.code, rule.points, texts, evidence)


def _change_reason(rule: ChangeRule, history: _History, writer: _Writer) -> Reason | None:
    series = history.series[rule.measure]
    if len(series) < 2:
        return None
    earlier = series[-2] if rule.since == "previous" else series[0]
    change = writer.change(rule.measure, earlier, series[-1])
    if change is None or (-change if rule.direction == "fall" else change) < writer.rules.min_change:
        return None
    texts = writer.render(
        rule.text,
        lambda lang: writer.measure_fields(rule.measure, series, lang) | {"change": writer.number(abs(change), lang)},
    )
    return Reason(rule.code, rule.points, texts, writer.measure_evidence(rule.measure, series))


def _missed_reason(rule: MissedRule, history: _History, writer: _Writer) -> Reason | None:
    run = history.missed_run
    if len(run) < rule.count:
        return None
    texts = writer.render(
        rule.text, lambda lang: {"wave": run[-1], "waves": writer.waves(run, lang), "count": str(len(run))}
    )
    return Reason(rule.code, rule.points, texts, {"waves": run, "wave": run[-1], "count": len(run)})


_REASONS: dict[type, Callable[[Rule, _History, _Writer], Reason | None]] = {
    BandRule: _band_reason,
    DontKnowRule: _dont_know_reason,
    GapRule: _gap_reason,
    ChangeRule: _change_reason,
    MissedRule: _missed_reason,
}


def _facts(history: _History, rules: RuleSet) -> set[str]:
    expectation = history.series[_EXPECTATION]
    in_work = history.in_paid_work is True or bool(
        expectation and expectation[-1].value in rules.in_work_expectation_codes
    )
    return {"in_work"} if in_work else set()


def _notes(history: _History, rules: RuleSet, writer: _Writer) -> tuple[Note, ...]:
    found: dict[str, dict[str, str]] = {}
    if history.withdrawn:
        found["withdrawn"] = {}
    latest = history.latest_wave
    if latest is None:
        found["no_answered_wave"] = {}
    else:
        if len(history.answered) == 1:
            found["single_wave"] = {"wave": latest}
        for measure in MEASURES:
            series = history.series[measure]
            if not series:
                found[f"{measure}_not_answered"] = {}
            elif series[-1].wave != latest:
                found[f"{measure}_from_earlier_wave"] = {"wave": series[-1].wave, "latest_wave": latest}
        expectation = history.series[_EXPECTATION]
        if expectation and rtw_expectation(expectation[-1].value).dont_know:
            found["rtw_expectation_unknown"] = {"wave": expectation[-1].wave}
    # In the rule file's order, so the page reads the same for everybody.
    return tuple(
        Note(code, writer.render(texts, lambda lang, code=code: found[code]))
        for code, texts in rules.notes.items()
        if code in found
    )


def suggest(history: Sequence[WaveRecord], rules: RuleSet | None = None) -> Suggestion:
    """Suggest a follow-up intensity for one job seeker.

    Each measure's *latest* value is the one from the latest answered wave that has it; its
    *previous* value is from the answered wave before that which has it, its *first* value from
    the first. Changes count only at the rule set's ``[change].min_change`` (measurement error).
    The reasons, hints and basis notes say in plain words what the suggestion rests on.

    Parameters
    ----------
    history : sequence of WaveRecord
        One person's waves (any order; sorted T1–T4 here). May be empty.
    rules : RuleSet or None
        None means the packaged default rule set.

    Returns
    -------
    Suggestion
        Level, score (floored at 0), reasons in rule-file order, hints, basis notes, the rule
        set's version, the latest answered wave and the largest work-capacity fall counted.
    """
    rules = load_rule_set() if rules is None else rules
    state = _history(history)
    writer = _Writer(rules)
    reasons: list[Reason] = []
    largest_fall = 0
    for rule in rules.rules:
        if set(getattr(rule, "unless", ())) & {reason.code for reason in reasons}:
            continue
        reason = _REASONS[type(rule)](rule, state, writer)
        if reason is None or reason.points == 0:
            continue
        reasons.append(reason)
        if isinstance(rule, ChangeRule) and rule.measure == _CAPACITY and rule.direction == "fall":
            largest_fall = max(largest_fall, -reason.evidence[f"change_{rule.since}"])
    score = max(0, sum(reason.points for reason in reasons))
    present = {reason.code for reason in reasons} | _facts(state, rules)
    hints = tuple(
        Hint(hint.code, dict(hint.text))
        for hint in rules.hints
        if set(hint.all_of) <= present and (not hint.any_of or set(hint.any_of) & present)
    )
    return Suggestion(
        level=rules.level_for(score),
        score=score,
        reasons=tuple(reasons),
        hints=hints,
        basis=_notes(state, rules, writer),
        rule_set=rules.version,
        latest_wave=state.latest_wave,
        largest_fall=largest_fall,
    )


def measure_trends(history: Sequence[WaveRecord], rules: RuleSet | None = None) -> dict[str, MeasureTrend]:
    """The values :func:`suggest` reads, per measure, for showing them: the latest value with its
    wave and band, and the changes since the previous and the first answer.

    Parameters
    ----------
    history : sequence of WaveRecord
        One person's waves (any order).
    rules : RuleSet or None
        None means the packaged default rule set (bands and the threshold of a clear change).

    Returns
    -------
    dict
        Measure name to :class:`MeasureTrend`; a measure never answered is absent.
    """
    rules = load_rule_set() if rules is None else rules
    state = _history(history)
    writer = _Writer(rules)
    trends = {}
    for measure in MEASURES:
        series = state.series[measure]
        if not series:
            continue
        latest = series[-1]
        earlier = {}
        if len(series) > 1:
            for name, item in (("previous", series[-2]), ("first", series[0])):
                earlier[f"{name}_value"] = item.value
                earlier[f"{name}_wave"] = item.wave
                earlier[f"change_{name}"] = writer.change(measure, item, latest)
        trends[measure] = MeasureTrend(
            measure=measure,
            value=latest.value,
            wave=latest.wave,
            # The expected wait's own wording says more than its band.
            band=writer.band_name(measure, latest.value) if measure != _EXPECTATION else None,
            min_change=rules.min_change,
            **earlier,
        )
    return trends
