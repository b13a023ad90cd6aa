"""Synthetic demo data: three specialists, a few dozen job seekers over two years of waves,
and a dozen scripted ones that show every level, reason, hint and note of the follow-up
suggestion (``SHOWCASES``).

Answers come from a small generative model so that they vary between people and waves in
the directions the study reports: work capacity mostly above 7, coping beliefs strongly tied
to it (r about .8), expected time until work longer for people with lower capacity, and
capacity that rises or falls between waves. The random generator is seeded, so two demo
databases made on the same day hold the same people.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from survey_app.db.engine import write_transaction
from survey_app.db.tables import LinkToken, OutgoingMessage, PaperPrint, Participant, RegisterOutcome, Staff, Wave
from survey_app.services import audit, offices, staff
from survey_app.services.answering import record_complete_response, save_page, withdraw_participant
from survey_app.services.calendar import utcnow
from survey_app.services.enrolment import EnrolmentInput, insert_enrolment
from survey_app.services.studies import StudyConfig, ensure_default_study, update_policy
from survey_app.services.tokens import new_token

DEMO_PASSWORD = "demo-passord"
DEMO_DOMAIN = "demo.mestring.no"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    name: str
    office: str | None
    office_lead: bool = False


DEMO_ACCOUNTS = (
    DemoAccount(f"kari.nordmann@{DEMO_DOMAIN}", "specialist", "Kari Nordmann", "NAV Grünerløkka", office_lead=True),
    DemoAccount(f"ola.hansen@{DEMO_DOMAIN}", "specialist", "Ola Hansen", "NAV Grünerløkka"),
    DemoAccount(f"amina.yusuf@{DEMO_DOMAIN}", "specialist", "Amina Yusuf", "NAV Sandnes"),
    DemoAccount(f"forsker@{DEMO_DOMAIN}", "researcher", "Forsker Demo", None),
    DemoAccount(f"admin@{DEMO_DOMAIN}", "admin", "Admin Demo", None),
)

_FIRST = (
    "Anne",
    "Jonas",
    "Fatima",
    "Per",
    "Ingrid",
    "Mohammed",
    "Silje",
    "Lars",
    "Nora",
    "Ali",
    "Hilde",
    "Emil",
    "Sara",
    "Tor",
    "Marta",
    "Ahmed",
    "Line",
    "Kristian",
    "Ida",
    "Omar",
    "Tone",
    "Even",
    "Lena",
    "Sindre",
    "Maja",
    "Bjørn",
    "Hanne",
    "Yusuf",
    "Camilla",
    "Geir",
    "Eva",
    "Rune",
    "Julie",
    "Said",
    "Mona",
    "Stian",
)
_LAST = (
    "Berg",
    "Dahl",
    "Haugen",
    "Johansen",
    "Larsen",
    "Lie",
    "Moen",
    "Nilsen",
    "Olsen",
    "Pedersen",
    "Rønning",
    "Solberg",
    "Strand",
    "Vik",
    "Ali",
    "Hussain",
    "Kristiansen",
    "Aas",
)
PEOPLE_PER_SPECIALIST = 12
_STREETS = ("Storgata", "Kirkeveien", "Skolegata", "Fjordveien", "Bjørkeveien", "Sjøgata", "Elvegata")
_PLACES = ("0557 Oslo", "5003 Bergen", "7011 Trondheim", "9008 Tromsø", "4006 Stavanger", "3015 Drammen")


def _postal_address(number: int) -> str:
    """A made-up address, drawn from the person's number rather than the random stream so
    that the demo's people and answers stay as they were before addresses existed."""
    return f"{_STREETS[number % len(_STREETS)]} {number % 97 + 1}\n{_PLACES[number % len(_PLACES)]}"


@dataclass(frozen=True)
class Showcase:
    """A scripted job seeker whose history makes the follow-up suggestion show a given level,
    reason, hint or note (so a newcomer sees every one of them in the demo). ``waves`` holds
    per due wave either ``"missed"`` or (work capacity, three coping items, expected-wait code,
    in paid work); None = the question was skipped."""

    name: str
    specialist: int
    enrolled_days_ago: int
    waves: tuple[object, ...]
    contact_mode: str = "email"
    withdraw: bool = False
    # Paper mode: the T1 form was printed this many days ago (None: not printed yet).
    form_printed_days_ago: int | None = None


