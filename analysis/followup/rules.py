"""The rule file: thresholds, points, levels, candidate settings and every text, with sources.

The file is TOML (``rules/followup-v1.toml`` is the packaged default and documents the format).
Loading checks it completely, so that a suggestion never fails half-way on a typo: unknown keys,
missing languages, overlapping bands and placeholders a rule cannot fill are all errors.
"""

from __future__ import annotations

import functools
import itertools
import os
import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from instruments import DEFAULT_LANGUAGE, LANGUAGES, UnknownInstrumentVersion, load_instrument
from instruments.scoring import RTWEXP_ITEM

from .model import MEASURES

DEFAULT_RULES = "followup-v1.toml"
FACTS = ("in_work",)
# The notes the code writes, each with the placeholders it fills in.
NOTE_FIELDS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "withdrawn": frozenset(),
        "no_answered_wave": frozenset(),
        "single_wave": frozenset({"wave"}),
        **{f"{measure}_not_answered": frozenset() for measure in MEASURES},
        **{f"{measure}_from_earlier_wave": frozenset({"wave", "latest_wave"}) for measure in MEASURES},
        "rtw_expectation_unknown": frozenset({"wave"}),
    }
)
_EXPECTATION = "rtw_expectation"
_EXPECTATION_FIELDS = frozenset({"expectation", "previous_expectation", "first_expectation"})
_TOP = "top level"

Texts = Mapping[str, str]


@dataclass(frozen=True)
class Band:
    """A band of a measure's latest value: from `low` up to `high` (inclusive) or `below` (exclusive)."""

    name: str
    low: float | None
    high: float | None
    below: float | None
    points: int
    label: Texts
    code: str | None
    text: Texts | None

    def contains(self, value: float) -> bool:
        """Whether `value` lies in this band."""
        if self.low is not None and value < self.low:
            return False
        if self.high is not None and value > self.high:
            return False
        return self.below is None or value < self.below


@dataclass(frozen=True)
class BandRule:
    """Points by band of the latest value of `measure`."""

    measure: str
    bands: tuple[Band, ...]
    source: str

    def band_of(self, value: float | None) -> Band | None:
        """The band holding `value`, None for None or a value in no band."""
        if value is None:
            return None
        return next((band for band in self.bands if band.contains(value)), None)


@dataclass(frozen=True)
class DontKnowRule:
    """Points when the latest expected-wait answer is "don't know"."""

    code: str
    measure: str
    points: int
    text: Texts
    source: str


@dataclass(frozen=True)
class GapRule:
    """Points for "feels able, expects a long wait"."""

    code: str
    min_work_capacity: int
    min_expected_wait: int
    points: int
    text: Texts
    source: str


@dataclass(frozen=True)
class ChangeRule:
    """Points when the latest value moved by at least the change threshold."""

    code: str
    measure: str
    direction: str
    since: str
    unless: tuple[str, ...]
    points: int
    text: Texts
    source: str


@dataclass(frozen=True)
class MissedRule:
    """Points when the latest `count` waves that are due were all missed."""

    code: str
    count: int
    unless: tuple[str, ...]
    points: int
    text: Texts
    source: str


Rule = BandRule | DontKnowRule | GapRule | ChangeRule | MissedRule


@dataclass(frozen=True)
class HintRule:
    """A hint shown when every code of `all_of` and one of `any_of` (if any) is present."""

    code: str
    all_of: tuple[str, ...]
    any_of: tuple[str, ...]
    text: Texts
    source: str


@dataclass(frozen=True)
class Level:
    """A suggestion level and the lowest score that reaches it."""

    name: str
    min_score: int


