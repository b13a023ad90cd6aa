"""Paper mode's post room: which paper forms and reminder letters are due, printing them, and
the record of every print.

A job seeker on paper gets no e-mail; instead, each of their waves that has opened is listed
for staff until a form is printed, and then, while it is not back, a reminder letter falls
due at each of the study's reminder offsets, counted from the day the form was printed (the
day it went in the post). Only the latest letter that is due is listed, as the dispatcher
does with late e-mail reminders: nobody gets two letters on one day.

Printing claims before it draws: the first print of a form, or of reminder letter *n*, is a
row that exists once (a partial unique index), inserted and committed before the PDF is
made, so two people printing the due forms at once print each form once. Should the PDF fail,
the claims are taken back. A reprint may follow at any time and is recorded as such.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import anyio

from analysis.reports.paper_form import PaperForm, paper_forms_pdf
from instruments import load_instrument
from survey_app.db.engine import insert_rows, placeholders, raw_query, transactional
from survey_app.db.tables import PaperPrint
from survey_app.i18n import N_
from survey_app.services import audit
from survey_app.services.access import check_study_id, visible_participants_sql
from survey_app.services.calendar import utcnow
from survey_app.services.errors import NotFound
from survey_app.services.paper_letters import form_texts, letter_paragraphs
from survey_app.services.sending_policy import reminder_due_at
from survey_app.services.staff import StaffPrincipal
from survey_app.services.studies import StudyConfig

FORM = "form"
REMINDER = "reminder"
NO_PAPER_WAVE = N_("No open paper questionnaire with this study ID and wave in your caseload.")


@dataclass(frozen=True)
class PaperWave:
    """An open wave of a job seeker on paper, as the paper-forms list shows it."""

    wave_id: int
    study_id: str
    wave_label: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    language: str
    specialist: str
    has_address: bool
    form_printed_at: dt.datetime | None
    reprints: int
    reminders_printed: int
    # The reminder letter due now (1, 2, ...), or None.
    reminder_due: int | None
    # The paper entry rounds made so far (a returned form being typed in).
    entries: int


def reminder_due(
    printed_at: dt.datetime | None,
    reminders_printed: int,
    reminder_days: Sequence[int],
    closes_at: dt.datetime,
    now: dt.datetime,
    study: StudyConfig,
) -> int | None:
    """The number of the reminder letter due at ``now`` (the latest whose day has come, if
    it is later than those printed), or None; nothing is due after the wave closes."""
    if printed_at is None or now >= closes_at:
        return None
    due = sum(1 for days in reminder_days if reminder_due_at(printed_at, days, study.timezone) <= now)
    return due if due > reminders_printed else None


_WAVES_SQL = """
    SELECT w.id AS wave_id, w.label, w.opens_at, w.closes_at, p.study_id, p.language,
        s.display_name AS specialist, i.postal_address,
        first.printed_at AS form_printed_at,
        (SELECT COUNT(*) FROM paper_print pp WHERE pp.wave = w.id AND pp.kind = 'form' AND pp.reprint) AS reprints,
        (SELECT MAX(pp.sequence) FROM paper_print pp WHERE pp.wave = w.id AND pp.kind = 'reminder') AS reminders,
        (SELECT COUNT(*) FROM paper_entry e WHERE e.wave = w.id) AS entries
    FROM wave w
    JOIN participant p ON p.id = w.participant
    JOIN staff s ON s.id = p.specialist
    LEFT JOIN participant_identity i ON i.participant = p.id
    -- The first print is one row (a unique index); a column, not an aggregate, keeps its type.
    LEFT JOIN paper_print first ON first.wave = w.id AND first.kind = 'form' AND first.reprint = false
    WHERE p.study = {study} AND p.status = 'active' AND p.contact_mode = 'paper'
        AND w.status IN ('pending', 'in_progress') AND w.opens_at <= {now} AND w.closes_at > {now}
        AND {scope}
    ORDER BY w.opens_at, p.study_id
