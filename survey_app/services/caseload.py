"""A job specialist's caseload: their job seekers with wave states, scores and the follow-up
intensity suggestion, ranked; and one job seeker's page.

What a job seeker has not sent in yet is theirs: scores live on a wave row only once it is
submitted, and answers are read only for submitted waves, so staff see that a wave was
started and nothing of its draft.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from analysis.followup import (
    MeasureTrend,
    RankInput,
    Suggestion,
    WaveRecord,
    load_rule_set,
    measure_trends,
    rank,
    suggest,
)
from instruments.scoring import RTWEXP_DONT_KNOW
from survey_app.db.tables import Answer, OutgoingMessage, ParticipantIdentity, Staff, Wave
from survey_app.services import audit
from survey_app.services.access import (
    NOT_IN_CASELOAD,
    caseload_owner,
    check_study_id,
    visible_participants,
)
from survey_app.services.answering import decode_value
from survey_app.services.calendar import utcnow
from survey_app.services.errors import NotFound
from survey_app.services.message_history import MessageRow, load_messages, unresolved_problem
from survey_app.services.staff import StaffPrincipal
from survey_app.services.wave_states import wave_state

# The item whose answer says whether the person is in paid work (a pattern the suggestion uses).
WORK_NOW_ITEM = "work_now"
# Wave states that are still to come or under way: "pending" to the suggestion.
_PENDING_STATES = ("not_yet_open", "open", "invited", "in_progress")


@dataclass(frozen=True)
class WaveView:
    id: int
    label: str
    months: int
    state: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    submitted_at: dt.datetime | None
    mode: str | None
    work_capacity: int | None
    work_capacity_band: str | None
    coping_beliefs: float | None
    rtw_expectation: int | None
    rtw_expectation_dont_know: bool | None
    # The wave's last e-mail was refused by the mail server, or its delivery is unknown (see
    # ``message_history.unresolved_problem``): the specialist has to act.
    undeliverable: bool
    delivery_unknown: bool
    in_paid_work: bool | None = None

    @property
    def expectation_code(self) -> int | None:
        """The answer to the expected-wait question as its code: 0-8, or 9 for "don't know"."""
        return RTWEXP_DONT_KNOW if self.rtw_expectation_dont_know else self.rtw_expectation

    def record(self) -> WaveRecord:
        """The wave as the follow-up suggestion reads it."""
        answered = self.state == "answered"
        status = "pending" if self.state in _PENDING_STATES else self.state
        expectation = self.expectation_code
        return WaveRecord(
            wave=self.label,
            status=status,
            work_capacity=self.work_capacity if answered else None,
            coping_beliefs=self.coping_beliefs if answered else None,
            rtw_expectation=expectation if answered else None,
            in_paid_work=self.in_paid_work if answered else None,
            answered_on=self.submitted_at.date() if answered and self.submitted_at else None,
        )


@dataclass(frozen=True)
class CaseloadEntry:
    participant_id: int
    study_id: str
    name: str
    programme: str
    contact_mode: str
    status: str
    enrolled_on: dt.date
    specialist_id: int
    waves: tuple[WaveView, ...]
    suggestion: Suggestion
    # Per measure (work_capacity, coping_beliefs, rtw_expectation): the latest value and change.
    trends: dict[str, MeasureTrend] = field(default_factory=dict)
    # Place in the caseload's ranking (1 = most need), and whether marked for close follow-up.
    position: int = 0
    candidate: bool = False

    @property
    def answered(self) -> tuple[WaveView, ...]:
        return tuple(w for w in self.waves if w.state == "answered")

    @property
    def latest(self) -> WaveView | None:
        return self.answered[-1] if self.answered else None

    @property
    def last_contact(self) -> dt.date:
        """The latest answer, else the enrolment: the ranking's last tie-breaker."""
        latest = self.latest
        return latest.submitted_at.date() if latest and latest.submitted_at else self.enrolled_on

    @property
    def missed(self) -> tuple[WaveView, ...]:
        return tuple(w for w in self.waves if w.state == "missed")

    @property
    def work_capacity_change(self) -> int | None:
        """Latest work capacity minus the first answered one (None until two answers exist)."""
        trend = self.trends.get("work_capacity")
        return trend.change_first if trend else None

    @property
    def mail_problem(self) -> str | None:
        """``undeliverable`` or ``unknown`` while an e-mail of a wave did not get through to
        someone who takes part by e-mail (undeliverable first: it is certain)."""
        if self.status != "active" or self.contact_mode != "email":
            return None
        if any(w.undeliverable for w in self.waves):
            return "undeliverable"
        return "unknown" if any(w.delivery_unknown for w in self.waves) else None

    @property
    def needs_attention(self) -> bool:
        return self.mail_problem is not None


