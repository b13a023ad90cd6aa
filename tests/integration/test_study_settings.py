"""The study policy, live: changed by an administrator in the browser or with ``mestring study``,
checked as a whole, audited, and moving only the waves that have not opened yet."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from survey_app.db.tables import AuditEvent, Study, Wave
from survey_app.services import audit
from survey_app.services.answering import withdraw_participant
from survey_app.services.errors import InvalidInput
from survey_app.services.studies import current_study, update_policy
from tests.helpers import csrf_from, enrol_person, login, make_staff
from tests.integration.test_cli import mestring

OSLO = ZoneInfo("Europe/Oslo")


def oslo(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=OSLO).astimezone(dt.UTC)


async def calendar(participant_id: int) -> dict[str, tuple[dt.date, dt.date, int]]:
    """Each wave's local opening day, local closing day (midnight starting it) and months."""
    rows = await Wave.select(Wave.label, Wave.opens_at, Wave.closes_at, Wave.months).where(
        Wave.participant == participant_id
    )
    return {
        row["label"]: (row["opens_at"].astimezone(OSLO).date(), row["closes_at"].astimezone(OSLO).date(), row["months"])
        for row in rows
    }


async def closing_times(participant_id: int) -> dict[str, dt.datetime]:
    rows = await Wave.select(Wave.label, Wave.closes_at).where(Wave.participant == participant_id)
    return {row["label"]: row["closes_at"] for row in rows}


async def change(raw: dict, now: dt.datetime, actor: audit.Actor = audit.COMMAND_LINE):
    return await update_policy((await current_study()).id, raw, actor, now=now)


D = dt.date
NOW = oslo(D(2026, 2, 10))


async def test_new_wave_offsets_move_only_waves_that_have_not_opened(db):
    specialist = await make_staff("spes@example.no")
    january = await enrol_person(specialist, "Jan Uar", "jan@example.no", enrolled_on=D(2026, 1, 31), now=NOW)
    older = await enrol_person(specialist, "Eldre", "eldre@example.no", enrolled_on=D(2025, 6, 15), now=NOW)
    gone = await enrol_person(specialist, "Borte", "borte@example.no", enrolled_on=D(2026, 1, 31), now=NOW)
    await withdraw_participant(gone.participant_id, audit.SYSTEM)
    assert (await calendar(january.participant_id))["T2"] == (D(2026, 4, 30), D(2026, 5, 30), 3)
    older_before = await calendar(older.participant_id)

    result = await change({"wave_offsets": "0,1,13,18"}, NOW)

    # Calendar months, clamped to the month's end as at enrolment: 31 Jan + 1 = 28 Feb.
    assert await calendar(january.participant_id) == {
        "T1": (D(2026, 1, 31), D(2026, 3, 2), 0),
        "T2": (D(2026, 2, 28), D(2026, 3, 30), 1),
        "T3": (D(2027, 2, 28), D(2027, 3, 30), 13),
        "T4": (D(2027, 7, 31), D(2027, 8, 30), 18),
    }
    # Opened (T1, T2) and closed waves keep their dates; T3 opens on 15 July instead of June.
    assert await calendar(older.participant_id) == {
        **older_before,
        "T3": (D(2026, 7, 15), D(2026, 8, 14), 13),
    }
    # A withdrawn job seeker's waves stay as they were.
    assert (await calendar(gone.participant_id))["T2"] == (D(2026, 4, 30), D(2026, 5, 30), 3)
    assert (result.waves_moved, result.moved_into_past, result.deadlines_changed) == (3, 0, 0)

    back = await change({"wave_offsets": [0, 3, 12, 18]}, NOW)
    assert (await calendar(january.participant_id))["T2"] == (D(2026, 4, 30), D(2026, 5, 30), 3)
    assert back.waves_moved == 3


async def test_a_wave_open_now_keeps_its_dates_when_the_offsets_change(db):
    """T2 of someone enrolled on 1 November 2025 opened on 1 February and is open on 10
    February: a job seeker may be answering it, so it does not move."""
    specialist = await make_staff("spes@example.no")
    november = await enrol_person(specialist, enrolled_on=D(2025, 11, 1), now=NOW)
    before = await calendar(november.participant_id)
    assert before["T2"] == (D(2026, 2, 1), D(2026, 3, 3), 3)
    result = await change({"wave_offsets": "0,4,12,18"}, NOW)
    after = await calendar(november.participant_id)
    assert after["T2"] == before["T2"] and after["T3"] == before["T3"]
    assert result.waves_moved == 0


