"""Typing in returned paper forms: the web form's validation, the explicit marks, double entry
(agreement, a difference decided by a third person, the same person refused), and the
answers of a verified form in the export, the analyses and the suggestion, with mode paper."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instruments import Item, load_instrument
from instruments.coercion import present_values
from survey_app.db.tables import Answer, AuditEvent, PaperEntry, Study, Wave
from survey_app.services.answering import open_link, recheck_page, section_ids
from survey_app.services.caseload import participant_detail
from survey_app.services.errors import Conflict, Forbidden, NotFound
from survey_app.services.paper_entry import (
    InvalidEntry,
    check_entry,
    entry_queue,
    entry_state,
    find_form,
    mark_field,
    resolve_entry,
    submit_entry,
)
from survey_app.services.study_analysis import panel_frame
from tests.helpers import enrol_person, link_for, make_staff

INSTRUMENT = load_instrument("mestring-2026.1")


def answer_for(item: Item) -> str:
    """A valid answer to ``item`` as a form field holds it."""
    if item.kind == "scale":
        return str(item.max - 1)
    if item.kind == "integer":
        return str(item.min + 1)
    return str(item.options[0].code)


def fields_for(wave: str, **changes: object) -> dict[str, list[str]]:
    """A whole form typed in: every question that applies answered (``work_now`` = no, so its
    follow-ups do not apply), then ``changes`` (a list of values, or a mark as ``mark:X``)."""
    fields: dict[str, list[str]] = {}
    for item in INSTRUMENT.items_for_wave(wave):
        if item.shown_if is None:
            fields[item.id] = [answer_for(item)]
    fields["work_now"] = ["0"]
    for item_id, change in changes.items():
        if isinstance(change, str) and change.startswith("mark:"):
            fields[item_id] = []
            fields[mark_field(item_id)] = [change.removeprefix("mark:")]
        else:
            fields[item_id] = list(change)  # type: ignore[arg-type]
    return fields


@pytest.fixture
async def paper_form(db):
    """A job seeker on paper whose T1 has opened, and four staff members who may type it in."""
    kari = await make_staff("kari@example.no", name="Kari Spes")
    enrolled = await enrol_person(kari, "Pål Papirsen", None, contact_mode="paper")
    people = {
        "kari": kari,
        "ola": await make_staff("ola@example.no", name="Ola Spes"),
        "ada": await make_staff("ada@example.no", "admin", name="Ada Admin"),
        "per": await make_staff("per@example.no", name="Per Spes"),
    }
    return enrolled, people


# --- one rule: the web form's validation -------------------------------------------------------


def _field_value(item: Item):
    valid = st.sampled_from([answer_for(item)])
    junk = st.sampled_from(["", "abc", "-1", "999999", "3.5", " ", "\u00a0", "11", "0"])
    codes = st.sampled_from([str(option.code) for option in item.options]) if item.options else valid
    return st.one_of(
        st.just([]),
        valid.map(lambda v: [v]),
        codes.map(lambda v: [v]),
        junk.map(lambda v: [v]),
        st.lists(codes, min_size=2, max_size=3),
    )


async def test_answers_are_checked_by_the_web_forms_own_rule(paper_form):
    enrolled, _ = paper_form
    # The web form's path, through a real link: what the job seeker's page would say.
    state = await open_link(await link_for(enrolled.participant_id, "T1"))
    sections = section_ids(state)
    items_by_section = {sid: INSTRUMENT.section_items(sid, "T1") for sid in sections}
    compared = {"items": 0}

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data(), section=st.sampled_from(sections), lang=st.sampled_from(["nb", "nn", "en"]))
    def same_messages(data, section, lang):
        items = items_by_section[section]
        fields = {item.id: data.draw(_field_value(item), label=item.id) for item in items}
        _, web_errors = recheck_page(state, section, fields, lang)
        paper = check_entry(INSTRUMENT, "T1", fields, lang, item_ids=[item.id for item in items])
        for item in items:
            if item.id in web_errors:
                compared["items"] += 1
                assert paper.errors.get(item.id) == web_errors[item.id].message, (item.id, fields[item.id])
            elif present_values(fields[item.id]) and item.id in paper.errors:
                raise AssertionError(f"{item.id}: paper refused {fields[item.id]} that the web form accepts")

    same_messages()
    assert compared["items"] > 50  # the comparison had errors to compare


@pytest.mark.parametrize(
    "change, message",
    [
        ({"was": ["7"], mark_field("was"): ["unreadable"]}, "Choose an answer or mark the question, not both."),
        ({"was": []}, "Enter the answer, or mark the question as not answered or unreadable."),
        ({"was": [], mark_field("was"): ["maybe"]}, "Choose one of the marks shown."),
        ({"benefits": [], mark_field("benefits"): ["not_answered", "unreadable"]}, "Choose one of the marks shown."),
    ],
)
def test_paper_only_rules(change, message):
    fields = {**fields_for("T2"), **change}
    check = check_entry(INSTRUMENT, "T2", fields, "en")
    item_id = next(iter(change)).removeprefix("mark-")
    assert check.errors == {item_id: message}


def test_marks_count_as_not_answered_and_follow_ups_may_stay_empty():
    check = check_entry(INSTRUMENT, "T2", fields_for("T2", was="mark:unreadable", rtwexp="mark:not_answered"), "en")
    assert check.ok
    assert (check.entry["was"].mark, check.entry["was"].value) == ("unreadable", None)
    assert check.entry["rtwexp"].mark == "not_answered"
    assert "work_hours" not in check.entry  # work_now = no: the follow-up does not apply
    refused = check_entry(INSTRUMENT, "T2", fields_for("T2", work_hours=["20"]), "en")
    assert list(refused.errors) == ["work_hours"]


# --- entries -------------------------------------------------------------------------------------


async def _answers(study_id: str, wave: str) -> dict[str, tuple[str, str | None, str]]:
    rows = await Answer.select(Answer.item_id, Answer.status, Answer.value_json, Answer.mode).where(
        (Answer.wave.participant.study_id == study_id) & (Answer.wave.label == wave)
    )
    return {row["item_id"]: (row["status"], row["value_json"], row["mode"]) for row in rows}


async def test_with_double_entry_off_one_entry_counts_at_once(paper_form):
    enrolled, people = paper_form
    await Study.update({Study.double_entry: False}).where(Study.id > 0)
    state = await submit_entry(people["kari"], enrolled.study_id, "T1", fields_for("T1", was=["3"]), "nb")
    assert state.stage == "verified"
    wave = await Wave.select().where(Wave.participant == enrolled.participant_id).order_by(Wave.opens_at).first()
    assert (wave["status"], wave["mode"], wave["work_capacity"]) == ("answered", "paper", 3)
    stored = await _answers(enrolled.study_id, "T1")
    assert stored["was"] == ("answered", "3", "paper") and {mode for *_, mode in stored.values()} == {"paper"}


async def test_two_agreeing_entries_verify_the_form_only_after_the_second(paper_form):
    enrolled, people = paper_form
    fields = fields_for("T1", was=["4"], rtwse_2="mark:unreadable")
    first = await submit_entry(people["kari"], enrolled.study_id, "T1", fields, "nb")
    assert first.stage == "wait_second"
    assert await _answers(enrolled.study_id, "T1") == {}
    assert (await Wave.select(Wave.status).where(Wave.participant == enrolled.participant_id).first())["status"] == (
        "pending"
    )
    # The second person is told a second entry is due, and sees nothing of the first.
    second_view = await entry_state(people["ada"], enrolled.study_id, "T1")
    assert second_view.stage == "second" and second_view.mismatches == () and second_view.agreed == {}
    assert [(info.round, info.entered_by, info.by_viewer) for info in second_view.entries] == [(1, "Kari Spes", False)]
    done = await submit_entry(people["ada"], enrolled.study_id, "T1", fields, "nb")
    assert done.stage == "verified"
    stored = await _answers(enrolled.study_id, "T1")
    assert stored["was"] == ("answered", "4", "paper") and stored["rtwse_2"] == ("skipped", None, "paper")
    actions = [row["action"] for row in await AuditEvent.select(AuditEvent.action).order_by(AuditEvent.id)]
    assert actions[-3:] == ["paper.entry", "paper.entry", "wave.submit"]


async def test_the_same_person_cannot_make_the_second_entry(paper_form):
    enrolled, people = paper_form
    await submit_entry(people["kari"], enrolled.study_id, "T1", fields_for("T1"), "nb")
    with pytest.raises(Conflict) as refused:
        await submit_entry(people["kari"], enrolled.study_id, "T1", fields_for("T1"), "nb")
    assert refused.value.message.startswith("You typed in the first entry")
    assert await PaperEntry.count() == 1 and await _answers(enrolled.study_id, "T1") == {}


async def test_a_difference_is_listed_item_by_item_and_decided_by_a_third_person(paper_form):
    enrolled, people = paper_form
    first = fields_for("T1", was=["7"], rtwexp=["2"], benefits=["aap", "sosialhjelp"])
    second = fields_for("T1", was=["1"], rtwexp="mark:unreadable", benefits=["aap", "sosialhjelp"])
    await submit_entry(people["kari"], enrolled.study_id, "T1", first, "nb")
    after = await submit_entry(people["ola"], enrolled.study_id, "T1", second, "nb")
    assert after.stage == "wait_resolve"
    for author in ("kari", "ola"):
        assert (await entry_state(people[author], enrolled.study_id, "T1")).stage == "wait_resolve"
        with pytest.raises(Conflict):
            await resolve_entry(people[author], enrolled.study_id, "T1", {"was": ["7"]}, "nb")

    third = await entry_state(people["ada"], enrolled.study_id, "T1")
    assert third.stage == "resolve"
    assert [(m.item_id, m.first.value, m.second.mark) for m in third.mismatches] == [
        ("was", 7, "answered"),
        ("rtwexp", 2, "unreadable"),
    ]
    assert "benefits" in third.agreed and "was" not in third.agreed
    with pytest.raises(InvalidEntry) as invalid:
        await resolve_entry(people["ada"], enrolled.study_id, "T1", {"was": ["7"]}, "en")
    assert list(invalid.value.check.errors) == ["rtwexp"]
    done = await resolve_entry(
        people["ada"], enrolled.study_id, "T1", {"was": ["7"], mark_field("rtwexp"): ["not_answered"]}, "nb"
    )
    assert done.stage == "verified" and [info.round for info in done.entries] == [1, 2, 3]
    stored = await _answers(enrolled.study_id, "T1")
    assert stored["was"][:2] == ("answered", "7") and stored["rtwexp"][:2] == ("skipped", None)
    assert stored["benefits"][:2] == ("answered", '["aap", "sosialhjelp"]')
    details = [row["details_json"] for row in await AuditEvent.select(AuditEvent.details_json)]
    assert any('"items": 2' in text for text in details)
    assert not any("Pål" in text or "Papirsen" in text for text in details)


async def test_answered_and_withdrawn_forms_take_no_entry_and_others_may_not_type(paper_form):
    enrolled, people = paper_form
    researcher = await make_staff("rita@example.no", "researcher")
    with pytest.raises(Forbidden):
        await entry_state(researcher, enrolled.study_id, "T1")
    with pytest.raises(NotFound):
        await entry_state(people["kari"], enrolled.study_id, "T2")  # not opened yet
    await Study.update({Study.double_entry: False}).where(Study.id > 0)
    await submit_entry(people["kari"], enrolled.study_id, "T1", fields_for("T1"), "nb")
    with pytest.raises(Conflict):
        await submit_entry(people["ola"], enrolled.study_id, "T1", fields_for("T1"), "nb")


async def test_finding_a_form_by_its_code_or_study_id(paper_form):
    enrolled, _ = paper_form
    study_id = enrolled.study_id
    assert await find_form(f"{study_id} T1") == (study_id, "T1")
    assert await find_form(f"  {study_id.lower().replace('-', '')}   t1 ") == (study_id, "T1")
    assert await find_form(study_id) == (study_id, "T1")
    for junk in ("", "\x00", "x" * 10_000, f"{study_id} T9", "ZZZZ-ZZZZ T1", f"{study_id} T2", "DROP TABLE"):
        with pytest.raises(NotFound):
            await find_form(junk)


async def test_the_queue_lists_forms_waiting_for_another_person(paper_form):
    enrolled, people = paper_form
    await submit_entry(people["kari"], enrolled.study_id, "T1", fields_for("T1"), "nb")
    assert [(q.study_id, q.stage) for q in await entry_queue(people["kari"])] == [(enrolled.study_id, "wait_second")]
    assert [(q.study_id, q.stage) for q in await entry_queue(people["ada"])] == [(enrolled.study_id, "second")]


async def test_paper_answers_reach_the_export_the_analyses_and_the_suggestion(paper_form):
    enrolled, people = paper_form
    fields = fields_for("T1", was=["2"], rtwse_1=["2"], rtwse_2=["1"], rtwse_3=["2"], rtwexp=["6"])
    await submit_entry(people["ola"], enrolled.study_id, "T1", fields, "nb")
    await submit_entry(people["per"], enrolled.study_id, "T1", fields, "nb")
    frame = await panel_frame()
    row = frame[(frame["study_id"] == enrolled.study_id) & (frame["wave"] == "T1")].iloc[0]
    assert (row["status"], row["mode"], int(row["was"]), int(row["rtwexp"])) == ("answered", "paper", 2, 6)
    detail = await participant_detail(people["kari"], enrolled.study_id)
    suggestion = detail.entry.suggestion
    assert suggestion.level == "intensive", suggestion
    assert detail.entry.waves[0].mode == "paper" and detail.answers["T1"]["was"] == 2


@pytest.mark.parametrize("db", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
async def test_second_entries_at_once_store_one(paper_form, monkeypatch):
    enrolled, people = paper_form
    await submit_entry(people["kari"], enrolled.study_id, "T1", fields_for("T1"), "nb")
    others = [people["ola"], people["ada"], people["per"], await make_staff("eli@example.no", name="Eli")]
    from survey_app.services import paper_entry

    checked = paper_entry.check_entry
    started = asyncio.Barrier(len(others))
    arrived: list[int] = []

    def slow_check(*args, **kwargs):
        arrived.append(1)
        return checked(*args, **kwargs)

    async def attempt(person):
        await started.wait()  # all four leave together
        try:
            await submit_entry(person, enrolled.study_id, "T1", fields_for("T1"), "nb")
            return "stored"
        except Conflict:
            return "refused"

    monkeypatch.setattr(paper_entry, "check_entry", slow_check)
    outcomes = await asyncio.gather(*(attempt(person) for person in others))
    assert sorted(outcomes) == ["refused", "refused", "refused", "stored"]
    assert len(arrived) == 1  # the others found the second entry made once the lock was theirs
    assert await PaperEntry.count() == 2
    assert (await Wave.select(Wave.status).where(Wave.participant == enrolled.participant_id).first())["status"] == (
        "answered"
    )
