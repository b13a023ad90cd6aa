"""Follow-up intensity suggestion: a transparent, versioned rule set over a job seeker's waves.

:func:`suggest` turns one person's wave history into a level (``standard``, ``increased``,
``intensive``), a score and the reasons in plain words with their evidence, hints for what to do
next, and notes on what the suggestion rests on. :func:`rank` orders a caseload and marks the two
or three candidates for close follow-up with a workplace mentor. :func:`suggest_panel` does it for
a whole long-format panel.

Every threshold, weight, level limit, candidate setting and text lives in the rule file
(``rules/followup-v1.toml``, with a source for each rule); :func:`load_rule_set` reads it, or
another file a study team has tuned. A suggestion is a starting point for the conversation with
the job seeker; the specialist decides, with them.
"""

from .model import Change, Hint, MeasureTrend, Note, Reason, Suggestion, WaveRecord
from .panel import histories_from_long, suggest_panel
from .ranking import Ranked, RankInput, rank
from .rules import RuleSet, load_rule_set
from .suggest import measure_trends, suggest

__all__ = [
    "Change",
    "Hint",
    "MeasureTrend",
    "Note",
    "RankInput",
    "Ranked",
    "Reason",
    "RuleSet",
    "Suggestion",
    "WaveRecord",
    "histories_from_long",
    "load_rule_set",
    "measure_trends",
    "rank",
    "suggest",
    "suggest_panel",
]