async def test_a_moved_wave_whose_new_date_has_passed_opens_at_once(db):
    specialist = await make_staff("spes@example.no")
    december = await enrol_person(specialist, enrolled_on=D(2025, 12, 20), now=NOW)
    result = await change({"wave_offsets": "0,1,12,18"}, NOW)
    t2 = (await calendar(december.participant_id))["T2"]
    assert t2 == (D(2026, 1, 20), D(2026, 2, 19), 1)
    assert (result.waves_moved, result.moved_into_past) == (1, 1)


async def test_a_longer_window_extends_open_and_later_waves_never_closed_ones(db):
    specialist = await make_staff("spes@example.no")
    january = await enrol_person(specialist, "Jan Uar", "jan@example.no", enrolled_on=D(2026, 1, 31), now=NOW)
    closed = await enrol_person(specialist, "Lukket", "lukket@example.no", enrolled_on=D(2025, 12, 1), now=NOW)
    answered = await enrol_person(specialist, "Svart", "svart@example.no", enrolled_on=D(2026, 2, 1), now=NOW)
    await Wave.update({Wave.status: "answered"}).where(
        (Wave.participant == answered.participant_id) & (Wave.label == "T1")
    )
    closed_before = await calendar(closed.participant_id)
    answered_t1 = (await calendar(answered.participant_id))["T1"]

    result = await change({"window_days": "45"}, NOW)

    # Every closing time is local midnight, 45 days after opening (summer time included).
    assert await calendar(january.participant_id) == {
        "T1": (D(2026, 1, 31), D(2026, 3, 17), 0),
        "T2": (D(2026, 4, 30), D(2026, 6, 14), 3),
        "T3": (D(2027, 1, 31), D(2027, 3, 17), 12),
        "T4": (D(2027, 7, 31), D(2027, 9, 14), 18),
    }
    assert all(
        moment.astimezone(OSLO).time() == dt.time(0)
        for moment in (await closing_times(january.participant_id)).values()
    )
    assert (await calendar(closed.participant_id))["T1"] == closed_before["T1"]  # closed 31 Dec: stays closed
    assert (await calendar(answered.participant_id))["T1"] == answered_t1
    # january: 4, answered: T2-T4, closed: T2-T4 (not opened yet).
    assert (result.waves_moved, result.deadlines_changed) == (0, 10)


async def test_a_shorter_window_applies_to_waves_not_opened_yet_only(db):
    specialist = await make_staff("spes@example.no")
    january = await enrol_person(specialist, enrolled_on=D(2026, 1, 31), now=NOW)
    result = await change({"window_days": "14", "reminder_days": "7,10"}, NOW)
    waves = await calendar(january.participant_id)
    assert waves["T1"] == (D(2026, 1, 31), D(2026, 3, 2), 0)  # open: keeps the 30 days it was given
    assert waves["T2"] == (D(2026, 4, 30), D(2026, 5, 14), 3)
    assert result.deadlines_changed == 3


async def test_one_audit_entry_with_old_and_new_values_and_nothing_about_job_seekers(db):
    specialist = await make_staff("spes@example.no")
    admin = await make_staff("admin@example.no", "admin")
    person = await enrol_person(
        specialist, "Hemmelig Navnesen", "hemmelig@example.no", enrolled_on=D(2026, 1, 31), now=NOW
    )
    before = await AuditEvent.count()

    await change(
        {"wave_offsets": "0,4,12,18", "quiet_hours": "22-07", "sender_name": "Prosjekt Mestring", "window_days": 30},
        NOW,
        audit.Actor.staff(admin.id),
    )

    events = await AuditEvent.select().where(AuditEvent.id > 0).order_by(AuditEvent.id)
    assert len(events) == before + 1
    event = events[-1]
    assert (event["action"], event["subject_type"], event["subject_id"]) == ("study.settings", "study", "default")
    assert (event["actor"], event["actor_staff"]) == (f"staff:{admin.id}", admin.id)
    assert json.loads(event["details_json"]) == {
        "changes": {
            "wave_offsets": {"from": [0, 3, 12, 18], "to": [0, 4, 12, 18]},
            "quiet_hours": {"from": [21, 8], "to": [22, 7]},
            "sender_name": {"from": "", "to": "Prosjekt Mestring"},
        },
        "waves_moved": 1,
        "deadlines_changed": 0,
    }
    for identifying in ("Hemmelig", "hemmelig@example.no", person.study_id):
        assert identifying not in event["details_json"]