"""


async def paper_waves(
    viewer: StaffPrincipal | None, study: StudyConfig, now: dt.datetime | None = None
) -> list[PaperWave]:
    """Every open wave of the job seekers on paper that ``viewer`` may see (their caseload,
    or their office's when they lead it; everyone's for the command line, ``viewer=None``),
    oldest first."""
    now = now or utcnow()
    scope, params = visible_participants_sql(viewer) if viewer is not None else ("1 = 1", {})
    rows = await raw_query(_WAVES_SQL.replace("{scope}", scope), study=study.id, now=now, **params)
    return [
        PaperWave(
            wave_id=row["wave_id"],
            study_id=row["study_id"],
            wave_label=row["label"],
            opens_at=row["opens_at"],
            closes_at=row["closes_at"],
            language=row["language"],
            specialist=row["specialist"],
            has_address=bool(row["postal_address"]),
            form_printed_at=row["form_printed_at"],
            reprints=row["reprints"],
            reminders_printed=row["reminders"] or 0,
            reminder_due=reminder_due(
                row["form_printed_at"], row["reminders"] or 0, study.reminder_days, row["closes_at"], now, study
            ),
            entries=row["entries"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Printed:
    """A PDF of forms or letters and what it holds."""

    pdf: bytes
    study_ids: tuple[str, ...]
    reprint: bool


@dataclass(frozen=True)
class _Claim:
    wave_id: int
    kind: str
    sequence: int
    reprint: bool


@transactional
async def _claim(claims: Sequence[_Claim], printed_by: int | None, now: dt.datetime) -> dict[int, _Claim]:
    """Record the prints; returns those recorded by their row id (a first print someone else
    has just made is not). One audit entry per job seeker and letter, without names."""
    if not claims:
        return {}
    rows = [(c.wave_id, c.kind, c.sequence, c.reprint, printed_by, now) for c in claims]
    written = []
    for start in range(0, len(rows), 500):  # within every database's limit of parameters
        written += await insert_rows(
            PaperPrint,
            ("wave", "kind", "sequence", "reprint", "printed_by", "printed_at"),
            rows[start : start + 500],
            "ON CONFLICT DO NOTHING RETURNING id, wave, kind, sequence",
        )
    by_key = {(c.wave_id, c.kind, c.sequence): c for c in claims}
    kept = {row["id"]: by_key[(row["wave"], row["kind"], row["sequence"])] for row in written}
    if kept:
        marks, params = placeholders("wave", [c.wave_id for c in kept.values()])
        names = await raw_query(
            f"SELECT w.id, w.label, p.study_id FROM wave w JOIN participant p ON p.id = w.participant "
            f"WHERE w.id IN ({marks})",
            **params,
        )
        by_wave = {row["id"]: row for row in names}
        actor = audit.Actor.staff(printed_by) if printed_by else audit.COMMAND_LINE
        for claim in kept.values():
            wave = by_wave[claim.wave_id]
            details = {"wave": wave["label"], "kind": claim.kind, "reprint": claim.reprint}
            if claim.kind == REMINDER:
                details["number"] = claim.sequence
            await audit.record(actor, "paper.print", "participant", wave["study_id"], details)
    return kept


async def _release(print_ids: Sequence[int], printed_by: int | None) -> None:
    """Take back prints whose PDF could not be made, so the forms are listed as due again."""
    await PaperPrint.delete().where(PaperPrint.id.is_in(list(print_ids)))
    actor = audit.Actor.staff(printed_by) if printed_by else audit.COMMAND_LINE
    await audit.record(actor, "paper.print_failed", "paper_print", "", {"prints": len(print_ids)})


async def _letters(
    waves: Sequence[PaperWave], kinds: dict[int, tuple[str, int]], study: StudyConfig, now: dt.datetime
) -> list[PaperForm]:
    """The forms and letters of ``waves`` (``kinds``: wave id -> (kind, reminder number)),
    with the names and addresses, which only this step reads."""
    marks, params = placeholders("study_id", [wave.study_id for wave in waves])
    identities = await raw_query(
        f"SELECT p.study_id, i.name, i.postal_address FROM participant p "
        f"JOIN participant_identity i ON i.participant = p.id WHERE p.study_id IN ({marks})",
        **params,
    )
    by_id = {row["study_id"]: row for row in identities}
    letters = []
    for wave in waves:
        identity = by_id[wave.study_id]
        kind, number = kinds[wave.wave_id]
        address = (identity["name"], *(identity["postal_address"] or "").splitlines())
        letters.append(
            PaperForm(
                study_id=wave.study_id,
                wave=wave.wave_label,
                language=wave.language,
                address=address,
                letter=letter_paragraphs(kind, number, identity["name"], wave, study, now),
                questionnaire=kind == FORM,
            )
        )
    return letters


async def _print(
    waves: Sequence[PaperWave],
    claims: Sequence[_Claim],
    study: StudyConfig,
    printed_by: int | None,
    now: dt.datetime,
    progress: Callable[[int, int], None] | None,
) -> Printed:
    kept = await _claim(claims, printed_by, now)
    kept_waves = {claim.wave_id for claim in kept.values()}
    chosen = [wave for wave in waves if wave.wave_id in kept_waves]
    if not chosen:
        return Printed(pdf=b"", study_ids=(), reprint=False)
    try:
        letters = await _letters(chosen, {c.wave_id: (c.kind, c.sequence) for c in kept.values()}, study, now)
        instrument = load_instrument(study.instrument_version)
        texts = {language: form_texts(language) for language in {letter.language for letter in letters}}
        # Hundreds of pages take seconds: drawn in a worker thread, the web app goes on serving.
        pdf = await anyio.to_thread.run_sync(
            lambda: paper_forms_pdf(letters, instrument, texts, "mestring", progress=progress)
        )
    except Exception:
        await _release(list(kept), printed_by)
        raise
    return Printed(
        pdf=pdf, study_ids=tuple(wave.study_id for wave in chosen), reprint=any(c.reprint for c in kept.values())
    )


async def print_due_forms(
    viewer: StaffPrincipal | None,
    study: StudyConfig,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Printed:
    """Every due form ``viewer`` may see (everyone's for ``viewer=None``) in one PDF, each
    recorded as printed; an empty :class:`Printed` when none is due."""
    now = now or utcnow()
    due = [wave for wave in await paper_waves(viewer, study, now) if wave.form_printed_at is None]
    claims = [_Claim(wave.wave_id, FORM, 0, False) for wave in due]
    return await _print(due, claims, study, viewer.id if viewer else None, now, progress)


async def print_due_reminders(
    viewer: StaffPrincipal | None,
    study: StudyConfig,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Printed:
    """Every reminder letter due (see :func:`reminder_due`) in one PDF, each recorded."""
    now = now or utcnow()
    due = [wave for wave in await paper_waves(viewer, study, now) if wave.reminder_due]
    claims = [_Claim(wave.wave_id, REMINDER, wave.reminder_due or 0, False) for wave in due]
    return await _print(due, claims, study, viewer.id if viewer else None, now, progress)


async def print_form(
    viewer: StaffPrincipal | None, study: StudyConfig, study_id: str, wave_label: str, now: dt.datetime | None = None
) -> Printed:
    """One job seeker's form for an open wave: the first print, or a reprint (marked as such)
    when one was printed before."""
    now = now or utcnow()
    check_study_id(study_id)
    wave = next(
        (w for w in await paper_waves(viewer, study, now) if w.study_id == study_id and w.wave_label == wave_label),
        None,
    )
    if wave is None:
        raise NotFound(NO_PAPER_WAVE)
    claim = _Claim(wave.wave_id, FORM, 0, reprint=wave.form_printed_at is not None)
    return await _print([wave], [claim], study, viewer.id if viewer else None, now, None)