SHOWCASES = (
    # Falls on every measure and in work with low capacity: intensive, workplace follow-up.
    Showcase("Anne Lund", 0, 400, ((8, (8, 8, 8), 2, 0), (7, (7, 7, 8), 3, 0), (4, (5, 4, 5), 6, 1))),
    # Feels able, expects a long wait: the gap, job development.
    Showcase("Bilal Khan", 0, 110, ((8, (8, 8, 7), 6, 0), (8, (8, 8, 8), 6, 0))),
    # Only T1, and "don't know": talk about expectations.
    Showcase("Cecilie Bakke", 0, 20, ((6, (6, 6, 5), 9, 0),)),
    # Two waves missed in a row: get in touch, or offer paper.
    Showcase("David Berge", 0, 410, ((7, (7, 7, 7), 3, 0), "missed", "missed")),
    # Rising capacity: progress lowers the points.
    Showcase("Elin Holm", 0, 400, ((5, (5, 6, 5), 4, 0), (6, (6, 6, 6), 3, 0), (8, (8, 7, 8), 2, 1))),
    # A fall of 2 since T1 only, one point at a time.
    Showcase("Frode Lien", 1, 560, ((9, (9, 8, 9), 4, 0), (8, (8, 8, 8), 4, 0), (7, (7, 7, 7), 5, 0))),
    # Low on everything and expects never to work.
    Showcase("Gunn Eide", 1, 120, ((3, (3, 4, 3), 8, 0), (3, (3, 3, 4), 8, 0))),
    # Answers on paper and missed the latest wave.
    Showcase("Harald Brekke", 1, 140, ((9, (8, 9, 8), 1, 1), "missed"), contact_mode="paper"),
    # Skipped questions: values come from earlier waves.
    Showcase("Iselin Foss", 1, 400, ((6, (6, 6, 6), 5, 0), (7, (7, 7, 7), 4, 0), (None, (7, None, None), None, 0))),
    # Enrolled two days ago: no answer yet.
    Showcase("Jens Aune", 1, 2, ()),
    # Answered T1, then withdrew.
    Showcase("Kristin Moe", 1, 200, ((6, (6, 7, 6), 4, 0),), withdraw=True),
    # Left the three measures unanswered.
    Showcase("Leif Tangen", 1, 30, ((None, (None, None, 5), None, 0),)),
    # On paper, enrolled four days ago: the T1 form is due for printing.
    Showcase("Marit Post", 0, 4, (), contact_mode="paper"),
    # On paper, the form printed ten days ago and not back: a reminder letter is due.
    Showcase("Nils Brevik", 0, 12, (), contact_mode="paper", form_printed_days_ago=10),
)
_FIRST_PAGE = ("was", "rtwse_1", "rtwse_2", "rtwse_3", "rtwexp")