@dataclass(frozen=True)
class RuleSet:
    """A parsed, checked rule file; see ``rules/followup-v1.toml`` for the meaning of each part."""

    version: str
    title: str
    source: str
    languages: tuple[str, ...]
    decimal_separator: Texts
    list_and: Texts
    text_decimals: int
    evidence_decimals: int
    min_change: float
    change_source: str
    levels: tuple[Level, ...]
    rules: tuple[Rule, ...]
    hints: tuple[HintRule, ...]
    notes: Mapping[str, Texts]
    max_candidates: int
    candidate_min_level: str
    ranking_source: str
    in_work_expectation_codes: frozenset[int]
    expectation_labels: Mapping[int, Texts]

    @property
    def reason_codes(self) -> tuple[str, ...]:
        """Every reason code the rules can produce, in file order."""
        return tuple(code for rule in self.rules for code in _codes(rule))

    @property
    def hint_codes(self) -> tuple[str, ...]:
        """Every hint code, in file order."""
        return tuple(hint.code for hint in self.hints)

    @property
    def note_codes(self) -> tuple[str, ...]:
        """Every note code, in file order."""
        return tuple(self.notes)

    def level_for(self, score: int) -> str:
        """The highest level whose lowest score `score` reaches."""
        return [level.name for level in self.levels if level.min_score <= score][-1]

    def level_rank(self, name: str) -> int:
        """Position of level `name` from the lowest up.

        Raises
        ------
        ValueError
            If this rule set has no such level.
        """
        names = [level.name for level in self.levels]
        if name not in names:
            raise ValueError(f"rule set {self.version} has no level {name!r}; its levels are {', '.join(names)}")
        return names.index(name)

    def band_rule(self, measure: str) -> BandRule | None:
        """The band rule of `measure`, if the file has one."""
        return next((rule for rule in self.rules if isinstance(rule, BandRule) and rule.measure == measure), None)


def _codes(rule: Rule) -> tuple[str, ...]:
    if isinstance(rule, BandRule):
        return tuple(band.code for band in rule.bands if band.code is not None)
    return (rule.code,)


def load_rule_set(path: str | os.PathLike[str] | None = None) -> RuleSet:
    """Read and check a rule file.

    Parameters
    ----------
    path : str, path-like or None
        A TOML rule file; None means the packaged default (``rules/followup-v1.toml``), read
        once per process.

    Returns
    -------
    RuleSet

    Raises
    ------
    ValueError
        If the file is not valid TOML or breaks the rule-file format; the message names the file
        and the part at fault.
    OSError
        If the file cannot be read.
    """
    if path is None:
        return _default_rule_set()
    path = Path(path)
    return _parse(path.read_text(encoding="utf-8"), path.name)


@functools.cache
def _default_rule_set() -> RuleSet:
    text = resources.files(__package__).joinpath("rules").joinpath(DEFAULT_RULES).read_text(encoding="utf-8")
    return _parse(text, DEFAULT_RULES)


