"""The questionnaire as immutable values.

The wording, codes and ranges come from a versioned definition file (see
:mod:`instruments.loading`); these classes only give them a shape and the few
look-ups every caller needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

LANGUAGES = ("nb", "en", "nn")
DEFAULT_LANGUAGE = "nb"
WAVES = ("T1", "T2", "T3", "T4")
KINDS = ("scale", "integer", "single", "multi", "yes_no")
# Kinds answered by picking options rather than by a number in a range.
CHOICE_KINDS = frozenset({"single", "multi", "yes_no"})

Texts = Mapping[str, str]
Code = int | str


def localize(texts: Texts | None, lang: str) -> str | None:
    """Return the text in `lang`, falling back to bokmål.

    Parameters
    ----------
    texts : mapping of language code to text, or None
    lang : str
        Wanted language; a language the text lacks falls back to ``nb``.

    Returns
    -------
    str or None
        None only when there is no text at all.
    """
    if not texts:
        return None
    return texts.get(lang) or texts.get(DEFAULT_LANGUAGE)


def check_wave(wave: str) -> None:
    """Raise ValueError unless `wave` is one of :data:`WAVES`."""
    if wave not in WAVES:
        raise ValueError(f"unknown wave {wave!r}; expected one of {', '.join(WAVES)}")


def _texts_dict(texts: Texts | None, lang: str | None) -> dict[str, str] | str | None:
    if texts is None:
        return None
    return dict(texts) if lang is None else localize(texts, lang)


@dataclass(frozen=True)
class Option:
    """One answer option of a choice item."""

    code: Code
    label: Texts

    def label_in(self, lang: str) -> str | None:
        """The option's label in `lang` (bokmål if missing)."""
        return localize(self.label, lang)

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready form; `lang` None keeps every language."""
        return {"code": self.code, "label": _texts_dict(self.label, lang)}


@dataclass(frozen=True)
class Condition:
    """An item is shown only when `item` was answered with `equals`."""

    item: str
    equals: Code

    def is_met(self, values: Mapping[str, Any]) -> bool:
        """Whether the answers in `values` (clean values by item id) satisfy the condition.

        Booleans never match a code: True is not the answer 1.
        """
        value = values.get(self.item)
        return not isinstance(value, bool) and value == self.equals

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"item": self.item, "equals": self.equals}


@dataclass(frozen=True)
class Section:
    """A page of the form, in the order the sections are listed."""

    id: str
    title: Texts
    intro: Texts

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready form without items; `lang` None keeps every language."""
        return {"id": self.id, "title": _texts_dict(self.title, lang), "intro": _texts_dict(self.intro, lang)}


@dataclass(frozen=True)
class Item:
    """One question.

    `kind` is one of :data:`KINDS`: ``scale`` (every integer point from `min` to
    `max` shown as a radio button), ``integer`` (a typed number within `min` and
    `max`), ``single`` / ``yes_no`` (one of `options`) or ``multi`` (several of
    `options`). `text` stands alone; `stem` is the shared lead-in of a group of
    items for forms that show the group as a grid.
    """

    id: str
    section: str
    kind: str
    text: Texts
    stem: Texts | None = None
    help: Texts | None = None
    min: int | None = None
    max: int | None = None
    anchors: Mapping[int, Texts] = field(default_factory=lambda: MappingProxyType({}))
    options: tuple[Option, ...] = ()
    waves: frozenset[str] = frozenset(WAVES)
    required: bool = False
    shown_if: Condition | None = None
    missing_codes: frozenset[Code] = frozenset()
    measure: str | None = None
    exclusive_codes: frozenset[Code] = frozenset()

    def applies(self, values: Mapping[str, Any]) -> bool:
        """Whether the item is asked, given the answers so far (its `shown_if` condition)."""
        return self.shown_if is None or self.shown_if.is_met(values)

    @property
    def is_choice(self) -> bool:
        """True when the answer is picked from `options`."""
        return self.kind in CHOICE_KINDS

    def label(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The question text in `lang`, falling back to bokmål."""
        return localize(self.text, lang) or ""

    def codes(self) -> tuple[Code, ...]:
        """Every allowed answer code, in display order."""
        if self.is_choice:
            return tuple(option.code for option in self.options)
        return tuple(range(self.min, self.max + 1))

    def option(self, code: Code) -> Option | None:
        """The option with `code`, or None."""
        return next((option for option in self.options if option.code == code), None)

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready form in the definition file's shape; `lang` None keeps every language."""
        codes = self.codes() if self.is_choice else ()
        return {
            "id": self.id,
            "kind": self.kind,
            "measure": self.measure,
            "stem": _texts_dict(self.stem, lang),
            "text": _texts_dict(self.text, lang),
            "help": _texts_dict(self.help, lang),
            "min": self.min,
            "max": self.max,
            # JSON object keys are strings; the definition file uses the same form.
            "anchors": {str(point): _texts_dict(texts, lang) for point, texts in sorted(self.anchors.items())},
            "options": [option.to_dict(lang) for option in self.options],
            "missing_codes": [code for code in codes if code in self.missing_codes],
            "exclusive_codes": [code for code in codes if code in self.exclusive_codes],
            "shown_if": None if self.shown_if is None else self.shown_if.to_dict(),
            "waves": [wave for wave in WAVES if wave in self.waves],
            "required": self.required,
        }


@dataclass(frozen=True)
class Instrument:
    """One version of the questionnaire: its sections and items in form order."""

    version: str
    languages: tuple[str, ...]
    sections: tuple[Section, ...]
    items: tuple[Item, ...]

    def item(self, item_id: str) -> Item:
        """The item with `item_id`; KeyError if there is none."""
        found = next((item for item in self.items if item.id == item_id), None)
        if found is None:
            raise KeyError(item_id)
        return found

    def items_for_wave(self, wave: str) -> tuple[Item, ...]:
        """The items asked at `wave`, in form order; ValueError for an unknown wave."""
        check_wave(wave)
        return tuple(item for item in self.items if wave in item.waves)

    def sections_for_wave(self, wave: str) -> tuple[Section, ...]:
        """The sections that have at least one item at `wave`."""
        used = {item.section for item in self.items_for_wave(wave)}
        return tuple(section for section in self.sections if section.id in used)

    def section_items(self, section_id: str, wave: str) -> tuple[Item, ...]:
        """The items of one section asked at `wave`; KeyError for an unknown section."""
        if all(section.id != section_id for section in self.sections):
            raise KeyError(section_id)
        return tuple(item for item in self.items_for_wave(wave) if item.section == section_id)

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """JSON-ready form with items nested in their sections.

        Parameters
        ----------
        lang : str or None
            None keeps every language (the definition file's shape, which
            :func:`instruments.loading.instrument_from_dict` reads back); a
            language code gives plain strings in that language instead.
        """
        return {
            "version": self.version,
            "languages": list(self.languages),
            "language": lang,
            "sections": [
                {**section.to_dict(lang), "items": [i.to_dict(lang) for i in self.items if i.section == section.id]}
                for section in self.sections
            ],
        }
