"""Reading versioned questionnaire definitions shipped as package data.

A study changes wording by adding a new definition file, never by editing code;
answers record the version they were given under, so old versions stay loadable.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

from .model import DEFAULT_LANGUAGE, KINDS, LANGUAGES, WAVES, Condition, Instrument, Item, Option, Section, Texts

CURRENT_VERSION = "mestring-2026.1"
_SUFFIX = ".json"


class UnknownInstrumentVersion(LookupError):
    """No definition file exists for the requested version."""


class DefinitionError(ValueError):
    """A definition file is malformed or inconsistent."""


def _definitions() -> Any:
    return resources.files(__package__).joinpath("definitions")


@functools.cache
def available_versions() -> tuple[str, ...]:
    """The versions with a definition file, sorted (files are read once per process)."""
    names = (entry.name for entry in _definitions().iterdir())
    return tuple(sorted(name.removesuffix(_SUFFIX) for name in names if name.endswith(_SUFFIX)))


def load_instrument(version: str | None = None) -> Instrument:
    """Load a questionnaire version (cached).

    Parameters
    ----------
    version : str or None
        E.g. ``"mestring-2026.1"``; None means :data:`CURRENT_VERSION`.

    Raises
    ------
    UnknownInstrumentVersion
        If there is no definition for `version`.
    DefinitionError
        If the definition file is inconsistent.
    """
    version = CURRENT_VERSION if version is None else version
    # Checking against the listing first also keeps a crafted version string from
    # naming a path outside the definitions folder.
    if version not in available_versions():
        raise UnknownInstrumentVersion(f"no questionnaire definition for version {version!r}")
    return _load(version)


@functools.cache
def _load(version: str) -> Instrument:
    text = _definitions().joinpath(version + _SUFFIX).read_text(encoding="utf-8")
    instrument = instrument_from_dict(json.loads(text))
    if instrument.version != version:
        raise DefinitionError(f"file {version}{_SUFFIX} declares version {instrument.version!r}")
    return instrument


def instrument_from_dict(data: Mapping[str, Any]) -> Instrument:
    """Build and check an instrument from its definition (the JSON file's shape).

    Raises
    ------
    DefinitionError
        If a field is missing or the definition is inconsistent.
    """
    try:
        sections, items = [], []
        for raw_section in data["sections"]:
            section = Section(raw_section["id"], _texts(raw_section["title"]), _texts(raw_section.get("intro") or {}))
            sections.append(section)
            items.extend(_item(raw, section.id) for raw in raw_section["items"])
        instrument = Instrument(str(data["version"]), tuple(data["languages"]), tuple(sections), tuple(items))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DefinitionError(f"malformed questionnaire definition: {exc!r}") from exc
    _check(instrument)
    return instrument


def _texts(raw: Mapping[str, str]) -> Texts:
    # Read-only, because loaded instruments are cached and shared by every caller.
    return MappingProxyType({str(lang): str(text) for lang, text in raw.items()})


def _item(raw: Mapping[str, Any], section: str) -> Item:
    shown_if = raw.get("shown_if")
    return Item(
        id=raw["id"],
        section=section,
        kind=raw["kind"],
        text=_texts(raw["text"]),
        stem=_texts(raw["stem"]) if raw.get("stem") else None,
        help=_texts(raw["help"]) if raw.get("help") else None,
        min=raw.get("min"),
        max=raw.get("max"),
        anchors=MappingProxyType({int(point): _texts(t) for point, t in (raw.get("anchors") or {}).items()}),
        options=tuple(Option(option["code"], _texts(option["label"])) for option in raw.get("options") or ()),
        waves=frozenset(raw["waves"]),
        required=raw["required"],
        shown_if=None if shown_if is None else Condition(shown_if["item"], shown_if["equals"]),
        missing_codes=frozenset(raw.get("missing_codes") or ()),
        measure=raw.get("measure"),
        exclusive_codes=frozenset(raw.get("exclusive_codes") or ()),
    )


def _check(instrument: Instrument) -> None:
    problems = list(_problems(instrument))
    if problems:
        raise DefinitionError(f"questionnaire {instrument.version}: " + "; ".join(problems))


def _problems(instrument: Instrument) -> Iterator[str]:
    if not set(instrument.languages) <= set(LANGUAGES) or DEFAULT_LANGUAGE not in instrument.languages:
        yield f"languages {instrument.languages} must include {DEFAULT_LANGUAGE} and be among {LANGUAGES}"
    section_ids = [section.id for section in instrument.sections]
    if len(set(section_ids)) != len(section_ids):
        yield "duplicate section ids"
    for section in instrument.sections:
        yield from _missing_languages(instrument, section.id, (section.title, section.intro))
    earlier: dict[str, Item] = {}
    for item in instrument.items:
        if item.id in earlier:
            yield f"duplicate item id {item.id}"
        yield from (f"{item.id}: {problem}" for problem in _item_problems(item, earlier))
        texts = (item.text, item.stem, item.help, *item.anchors.values(), *(o.label for o in item.options))
        yield from _missing_languages(instrument, item.id, texts)
        earlier[item.id] = item


def _missing_languages(instrument: Instrument, owner: str, texts: tuple[Texts | None, ...]) -> Iterator[str]:
    for text in texts:
        missing = [lang for lang in instrument.languages if text is not None and not text.get(lang)]
        if missing:
            yield f"{owner}: text missing in {', '.join(missing)}"


def _item_problems(item: Item, earlier: Mapping[str, Item]) -> Iterator[str]:
    if item.kind not in KINDS:
        yield f"unknown kind {item.kind!r}"
        return
    if not item.waves or not item.waves <= set(WAVES):
        yield f"waves {sorted(item.waves)} must be a non-empty subset of {WAVES}"
    if not isinstance(item.required, bool):
        yield "required must be true or false"
    if item.is_choice:
        codes = [option.code for option in item.options]
        if not codes or len(set(codes)) != len(codes):
            yield "options must be present and have distinct codes"
        # One code type per item, so a submitted value is compared with one kind of code.
        if len({type(code) for code in codes}) > 1 or any(type(code) not in (int, str) for code in codes):
            yield "option codes must be all integers or all strings"
        if item.kind == "yes_no" and set(codes) != {0, 1}:
            yield "a yes_no item has the codes 1 and 0"
    elif not (type(item.min) is int and type(item.max) is int and item.min <= item.max) or item.options:
        yield "a scale or integer item needs integer min <= max and no options"
    elif not set(item.anchors) <= set(item.codes()):
        yield "anchors must lie within min and max"
    if not (item.missing_codes | item.exclusive_codes) <= set(item.codes() if item.is_choice else ()):
        yield "missing and exclusive codes must be option codes"
    condition = item.shown_if
    if condition is not None:
        # Only earlier items, so one pass in form order can judge every condition.
        target = earlier.get(condition.item)
        if target is None or not target.is_choice or condition.equals not in target.codes():
            yield f"shown_if must name an earlier choice item and one of its codes: {condition}"