class _Table:
    """One TOML table read key by key, so that leftover (misspelt) keys can be reported."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise ValueError(f"{where} must be a table")
        self.data = data
        self.where = where
        self.seen: set[str] = set()

    def get(self, key: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
        self.seen.add(key)
        if key not in self.data:
            if required:
                raise ValueError(f"{self.where}: missing {key!r}")
            return None
        value = self.data[key]
        # TOML booleans are Python ints; a flag where a number belongs is a mistake.
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise ValueError(f"{self.where}: {key!r} must not be true/false")
        if not isinstance(value, kind):
            raise ValueError(f"{self.where}: {key!r} has the wrong type ({type(value).__name__})")
        return value

    def text(self, key: str) -> str:
        value = self.get(key, str)
        if not value.strip():
            raise ValueError(f"{self.where}: {key!r} must not be empty")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        values = self.get(key, list, required=False) or []
        if not all(isinstance(value, str) for value in values):
            raise ValueError(f"{self.where}: {key!r} must be a list of strings")
        return tuple(values)

    def table(self, key: str) -> _Table:
        return _Table(self.get(key, dict), self._child(key))

    def tables(self, key: str) -> list[_Table]:
        values = self.get(key, list)
        return [_Table(value, f"{self._child(key)}[{i}]") for i, value in enumerate(values)]

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise ValueError(f"{self.where}: unknown key(s) {', '.join(map(repr, unknown))}")

    def _child(self, key: str) -> str:
        return key if self.where == _TOP else f"{self.where}.{key}"


def _parse(text: str, origin: str) -> RuleSet:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"rule file {origin}: not valid TOML: {exc}") from exc
    try:
        return _rule_set(_Table(data, _TOP))
    except ValueError as exc:
        raise ValueError(f"rule file {origin}: {exc}") from exc


def _rule_set(top: _Table) -> RuleSet:
    languages = top.strings("languages")
    if DEFAULT_LANGUAGE not in languages or not set(languages) <= set(LANGUAGES):
        raise ValueError(f"languages must include {DEFAULT_LANGUAGE!r} and be among {', '.join(LANGUAGES)}")
    texts = _TextReader(languages)
    fmt = top.table("format")
    change = top.table("change")
    ranking = top.table("ranking")
    facts = top.table("facts")
    in_work = facts.table("in_work")
    levels = _levels(top.tables("levels"))
    rules = _rules(top.tables("rules"), texts)
    codes = [code for rule in rules for code in _codes(rule)]
    _unique("reason code", codes)
    hints = tuple(_hint(table, texts, set(codes) | set(FACTS)) for table in top.tables("hints"))
    notes = _notes(top.table("notes"), texts)
    _unique("hint code", [hint.code for hint in hints])
    rule_set = RuleSet(
        version=top.text("version"),
        title=top.text("title"),
        source=top.text("source"),
        languages=languages,
        decimal_separator=texts.read(fmt, "decimal_separator"),
        list_and=texts.read(fmt, "list_and"),
        text_decimals=_count(fmt, "text_decimals"),
        evidence_decimals=_count(fmt, "evidence_decimals"),
        min_change=_positive(change, "min_change"),
        change_source=change.text("source"),
        levels=levels,
        rules=rules,
        hints=hints,
        notes=notes,
        max_candidates=_count(ranking, "max_candidates"),
        candidate_min_level=ranking.text("candidate_min_level"),
        ranking_source=ranking.text("source"),
        in_work_expectation_codes=frozenset(_ints(in_work, "expectation_codes")),
        expectation_labels=_expectation_labels(top.text("instrument")),
    )
    in_work.text("source")
    rule_set.level_rank(rule_set.candidate_min_level)
    for table in (fmt, change, ranking, in_work, facts, top):
        table.done()
    return rule_set


class _TextReader:
    """Reads per-language texts and checks their placeholders."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        self.languages = languages

    def read(self, table: _Table, key: str, fields: frozenset[str] = frozenset()) -> Texts:
        raw = table.get(key, dict)
        where = f"{table.where}.{key}"
        if set(raw) != set(self.languages):
            raise ValueError(f"{where}: needs exactly the languages {', '.join(self.languages)}, has {', '.join(raw)}")
        for lang, template in raw.items():
            if not isinstance(template, str) or not template.strip():
                raise ValueError(f"{where}.{lang}: must be a non-empty string")
            try:
                parts = [part for part in string.Formatter().parse(template) if part[1] is not None]
            except ValueError as exc:
                raise ValueError(f"{where}.{lang}: broken template ({exc})") from exc
            # Values arrive formatted for the language, so a format spec could only fail later.
            if any(spec or conversion for _, _, spec, conversion in parts):
                raise ValueError(f"{where}.{lang}: placeholders take no format spec or conversion")
            used = {name for _, name, _, _ in parts}
            unknown = used - fields
            if unknown:
                allowed = ", ".join(sorted(fields)) or "none"
                raise ValueError(f"{where}.{lang}: unknown placeholder(s) {sorted(unknown)}; allowed here: {allowed}")
        return MappingProxyType({lang: raw[lang] for lang in self.languages})


def _levels(tables: list[_Table]) -> tuple[Level, ...]:
    levels = []
    for table in tables:
        levels.append(Level(table.text("name"), table.get("min_score", int)))
        table.done()
    scores = [level.min_score for level in levels]
    if not levels or scores[0] != 0 or any(b <= a for a, b in itertools.pairwise(scores)):
        raise ValueError("levels: the first level must start at min_score 0 and each next one higher")
    _unique("level name", [level.name for level in levels])
    return tuple(levels)


