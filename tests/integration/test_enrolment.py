"""Enrolment: one job seeker from the form, or a cohort from a file; all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from survey_app.db.tables import AuditEvent, OutgoingMessage, Participant, ParticipantIdentity, Wave
from survey_app.services import audit
from survey_app.services.calendar import utcnow
from survey_app.services.enrolment import (
    DUPLICATE_IN_CASELOAD,
    BulkEnrolmentRejected,
    check_enrolment,
    enrol,
    enrol_many,
)
from survey_app.services.enrolment_csv import read_cohort_csv
from survey_app.services.errors import InvalidInput
from survey_app.services.studies import current_study
from tests.helpers import enrol_person, make_staff

OSLO_TODAY = dt.date(2026, 11, 22)


def _raw(**changes):
    raw = {
        "name": "Kari Testesen",
        "email": "kari@example.no",
        "language": "nb",
        "programme": "kvp",
        "contact_mode": "email",
        "consent_date": "2026-11-20",
        "consent_version": "2.1",
    }
    raw.update(changes)
    return raw


async def test_enrolment_creates_participant_identity_waves_invitation_and_audit(db):
    specialist = await make_staff("spes@example.no")
    enrolled = await enrol_person(specialist, "Kari Testesen", "Kari@Example.no", programme="kvp")

    participant = await Participant.select().where(Participant.id == enrolled.participant_id).first()
    assert participant["study_id"] == enrolled.study_id and len(enrolled.study_id) == 9
    assert participant["programme"] == "kvp" and participant["status"] == "active"
    identity = (
        await ParticipantIdentity.select().where(ParticipantIdentity.participant == enrolled.participant_id).first()
    )
    assert identity["name"] == "Kari Testesen" and identity["email_normalised"] == "kari@example.no"
    waves = (
        await Wave.select(Wave.label, Wave.months)
        .where(Wave.participant == enrolled.participant_id)
        .order_by(Wave.opens_at)
    )
    assert [(w["label"], w["months"]) for w in waves] == [("T1", 0), ("T2", 3), ("T3", 12), ("T4", 18)]
    messages = await OutgoingMessage.select(OutgoingMessage.kind, OutgoingMessage.status, OutgoingMessage.wave.label)
    assert messages == [{"kind": "invitation", "status": "queued", "wave.label": "T1"}]
    assert enrolled.t1_invitation_queued
    events = await AuditEvent.select(AuditEvent.action, AuditEvent.subject_id, AuditEvent.details_json).where(
        AuditEvent.action == "participant.enrol"
    )
    assert events[0]["subject_id"] == enrolled.study_id
    assert "Kari" not in events[0]["details_json"] and "example.no" not in events[0]["details_json"]


async def test_paper_participants_get_no_invitation(db):
    specialist = await make_staff("spes@example.no")
    enrolled = await enrol_person(specialist, email=None, contact_mode="paper")
    assert not enrolled.t1_invitation_queued
    assert await OutgoingMessage.count() == 0


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": "  "}, "name"),
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
        ({"consent_date": ""}, "consent_date"),
        ({"consent_date": "2026-11-23"}, "consent_date"),
        ({"consent_date": "31.02.2026"}, "consent_date"),
        ({"consent_version": ""}, "consent_version"),
        ({"programme": "nav"}, "programme"),
        ({"contact_mode": "sms"}, "contact_mode"),
        ({"language": "de"}, "language"),
        ({"enrolled_on": "2026-12-01"}, "enrolled_on"),
        ({"enrolled_on": "2026-11-10"}, "consent_date"),  # consent after enrolment
        # Mistyped years: plausible dates only.
        ({"consent_date": "01.01.1901"}, "consent_date"),
        ({"consent_date": "0001-01-01"}, "consent_date"),
        ({"consent_date": "2025-11-20"}, "consent_date"),  # a year before the enrolment
        ({"enrolled_on": "1926-11-20", "consent_date": "1926-11-20"}, "enrolled_on"),
    ],
)
async def test_bad_enrolment_input_names_the_field(db, changes, field):
    study = await current_study()
    with pytest.raises(InvalidInput) as caught:
        check_enrolment(_raw(**changes), study, OSLO_TODAY)
    assert field in caught.value.errors


async def test_norwegian_dates_and_paper_without_email_are_accepted(db):
    study = await current_study()
    entry = check_enrolment(
        _raw(consent_date="20.11.2026", email="", contact_mode="paper", postal_address=" Sjøgata 4 \r\n\n9008 Tromsø "),
        study,
        OSLO_TODAY,
    )
    assert entry.consent_date == dt.date(2026, 11, 20) and entry.email is None
    assert entry.enrolled_on == OSLO_TODAY
    assert entry.postal_address == "Sjøgata 4\n9008 Tromsø"


@pytest.mark.parametrize(
    "address, message",
    [
        ("", "A postal address is needed when the questionnaire goes on paper."),
        (" \n ", "A postal address is needed when the questionnaire goes on paper."),
        ("a\nb\nc\nd\ne", "Write the postal address on at most four lines of at most 60 characters."),
        ("x" * 61, "Write the postal address on at most four lines of at most 60 characters."),
    ],
)
async def test_paper_needs_a_postal_address_that_fits_the_envelope(db, address, message):
    study = await current_study()
    with pytest.raises(InvalidInput) as caught:
        check_enrolment(_raw(email="", contact_mode="paper", postal_address=address), study, OSLO_TODAY)
    assert caught.value.errors == {"postal_address": message}


async def test_a_paper_enrolment_keeps_its_address_with_the_identifying_data(db):
    specialist = await make_staff("spes@example.no")
    enrolled = await enrol_person(
        specialist, email=None, contact_mode="paper", postal_address="Elvegata 2\n3015 Drammen"
    )
    identity = await ParticipantIdentity.select(ParticipantIdentity.postal_address).first()
    assert identity["postal_address"] == "Elvegata 2\n3015 Drammen"
    assert await Participant.exists().where(Participant.id == enrolled.participant_id)
    assert "Elvegata" not in str(await AuditEvent.select())


async def test_an_address_already_in_ones_own_caseload_is_refused_and_writes_nothing(db):
    specialist = await make_staff("spes@example.no")
    await enrol_person(specialist, email="same@example.no")
    before = (await Participant.count(), await Wave.count(), await AuditEvent.count())
    with pytest.raises(InvalidInput) as caught:
        await enrol_person(specialist, "Someone Else", email="SAME@example.no")
    assert caught.value.errors == {"email": DUPLICATE_IN_CASELOAD}
    assert (await Participant.count(), await Wave.count(), await AuditEvent.count()) == before


async def test_the_oldest_plausible_dates_are_accepted(db):
    study = await current_study()
    entry = check_enrolment(
        _raw(enrolled_on="2021-11-23", consent_date="2020-11-23"), study, OSLO_TODAY.replace(day=23)
    )
    assert (entry.enrolled_on, entry.consent_date) == (dt.date(2021, 11, 23), dt.date(2020, 11, 23))


COHORT = """\
name;email;language;programme;contact_mode;consent_date;consent_version;specialist_email;enrolled_on;postal_address
Anne Berg;anne@example.no;nb;utvidet_oppfolging;email;2025-01-31;1.0;spes@example.no;2025-01-31;
Per Dahl;;en;kvp;paper;02.03.2025;1.0;spes@example.no;2025-03-02;Storgata 1 0155 Oslo
Ola Vik;ola@example.no;nn;external;email;2026-11-01;1.0;spes@example.no;2026-11-01;
"""


async def test_bulk_enrolment_plans_waves_from_past_enrolment_dates(db):
    await make_staff("spes@example.no")
    study = await current_study()
    rows, problems = read_cohort_csv(COHORT)
    assert problems == [] and [line for line, _ in rows] == [2, 3, 4]
    now = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
    seen = []
    enrolled = await enrol_many(
        rows, study, audit.COMMAND_LINE, today=OSLO_TODAY, now=now, progress=lambda d, t: seen.append((d, t))
    )
    assert len(enrolled) == 3 and seen[-1] == (3, 3)
    anne = (
        await Wave.select(Wave.label, Wave.opens_at)
        .where(Wave.participant == enrolled[0].participant_id)
        .order_by(Wave.opens_at)
    )
    local_days = [w["opens_at"].astimezone(study.timezone).date() for w in anne]
    assert local_days == [dt.date(2025, 1, 31), dt.date(2025, 4, 30), dt.date(2026, 1, 31), dt.date(2026, 7, 31)]
    # Only Ola's T1 is open on 22 Nov 2026; Anne's waves have all closed, Per answers on paper.
    queued = await OutgoingMessage.select(OutgoingMessage.participant)
    assert [m["participant"] for m in queued] == [enrolled[2].participant_id]


async def test_bulk_enrolment_reports_every_problem_with_its_line_and_writes_nothing(db):
    await make_staff("spes@example.no")
    study = await current_study()
    text = COHORT + (
        "Bad Mail;nope;nb;kvp;email;2026-01-01;1.0;spes@example.no;2026-01-01\n"
        "No Spec;x@example.no;nb;kvp;email;2026-01-01;1.0;ghost@example.no;2026-01-01\n"
        "Twin;anne@example.no;nb;kvp;email;2026-01-01;1.0;spes@example.no;2026-01-01\n"
        "Future;f@example.no;nb;kvp;email;2027-01-01;1.0;spes@example.no;2026-01-01\n"
    )
    rows, problems = read_cohort_csv(text)
    assert problems == []
    with pytest.raises(BulkEnrolmentRejected) as caught:
        await enrol_many(rows, study, audit.COMMAND_LINE, today=OSLO_TODAY)
    found = {(e.line, e.field) for e in caught.value.errors}
    assert {(5, "email"), (6, "specialist_email"), (7, "email"), (8, "consent_date")} <= found
    assert await Participant.count() == 0 and await Wave.count() == 0 and await AuditEvent.count() == 1  # staff.create


async def test_bulk_enrolment_refuses_addresses_already_enrolled(db):
    specialist = await make_staff("spes@example.no")
    await enrol_person(specialist, email="anne@example.no")
    rows, _ = read_cohort_csv(COHORT)
    with pytest.raises(BulkEnrolmentRejected) as caught:
        await enrol_many(rows, await current_study(), audit.COMMAND_LINE, today=OSLO_TODAY)
    assert [(e.line, e.field) for e in caught.value.errors] == [(2, "email")]
    assert await Participant.count() == 1


def test_cohort_csv_file_level_problems():
    rows, problems = read_cohort_csv("name,email\nA,a@example.no\n")
    assert rows == [] and problems[0].line == 1 and "consent_date" in problems[0].field
    rows, problems = read_cohort_csv("\ufeff" + COHORT.replace(";", ","))
    assert len(rows) == 3 and problems == []
    rows, problems = read_cohort_csv(COHORT.splitlines()[0] + "\n")
    assert rows == [] and problems and problems[0].line == 1


async def test_enrolment_by_withdrawn_email_is_allowed_again(db):
    from survey_app.services.answering import withdraw_participant

    specialist = await make_staff("spes@example.no")
    first = await enrol_person(specialist, email="back@example.no")
    await withdraw_participant(first.participant_id, audit.SYSTEM)
    study = await current_study()
    entry = check_enrolment(
        _raw(email="back@example.no", consent_date=utcnow().date().isoformat()), study, utcnow().date()
    )
    again = await enrol(entry, study, specialist.id, audit.SYSTEM)
    assert again.study_id != first.study_id