async def test_saving_the_same_values_writes_nothing(db):
    before = await AuditEvent.count()
    result = await change({"window_days": "30", "reminder_days": "7, 14", "quiet_hours": "21.00-08.00"}, NOW)
    assert result.changes == {} and await AuditEvent.count() == before


async def test_an_invalid_change_changes_nothing_at_all(db):
    specialist = await make_staff("spes@example.no")
    person = await enrol_person(specialist, enrolled_on=D(2026, 1, 31), now=NOW)
    study_before = await Study.select().first()
    waves_before = await calendar(person.participant_id)
    audit_before = await AuditEvent.count()
    with pytest.raises(InvalidInput) as caught:
        # Valid offsets and window, with an invalid sender name: nothing of it may stay.
        await change({"wave_offsets": "0,1,12,18", "window_days": "40", "sender_name": "a\r\nb"}, NOW)
    assert set(caught.value.errors) == {"sender_name"}
    assert await Study.select().first() == study_before
    assert await calendar(person.participant_id) == waves_before
    assert await AuditEvent.count() == audit_before


async def test_policy_fields_reach_the_study_the_dispatcher_reads(db):
    await change(
        {
            "reminder_days": "3",
            "quiet_hours": "0-0",
            "contact_name": "Pia Prosjekt",
            "contact_email": "pia@example.no",
            "contact_phone": "22 00 00 00",
        },
        NOW,
    )
    study = await current_study()
    assert study.reminder_days == (3,) and (study.quiet_hours_start, study.quiet_hours_end) == (0, 0)
    assert (study.contact_name, study.contact_email, study.contact_phone) == (
        "Pia Prosjekt",
        "pia@example.no",
        "22 00 00 00",
    )


# --- the page ------------------------------------------------------------------------------------


FORM = {
    "wave_offsets": "0,3,12,18",
    "window_days": "30",
    "reminder_days": "7,14",
    "quiet_hours_start": "21",
    "quiet_hours_end": "8",
    "sender_name": "",
    "contact_name": "",
    "contact_email": "",
    "contact_phone": "",
}


async def _as_admin(client) -> str:
    await make_staff("admin@example.no", "admin")
    await login(client, "admin@example.no")
    page = await client.get("/admin/study?lang=en")
    assert page.status_code == 200
    return csrf_from(page.text)


