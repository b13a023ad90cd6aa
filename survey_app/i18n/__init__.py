"""UI strings (gettext catalogues, message ids in English) and Norwegian date formats.

The catalogues are the ``.po`` files under ``locale/``; they are compiled in memory when first
used, so a translator edits one text file and no build step can be forgotten. ``en`` needs no
catalogue: its texts are the message ids.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Iterable
from importlib import resources
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_format_date
from babel.lists import format_list as _babel_format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("nb", "nn", "en")
DEFAULT_LANGUAGE = "nb"
LANGUAGE_NAMES = {"nb": "Norsk (bokmål)", "nn": "Norsk (nynorsk)", "en": "English"}
OSLO = ZoneInfo("Europe/Oslo")
_BABEL_LOCALES = {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated later, where the language is known."""
    return message


def normalise_language(value: object) -> str | None:
    """``"nb"``, ``"nn"`` or ``"en"`` for a language code such as ``"en-GB"``, else None."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    if code == "no":
        return "nb"
    return code if code in LANGUAGES else None


def negotiate(candidates: Iterable[object], default: str = DEFAULT_LANGUAGE) -> str:
    """The first supported language among ``candidates`` (query, cookie, profile, header)."""
    for candidate in candidates:
        language = normalise_language(candidate)
        if language:
            return language
    return default


def accept_language_codes(header: str | None) -> list[str]:
    """Language codes of an ``Accept-Language`` header, best first."""
    if not header:
        return []
    weighted = []
    for position, part in enumerate(header.split(",")):
        code, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, position, code.strip()))
    return [code for _, _, code in sorted(weighted) if code]


@functools.cache
def translations(language: str) -> NullTranslations:
    """The gettext catalogue for ``language`` (``en`` and unknown codes: the message ids)."""
    if language == "en" or language not in LANGUAGES:
        return NullTranslations()
    po_file = resources.files(__package__) / "locale" / language / "LC_MESSAGES" / "messages.po"
    with po_file.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)


def format_list(items: Iterable[object], language: str = DEFAULT_LANGUAGE) -> str:
    """``3, 12 og 18`` (nb, nn) or ``3, 12 and 18`` (en)."""
    return _babel_format_list([str(item) for item in items], locale=_BABEL_LOCALES.get(language, "nb_NO"))


def format_date(value: dt.date | dt.datetime | None) -> str:
    """``02.11.2026``: the numeric date as it is written in Norway, whatever the UI language."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(OSLO).date()
    return value.strftime("%d.%m.%Y")


def format_long_date(value: dt.date | dt.datetime | None, language: str = DEFAULT_LANGUAGE) -> str:
    """``2. november 2026`` (nb, nn) or ``2 November 2026`` (en)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(OSLO).date()
    return _babel_format_date(value, "long", locale=_BABEL_LOCALES.get(language, "nb_NO"))


def format_datetime(value: dt.datetime | None, language: str = DEFAULT_LANGUAGE) -> str:
    """``02.11.2026 kl. 14.05`` in Norwegian, ``02.11.2026 14:05`` in English (Oslo time)."""
    if value is None:
        return ""
    local = value.astimezone(OSLO)
    if language == "en":
        return local.strftime("%d.%m.%Y %H:%M")
    return local.strftime("%d.%m.%Y kl. %H.%M")
