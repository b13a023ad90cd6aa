"""The study a deployment runs: its calendar, answer window, reminder policy and contact."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from instruments import CURRENT_VERSION
from survey_app.db.engine import write_transaction
from survey_app.db.tables import Study
from survey_app.i18n import N_
from survey_app.services.errors import NotFound

DEFAULT_STUDY_CODE = "default"
DEFAULT_STUDY_NAME = "Arbeidsevne, mestringstro og forventning om arbeid"
PROGRAMMES = ("utvidet_oppfolging", "kvp", "external")


@dataclass(frozen=True)
class StudyConfig:
    id: int
    code: str
    name: str
    timezone: ZoneInfo
    wave_labels: tuple[str, ...]
    wave_offsets_months: tuple[int, ...]
    window_days: int
    reminder_days: tuple[int, ...]
    quiet_hours_start: int
    quiet_hours_end: int
    languages: tuple[str, ...]
    instrument_version: str
    contact_name: str
    contact_email: str
    contact_phone: str


def _config(row: dict) -> StudyConfig:
    return StudyConfig(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        timezone=ZoneInfo(row["timezone"]),
        wave_labels=tuple(row["wave_labels"]),
        wave_offsets_months=tuple(row["wave_offsets_months"]),
        window_days=row["window_days"],
        reminder_days=tuple(row["reminder_days"]),
        quiet_hours_start=row["quiet_hours_start"],
        quiet_hours_end=row["quiet_hours_end"],
        languages=tuple(row["languages"]),
        instrument_version=row["instrument_version"],
        contact_name=row["contact_name"],
        contact_email=row["contact_email"],
        contact_phone=row["contact_phone"],
    )


async def ensure_default_study() -> StudyConfig:
    """The study, created with the defaults of ``domain/study.md`` on first use."""
    async with write_transaction():
        row = await Study.select().where(Study.code == DEFAULT_STUDY_CODE).first()
        if row is None:
            await Study.insert(
                Study(code=DEFAULT_STUDY_CODE, name=DEFAULT_STUDY_NAME, instrument_version=CURRENT_VERSION)
            )
            row = await Study.select().where(Study.code == DEFAULT_STUDY_CODE).first()
    return _config(row)


async def current_study() -> StudyConfig:
    row = await Study.select().where(Study.code == DEFAULT_STUDY_CODE).first()
    if row is None:
        raise NotFound(N_("No study is set up yet: run 'mestring migrate'."))
    return _config(row)


async def study_by_id(study_id: int) -> StudyConfig:
    row = await Study.select().where(Study.id == study_id).first()
    if row is None:
        raise NotFound(N_("No study is set up yet: run 'mestring migrate'."))
    return _config(row)


async def set_contact(name: str, email: str, phone: str) -> StudyConfig:
    study = await ensure_default_study()
    await Study.update({Study.contact_name: name, Study.contact_email: email, Study.contact_phone: phone}).where(
        Study.id == study.id
    )
    return await current_study()
