"""The words of paper mode in the job seeker's language: the questionnaire's page texts, the
cover letter that goes with a form and the reminder letter. This module translates and
formats; ``analysis/reports/paper_form.py`` lays out."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from analysis.reports.paper_form import PaperFormTexts
from survey_app.i18n import N_, format_list, format_long_date, gettext
from survey_app.services.calendar import last_answer_day
from survey_app.services.studies import StudyConfig

if TYPE_CHECKING:
    from survey_app.services.paper_forms import PaperWave


def form_texts(language: str) -> PaperFormTexts:
    """The words around the questions on the printed questionnaire."""

    def _(message: str) -> str:
        return gettext(language, message)

    return PaperFormTexts(
        title=_("Questionnaire about work and coping"),
        study_id=_("Study ID"),
        wave=_("Wave"),
        page=_("Page"),
        tick_one=_("Tick one box."),
        tick_any=_("Tick every box that fits."),
        write_number=_("Write the number in the boxes, one digit in each."),
        only_if=_("Answer only if you answered «{answer}» to «{question}»."),
        end=_(
            "Thank you for answering! Put the form in the prepaid envelope and post it. "
            "The questions you skipped stay unanswered; nobody will ask you about them."
        ),
    )


FORM_INTRO = N_(
    "Here is questionnaire {number} of {count} in the study «{study}». It has questions about work, how you see "
    "your own work capacity, and what you expect. It takes about ten minutes. You may skip any question you do not "
    "want to answer."
)
REMINDER_INTRO = N_(
    "Some time ago we sent you questionnaire {number} of {count} in the study «{study}», and we have not received "
    "it yet. If you have already posted it: thank you, and please disregard this letter."
)
FORM_DEADLINE = N_("Please post the form in the prepaid envelope by {deadline}.")
REMINDER_DEADLINE = N_(
    "If you still have the form, please fill it in and post it in the prepaid envelope by {deadline}. If you need a "
    "new form, tell your job specialist or the contact person below, and we will send you one."
)
WITHDRAW = N_(
    "Taking part is voluntary. You can leave the study at any time without giving a reason: tell your job specialist "
    "or the contact person below. Nothing more will be sent to you, and leaving does not change the help you get "
    "from NAV."
)


def letter_paragraphs(
    kind: str, number: int, name: str, wave: PaperWave, study: StudyConfig, now: dt.datetime
) -> tuple[str, ...]:
    """The cover letter of a form (``kind="form"``) or reminder letter ``number``: date,
    greeting, what it is, the deadline, how to withdraw, whom to ask, and who sends it."""
    language = wave.language

    def _(message: str) -> str:
        return gettext(language, message)

    position = {
        "number": study.wave_labels.index(wave.wave_label) + 1 if wave.wave_label in study.wave_labels else 1,
        "count": len(study.wave_labels),
        "study": study.name,
    }
    deadline = format_long_date(last_answer_day(wave.closes_at, study.timezone), language)
    contact = [part for part in (study.contact_name, study.contact_email, study.contact_phone) if part]
    intro, ask = (FORM_INTRO, FORM_DEADLINE) if kind == "form" else (REMINDER_INTRO, REMINDER_DEADLINE)
    return (
        format_long_date(now, language),
        _("Hello {name},").format(name=name),
        _(intro).format(**position),
        _(ask).format(deadline=deadline),
        _(WITHDRAW),
        _("Questions about the study? Contact {contact}.").format(contact=format_list(contact, language))
        if contact
        else _("Questions about the study? Ask your job specialist."),
        _("Best regards,") + " " + (study.sender_name or study.name),
    )
