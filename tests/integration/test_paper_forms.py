"""Paper mode's post room: which forms and reminder letters are due, printing them once (also
with two people at once, on PostgreSQL), reprints, and switching between e-mail and paper."""

from __future__ import annotations

import asyncio
import datetime as dt
import io

import pytest
from pypdf import PdfReader

from instruments import load_instrument
from survey_app.db.tables import AuditEvent, OutgoingMessage, PaperPrint, Participant, Wave
from survey_app.services import audit, paper_forms
from survey_app.services.answering import record_complete_response, withdraw_participant
from survey_app.services.contact_details import correct_contact
from survey_app.services.errors import InvalidInput, NotFound
from survey_app.services.offices import set_office
from survey_app.services.paper_forms import paper_waves, print_due_forms, print_due_reminders, print_form
from survey_app.services.staff import staff_by_email
from survey_app.services.studies import current_study
from tests.helpers import dispatch_at, enrol_person, make_staff, no_quiet_hours, oslo, pdf_text

INSTRUMENT = load_instrument("mestring-2026.1")
ENROLLED = dt.date(2026, 3, 2)
T1_OPEN = oslo(2026, 3, 2, 12)


async def _paper(specialist, name: str, address: str = "Sjøgata 4\n9008 Tromsø", **kwargs):
    return await enrol_person(
        specialist,
        name,
        None,
        contact_mode="paper",
        postal_address=address,
        enrolled_on=kwargs.pop("enrolled_on", ENROLLED),
        now=kwargs.pop("now", T1_OPEN),
        **kwargs,
    )


async def test_the_list_holds_open_unanswered_waves_of_ones_own_job_seekers_on_paper(db):
    study = await current_study()
    kari, ola = await make_staff("kari@example.no"), await make_staff("ola@example.no")
    listed = await _paper(kari, "Per Papir")
    answered = await _paper(kari, "Anne Answered")
    left = await _paper(kari, "Lars Left")
    await enrol_person(kari, "Eva Epost", "eva@example.no", enrolled_on=ENROLLED, now=T1_OPEN)
    await _paper(ola, "Ola's Own")
    wave = (
        await Wave.select(Wave.id).where((Wave.participant == answered.participant_id) & (Wave.label == "T1")).first()
    )
    await record_complete_response(wave["id"], {"was": 5}, mode="paper", language="nb", actor=audit.SYSTEM)
    await withdraw_participant(left.participant_id, audit.SYSTEM, now=T1_OPEN)

    waves = await paper_waves(kari, study, T1_OPEN + dt.timedelta(days=1))
    assert [(w.study_id, w.wave_label) for w in waves] == [(listed.study_id, "T1")]
    assert waves[0].has_address and waves[0].form_printed_at is None and waves[0].reminder_due is None
    # Before it opens, and after it closes, a wave is not listed; T2 opens three months on
    # (for the one who answered T1 too).
    assert await paper_waves(kari, study, T1_OPEN - dt.timedelta(days=1)) == []
    assert await paper_waves(kari, study, T1_OPEN + dt.timedelta(days=study.window_days + 1)) == []
    t2 = await paper_waves(kari, study, oslo(2026, 6, 2, 12))
    assert sorted(w.study_id for w in t2) == sorted([listed.study_id, answered.study_id])
    assert {w.wave_label for w in t2} == {"T2"}
    # Administrators and researchers see no named records; the command line sees everyone.
    assert await paper_waves(await make_staff("admin@example.no", "admin"), study, T1_OPEN) == []
    assert len(await paper_waves(None, study, T1_OPEN)) == 2


async def test_an_office_lead_lists_the_offices_job_seekers(db):
    study = await current_study()
    kari, ola = await make_staff("kari@example.no"), await make_staff("ola@example.no")
    for person in (kari, ola):
        await set_office(audit.SYSTEM, person.id, {"office": "NAV Tromsø", "lead": "1" if person is kari else ""})
    await _paper(ola, "Ola's Own")
    lead = await staff_by_email("kari@example.no")
    assert [w.specialist for w in await paper_waves(lead, study, T1_OPEN)] == [ola.display_name]