def _rules(tables: list[_Table], texts: _TextReader) -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for table in tables:
        kind = table.text("kind")
        reader = _RULE_READERS.get(kind)
        if reader is None:
            raise ValueError(f"{table.where}: unknown kind {kind!r}; expected one of {', '.join(_RULE_READERS)}")
        earlier = {code for rule in rules for code in _codes(rule)}
        rule = reader(table, texts, rules)
        for code in getattr(rule, "unless", ()):
            if code not in earlier:
                raise ValueError(f"{table.where}: 'unless' names {code!r}, which no earlier rule produces")
        table.done()
        rules.append(rule)
    return tuple(rules)


def _measure(table: _Table) -> str:
    measure = table.text("measure")
    if measure not in MEASURES:
        raise ValueError(f"{table.where}: unknown measure {measure!r}; expected one of {', '.join(MEASURES)}")
    return measure


def _band_rule(table: _Table, texts: _TextReader, earlier: list[Rule]) -> BandRule:
    measure = _measure(table)
    if any(isinstance(rule, BandRule) and rule.measure == measure for rule in earlier):
        raise ValueError(f"{table.where}: a second band rule for {measure}")
    fields = frozenset({"value", "band", "wave"}) | (frozenset({"expectation"}) if measure == _EXPECTATION else set())
    bands = tuple(_band(band, texts, fields) for band in table.tables("bands"))
    _unique(f"band name in {table.where}", [band.name for band in bands])
    ordered = sorted(bands, key=lambda band: band.low if band.low is not None else float("-inf"))
    for lower, upper in itertools.pairwise(ordered):
        end = lower.high if lower.high is not None else lower.below
        if end is None or upper.low is None or (end >= upper.low if lower.high is not None else end > upper.low):
            raise ValueError(f"{table.where}: bands {lower.name!r} and {upper.name!r} overlap")
    return BandRule(measure, bands, table.text("source"))


def _band(table: _Table, texts: _TextReader, fields: frozenset[str]) -> Band:
    number = (int, float)
    band = Band(
        name=table.text("name"),
        low=table.get("min", number, required=False),
        high=table.get("max", number, required=False),
        below=table.get("below", number, required=False),
        points=table.get("points", int),
        label=texts.read(table, "label"),
        code=table.get("code", str, required=False),
        text=texts.read(table, "text", fields) if "text" in table.data else None,
    )
    table.seen.add("text")
    if band.high is not None and band.below is not None:
        raise ValueError(f"{table.where}: give 'max' or 'below', not both")
    if band.low is not None and band.low > (band.high if band.high is not None else band.low):
        raise ValueError(f"{table.where}: 'min' is above 'max'")
    if band.points != 0 and (not band.code or band.text is None):
        raise ValueError(f"{table.where}: a band that scores needs a 'code' and a 'text'")
    table.done()
    return band


def _dont_know_rule(table: _Table, texts: _TextReader, earlier: list[Rule]) -> DontKnowRule:
    measure = _measure(table)
    if measure != _EXPECTATION:
        raise ValueError(f"{table.where}: 'dont_know' applies to {_EXPECTATION} only")
    fields = frozenset({"value", "wave", "expectation"})
    return DontKnowRule(
        table.text("code"), measure, table.get("points", int), texts.read(table, "text", fields), table.text("source")
    )


def _gap_rule(table: _Table, texts: _TextReader, earlier: list[Rule]) -> GapRule:
    fields = frozenset(
        {"work_capacity", "work_capacity_wave", "expectation", "expectation_wave", "expected_wait", "wave"}
    )
    return GapRule(
        code=table.text("code"),
        min_work_capacity=table.get("min_work_capacity", int),
        min_expected_wait=table.get("min_expected_wait", int),
        points=table.get("points", int),
        text=texts.read(table, "text", fields),
        source=table.text("source"),
    )


