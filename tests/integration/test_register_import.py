"""Register data import: every bad line is reported with its number and nothing is written;
a good file is imported whole; a re-import replaces values with an audit entry."""

from __future__ import annotations

import asyncio
import json

import pytest

from survey_app.db.tables import AuditEvent, RegisterOutcome
from survey_app.services import audit
from survey_app.services.register_import import RegisterImportRejected, import_register
from tests.helpers import enrol_person, make_staff


async def _people(count: int = 3) -> list[str]:
    specialist = await make_staff("spes@example.no")
    return [
        (await enrol_person(specialist, f"Person {number}", f"p{number}@example.no")).study_id
        for number in range(count)
    ]


async def _stored() -> dict[int, tuple]:
    rows = await RegisterOutcome.select(
        RegisterOutcome.participant, RegisterOutcome.hours_before, RegisterOutcome.hours_after
    )
    return {row["participant"]: (row["hours_before"], row["hours_after"]) for row in rows}


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ("{a};abc;10", "hours_before", "Write the hours as a number, such as 37.5."),
        ("{a};-1;10", "hours_before", "Hours cannot be negative."),
        ("{a};10;80.5", "hours_after", "More than 80 hours a week on average: check the number."),
        ("{a};nan;10", "hours_before", "Write the hours as a number, such as 37.5."),
        ("{a};;", "hours_before", "The line has no hours, neither before nor after."),
        ("XXXX-XXXX;1;2", "study_id", "No participant has this study ID."),
        ("not an id!;1;2", "study_id", "Write the study ID, such as 7K3Q-9PXA."),
        ("{b};1;2", "study_id", "The same study ID appears on an earlier line."),
    ],
)
async def test_each_kind_of_bad_line_is_reported_and_nothing_is_written(db, line, field, message):
    a, b, c = await _people()
    text = "study_id;hours_before;hours_after\n" + f"{b};5;6\n{c};0;37,5\n" + line.format(a=a, b=b) + "\n"
    audits = await AuditEvent.count()
    with pytest.raises(RegisterImportRejected) as rejected:
        await import_register(text, "register.csv", audit.COMMAND_LINE)
    assert [(error.line, error.field, error.message) for error in rejected.value.errors] == [(4, field, message)]
    assert await _stored() == {} and await AuditEvent.count() == audits


async def test_every_problem_of_a_line_is_named_in_the_files_column_order(db):
    [a] = await _people(1)
    text = "study_id;hours_before;hours_after\n" + f"{a};5;6\n{a};abc;90\nnot an id!;-1;2\nXXXX-XXXX;1;81\n"
    with pytest.raises(RegisterImportRejected) as rejected:
        await import_register(text, "register.csv", audit.COMMAND_LINE)
    assert [(error.line, error.field) for error in rejected.value.errors] == [
        (3, "study_id"),
        (3, "hours_before"),
        (3, "hours_after"),
        (4, "study_id"),
        (4, "hours_before"),
        (5, "study_id"),
        (5, "hours_after"),
    ]
    assert await _stored() == {}


async def test_a_good_file_is_imported_and_a_second_one_replaces_with_an_audit_entry(db):
    a, b, c = await _people()
    first = await import_register(
        f"study_id,hours_before,hours_after\n{a.lower()},0,20\n{b},12.5,\n", "first.csv", audit.COMMAND_LINE
    )
    assert (first.imported, first.replaced) == (2, 0)
    assert sorted((await _stored()).values(), key=str) == sorted([(0.0, 20.0), (12.5, None)], key=str)

    again = await import_register(
        f"study_id;hours_before;hours_after\n{a};0;25\n{b};12,5;\n{c};3;4\n", "second.csv", audit.COMMAND_LINE
    )
    assert (again.imported, again.replaced) == (3, 1)
    assert sorted((await _stored()).values(), key=str) == sorted([(0.0, 25.0), (12.5, None), (3.0, 4.0)], key=str)
    [replaced] = await AuditEvent.select().where(AuditEvent.action == "register.replace")
    assert replaced["subject_id"] == a and json.loads(replaced["details_json"]) == {"fields": ["hours_after"]}
    imports = await AuditEvent.select(AuditEvent.details_json).where(AuditEvent.action == "register.import")
    assert [json.loads(event["details_json"])["file"] for event in imports] == ["first.csv", "second.csv"]


async def test_a_file_without_the_columns_says_which_are_missing(db):
    await _people(1)
    with pytest.raises(RegisterImportRejected) as rejected:
        await import_register("study_id,hours\nX,1\n", "bad.csv", audit.COMMAND_LINE)
    [error] = rejected.value.errors
    assert (error.line, error.field) == (1, "hours_before, hours_after")


@pytest.mark.parametrize("db", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
async def test_two_imports_at_once_of_the_same_people_both_land(db):
    people = await _people(20)
    files = [
        "study_id,hours_before,hours_after\n" + "".join(f"{study_id},{hours},{hours}\n" for study_id in people)
        for hours in (5, 6)
    ]
    results = await asyncio.gather(
        *(import_register(text, f"file{number}.csv", audit.COMMAND_LINE) for number, text in enumerate(files)),
        return_exceptions=True,
    )
    assert not [result for result in results if isinstance(result, BaseException)], results
    # One ran first and inserted, the other replaced every value.
    assert sorted(result.replaced for result in results) == [0, 20]
    assert len(await _stored()) == 20
