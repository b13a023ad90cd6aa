"""Races on the job seeker's form, run for real on both databases.

PostgreSQL is where they show: its writers run side by side, while SQLite's single writer
serialises them. Each test starts many concurrent attempts through a connection pool and
checks afterwards that what is stored is consistent, so it fails when the lock order or the
immutability of a submitted wave breaks.
"""

from __future__ import annotations

import asyncio
import itertools

from instruments import score_wave
from survey_app.db.tables import Answer, Wave
from survey_app.services import answering
from survey_app.services.answering import AlreadySubmitted, decode_value
from tests.helpers import enrol_person, link_for, make_staff

# Two opposite answers to the first page: a save that lands after the submission would leave
# scores that disagree with the stored answers.
LOW = {"was": ["2"], "rtwse_1": ["2"], "rtwse_2": ["2"], "rtwse_3": ["2"], "rtwexp": ["8"]}
HIGH = {"was": ["9"], "rtwse_1": ["9"], "rtwse_2": ["9"], "rtwse_3": ["9"], "rtwexp": ["1"]}
RACES = 30
SAVES_PER_RACE = 6


async def _stored(wave_id: int) -> dict[str, object]:
    rows = await Answer.select(Answer.item_id, Answer.value_json).where(Answer.wave == wave_id)
    return {row["item_id"]: decode_value(row["value_json"]) for row in rows}


async def test_page_saves_racing_a_submission_never_change_a_submitted_wave(db):
    specialist = await make_staff("spes@example.no")
    people = [await enrol_person(specialist, f"Person {n}", f"p{n}@example.no") for n in range(RACES)]
    tokens = [await link_for(person.participant_id) for person in people]
    for token in tokens:
        await answering.save_page(token, "measures", LOW, "nb")

    async def race(token: str) -> list[object]:
        saves = [answering.save_page(token, "measures", HIGH if n % 2 else LOW, "nb") for n in range(SAVES_PER_RACE)]
        attempts = [*saves[:3], answering.submit(token, "nb"), *saves[3:]]
        return await asyncio.gather(*attempts, return_exceptions=True)

    outcomes = list(itertools.chain.from_iterable(await asyncio.gather(*(race(token) for token in tokens))))
    unexpected = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, AlreadySubmitted)]
    assert unexpected == [], unexpected[:3]
    refused = sum(isinstance(o, AlreadySubmitted) for o in outcomes)

    disagreeing = []
    for person in people:
        wave = await Wave.select().where((Wave.participant == person.participant_id) & (Wave.label == "T1")).first()
        assert wave["status"] == "answered"
        stored = await _stored(wave["id"])
        scores = score_wave({k: v for k, v in stored.items() if v is not None})
        if (wave["work_capacity"], wave["coping_beliefs"], wave["rtw_expectation"]) != (
            scores.work_capacity,
            scores.coping_beliefs,
            scores.rtw_expectation,
        ):
            disagreeing.append((wave["work_capacity"], stored.get("was")))
    assert disagreeing == []
    # The race was real: some saves came after the submission and were refused.
    assert refused > 0


async def test_opposite_saves_of_one_page_never_deadlock(db):
    """Yes-with-hours against no (which clears the hours): the delete and the upsert of two
    saves touched answer rows in opposite orders and deadlocked on PostgreSQL."""
    specialist = await make_staff("spes@example.no")
    person = await enrol_person(specialist)
    token = await link_for(person.participant_id)
    working = {"work_now": ["1"], "work_hours": ["20"], "work_form": ["1"], "benefits": ["none"]}
    not_working = {"work_now": ["0"], "benefits": ["aap"]}
    for _ in range(40):
        outcomes = await asyncio.gather(
            *(answering.save_page(token, "work", working if n % 2 else not_working, "nb") for n in range(4)),
            return_exceptions=True,
        )
        assert [o for o in outcomes if isinstance(o, BaseException)] == []
    stored = await _stored((await Wave.select(Wave.id).where(Wave.participant == person.participant_id).first())["id"])
    # Whichever save came last, the page is consistent: hours only with work.
    assert (stored["work_now"] == 1) == ("work_hours" in stored)
