"""A plain-text listing of a questionnaire, for the command line and for review.

Question texts are shown in the chosen language; the structure around them
(kinds, waves, conditions) is in English, as it is read by staff and
researchers rather than by job seekers.
"""

from __future__ import annotations

from .model import DEFAULT_LANGUAGE, WAVES, Instrument, Item, localize

_KIND_NAMES = {"single": "single choice", "multi": "multiple choice", "yes_no": "yes/no"}


def describe(instrument: Instrument, lang: str = DEFAULT_LANGUAGE) -> str:
    """List the sections and items of `instrument` with their ranges, codes and conditions.

    Parameters
    ----------
    instrument : Instrument
    lang : str
        Language of the question texts (bokmål where a text lacks it).

    Returns
    -------
    str
        Several lines of text, ending in a newline.
    """
    lines = [f"Questionnaire {instrument.version} ({lang})"]
    for section in instrument.sections:
        lines += ["", f"== {localize(section.title, lang)} [{section.id}] =="]
        if intro := localize(section.intro, lang):
            lines.append(intro)
        for item in instrument.items:
            if item.section == section.id:
                lines += ["", *_describe_item(item, lang)]
    return "\n".join(lines) + "\n"


def _describe_item(item: Item, lang: str) -> list[str]:
    kind = _KIND_NAMES.get(item.kind) or f"{item.kind} {item.min}–{item.max}"
    facts = [kind, "waves " + " ".join(wave for wave in WAVES if wave in item.waves)]
    facts.append("required" if item.required else "optional")
    if item.measure:
        facts.append(f"measure {item.measure}")
    if item.shown_if is not None:
        facts.append(f"only if {item.shown_if.item} = {item.shown_if.equals}")
    lines = [f"{item.id}: {'; '.join(facts)}"]
    if item.stem:
        lines.append(f"  stem: {localize(item.stem, lang)}")
    lines.append(f"  {item.label(lang)}")
    if item.help:
        lines.append(f"  ({localize(item.help, lang)})")
    lines += [f"    {point} = {localize(texts, lang)}" for point, texts in sorted(item.anchors.items())]
    for option in item.options:
        marks = [
            name
            for name, codes in (("missing", item.missing_codes), ("exclusive", item.exclusive_codes))
            if option.code in codes
        ]
        suffix = f"  [{', '.join(marks)}]" if marks else ""
        lines.append(f"    {option.code} = {option.label_in(lang)}{suffix}")
    return lines
