"""The job seeker's form over HTTP: links, drafts, validation, submission once, leaving."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

import httpx

from survey_app.db.tables import Answer, AuditEvent, OutgoingMessage, Participant, Wave
from survey_app.services.calendar import utcnow
from tests.helpers import csrf_from, enrol_person, link_for, make_staff


async def _person(**kwargs):
    specialist = await make_staff("spes@example.no")
    return await enrol_person(specialist, **kwargs)


async def _post(client, path, data):
    page = await client.get(path)
    return await client.post(path, data={**data, "_csrf_token": csrf_from(page.text)}, follow_redirects=False)


async def _wave(participant_id, label="T1"):
    return await Wave.select().where((Wave.participant == participant_id) & (Wave.label == label)).first()


async def _answers(participant_id, label="T1"):
    wave = await _wave(participant_id, label)
    rows = await Answer.select(Answer.item_id, Answer.status, Answer.value_json, Answer.mode).where(
        Answer.wave == wave["id"]
    )
    return {row["item_id"]: row for row in rows}


def _visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


async def test_unknown_expired_early_and_withdrawn_links_look_the_same(client):
    from survey_app.services import audit
    from survey_app.services.answering import withdraw_participant

    long_ago = utcnow() - dt.timedelta(days=200)
    specialist = await make_staff("spes@example.no")
    expired = await enrol_person(specialist, "Old", "old@example.no", enrolled_on=long_ago.date(), now=long_ago)
    current = await enrol_person(specialist, "New", "new@example.no")
    left = await enrol_person(specialist, "Left", "left@example.no")
    links = {
        "expired": await link_for(expired.participant_id, "T1"),
        "not yet open": await link_for(current.participant_id, "T3"),
        "withdrawn": await link_for(left.participant_id, "T1"),
        "unknown": "A" * 43,
        "malformed": "not a token at all",
    }
    await withdraw_participant(left.participant_id, audit.SYSTEM)
    responses = {name: await client.get(f"/a/{token}") for name, token in links.items()}
    bodies = {name: _visible_text(response.text) for name, response in responses.items()}
    assert {response.status_code for response in responses.values()} == {404}
    assert len(set(bodies.values())) == 1, bodies
    assert "Lenken virker ikke" in bodies["unknown"]
    for name, token in links.items():
        page = await client.get(f"/a/{token}/page/measures")
        assert page.status_code == 404 and _visible_text(page.text) == bodies["unknown"], name


async def test_draft_resume_review_and_submit(client):
    enrolled = await _person()
    link = f"/a/{await link_for(enrolled.participant_id)}"
    intro = await client.get(link)
    assert intro.status_code == 200 and f'href="{link}/page/measures"' in intro.text

    saved = await _post(client, f"{link}/page/measures", {"was": "8", "rtwse_1": "7", "rtwse_3": "", "action": "later"})
    assert saved.status_code == 303 and saved.headers["location"] == f"{link}/saved"
    stored = await _answers(enrolled.participant_id)
    # Untouched questions stay unanswered when stopping for now; "skip this question" is kept.
    assert {k: (v["status"], v["value_json"]) for k, v in stored.items()} == {
        "was": ("answered", "8"),
        "rtwse_1": ("answered", "7"),
        "rtwse_3": ("skipped", None),
    }
    assert (await _wave(enrolled.participant_id))["status"] == "in_progress"

    # Coming back through the same link resumes on the page left, answers kept.
    resumed = await client.get(link)
    assert f'href="{link}/page/measures"' in resumed.text
    measures = await client.get(f"{link}/page/measures")
    assert 'id="was-8" name="was" value="8" checked' in measures.text
    assert 'id="rtwse_3-skip" name="rtwse_3" value="" checked' in measures.text
    assert 'id="rtwse_2-skip" name="rtwse_2" value="" checked' not in measures.text

    # Going on to the next page counts what was left empty as skipped, and resumes after it.
    await _post(client, f"{link}/page/measures", {"was": "8", "rtwse_1": "7"})
    assert (await _answers(enrolled.participant_id))["rtwse_2"]["status"] == "skipped"
    assert f'href="{link}/page/work"' in (await client.get(link)).text

    await _post(client, f"{link}/page/measures", {"was": "8", "rtwse_1": "7", "rtwse_2": "8", "rtwexp": "9"})
    work = await _post(
        client,
        f"{link}/page/work",
        {"work_now": "1", "work_hours": "20", "work_form": "2", "benefits": ["aap", "other"]},
    )
    assert work.headers["location"] == f"{link}/page/health"
    review = await client.get(f"{link}/review")
    assert "Vet ikke / usikker" in review.text and "Arbeidsavklaringspenger" in review.text

    submitted = await _post(client, f"{link}/review", {})  # the review page carries the submit form
    assert submitted.status_code == 405  # only /submit accepts it
    page = await client.get(f"{link}/review")
    done = await client.post(f"{link}/submit", data={"_csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert done.headers["location"] == f"{link}?sent=true"
    thanks = await client.get(done.headers["location"])
    assert "Takk for svarene" in thanks.text

    wave = await _wave(enrolled.participant_id)
    assert wave["status"] == "answered" and wave["mode"] == "web"
    assert (wave["work_capacity"], wave["work_capacity_band"]) == (8, "good")
    assert wave["coping_beliefs"] == 7.5 and wave["coping_beliefs_items"] == 2
    assert wave["rtw_expectation"] is None and wave["rtw_expectation_dont_know"] is True
    answers = await _answers(enrolled.participant_id)
    assert answers["benefits"]["value_json"] == '["aap", "other"]'
    assert answers["rtwse_3"]["status"] == "skipped" and answers["rtwse_3"]["value_json"] is None
    assert answers["gender"]["status"] == "skipped"  # never seen: skipped, not 0
    assert all(row["value_json"] != "0" for row in answers.values() if row["status"] == "skipped")

    # The link now says the wave is done, and nothing can change it any more.
    again = await client.get(link)
    assert "allerede sendt inn" in again.text
    late = await client.post(
        f"{link}/page/measures", data={"was": "2", "_csrf_token": csrf_from(page.text)}, follow_redirects=False
    )
    assert late.status_code == 303 and (await _answers(enrolled.participant_id))["was"]["value_json"] == "8"


async def test_double_submission_stores_one_response(client):
    enrolled = await _person()
    link = f"/a/{await link_for(enrolled.participant_id)}"
    await _post(
        client, f"{link}/page/measures", {"was": "6", "rtwse_1": "5", "rtwse_2": "5", "rtwse_3": "6", "rtwexp": "4"}
    )
    page = await client.get(f"{link}/review")
    token = csrf_from(page.text)
    responses = await asyncio.gather(
        *(client.post(f"{link}/submit", data={"_csrf_token": token}, follow_redirects=False) for _ in range(4))
    )
    assert sorted(r.headers["location"].split("=")[-1] for r in responses) == ["false", "false", "false", "true"]
    assert await AuditEvent.count().where(AuditEvent.action == "wave.submit") == 1
    wave = await _wave(enrolled.participant_id)
    count = await Answer.count().where(Answer.wave == wave["id"])
    assert (
        count == len(await _answers(enrolled.participant_id)) == 14
    )  # 5 measures + work_now + 2 lists + health + 5 background


async def _rejected(client, path, data):
    """Post a page that fails validation: it redirects back to the page (never answers the
    POST with the error page, so reloading or going back never resends the form)."""
    response = await _post(client, path, data)
    assert response.status_code == 303 and response.headers["location"].split("?")[0] == path
    return await client.get(response.headers["location"])


async def test_invalid_answers_show_item_errors_in_the_chosen_language_and_store_nothing(client):
    enrolled = await _person()
    link = f"/a/{await link_for(enrolled.participant_id)}"
    nb = await _rejected(client, f"{link}/page/measures", {"was": "11", "rtwse_1": "sju", "rtwse_2": "4"})
    assert "Velg et tall fra 0 til 10." in nb.text
    assert 'aria-describedby="was-anchors was-error"' in nb.text
    assert 'id="rtwse_2-4" name="rtwse_2" value="4" checked' in nb.text  # the valid tick is kept
    # Shown once: a reload shows the page as saved (nothing), without the errors.
    assert "Velg et tall fra 0 til 10." not in (await client.get(f"{link}/page/measures")).text

    await client.get(f"{link}?lang=en")  # the switch is remembered in a cookie
    en = await _rejected(client, f"{link}/page/measures", {"was": "11"})
    assert "Choose a number from 0 to 10." in en.text
    assert 'lang="en"' in en.text

    conditional = await _rejected(client, f"{link}/page/work", {"work_now": "0", "work_hours": "20"})
    assert "work_hours-error" in conditional.text
    assert await Answer.count() == 0
    assert (await _wave(enrolled.participant_id))["status"] == "pending"


async def test_switching_language_on_a_page_keeps_the_ticks_not_yet_saved(client):
    enrolled = await _person()
    link = f"/a/{await link_for(enrolled.participant_id)}"
    page = await client.get(f"{link}/page/measures")
    # The switch submits the page it sits on; an untouched question stays unanswered.
    assert 'form="questionnaire" name="switch_language" value="en"' in page.text
    switched = await client.post(
        f"{link}/page/measures",
        data={"was": "6", "rtwse_1": "3", "switch_language": "en", "_csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert switched.status_code == 303 and switched.headers["location"] == f"{link}/page/measures?lang=en"
    shown = await client.get(switched.headers["location"])
    assert 'lang="en"' in shown.text and "How do you rate your current work ability?" in shown.text
    assert 'id="was-6" name="was" value="6" checked' in shown.text
    assert set(await _answers(enrolled.participant_id)) == {"was", "rtwse_1"}
    # A wrong value on the page is shown with its error in the new language, nothing stored.
    bad = await _post(client, f"{link}/page/measures", {"was": "12", "switch_language": "nn"})
    assert bad.headers["location"] == f"{link}/page/measures?lang=nn"
    again = await client.get(bad.headers["location"])
    assert 'lang="nn"' in again.text and "Vel eit tal frå 0 til 10." in again.text
    assert (await _answers(enrolled.participant_id))["was"]["value_json"] == "6"


async def test_error_pages_of_the_questionnaire_speak_the_persons_language_and_lead_back(client):
    from survey_app.services.answering import withdraw_participant
    from survey_app.services.audit import SYSTEM

    enrolled = await _person(language="en")
    token = await link_for(enrolled.participant_id)
    await client.get(f"/a/{token}/page/measures", headers={"Accept-Language": "nb-NO"})
    # A form without its security cookie (cookies blocked, or expired): no staff login, the
    # person's language, the way back to the questionnaire.
    client.cookies.delete("csrftoken")
    refused = await client.post(f"/a/{token}/page/measures", data={"was": "5"}, headers={"Accept-Language": "nb"})
    assert refused.status_code == 403
    assert "Your answers could not be saved" in refused.text and f'href="/a/{token}"' in refused.text
    assert "/login" not in refused.text
    # A link that stopped working says so in the person's language, whatever the browser says.
    await withdraw_participant(enrolled.participant_id, SYSTEM)
    fresh = httpx.AsyncClient(transport=client._transport, base_url="http://testserver.local")
    async with fresh:
        gone = await fresh.get(f"/a/{token}", headers={"Accept-Language": "nb-NO"})
    assert gone.status_code == 404 and "The link does not work" in gone.text


async def test_the_job_seeker_can_leave_the_study(client):
    enrolled = await _person()
    token = await link_for(enrolled.participant_id)
    confirm = await client.get(f"/a/{token}/leave")
    assert confirm.status_code == 200
    left = await client.post(f"/a/{token}/leave", data={"_csrf_token": csrf_from(confirm.text)}, follow_redirects=False)
    assert left.status_code == 303 and left.headers["location"] == "/left?lang=nb"
    goodbye = await client.get(left.headers["location"])
    assert goodbye.status_code == 200 and "Du har trukket deg fra undersøkelsen" in goodbye.text
    participant = await Participant.select().where(Participant.id == enrolled.participant_id).first()
    assert participant["status"] == "withdrawn" and participant["withdrawn_at"] is not None
    assert {m["status"] for m in await OutgoingMessage.select(OutgoingMessage.status)} == {"cancelled"}
    assert {w["status"] for w in await Wave.select(Wave.status)} == {"withdrawn"}
    assert (await client.get(f"/a/{token}")).status_code == 404
    events = await AuditEvent.select(AuditEvent.actor).where(AuditEvent.action == "participant.withdraw")
    assert events == [{"actor": "job_seeker"}]


async def test_staff_see_that_a_wave_was_started_but_never_the_unsent_answers(client):
    from tests.helpers import login

    enrolled = await _person()
    link = f"/a/{await link_for(enrolled.participant_id)}"
    await _post(client, f"{link}/page/measures", {"was": "3", "rtwexp": "7", "action": "later"})
    await login(client, "spes@example.no")
    page = await client.get(f"/caseload/{enrolled.study_id}")
    api = (await client.get(f"/api/v1/caseload/{enrolled.study_id}")).json()
    assert "Mer enn 5 år" not in page.text and "Svar T1" not in page.text
    assert api["answers"]["T1"] == {} and api["entry"]["waves"][0]["state"] == "in_progress"

    review = await client.get(f"{link}/review")
    await client.post(f"{link}/submit", data={"_csrf_token": csrf_from(review.text)})
    page = await client.get(f"/caseload/{enrolled.study_id}")
    assert "Mer enn 5 år" in page.text
    assert (await client.get(f"/api/v1/caseload/{enrolled.study_id}")).json()["answers"]["T1"]["was"] == 3


async def test_the_leave_page_does_not_link_to_itself_and_a_cut_link_stays_with_the_job_seeker(client):
    enrolled = await _person()
    token = await link_for(enrolled.participant_id)
    assert f'href="/a/{token}/leave"' in (await client.get(f"/a/{token}/page/measures")).text
    assert f'href="/a/{token}/leave"' not in (await client.get(f"/a/{token}/leave")).text
    # A link cut off by a mail program after /a/: the job seeker's page, not the staff login.
    for path in ("/a", "/a/"):
        cut = await client.get(path)
        assert cut.status_code == 404 and "/login" not in cut.text and 'href="/"' not in cut.text, path
