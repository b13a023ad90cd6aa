"""Names of stored codes as people read them (English msgids, translated where shown).

One source for the pages (``labels.html`` reads these) and the PDF, so a programme or a
wave state is called the same everywhere.
"""

from __future__ import annotations

from survey_app.i18n import N_

PROGRAMMES = {
    "utvidet_oppfolging": N_("Extended follow-up"),
    "kvp": N_("Qualification programme (KVP)"),
    "external": N_("External provider"),
}
WAVE_STATES = {
    "not_yet_open": N_("Not yet open"),
    "open": N_("Open, invitation not sent"),
    "invited": N_("Invited"),
    "in_progress": N_("Started"),
    "answered": N_("Answered"),
    "missed": N_("Missed"),
    "withdrawn": N_("Withdrawn"),
}
BANDS = {"poor": N_("poor"), "moderate": N_("moderate"), "good": N_("good"), "excellent": N_("excellent")}
# The follow-up rule set's bands of the coping-beliefs mean.
COPING_BANDS = {"low": N_("low"), "moderate": N_("moderate"), "high": N_("high")}
MEASURES = {
    "work_capacity": N_("Work capacity"),
    "coping_beliefs": N_("Coping beliefs"),
    "rtw_expectation": N_("Expected time until work"),
}
LEVELS = {
    "standard": N_("Standard follow-up"),
    "increased": N_("Increased follow-up"),
    "intensive": N_("Intensive follow-up"),
}