def _change_rule(table: _Table, texts: _TextReader, earlier: list[Rule]) -> ChangeRule:
    measure = _measure(table)
    direction, since = table.text("direction"), table.text("since")
    if direction not in ("fall", "rise") or since not in ("previous", "first"):
        raise ValueError(f"{table.where}: direction must be 'fall' or 'rise' and since 'previous' or 'first'")
    fields = {"value", "wave", "previous_value", "previous_wave", "first_value", "first_wave", "change"}
    if any(isinstance(rule, BandRule) and rule.measure == measure for rule in earlier):
        fields.add("band")
    if measure == _EXPECTATION:
        fields |= _EXPECTATION_FIELDS
    return ChangeRule(
        code=table.text("code"),
        measure=measure,
        direction=direction,
        since=since,
        unless=table.strings("unless"),
        points=table.get("points", int),
        text=texts.read(table, "text", frozenset(fields)),
        source=table.text("source"),
    )


def _missed_rule(table: _Table, texts: _TextReader, earlier: list[Rule]) -> MissedRule:
    count = table.get("count", int)
    if count < 1:
        raise ValueError(f"{table.where}: 'count' must be at least 1")
    return MissedRule(
        code=table.text("code"),
        count=count,
        unless=table.strings("unless"),
        points=table.get("points", int),
        text=texts.read(table, "text", frozenset({"wave", "waves", "count"})),
        source=table.text("source"),
    )


_RULE_READERS = {
    "band": _band_rule,
    "dont_know": _dont_know_rule,
    "gap": _gap_rule,
    "change": _change_rule,
    "missed": _missed_rule,
}


def _hint(table: _Table, texts: _TextReader, known: set[str]) -> HintRule:
    hint = HintRule(
        code=table.text("code"),
        all_of=table.strings("all_of"),
        any_of=table.strings("any_of"),
        text=texts.read(table, "text"),
        source=table.text("source"),
    )
    unknown = sorted(set(hint.all_of + hint.any_of) - known)
    if unknown or not hint.all_of + hint.any_of:
        raise ValueError(f"{table.where}: needs reason codes or facts ({', '.join(FACTS)}); unknown: {unknown}")
    table.done()
    return hint


def _notes(table: _Table, texts: _TextReader) -> Mapping[str, Texts]:
    missing = [code for code in NOTE_FIELDS if code not in table.data]
    unknown = sorted(set(table.data) - set(NOTE_FIELDS))
    if missing or unknown:
        raise ValueError(f"notes: missing {missing}, unknown {unknown}; the code writes {', '.join(NOTE_FIELDS)}")
    notes = {}
    for code in table.data:
        note = table.table(code)
        notes[code] = texts.read(note, "text", NOTE_FIELDS[code])
        note.done()
    table.done()
    return MappingProxyType(notes)


def _expectation_labels(version: str) -> Mapping[int, Texts]:
    try:
        instrument = load_instrument(version)
    except UnknownInstrumentVersion as exc:
        raise ValueError(f"instrument: {exc}") from exc
    item = next((item for item in instrument.items if item.id == RTWEXP_ITEM), None)
    if item is None:
        raise ValueError(f"instrument {version} has no item {RTWEXP_ITEM!r}")
    return MappingProxyType({option.code: option.label for option in item.options})


def _count(table: _Table, key: str) -> int:
    value = table.get(key, int)
    if value < 0:
        raise ValueError(f"{table.where}: {key!r} must not be negative")
    return value


def _positive(table: _Table, key: str) -> float:
    value = table.get(key, (int, float))
    if value <= 0:
        raise ValueError(f"{table.where}: {key!r} must be above zero")
    return value


def _ints(table: _Table, key: str) -> tuple[int, ...]:
    values = table.get(key, list)
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in values):
        raise ValueError(f"{table.where}: {key!r} must be a list of whole numbers")
    return tuple(values)


def _unique(what: str, values: list[str]) -> None:
    repeated = sorted({value for value in values if values.count(value) > 1})
    if repeated:
        raise ValueError(f"duplicate {what}(s): {', '.join(repeated)}")