async def test_due_forms_print_once_with_the_name_on_the_cover_letter_only(db):
    study = await current_study()
    kari = await make_staff("kari@example.no")
    first = await _paper(kari, "Åse Papirsen", "Fjordveien 12\n5003 Bergen")
    second = await _paper(kari, "Bo Brev", "Elvegata 2\n3015 Drammen", language="en")
    now = T1_OPEN + dt.timedelta(hours=2)

    printed = await print_due_forms(kari, study, now)
    assert sorted(printed.study_ids) == sorted([first.study_id, second.study_id]) and not printed.reprint
    text = pdf_text(printed.pdf)
    for expected in ("Åse Papirsen", "Fjordveien 12", "5003 Bergen", "Bo Brev", "Elvegata 2", first.study_id):
        assert expected in text
    # The last day to answer (window 30 days from 2 March 2026) in each person's language.
    assert "31. mars 2026" in text and "31 March 2026" in text
    assert "Studie-ID" in text and "Study ID" in text
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(printed.pdf)).pages]
    letters = [page for page in pages if "Fjordveien 12" in page or "Elvegata 2" in page]
    assert len(letters) == 2
    for page in pages:
        if page not in letters:
            assert "Åse" not in page and "Bo Brev" not in page and "Fjordveien" not in page

    rows = await PaperPrint.select().order_by(PaperPrint.id)
    assert [(r["kind"], r["sequence"], r["reprint"], r["printed_by"]) for r in rows] == [
        ("form", 0, False, kari.id)
    ] * 2
    assert (await print_due_forms(kari, study, now)).study_ids == ()
    assert all(w.form_printed_at is not None for w in await paper_waves(kari, study, now))
    entries = await AuditEvent.select().where(AuditEvent.action == "paper.print")
    assert sorted(e["subject_id"] for e in entries) == sorted([first.study_id, second.study_id])
    assert not any("Åse" in e["details_json"] or "Fjordveien" in e["details_json"] for e in entries)


async def test_a_reprint_is_possible_and_marked(db):
    study = await current_study()
    kari = await make_staff("kari@example.no")
    person = await _paper(kari, "Per Papir")
    now = T1_OPEN + dt.timedelta(hours=1)
    assert not (await print_form(kari, study, person.study_id, "T1", now)).reprint
    again = await print_form(kari, study, person.study_id, "T1", now)
    assert again.reprint and again.study_ids == (person.study_id,)
    assert [r["reprint"] for r in await PaperPrint.select().order_by(PaperPrint.id)] == [False, True]
    assert (await paper_waves(kari, study, now))[0].reprints == 1
    with pytest.raises(NotFound):
        await print_form(kari, study, person.study_id, "T2", now)  # not open yet
    with pytest.raises(NotFound):
        await print_form(await make_staff("ola@example.no"), study, person.study_id, "T1", now)


async def test_reminder_letters_follow_the_print_date_one_at_a_time(db):
    study = await current_study()  # reminders 7 and 14 days on, window 30 days
    kari = await make_staff("kari@example.no")
    person = await _paper(kari, "Per Papir")
    printed_at = T1_OPEN + dt.timedelta(days=2)
    await print_due_forms(kari, study, printed_at)
    assert (await paper_waves(kari, study, printed_at + dt.timedelta(days=6)))[0].reminder_due is None
    assert (await paper_waves(kari, study, printed_at + dt.timedelta(days=7)))[0].reminder_due == 1

    letters = await print_due_reminders(kari, study, printed_at + dt.timedelta(days=7))
    assert letters.study_ids == (person.study_id,)
    text = pdf_text(letters.pdf)
    assert "Per Papir" in text and "Sjøgata 4" in text and "31. mars 2026" in text
    # A letter only: none of the questionnaire's questions.
    assert INSTRUMENT.item("was").label("nb")[:40] not in " ".join(text.split())
    assert len(PdfReader(io.BytesIO(letters.pdf)).pages) == 1
    assert (await paper_waves(kari, study, printed_at + dt.timedelta(days=8)))[0].reminder_due is None
    assert (await paper_waves(kari, study, printed_at + dt.timedelta(days=14)))[0].reminder_due == 2
    # Nothing after the window closed.
    assert await paper_waves(kari, study, T1_OPEN + dt.timedelta(days=31)) == []


