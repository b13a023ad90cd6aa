"""The office lead's overview: per job specialist of the office, how many job seekers the
follow-up suggestion puts at each level, and the response per wave. Counts only, no names."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from survey_app.i18n import N_
from survey_app.services.access import office_specialists
from survey_app.services.calendar import utcnow
from survey_app.services.caseload import LEVELS, caseloads_of
from survey_app.services.errors import Forbidden
from survey_app.services.staff import StaffPrincipal
from survey_app.services.studies import StudyConfig

ONLY_FOR_LEADS = N_("Only the lead of an office sees its overview. An administrator can make you lead of your office.")


@dataclass(frozen=True)
class WaveResponse:
    answered: int
    missed: int
    # Open now, started or invited: not yet counted either way.
    open: int

    @property
    def rate(self) -> float | None:
        """Answered of those whose window has closed or who answered; None before any."""
        due = self.answered + self.missed
        return self.answered / due if due else None


@dataclass(frozen=True)
class SpecialistRow:
    id: int
    name: str
    active_account: bool
    job_seekers: int
    taking_part: int
    levels: dict[str, int]
    candidates: int
    mail_problems: int
    response: dict[str, WaveResponse]


@dataclass(frozen=True)
class OfficeOverview:
    office: str
    rows: list[SpecialistRow]
    wave_labels: tuple[str, ...]

    @property
    def total(self) -> SpecialistRow:
        """All the office's specialists together."""
        return SpecialistRow(
            id=0,
            name="",
            active_account=True,
            job_seekers=sum(row.job_seekers for row in self.rows),
            taking_part=sum(row.taking_part for row in self.rows),
            levels={level: sum(row.levels[level] for row in self.rows) for level in LEVELS},
            candidates=sum(row.candidates for row in self.rows),
            mail_problems=sum(row.mail_problems for row in self.rows),
            response={
                label: WaveResponse(
                    answered=sum(row.response[label].answered for row in self.rows),
                    missed=sum(row.response[label].missed for row in self.rows),
                    open=sum(row.response[label].open for row in self.rows),
                )
                for label in self.wave_labels
            },
        )


async def office_overview(viewer: StaffPrincipal, study: StudyConfig, now: dt.datetime | None = None) -> OfficeOverview:
    if not viewer.leads_office:
        raise Forbidden(ONLY_FOR_LEADS)
    now = now or utcnow()
    rows = []
    specialists = await office_specialists(viewer)
    # Counts only, no names: the office's caseloads are read without a view entry each.
    caseloads = await caseloads_of([specialist["id"] for specialist in specialists], now)
    for specialist in specialists:
        entries = caseloads[specialist["id"]]
        taking_part = [entry for entry in entries if entry.status == "active"]
        levels = Counter(entry.suggestion.level for entry in taking_part)
        states: dict[str, Counter] = {label: Counter() for label in study.wave_labels}
        for entry in entries:
            for wave in entry.waves:
                if wave.label in states:
                    states[wave.label][wave.state] += 1
        rows.append(
            SpecialistRow(
                id=specialist["id"],
                name=specialist["display_name"],
                active_account=specialist["active"],
                job_seekers=len(entries),
                taking_part=len(taking_part),
                levels={level: levels[level] for level in LEVELS},
                candidates=sum(entry.candidate for entry in entries),
                mail_problems=sum(entry.needs_attention for entry in entries),
                response={
                    label: WaveResponse(
                        answered=counts["answered"],
                        missed=counts["missed"],
                        open=counts["open"] + counts["invited"] + counts["in_progress"],
                    )
                    for label, counts in states.items()
                },
            )
        )
    return OfficeOverview(office=viewer.office or "", rows=rows, wave_labels=study.wave_labels)
