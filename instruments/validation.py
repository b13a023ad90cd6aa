"""Checking submitted answers against the questionnaire.

Every item is voluntary unless the definition marks it required, so an empty
answer is recorded as skipped (value None), never as 0. Whatever a client
sends, the result is clean answers and friendly per-item errors, not an
exception.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .coercion import InvalidValue, present_values, to_code, to_int
from .messages import message
from .model import DEFAULT_LANGUAGE, Code, Instrument, Item

CleanValue = int | tuple[Code, ...] | None

# Marks a condition item whose answer has an error of its own: whether the
# items depending on it apply is then unknown, so they are judged as shown
# rather than burying the real problem under "does not apply" errors.
_UNSETTLED = object()


@dataclass(frozen=True)
class CleanAnswer:
    """An accepted answer: an int, a tuple of option codes (multi), or None when skipped."""

    item_id: str
    value: CleanValue
    skipped: bool


@dataclass(frozen=True)
class ItemError:
    """Why an answer was not accepted: a stable `code` and a `message` for the job seeker."""

    item_id: str
    code: str
    message: str


@dataclass(frozen=True)
class ValidationResult:
    """Clean answers and errors, each keyed by item id."""

    answers: dict[str, CleanAnswer]
    errors: dict[str, ItemError]

    @property
    def ok(self) -> bool:
        """True when no item has an error."""
        return not self.errors

    @property
    def values(self) -> dict[str, CleanValue]:
        """The clean values by item id (None for skipped), e.g. for scoring or as `context`."""
        return {item_id: answer.value for item_id, answer in self.answers.items()}


def validate_answers(
    instrument: Instrument,
    submitted: Mapping[str, Any],
    *,
    wave: str,
    lang: str = DEFAULT_LANGUAGE,
    item_ids: Iterable[str] | None = None,
    context: Mapping[str, Any] | None = None,
) -> ValidationResult:
    """Validate one submission for one wave.

    Parameters
    ----------
    instrument : Instrument
    submitted : mapping
        Raw values by item id, as a form or JSON body delivers them; repeated
        form fields must be passed as a list. Other keys are ignored.
    wave : str
        ``"T1"`` … ``"T4"``; only the items of that wave are considered.
    lang : str
        Language of the error messages; unknown languages get bokmål.
    item_ids : iterable of str, optional
        Consider only these items (one page of the form).
    context : mapping, optional
        Clean values saved earlier, for conditions on items not in this submission.

    Returns
    -------
    ValidationResult
        Each considered item is in `answers` or in `errors`, except an item
        whose condition is not met and that was left empty: it is in neither.

    Raises
    ------
    ValueError
        For an unknown wave, or an item id not asked at that wave.
    """
    items = _considered(instrument, wave, item_ids)
    known: dict[str, Any] = dict(context or {})
    answers: dict[str, CleanAnswer] = {}
    errors: dict[str, ItemError] = {}
    for item in items:
        raw = submitted.get(item.id)
        if item.shown_if is not None and known.get(item.shown_if.item) is not _UNSETTLED and not item.applies(known):
            known[item.id] = None
            if present_values(raw):
                errors[item.id] = _error(instrument, item, "not_applicable", lang)
            continue
        try:
            value = _clean(item, raw)
            if value is None and item.required:
                raise InvalidValue("required")
        except InvalidValue as problem:
            errors[item.id] = _error(instrument, item, problem.code, lang, problem.detail)
            known[item.id] = _UNSETTLED
            continue
        answers[item.id] = CleanAnswer(item.id, value, value is None)
        known[item.id] = value
    return ValidationResult(answers, errors)


def _considered(instrument: Instrument, wave: str, item_ids: Iterable[str] | None) -> tuple[Item, ...]:
    items = instrument.items_for_wave(wave)
    if item_ids is None:
        return items
    wanted = set(item_ids)
    unknown = wanted - {item.id for item in items}
    if unknown:
        raise ValueError(f"items not asked at {wave}: {', '.join(sorted(unknown))}")
    return tuple(item for item in items if item.id in wanted)


def _clean(item: Item, raw: Any) -> CleanValue:
    values = present_values(raw)
    if not values:
        return None
    codes = item.codes() if item.is_choice else ()
    if item.kind == "multi":
        chosen = {to_code(value, codes) for value in values}
        exclusive = next((code for code in codes if code in chosen and code in item.exclusive_codes), None)
        if exclusive is not None and len(chosen) > 1:
            raise InvalidValue("exclusive_option", exclusive)
        return tuple(code for code in codes if code in chosen)
    if len(values) > 1:
        raise InvalidValue("too_many_values")
    if item.is_choice:
        return to_code(values[0], codes)
    number = to_int(values[0])
    if not item.min <= number <= item.max:
        raise InvalidValue("out_of_range")
    return number


def _error(instrument: Instrument, item: Item, code: str, lang: str, detail: Code | None = None) -> ItemError:
    params: dict[str, Any] = {"min": item.min, "max": item.max}
    if detail is not None and (option := item.option(detail)) is not None:
        params["option"] = option.label_in(lang)
    if item.shown_if is not None:
        target = instrument.item(item.shown_if.item)
        answer = target.option(item.shown_if.equals)
        params["question"] = target.label(lang)
        params["answer"] = answer.label_in(lang) if answer is not None else item.shown_if.equals
    return ItemError(item.id, code, message(code, item.kind, lang, **params))