def _clip(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _answers(rng: random.Random, capacity: float, wave_index: int, in_work: bool) -> dict[str, object]:
    """One wave's answers for a person whose latent work capacity is ``capacity``."""
    was = _clip(capacity, 0, 10)
    coping = [_clip(1 + 0.85 * capacity + rng.gauss(0, 1.0), 1, 10) for _ in range(3)]
    if in_work:
        expectation = 0
    elif rng.random() < 0.1:
        expectation = 9
    else:
        expectation = _clip(7.5 - 0.55 * capacity + rng.gauss(0, 1.2), 1, 8)
    answers: dict[str, object] = {
        "was": was,
        "rtwse_1": coping[0],
        "rtwse_2": coping[1],
        "rtwse_3": coping[2],
        "rtwexp": expectation,
        "work_now": 1 if in_work else 0,
        "benefits": ["aap"] if not in_work and rng.random() < 0.6 else (["none"] if in_work else ["sosialhjelp"]),
        "general_health": _clip(4.5 - capacity / 3 + rng.gauss(0, 0.7), 1, 5),
        "health_problem": rng.choice([["none"], ["mental"], ["musculoskeletal"], ["mental", "musculoskeletal"]]),
    }
    if in_work:
        answers["work_hours"] = rng.choice([8, 15, 20, 25, 30, 37])
        answers["work_form"] = rng.choice([1, 2, 2, 3, 4])
    if wave_index == 0:
        answers.update(
            gender=rng.choice([1, 1, 2, 2, 3, 9]),
            birth_year=rng.randint(1968, 2004),
            education=rng.choice([1, 2, 2, 3, 4, 5]),
            living_situation=rng.choice([1, 1, 2, 3, 4]),
            children_under_18=rng.choice([0, 0, 1]),
        )
    # Every item is voluntary: leave a few out, as real people do (the questions about the
    # job apply only while "in paid work" is answered yes, so they go with it).
    kept = {item: value for item, value in answers.items() if rng.random() > 0.04}
    if "work_now" not in kept:
        kept.pop("work_hours", None)
        kept.pop("work_form", None)
    return kept


async def demo_is_seeded() -> bool:
    return await Staff.exists().where(Staff.email == DEMO_ACCOUNTS[0].email)


async def seed_demo(progress: Callable[[int, int], None] | None = None, seed: int = 2026) -> StudyConfig:
    """Create the demo accounts and job seekers (only once per database)."""
    study = await ensure_default_study()
    if await demo_is_seeded():
        return study
    contact = {
        # A name job seekers recognise in their inbox, not the installation's default sender.
        "sender_name": "Mestringsstudien (demo)",
        "contact_name": "Prosjektleder Demo",
        "contact_email": f"prosjekt@{DEMO_DOMAIN}",
        "contact_phone": "22 00 00 00",
        # No quiet hours in the demo: someone trying it in the evening must see the invitation
        # arrive (a real study keeps the default 21-08).
        "quiet_hours": "00-00",
    }
    study = (await update_policy(study.id, contact, audit.SYSTEM)).study
    rng = random.Random(seed)
    # Register data draw from their own stream, so the people and answers stay as they were.
    register_rng = random.Random(seed + 1)
    specialists = []
    for account in DEMO_ACCOUNTS:
        principal = await staff.create_staff(
            account.email, DEMO_PASSWORD, account.role, display_name=account.name, office=account.office
        )
        if account.role == "specialist":
            specialists.append(principal)
        if account.office_lead:
            await offices.set_office(audit.SYSTEM, principal.id, {"office": account.office, "lead": "1"})

    now = utcnow()
    today = now.astimezone(study.timezone).date()
    random_people = PEOPLE_PER_SPECIALIST * len(specialists)
    total = random_people + len(SHOWCASES)
    names = rng.sample([(first, last) for first in _FIRST for last in _LAST], random_people)
    for index in range(random_people):
        specialist = specialists[index % len(specialists)]
        first, last = names[index]
        enrolled_on = today - dt.timedelta(days=rng.randint(0, 730))
        entry = EnrolmentInput(
            name=f"{first} {last}",
            email=f"{first.lower().replace('ø', 'o')}.{last.lower().replace('ø', 'o')}@example.com",
            postal_address=_postal_address(index),
            phone=None,
            language=rng.choice(["nb"] * 8 + ["nn", "en"]),
            programme=rng.choice(["utvidet_oppfolging"] * 4 + ["kvp", "external"]),
            contact_mode="paper" if rng.random() < 0.1 else "email",
            consent_date=enrolled_on - dt.timedelta(days=rng.randint(0, 7)),
            consent_version="1.0",
            enrolled_on=enrolled_on,
        )
        async with write_transaction():
            enrolled = await insert_enrolment(entry, study, specialist.id, audit.Actor.staff(specialist.id), now)
        capacity = await _play_waves(rng, enrolled.participant_id, entry, now)
        if today - enrolled_on >= dt.timedelta(days=365) and register_rng.random() < 0.85:
            await _register_hours(register_rng, enrolled.participant_id, capacity)
        if progress:
            progress(index + 1, total)
    for index, showcase in enumerate(SHOWCASES, start=random_people + 1):
        await _enrol_showcase(showcase, study, specialists[showcase.specialist], today, now, _postal_address(index))
        if progress:
            progress(index, total)
    return study


async def _enrol_showcase(
    showcase: Showcase,
    study: StudyConfig,
    specialist: staff.StaffPrincipal,
    today: dt.date,
    now: dt.datetime,
    postal_address: str,
) -> None:
    enrolled_on = today - dt.timedelta(days=showcase.enrolled_days_ago)
    first, last = showcase.name.split(" ", 1)
    entry = EnrolmentInput(
        name=showcase.name,
        email=f"{first.lower()}.{last.lower()}@example.com" if showcase.contact_mode == "email" else None,
        postal_address=postal_address,
        phone=None,
        language="nb",
        programme="utvidet_oppfolging",
        contact_mode=showcase.contact_mode,
        consent_date=enrolled_on,
        consent_version="1.0",
        enrolled_on=enrolled_on,
    )
    async with write_transaction():
        enrolled = await insert_enrolment(entry, study, specialist.id, audit.Actor.staff(specialist.id), now)
    waves = await Wave.select().where(Wave.participant == enrolled.participant_id).order_by(Wave.opens_at)
    for wave, outcome in zip(waves, showcase.waves, strict=False):
        if showcase.contact_mode == "email" and wave["closes_at"] <= now:
            await _historical_invitation(enrolled.participant_id, wave["id"], wave["opens_at"] + dt.timedelta(hours=9))
        if outcome == "missed":
            continue
        capacity, coping, expectation, in_work = outcome
        answers = {"was": capacity, "rtwexp": expectation, "work_now": in_work}
        answers.update({f"rtwse_{number}": value for number, value in enumerate(coping, start=1)})
        await record_complete_response(
            wave["id"],
            {item: value for item, value in answers.items() if value is not None},
            mode="paper" if showcase.contact_mode == "paper" else "web",
            language="nb",
            actor=audit.SYSTEM,
            now=min(now, wave["opens_at"] + dt.timedelta(days=3, hours=10)),
        )
    if showcase.withdraw:
        await withdraw_participant(enrolled.participant_id, audit.SYSTEM, now - dt.timedelta(days=30))
    if showcase.form_printed_days_ago is not None:
        await PaperPrint.insert(
            PaperPrint(
                wave=waves[0]["id"],
                kind="form",
                printed_by=specialist.id,
                printed_at=now - dt.timedelta(days=showcase.form_printed_days_ago),
            )
        )


async def _play_waves(rng: random.Random, participant_id: int, entry: EnrolmentInput, now: dt.datetime) -> float:
    """Give each wave that has opened an outcome: answered, started, missed or left open.
    Returns the person's latent work capacity at inclusion."""
    capacity = min(10.0, max(0.0, rng.gauss(6.8, 2.0)))
    at_inclusion = None
    in_work = False
    leaves_after = rng.choice([None] * 15 + [1, 2])
    waves = await Wave.select().where(Wave.participant == participant_id).order_by(Wave.opens_at)
    for index, wave in enumerate(waves):
        if wave["opens_at"] > now:
            break
        if leaves_after is not None and index >= leaves_after:
            await withdraw_participant(participant_id, audit.SYSTEM, wave["opens_at"])
            break
        capacity = min(10.0, max(0.0, capacity + rng.gauss(0.3, 1.1)))
        at_inclusion = capacity if at_inclusion is None else at_inclusion
        in_work = in_work or rng.random() < 0.12 * index + capacity / 40
        is_open = wave["closes_at"] > now
        answer_probability = (0.95, 0.85, 0.75, 0.7)[min(index, 3)] * (0.5 if is_open else 1)
        if entry.contact_mode == "email":
            sent_at = wave["opens_at"] + dt.timedelta(hours=9)
            if not is_open:
                await _historical_invitation(participant_id, wave["id"], sent_at)
        if rng.random() < answer_probability:
            submitted_at = min(now, wave["opens_at"] + dt.timedelta(days=rng.randint(1, 20), hours=10))
            await record_complete_response(
                wave["id"],
                _answers(rng, capacity, index, in_work),
                mode="paper" if entry.contact_mode == "paper" else "web",
                language=entry.language,
                actor=audit.SYSTEM,
                now=submitted_at,
            )
            if is_open and entry.contact_mode == "email":
                await OutgoingMessage.update({OutgoingMessage.status: "sent", OutgoingMessage.sent_at: sent_at}).where(
                    OutgoingMessage.wave == wave["id"]
                )
        elif is_open and rng.random() < 0.3:
            # Started but not sent in: answers to the first page only, saved as a draft.
            token, token_hash = new_token()
            await LinkToken.insert(LinkToken(wave=wave["id"], token_hash=token_hash))
            first_page = {k: [str(v)] for k, v in _answers(rng, capacity, index, in_work).items() if k in _FIRST_PAGE}
            await save_page(token, "measures", first_page, entry.language, now=now)

    return capacity if at_inclusion is None else at_inclusion


async def _register_hours(rng: random.Random, participant_id: int, capacity: float) -> None:
    """Mean hours a week in the year before and after start, as a register would have them:
    few before, more after, and more the higher the work capacity at inclusion (the study found
    about 4.6 hours a week per point in the experimental group)."""
    before = max(0.0, rng.gauss(2.0, 3.0)) if rng.random() < 0.5 else 0.0
    after = min(60.0, max(0.0, 4.6 * capacity - 22.0 + rng.gauss(0, 9.0)))
    await RegisterOutcome.insert(
        RegisterOutcome(
            participant=participant_id, hours_before=round(before, 1), hours_after=round(after, 1), source="demo"
        )
    )


async def _historical_invitation(participant_id: int, wave_id: int, sent_at: dt.datetime) -> None:
    await OutgoingMessage.insert(
        OutgoingMessage(
            participant=participant_id,
            wave=wave_id,
            kind="invitation",
            sequence=0,
            status="sent",
            due_at=sent_at,
            sent_at=sent_at,
            attempts=1,
            created_at=sent_at,
        )
    ).on_conflict(action="DO NOTHING")


async def demo_caseload_sizes() -> dict[str, int]:
    rows = await Participant.select(Participant.specialist.email)
    sizes: dict[str, int] = {}
    for row in rows:
        sizes[row["specialist.email"]] = sizes.get(row["specialist.email"], 0) + 1
    return sizes