async def test_an_admin_changes_the_settings_and_is_told_what_changed(client):
    specialist = await make_staff("spes@example.no")
    await enrol_person(specialist, "Kari", "kari@example.no")
    token = await _as_admin(client)
    response = await client.post(
        "/admin/study",
        data={
            **FORM,
            "wave_offsets": "0,4,12,18",
            "window_days": "45",
            "sender_name": "Prosjekt Mestring",
            "_csrf_token": token,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/admin/study"
    page = await client.get("/admin/study")
    assert 'role="status"' in page.text
    assert "Wave offsets (months after enrolment): from 0, 3, 12, 18 to 0, 4, 12, 18" in page.text
    assert "Answer window (days): from 30 to 45" in page.text
    assert "Sender name: from none to Prosjekt Mestring" in page.text
    assert "1 wave that had not opened yet was moved to its new date." in page.text
    assert "3 waves got a new last day to answer." in page.text  # T1 (open) and T3, T4
    assert 'value="Prosjekt Mestring"' in page.text
    study = await current_study()
    assert (study.wave_offsets_months, study.window_days, study.sender_name) == (
        (0, 4, 12, 18),
        45,
        "Prosjekt Mestring",
    )
    event = await AuditEvent.select().where(AuditEvent.action == "study.settings").first()
    assert event["actor"].startswith("staff:")
    # The notice is shown once; reloading shows the form alone.
    assert 'role="status"' not in (await client.get("/admin/study")).text


async def test_the_page_speaks_norwegian_with_norwegian_times(client):
    await _as_admin(client)
    page = await client.get("/admin/study?lang=nb")
    assert '<option value="21" selected>21.00</option>' in page.text
    assert '<option value="8" selected>08.00</option>' in page.text
    english = await client.get("/admin/study?lang=en")
    assert '<option value="8" selected>08:00</option>' in english.text


async def test_errors_redirect_back_with_the_values_kept_and_nothing_saved(client):
    token = await _as_admin(client)
    study_before = await Study.select().first()
    data = {**FORM, "reminder_days": "14,7", "window_days": "0", "sender_name": "Ny avsender", "_csrf_token": token}
    response = await client.post("/admin/study", data=data, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/study"
    page = await client.get("/admin/study")
    assert page.text.count('class="field-error"') == 2
    assert '<a href="#reminder_days">' in page.text and '<a href="#window_days">' in page.text
    assert 'id="reminder_days"' in page.text and 'value="14,7"' in page.text and 'value="Ny avsender"' in page.text
    assert 'aria-describedby="window_days-hint window_days-error" aria-invalid="true"' in page.text
    assert await Study.select().first() == study_before
    # Manipulated quiet hours are refused with the fieldset named.
    response = await client.post(
        "/admin/study",
        data={**data, "reminder_days": "7", "window_days": "30", "quiet_hours_end": "24"},
        follow_redirects=True,
    )
    assert '<a href="#quiet_hours">' in response.text and 'id="quiet_hours"' in response.text


async def test_the_form_needs_a_csrf_token(client):
    await _as_admin(client)
    missing = await client.post("/admin/study", data={**FORM, "window_days": "45"})
    assert missing.status_code == 403
    assert (await current_study()).window_days == 30


@pytest.mark.parametrize("role", ["specialist", "researcher"])
async def test_only_administrators_see_or_change_the_settings(client, role):
    await make_staff(f"{role}@example.no", role)
    await login(client, f"{role}@example.no")
    assert (await client.get("/admin/study")).status_code == 403
    token = csrf_from((await client.get("/login")).text)
    response = await client.post("/admin/study", data={**FORM, "window_days": "45", "_csrf_token": token})
    assert response.status_code == 403
    assert (await current_study()).window_days == 30


async def test_the_administration_page_links_to_the_settings(client):
    await _as_admin(client)
    assert 'href="/admin/study"' in (await client.get("/admin")).text


# --- the command line --------------------------------------------------------------------------


def test_mestring_study_changes_shows_and_refuses(tmp_path):
    assert mestring("migrate", home=tmp_path).returncode == 0
    result = mestring(
        "study",
        "--reminder-days",
        "5,10,20",
        "--window-days",
        "28",
        "--quiet-hours",
        "22-07",
        "--wave-offsets",
        "0,3,12,24",
        "--sender-name",
        "Prosjekt Mestring",
        "--contact-name",
        "Pia Prosjekt",
        "--contact-email",
        "pia@example.no",
        "--contact-phone",
        "22 00 00 00",
        home=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["reminder_days"], shown["window_days"]) == ([5, 10, 20], 28)
    assert (shown["quiet_hours_start"], shown["quiet_hours_end"], shown["wave_offsets_months"]) == (
        22,
        7,
        [0, 3, 12, 24],
    )
    assert (shown["sender_name"], shown["contact_name"], shown["contact_email"]) == (
        "Prosjekt Mestring",
        "Pia Prosjekt",
        "pia@example.no",
    )
    assert "Changed" in result.stderr

    refused = mestring(
        "study",
        "--window-days",
        "0",
        "--reminder-days",
        "7,7",
        "--sender-name",
        "a\nb",
        "--contact-name",
        "Ny",
        home=tmp_path,
    )
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.splitlines() == [
        "--window-days: The answer window is a whole number of days from 1 to 365.",
        "--reminder-days: Write the reminder days in increasing order, each day once, such as 7,14.",
        "--sender-name: Write the sender name on one line, without line breaks or control characters.",
        "Nothing was changed.",
    ]
    norwegian = mestring("study", "--window-days", "400", "--lang", "nb", home=tmp_path)
    assert norwegian.returncode == 2 and norwegian.stderr.startswith("--window-days: ")
    assert json.loads(mestring("study", home=tmp_path).stdout) == shown  # nothing of it was saved

    shortened = mestring("study", "--window-days", "15", home=tmp_path)
    assert shortened.returncode == 2
    assert shortened.stderr.splitlines()[0].startswith("--reminder-days: Each reminder must come before")
