"""Every UI string in the code and templates has a bokmål and a nynorsk translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from survey_app import i18n

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "survey_app" / "i18n" / "locale"


def _source_messages() -> set[str]:
    with open(ROOT / "survey_app" / "i18n" / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _, _, message, _, _ in extract_from_dir(
        str(ROOT), method_map, options_map, keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.fixture(scope="module")
def source_messages() -> set[str]:
    messages = _source_messages()
    assert len(messages) > 150  # the extraction itself works
    return messages


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_every_ui_string_is_translated(language, source_messages):
    with open(LOCALE / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog: Catalog = read_po(handle, locale=language)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if all(strings) and not message.fuzzy:
            translated[key] = strings
    missing = sorted(source_messages - set(translated))
    assert missing == [], f"untranslated in {language} (run scripts/update-catalogs): {missing}"
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert problems == []


def test_catalogue_is_used_at_runtime():
    assert i18n.gettext("nb", "Log in") != "Log in"
    assert i18n.gettext("nn", "Log in") != "Log in"
    assert i18n.gettext("en", "Log in") == "Log in"
    assert i18n.gettext("nb", "Skip this question") == "Hopp over dette spørsmålet"


def test_language_negotiation():
    assert i18n.negotiate(["de", None, "en-GB"]) == "en"
    assert i18n.negotiate(["no"]) == "nb"
    assert i18n.negotiate([]) == "nb"
    assert i18n.accept_language_codes("en;q=0.5, nn-NO, nb;q=0.9") == ["nn-NO", "nb", "en"]


def test_norwegian_date_formats():
    import datetime as dt

    moment = dt.datetime(2026, 7, 1, 12, 5, tzinfo=dt.UTC)
    assert i18n.format_date(moment) == "01.07.2026"
    assert i18n.format_datetime(moment, "nb") == "01.07.2026 kl. 14.05"
    assert i18n.format_datetime(moment, "en") == "01.07.2026 14:05"
    assert i18n.format_long_date(dt.date(2026, 11, 2), "nb") == "2. november 2026"
