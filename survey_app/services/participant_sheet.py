"""The one-page PDF for a meeting with a job seeker: scores per wave, the chart, the
suggestion with its reasons and hints, the date and the specialist. It holds what the
specialist's page shows and nothing more (no contact details, no answers beyond the three
measures, never a draft)."""

from __future__ import annotations

from analysis.reports.participant_sheet import SheetData, SheetWaveRow, participant_sheet_pdf
from instruments import load_instrument
from survey_app.i18n import N_, code_labels, format_date, gettext
from survey_app.services.calendar import utcnow
from survey_app.services.caseload import ParticipantDetail
from survey_app.services.staff import StaffPrincipal
from survey_app.services.studies import StudyConfig
from survey_app.services.trajectory import chart_description, chart_texts, trajectory_points

DISCLAIMER = N_(
    "The suggestion is a starting point for the conversation with the job seeker, not a decision. "
    "Work capacity depends on the job and the workplace; you decide together with the job seeker."
)


def participant_sheet(detail: ParticipantDetail, study: StudyConfig, viewer: StaffPrincipal, language: str) -> bytes:
    def _(message: str) -> str:
        return gettext(language, message)

    entry = detail.entry
    instrument = load_instrument(study.instrument_version)
    expectation = instrument.item("rtwexp")
    today = format_date(utcnow())
    rows = []
    for wave in entry.waves:
        answered = wave.state == "answered"
        code = wave.expectation_code
        rows.append(
            SheetWaveRow(
                wave=wave.label,
                status=_(code_labels.WAVE_STATES[wave.state]),
                date=format_date(wave.submitted_at if answered else wave.opens_at),
                work_capacity=f"{wave.work_capacity} ({_(code_labels.BANDS[wave.work_capacity_band])})"
                if answered and wave.work_capacity is not None
                else "",
                coping_beliefs=f"{wave.coping_beliefs:.1f}".replace(".", ",")
                if answered and wave.coping_beliefs is not None
                else "",
                rtw_expectation=expectation.option(code).label_in(language) if answered and code is not None else "",
            )
        )
    suggestion = entry.suggestion
    return participant_sheet_pdf(
        SheetData(
            language=language,
            # The title is also the file's metadata, which desktop search and mail previews show:
            # the study ID, not the name (the name is printed on the page only).
            title=_("Follow-up – {study_id}").format(study_id=entry.study_id),
            person_name=entry.name,
            study_id=entry.study_id,
            facts=[
                (_("Programme"), _(code_labels.PROGRAMMES.get(entry.programme, entry.programme))),
                (_("Job specialist"), detail.specialist_name),
                (_("Enrolled"), format_date(entry.enrolled_on)),
                (_("Printed"), f"{today}, {viewer.display_name}"),
            ],
            table_headings=[
                _("Wave"),
                _("Status"),
                _("Date"),
                _("Work capacity"),
                _("Coping beliefs"),
                _("Expected time until work"),
            ],
            rows=rows,
            chart_points=trajectory_points(entry),
            chart_texts=chart_texts(instrument, language),
            chart_caption=chart_description(entry, instrument, language),
            suggestion_heading=_("Suggestion: {level} ({score} points)").format(
                level=_(code_labels.LEVELS[suggestion.level]).lower(), score=suggestion.score
            ),
            reasons_heading=_("Why"),
            reasons=[reason.text[language] for reason in suggestion.reasons],
            hints_heading=_("What could help"),
            hints=[hint.text[language] for hint in suggestion.hints],
            basis=[note.text[language] for note in suggestion.basis],
            disclaimer=_(DISCLAIMER),
            footer=_("mestring · rule set {rule_set} · {date}").format(rule_set=suggestion.rule_set, date=today),
        )
    )