async def _work_now(wave_ids: list[int]) -> dict[int, bool]:
    """The answer to "paid work now?" of submitted waves (absent when skipped)."""
    if not wave_ids:
        return {}
    rows = await Answer.select(Answer.wave, Answer.value_json).where(
        Answer.wave.is_in(wave_ids) & (Answer.item_id == WORK_NOW_ITEM)
    )
    return {row["wave"]: decode_value(row["value_json"]) == 1 for row in rows if row["value_json"] is not None}


async def wave_views(participant_ids: list[int], now: dt.datetime) -> dict[int, list[WaveView]]:
    if not participant_ids:
        return {}
    rows = await Wave.select().where(Wave.participant.is_in(participant_ids)).order_by(Wave.opens_at)
    messages: dict[int, list[MessageRow]] = defaultdict(list)
    for message in await load_messages(OutgoingMessage.participant.is_in(participant_ids)):
        messages[message.wave].append(message)
    work_now = await _work_now([row["id"] for row in rows if row["status"] == "answered"])
    by_participant: dict[int, list[WaveView]] = defaultdict(list)
    for row in rows:
        sent = any(message.status == "sent" for message in messages[row["id"]])
        problem = unresolved_problem(row["status"], messages[row["id"]])
        by_participant[row["participant"]].append(
            WaveView(
                id=row["id"],
                label=row["label"],
                months=row["months"],
                state=wave_state(row["status"], row["opens_at"], row["closes_at"], now, sent),
                opens_at=row["opens_at"],
                closes_at=row["closes_at"],
                submitted_at=row["submitted_at"],
                mode=row["mode"],
                work_capacity=row["work_capacity"],
                work_capacity_band=row["work_capacity_band"],
                coping_beliefs=row["coping_beliefs"],
                rtw_expectation=row["rtw_expectation"],
                rtw_expectation_dont_know=row["rtw_expectation_dont_know"],
                undeliverable=problem is not None and problem.status == "undeliverable",
                delivery_unknown=problem is not None and problem.status == "unknown",
                in_paid_work=work_now.get(row["id"]),
            )
        )
    return by_participant


_ENTRY_COLUMNS = (
    ParticipantIdentity.name,
    ParticipantIdentity.participant.id,
    ParticipantIdentity.participant.study_id,
    ParticipantIdentity.participant.programme,
    ParticipantIdentity.participant.contact_mode,
    ParticipantIdentity.participant.status,
    ParticipantIdentity.participant.enrolled_on,
    ParticipantIdentity.participant.specialist,
)


def _entry(row: dict, waves: list[WaveView]) -> CaseloadEntry:
    participant = row["participant"]
    history = [wave.record() for wave in waves]
    rules = load_rule_set()
    return CaseloadEntry(
        participant_id=participant["id"],
        study_id=participant["study_id"],
        name=row["name"],
        programme=participant["programme"],
        contact_mode=participant["contact_mode"],
        status=participant["status"],
        enrolled_on=participant["enrolled_on"],
        specialist_id=participant["specialist"],
        waves=tuple(waves),
        suggestion=suggest(history, rules),
        trends=dict(measure_trends(history, rules)),
    )