async def test_a_reminder_missed_is_not_printed_late_next_to_the_next(db):
    study = await current_study()
    kari = await make_staff("kari@example.no")
    await _paper(kari, "Per Papir")
    await print_due_forms(kari, study, T1_OPEN)
    assert (await paper_waves(kari, study, T1_OPEN + dt.timedelta(days=15)))[0].reminder_due == 2
    await print_due_reminders(kari, study, T1_OPEN + dt.timedelta(days=15))
    rows = await PaperPrint.select(PaperPrint.kind, PaperPrint.sequence).order_by(PaperPrint.id)
    assert [(r["kind"], r["sequence"]) for r in rows] == [("form", 0), ("reminder", 2)]
    assert (await paper_waves(kari, study, T1_OPEN + dt.timedelta(days=20)))[0].reminder_due is None


async def test_a_failed_pdf_takes_its_prints_back(db, monkeypatch):
    study = await current_study()
    kari = await make_staff("kari@example.no")
    await _paper(kari, "Per Papir")

    def broken(*args, **kwargs):
        raise RuntimeError("printer on fire")

    monkeypatch.setattr(paper_forms, "paper_forms_pdf", broken)
    with pytest.raises(RuntimeError):
        await print_due_forms(kari, study, T1_OPEN)
    assert await PaperPrint.count() == 0
    assert (await paper_waves(kari, study, T1_OPEN))[0].form_printed_at is None


async def test_switching_to_paper_and_back_moves_the_job_seeker_between_mail_and_the_paper_list(db, smtp_sink):
    # On the real clock: the switch back queues the invitation at the moment it is made.
    await no_quiet_hours()
    study = await current_study()
    kari = await make_staff("kari@example.no")
    person = await enrol_person(kari, "Eva Epost", "eva@example.no")
    raw = {"name": "Eva Epost", "email": "eva@example.no", "language": "nb"}

    with pytest.raises(InvalidInput) as caught:
        await correct_contact(kari, person.study_id, {**raw, "contact_mode": "paper"})
    assert caught.value.errors == {"postal_address": "A postal address is needed when the questionnaire goes on paper."}
    changed = await correct_contact(
        kari, person.study_id, {**raw, "contact_mode": "paper", "postal_address": "Storgata 1\n0155 Oslo"}
    )
    assert set(changed) == {"contact_mode", "postal_address"}
    switch = await AuditEvent.select().where(AuditEvent.action == "participant.contact_update").first()
    assert '"to": "paper"' in switch["details_json"] and "Storgata" not in switch["details_json"]
    # The queued invitation is not sent; the wave is on the paper list instead.
    await dispatch_at(smtp_sink.url)
    assert smtp_sink.recipients() == []
    invitation = await OutgoingMessage.select().first()
    assert (invitation["status"], invitation["reason"]) == ("cancelled", "paper")
    assert [w.study_id for w in await paper_waves(kari, study)] == [person.study_id]

    await correct_contact(kari, person.study_id, {**raw, "contact_mode": "email", "postal_address": "Storgata 1"})
    assert await paper_waves(kari, study) == []
    assert (await Participant.select(Participant.contact_mode).first())["contact_mode"] == "email"
    # Back on e-mail, the open wave's invitation goes out at the next pass, once.
    await dispatch_at(smtp_sink.url)
    await dispatch_at(smtp_sink.url)
    assert smtp_sink.recipients() == ["eva@example.no"]


@pytest.mark.parametrize("db", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
async def test_two_people_printing_the_due_forms_at_once_print_each_form_once(db, monkeypatch):
    study = await current_study()
    kari = await make_staff("kari@example.no")
    people = [await _paper(kari, f"Person {n}") for n in range(30)]
    listed = paper_forms.paper_waves
    both_listed = asyncio.Barrier(2)
    seen: list[int] = []

    async def slow_listing(*args, **kwargs):
        # Both have read the due list before either claims: the race the claims must settle.
        waves = await listed(*args, **kwargs)
        seen.append(len(waves))
        await both_listed.wait()
        return waves

    monkeypatch.setattr(paper_forms, "paper_waves", slow_listing)
    results = await asyncio.gather(*(print_due_forms(kari, study, T1_OPEN) for _ in range(2)))
    assert seen == [30, 30]
    printed = [study_id for result in results for study_id in result.study_ids]
    assert sorted(printed) == sorted(person.study_id for person in people)
    assert await PaperPrint.count() == 30
