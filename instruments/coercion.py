"""Turning raw submitted values into whole numbers and option codes.

Values arrive from HTML forms (strings, lists of strings) or JSON (numbers,
booleans, null, lists, objects) and may be anything at all; these functions
never raise anything but :class:`InvalidValue`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from .model import Code

# Plain decimal notation only: ASCII digits, an optional sign and an optional
# all-zero fraction ("7", "+7", "7.0", "7,0" as Norwegians write it). Exponents,
# digit separators and non-ASCII digits, which int() and float() would accept,
# are not how people write a number into a form.
_DECIMAL = re.compile(r"([+-]?)([0-9]+)(?:[.,]([0-9]+))?")
# Longer numbers are out of every range; stopping here also keeps int() away
# from its limit on the length of digit strings.
_MAX_DIGITS = 18


class InvalidValue(Exception):
    """A submitted value cannot be an answer; `code` says why.

    Parameters
    ----------
    code : str
        An :class:`instruments.validation.ItemError` code.
    detail : int or str, optional
        The option code the problem is about, if any.
    """

    def __init__(self, code: str, detail: Code | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def is_blank(raw: Any) -> bool:
    """True for values that mean "no answer": None and whitespace-only text."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def present_values(raw: Any) -> list[Any]:
    """The non-blank values sent for one item; a lone value counts as one.

    Forms send repeated fields (checkboxes, or a stray duplicate) as a list, and
    a hidden empty field next to the real ones, hence blanks are dropped.
    """
    if isinstance(raw, (list, tuple)):
        return [value for value in raw if not is_blank(value)]
    return [] if is_blank(raw) else [raw]


def to_int(raw: Any) -> int:
    """Read a whole number from an int, an integral float or decimal text.

    Raises
    ------
    InvalidValue
        ``not_a_number`` (including booleans, NaN and infinity),
        ``not_an_integer`` (a fraction such as 7.5) or ``out_of_range``
        (more digits than any range allows).
    """
    if isinstance(raw, bool):
        # JSON true is not an answer of 1 on a scale.
        raise InvalidValue("not_a_number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise InvalidValue("not_a_number")
        if not raw.is_integer():
            raise InvalidValue("not_an_integer")
        return int(raw)
    if not isinstance(raw, str):
        raise InvalidValue("not_a_number")
    match = _DECIMAL.fullmatch(raw.strip())
    if match is None:
        raise InvalidValue("not_a_number")
    sign, digits, fraction = match.groups()
    if fraction and fraction.strip("0"):
        raise InvalidValue("not_an_integer")
    digits = digits.lstrip("0") or "0"
    if len(digits) > _MAX_DIGITS:
        raise InvalidValue("out_of_range")
    return int(sign + digits)


def to_code(raw: Any, codes: Sequence[Code]) -> Code:
    """Match a raw value to one of `codes` (all int or all str).

    Integer codes accept what :func:`to_int` accepts; string codes accept the
    code itself, surrounded by whitespace or not.

    Raises
    ------
    InvalidValue
        ``unknown_option`` for anything else.
    """
    if codes and isinstance(codes[0], str):
        candidate = raw.strip() if isinstance(raw, str) else None
    else:
        try:
            candidate = to_int(raw)
        except InvalidValue:
            candidate = None
    if candidate is None or candidate not in codes:
        raise InvalidValue("unknown_option")
    return candidate
