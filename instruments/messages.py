"""What a job seeker reads when an answer cannot be saved, in nb, en and nn.

Plain words for readers with reading difficulties: say what to do, never what
went wrong inside the system. A key ``"<code>.<kind>"`` overrides ``"<code>"``
for one item kind (a typed number is written, a scale point is chosen).
Placeholders: ``{min}``, ``{max}``, ``{option}`` (an option label),
``{question}`` and ``{answer}`` (the question and answer an item depends on).
"""

from __future__ import annotations

from typing import Any

from .model import DEFAULT_LANGUAGE

MESSAGES: dict[str, dict[str, str]] = {
    "nb": {
        "required": "Du må svare på dette spørsmålet.",
        "not_a_number": "Svaret må være et tall fra {min} til {max}.",
        "not_an_integer": "Skriv et helt tall uten desimaler, fra {min} til {max}.",
        "out_of_range": "Velg et tall fra {min} til {max}.",
        "out_of_range.integer": "Skriv et tall fra {min} til {max}.",
        "unknown_option": "Velg blant svarene som står her.",
        "too_many_values": "Velg bare ett svar.",
        "exclusive_option": "Du kan ikke velge «{option}» sammen med andre svar. "
        "Ta bort «{option}» eller de andre svarene.",
        "not_applicable": "Dette spørsmålet gjelder bare når svaret på «{question}» er «{answer}». "
        "Ta bort svaret her, eller endre svaret på det spørsmålet.",
    },
    "en": {
        "required": "Please answer this question.",
        "not_a_number": "The answer must be a number from {min} to {max}.",
        "not_an_integer": "Write a whole number without decimals, from {min} to {max}.",
        "out_of_range": "Choose a number from {min} to {max}.",
        "out_of_range.integer": "Write a number from {min} to {max}.",
        "unknown_option": "Choose from the answers shown here.",
        "too_many_values": "Choose only one answer.",
        "exclusive_option": "You cannot choose “{option}” together with other answers. "
        "Remove “{option}” or the other answers.",
        "not_applicable": "This question only applies if your answer to “{question}” is “{answer}”. "
        "Remove your answer here, or change your answer to that question.",
    },
    "nn": {
        "required": "Du må svare på dette spørsmålet.",
        "not_a_number": "Svaret må vere eit tal frå {min} til {max}.",
        "not_an_integer": "Skriv eit heilt tal utan desimalar, frå {min} til {max}.",
        "out_of_range": "Vel eit tal frå {min} til {max}.",
        "out_of_range.integer": "Skriv eit tal frå {min} til {max}.",
        "unknown_option": "Vel blant svara som står her.",
        "too_many_values": "Vel berre eitt svar.",
        "exclusive_option": "Du kan ikkje velje «{option}» saman med andre svar. "
        "Ta bort «{option}» eller dei andre svara.",
        "not_applicable": "Dette spørsmålet gjeld berre når svaret på «{question}» er «{answer}». "
        "Ta bort svaret her, eller endre svaret på det spørsmålet.",
    },
}


def message(code: str, kind: str, lang: str, **params: Any) -> str:
    """The message for error `code` on an item of `kind`, in `lang` (bokmål if unknown).

    Parameters
    ----------
    code : str
        An error code such as ``out_of_range``.
    kind : str
        The item's kind, for kind-specific wording.
    lang : str
        Language code; anything unknown falls back to ``nb``.
    **params
        Values for the placeholders; unused ones are ignored.
    """
    table = MESSAGES.get(lang, MESSAGES[DEFAULT_LANGUAGE]) if isinstance(lang, str) else MESSAGES[DEFAULT_LANGUAGE]
    return table.get(f"{code}.{kind}", table[code]).format(**params)
