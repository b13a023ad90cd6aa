"""Many job seekers written in bulk, for load tests and benchmarks: enrolling thousands one by
one through the services takes minutes.

* :func:`add_open_waves`: job seekers with an open wave, for the dispatcher
  (``tests/integration/test_dispatch_processes.py``, ``bench/dispatch.py``): only what a
  dispatcher reads.
* :func:`add_answered_panel`: a whole study's panel (four waves, answers to every item, scores,
  register hours), for the export (``bench/export.py``)."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable

from instruments import Instrument, load_instrument, score_wave
from survey_app.db.engine import insert_rows, raw_query, write_transaction
from survey_app.db.tables import Answer, Participant, ParticipantIdentity, RegisterOutcome, Wave
from survey_app.services.calendar import plan_waves
from survey_app.services.studies import StudyConfig

# Rows per statement, within every database's limit of parameters (11 columns at most).
_CHUNK = 2000
_PARTICIPANT_COLUMNS = (
    "study",
    "study_id",
    "programme",
    "specialist",
    "contact_mode",
    "language",
    "consent_date",
    "consent_version",
    "enrolled_on",
    "status",
    "created_at",
)


async def add_open_waves(
    study: StudyConfig, specialist_id: int, count: int, label: str, now: dt.datetime
) -> dict[int, str]:
    """``count`` active e-mail participants, each with a T1 that opened a day before ``now``
    and stays open 20 days; ``label`` makes their study IDs and addresses unique. Returns
    participant id -> e-mail address."""
    ids: list[int] = []
    for start in range(0, count, _CHUNK):
        rows = await insert_rows(
            Participant,
            _PARTICIPANT_COLUMNS,
            [
                (
                    study.id,
                    f"{label}{n:07d}",
                    "kvp",
                    specialist_id,
                    "email",
                    "nb",
                    now.date(),
                    "1",
                    now.date(),
                    "active",
                    now,
                )
                for n in range(start, min(start + _CHUNK, count))
            ],
            "RETURNING id",
        )
        ids += [row["id"] for row in rows]
    addresses = {pid: f"{label.lower()}{pid}@example.no" for pid in ids}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        await insert_rows(
            ParticipantIdentity,
            ("participant", "name", "email", "email_normalised"),
            [(pid, f"Person {pid}", addresses[pid], addresses[pid]) for pid in chunk],
        )
        await insert_rows(
            Wave,
            ("participant", "label", "months", "opens_at", "closes_at", "status"),
            [(pid, "T1", 0, now - dt.timedelta(days=1), now + dt.timedelta(days=20), "pending") for pid in chunk],
        )
    return addresses


# --- answered panels, for the export's tests and benchmark (bench/export.py) ---------------

_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_WAVE_COLUMNS = (
    "participant",
    "label",
    "months",
    "opens_at",
    "closes_at",
    "status",
    "started_at",
    "submitted_at",
    "mode",
    "language",
    "instrument_version",
    "work_capacity",
    "work_capacity_band",
    "coping_beliefs",
    "coping_beliefs_items",
    "rtw_expectation",
    "rtw_expectation_dont_know",
)
_ANSWER_COLUMNS = ("wave", "item_id", "status", "value_json", "instrument_version", "mode", "answered_at", "updated_at")


def panel_study_id(number: int, label: str = "") -> str:
    """A study ID of the real shape (``7K3Q-9PXA``) fixed by ``number``: a bijection of the
    40-bit IDs, so distinct numbers never collide and the IDs do not sort in enrolment order.
    A ``label`` replaces the first characters (to keep several loads apart)."""
    scrambled = (number * 0x9E3779B1 + 0x5DEECE66D) % 32**8
    chars = []
    for _ in range(8):
        scrambled, digit = divmod(scrambled, 32)
        chars.append(_ID_ALPHABET[digit])
    text = (label + "".join(chars))[:8]
    return f"{text[:4]}-{text[4:]}"


def _clip(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def panel_answers(
    instrument: Instrument, wave_label: str, rng: random.Random, capacity: float, in_work: bool, skip: float = 0.03
) -> dict[str, object]:
    """One wave's answers to every item the wave asks, for a person whose latent work capacity
    (0-10) is ``capacity``; an item is skipped (None) with probability ``skip``, and the job
    questions apply only while "in paid work" is answered yes, as on the form."""
    if in_work:
        expectation = 0
    elif rng.random() < 0.1:
        expectation = 9
    else:
        expectation = _clip(7.5 - 0.55 * capacity + rng.gauss(0, 1.2), 1, 8)
    model: dict[str, object] = {
        "was": _clip(capacity, 0, 10),
        **{f"rtwse_{n}": _clip(1 + 0.85 * capacity + rng.gauss(0, 1.0), 1, 10) for n in (1, 2, 3)},
        "rtwexp": expectation,
        "work_now": int(in_work),
        "work_hours": rng.choice((8, 15, 20, 25, 30, 37)),
        "work_form": rng.choice((1, 2, 2, 3, 4)),
        "benefits": ("none",)
        if in_work
        else rng.choice((("aap",), ("aap",), ("sosialhjelp",), ("dagpenger",), ("aap", "other"), ("uforetrygd",))),
        "general_health": _clip(4.5 - capacity / 3 + rng.gauss(0, 0.7), 1, 5),
        "health_problem": rng.choice((("none",), ("mental",), ("musculoskeletal",), ("mental", "musculoskeletal"))),
        "gender": rng.choice((1, 1, 2, 2, 3, 9)),
        "birth_year": rng.randint(1962, 2004),
        "education": rng.choice((1, 2, 2, 3, 4, 5)),
        "living_situation": rng.choice((1, 1, 2, 3, 4)),
        "children_under_18": rng.choice((0, 0, 1)),
    }
    values: dict[str, object] = {}
    for item in instrument.items_for_wave(wave_label):
        if item.applies(values):
            values[item.id] = model.get(item.id) if rng.random() >= skip else None
    return values


async def add_answered_panel(
    study: StudyConfig,
    specialist_id: int,
    count: int,
    now: dt.datetime,
    *,
    seed: int = 9,
    label: str = "",
    register_share: float = 0.7,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """``count`` participants with their four waves, written in bulk, as a study in its third
    year looks: nine in ten enrolled long enough ago that every wave has opened (about 85 % of
    opened waves answered, the rest missed), one in ten in the last 18 months (later waves
    pending), about 3 % withdrawn after a wave; answered waves with every item the wave asks
    (a few skipped, stored as skipped like the form does), their scores as the app stores
    them; register hours for ``register_share`` of the participants. Each chunk of participants
    is one write transaction. Returns the number of rows written per table."""
    instrument = load_instrument(study.instrument_version)
    rng = random.Random(seed)
    today = now.astimezone(study.timezone).date()
    counts = dict.fromkeys(("participant", "wave", "answer", "register_outcome"), 0)
    for start in range(0, count, _CHUNK):
        people = []
        for n in range(start, min(start + _CHUNK, count)):
            recent = rng.random() < 0.1
            enrolled_on = today - dt.timedelta(days=rng.randint(1, 540) if recent else rng.randint(575, 1000))
            paper = rng.random() < 0.1
            people.append(
                {
                    "n": n,
                    "enrolled_on": enrolled_on,
                    "contact_mode": "paper" if paper else "email",
                    "language": rng.choice(("nb",) * 8 + ("nn", "en")),
                    "programme": rng.choice(("utvidet_oppfolging",) * 4 + ("kvp", "external")),
                    "withdraw_after": rng.randint(0, 2) if rng.random() < 0.03 else None,
                }
            )
        async with write_transaction():
            inserted = await insert_rows(
                Participant,
                _PARTICIPANT_COLUMNS,
                [
                    (
                        study.id,
                        panel_study_id(person["n"], label),
                        person["programme"],
                        specialist_id,
                        person["contact_mode"],
                        person["language"],
                        person["enrolled_on"],
                        "1.0",
                        person["enrolled_on"],
                        "active",
                        dt.datetime.combine(person["enrolled_on"], dt.time(9), tzinfo=dt.UTC),
                    )
                    for person in people
                ],
                "RETURNING id, study_id",
            )
            ids = {row["study_id"]: row["id"] for row in inserted}
            waves, answers, register, withdrawn = [], [], [], []
            for person in people:
                pid = ids[panel_study_id(person["n"], label)]
                capacity = min(10.0, max(0.0, rng.gauss(6.8, 2.0)))
                at_inclusion, in_work = capacity, False
                calendar = (study.wave_labels, study.wave_offsets_months, study.window_days, study.timezone)
                planned = plan_waves(person["enrolled_on"], *calendar)
                stop = person["withdraw_after"]
                if stop is not None and planned[stop].opens_at > now:
                    stop = None
                for index, wave in enumerate(planned):
                    row = dict.fromkeys(_WAVE_COLUMNS)
                    row.update(
                        participant=pid,
                        label=wave.label,
                        months=wave.months,
                        opens_at=wave.opens_at,
                        closes_at=wave.closes_at,
                        status="pending",
                    )
                    if stop is not None and index > stop:
                        row["status"] = "withdrawn"
                    elif wave.opens_at <= now:
                        capacity = min(10.0, max(0.0, capacity + rng.gauss(0.3, 1.1)))
                        at_inclusion = capacity if index == 0 else at_inclusion
                        in_work = in_work or rng.random() < 0.12 * index + capacity / 40
                        if rng.random() < (0.5 if wave.closes_at > now else 0.85):
                            submitted = min(now, wave.opens_at + dt.timedelta(days=rng.randint(1, 20), hours=10))
                            values = panel_answers(instrument, wave.label, rng, capacity, in_work)
                            scores = score_wave({k: v for k, v in values.items() if not isinstance(v, tuple)})
                            mode = "paper" if person["contact_mode"] == "paper" else "web"
                            row.update(
                                status="answered",
                                started_at=submitted - dt.timedelta(minutes=rng.randint(4, 30)),
                                submitted_at=submitted,
                                mode=mode,
                                language=person["language"],
                                instrument_version=instrument.version,
                                work_capacity=scores.work_capacity,
                                work_capacity_band=scores.work_capacity_band,
                                coping_beliefs=scores.coping_beliefs,
                                coping_beliefs_items=scores.coping_beliefs_items_answered,
                                rtw_expectation=scores.rtw_expectation,
                                rtw_expectation_dont_know=scores.rtw_expectation_dont_know,
                            )
                            answers.append((len(waves), values, mode, submitted))
                    waves.append(tuple(row.values()))
                if stop is not None:
                    withdrawn.append((pid, min(now, planned[stop].opens_at + dt.timedelta(days=rng.randint(1, 60)))))
                if rng.random() < register_share:
                    before = max(0.0, rng.gauss(2.0, 3.0)) if rng.random() < 0.5 else 0.0
                    after = min(60.0, max(0.0, 4.6 * at_inclusion - 22.0 + rng.gauss(0, 9.0)))
                    register.append((pid, round(before, 1), round(after, 1), "bench"))
            wave_ids: list[int] = []
            # Wave rows have 17 columns: 1000 rows stay within SQLite's 32,766 parameters.
            for first in range(0, len(waves), _CHUNK // 2):
                part = waves[first : first + _CHUNK // 2]
                returned = await insert_rows(Wave, _WAVE_COLUMNS, part, "RETURNING id, participant, label")
                by_key = {(row["participant"], row["label"]): row["id"] for row in returned}
                wave_ids += [by_key[(row[0], row[1])] for row in part]
            answer_rows = [
                (
                    wave_ids[position],
                    item_id,
                    "skipped" if value is None else "answered",
                    None if value is None else json.dumps(list(value) if isinstance(value, tuple) else value),
                    instrument.version,
                    mode,
                    submitted,
                    submitted,
                )
                for position, values, mode, submitted in answers
                for item_id, value in values.items()
            ]
            for first in range(0, len(answer_rows), _CHUNK * 2):
                await insert_rows(Answer, _ANSWER_COLUMNS, answer_rows[first : first + _CHUNK * 2])
            if register:
                await insert_rows(RegisterOutcome, ("participant", "hours_before", "hours_after", "source"), register)
            await insert_rows(
                ParticipantIdentity,
                ("participant", "name"),
                [(pid, f"Panel Person {pid}") for pid in ids.values()],
            )
            for pid, at in withdrawn:
                await raw_query(
                    "UPDATE participant SET status = 'withdrawn', withdrawn_at = {at} WHERE id = {id}", at=at, id=pid
                )
        counts["participant"] += len(people)
        counts["wave"] += len(waves)
        counts["answer"] += len(answer_rows)
        counts["register_outcome"] += len(register)
        if progress:
            progress(min(start + _CHUNK, count), count)
    return counts
