"""The mestring questionnaire (T1–T4) as data, with validation and scoring.

Standard library only, and nothing else of ours: the web app, the scheduler
and the analyses all build on this package.
"""

from .describe import describe
from .loading import (
    CURRENT_VERSION,
    DefinitionError,
    UnknownInstrumentVersion,
    available_versions,
    instrument_from_dict,
    load_instrument,
)
from .model import DEFAULT_LANGUAGE, LANGUAGES, WAVES, Condition, Instrument, Item, Option, Section, localize
from .scoring import (
    RtwExpectation,
    WaveScores,
    coping_beliefs_score,
    rtw_expectation,
    score_wave,
    work_capacity_band,
)
from .validation import CleanAnswer, ItemError, ValidationResult, validate_answers

__all__ = [
    "CURRENT_VERSION",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "WAVES",
    "CleanAnswer",
    "Condition",
    "DefinitionError",
    "Instrument",
    "Item",
    "ItemError",
    "Option",
    "RtwExpectation",
    "Section",
    "UnknownInstrumentVersion",
    "ValidationResult",
    "WaveScores",
    "available_versions",
    "coping_beliefs_score",
    "describe",
    "instrument_from_dict",
    "load_instrument",
    "localize",
    "rtw_expectation",
    "score_wave",
    "validate_answers",
    "work_capacity_band",
]  # fmt: skip