def ranked(entries: Sequence[CaseloadEntry]) -> list[CaseloadEntry]:
    """``entries`` in the order of the follow-up suggestion, with positions and the top
    candidates for close follow-up marked (rules: ``analysis.followup.rank``)."""
    by_key = {entry.study_id: entry for entry in entries}
    order = rank(
        [
            RankInput(
                key=entry.study_id,
                suggestion=entry.suggestion,
                last_contact=entry.last_contact,
                active=entry.status == "active",
            )
            for entry in entries
        ]
    )
    return [replace(by_key[item.key], position=item.position, candidate=item.candidate) for item in order]


async def caseloads_of(owner_ids: Sequence[int], now: dt.datetime | None = None) -> dict[int, list[CaseloadEntry]]:
    """The job seekers of each specialist in ``owner_ids``, each caseload ranked on its own by
    the follow-up suggestion; read in one go (an office's caseloads are one query each, not one
    per specialist). No access check: for the services that have made it."""
    now = now or utcnow()
    rows = (
        await ParticipantIdentity.select(*_ENTRY_COLUMNS)
        .where(ParticipantIdentity.participant.specialist.is_in(list(owner_ids) or [0]))
        .output(nested=True)
    )
    waves = await wave_views([row["participant"]["id"] for row in rows], now)
    by_owner: dict[int, list[CaseloadEntry]] = {owner: [] for owner in owner_ids}
    for row in rows:
        by_owner[row["participant"]["specialist"]].append(_entry(row, waves.get(row["participant"]["id"], [])))
    return {owner: ranked(entries) for owner, entries in by_owner.items()}


async def caseload_of(owner_id: int, now: dt.datetime | None = None) -> list[CaseloadEntry]:
    """The job seekers of specialist ``owner_id``, ranked (see :func:`caseloads_of`)."""
    return (await caseloads_of([owner_id], now))[owner_id]


async def caseload(
    viewer: StaffPrincipal, now: dt.datetime | None = None, *, specialist_id: int | None = None
) -> list[CaseloadEntry]:
    """A caseload ranked by the follow-up suggestion: the viewer's own, or (for an office lead)
    that of ``specialist_id`` in their office, which is written to the audit log: it names
    other people's job seekers."""
    owner = await caseload_owner(viewer, specialist_id)
    if owner != viewer.id:
        await audit.record(audit.Actor.staff(viewer.id), "caseload.view", "staff", owner)
    return await caseload_of(owner, now)


# --- filtering and sorting the caseload page (no JavaScript: a GET form) ------------------

SORTS = ("rank", "name", "work_capacity", "latest_answer")
LEVELS = ("standard", "increased", "intensive")
STATUSES = ("active", "withdrawn")


@dataclass(frozen=True)
class CaseloadFilter:
    programme: str | None = None
    level: str | None = None
    status: str | None = None
    sort: str = "rank"

    @classmethod
    def from_query(cls, query: dict[str, str], programmes: Sequence[str]) -> CaseloadFilter:
        """Unknown values are ignored (the whole caseload, ranked), never an error."""

        def pick(name: str, allowed: Sequence[str]) -> str | None:
            value = query.get(name)
            return value if value in allowed else None

        return cls(
            programme=pick("programme", programmes),
            level=pick("level", LEVELS),
            status=pick("status", STATUSES),
            sort=pick("sort", SORTS) or "rank",
        )

    @property
    def narrows(self) -> bool:
        return any((self.programme, self.level, self.status))

    def apply(self, entries: Sequence[CaseloadEntry]) -> list[CaseloadEntry]:
        chosen = [
            entry
            for entry in entries
            if (self.programme is None or entry.programme == self.programme)
            and (self.level is None or entry.suggestion.level == self.level)
            and (self.status is None or entry.status == self.status)
        ]
        if self.sort == "name":
            chosen.sort(key=lambda e: e.name.casefold())
        elif self.sort == "work_capacity":
            # Lowest first; people without any answer last.
            chosen.sort(key=lambda e: _latest_value(e, "work_capacity"))
        elif self.sort == "latest_answer":
            # Longest since the last answer first: who has not been heard from.
            chosen.sort(key=lambda e: (e.latest is not None, e.last_contact))
        return chosen


def _latest_value(entry: CaseloadEntry, measure: str) -> tuple[bool, float]:
    trend = entry.trends.get(measure)
    value = trend.value if trend else None
    return (value is None, value if value is not None else 0.0)


# --- one job seeker ------------------------------------------------------------------------


@dataclass(frozen=True)
class ParticipantDetail:
    entry: CaseloadEntry
    # How many job seekers the responsible specialist has (the entry's ranking is among them).
    caseload_size: int
    email: str | None
    phone: str | None
    postal_address: str | None
    language: str
    consent_date: dt.date
    consent_version: str
    specialist_name: str
    # wave label -> item id -> value (None = skipped); submitted waves only
    answers: dict[str, dict[str, object]]

    @property
    def item_ids(self) -> set[str]:
        return {item_id for items in self.answers.values() for item_id in items}


async def participant_detail(
    viewer: StaffPrincipal,
    study_id: str,
    now: dt.datetime | None = None,
    *,
    viewed_as: str | None = None,
    own: bool = False,
) -> ParticipantDetail:
    """One job seeker ``viewer`` may see (see ``access.py``). Someone else's, or nobody's, is
    :class:`NotFound` alike, so the page cannot be used to learn which study IDs exist.

    ``viewed_as`` (``page``, ``pdf``, ``api``) writes the audit entry of a view of a named
    person's record; actions that only look the person up pass None. ``own``: only a job
    seeker of the viewer's own caseload (see :func:`access.visible_participants`).
    """
    now = now or utcnow()
    check_study_id(study_id)
    row = (
        await ParticipantIdentity.select(
            *_ENTRY_COLUMNS,
            ParticipantIdentity.email,
            ParticipantIdentity.phone,
            ParticipantIdentity.postal_address,
            ParticipantIdentity.participant.language,
            ParticipantIdentity.participant.consent_date,
            ParticipantIdentity.participant.consent_version,
        )
        .where(
            (ParticipantIdentity.participant.study_id == study_id)
            & visible_participants(viewer, ParticipantIdentity.participant, own=own)
        )
        .output(nested=True)
        .first()
    )
    if row is None:
        if viewed_as:
            # A look-up of someone out of reach (or of nobody) is worth knowing about too.
            await audit.record(
                audit.Actor.staff(viewer.id), "participant.view_refused", "participant", study_id, {"as": viewed_as}
            )
        raise NotFound(NOT_IN_CASELOAD)
    participant_id = row["participant"]["id"]
    # The whole caseload is read to give the person their place in its ranking (12-20 people).
    entries = await caseload_of(row["participant"]["specialist"], now)
    entry = next((entry for entry in entries if entry.participant_id == participant_id), None)
    if entry is None:  # moved to another specialist between the two reads
        raise NotFound(NOT_IN_CASELOAD)
    labels = {wave.id: wave.label for wave in entry.waves if wave.state == "answered"}
    answers: dict[str, dict[str, object]] = {wave.label: {} for wave in entry.waves}
    if labels:
        for answer in await Answer.select(Answer.wave, Answer.item_id, Answer.value_json).where(
            Answer.wave.is_in(list(labels))
        ):
            answers[labels[answer["wave"]]][answer["item_id"]] = decode_value(answer["value_json"])
    specialist = await Staff.select(Staff.display_name).where(Staff.id == row["participant"]["specialist"]).first()
    if viewed_as:
        await audit.record(audit.Actor.staff(viewer.id), "participant.view", "participant", study_id, {"as": viewed_as})
    return ParticipantDetail(
        entry=entry,
        caseload_size=len(entries),
        email=row["email"],
        phone=row["phone"],
        postal_address=row["postal_address"],
        language=row["participant"]["language"],
        consent_date=row["participant"]["consent_date"],
        consent_version=row["participant"]["consent_version"],
        specialist_name=specialist["display_name"] if specialist else "",
        answers=answers,
    )


async def message_ids_of_caseload(specialist_id: int) -> set[int]:
    """Ids of the messages sent to the specialist's job seekers (to filter the outbox)."""
    rows = await OutgoingMessage.select(OutgoingMessage.id).where(
        OutgoingMessage.participant.specialist == specialist_id
    )
    return {row["id"] for row in rows}
