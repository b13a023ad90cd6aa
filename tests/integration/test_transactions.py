"""Write transactions: a deadlock PostgreSQL breaks by aborting one side is retried, not a 500."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from survey_app.db.engine import raw_query, transactional
from survey_app.db.tables import Staff
from tests.helpers import make_staff


# PostgreSQL only: SQLite runs one writer at a time, so it has no deadlock to break.
@pytest.mark.parametrize("db", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
async def test_a_deadlocked_transaction_is_run_again(db):
    first = await make_staff("a@example.no")
    second = await make_staff("b@example.no")
    # Two transactions take the same two row locks in opposite order; the first attempt of
    # each waits (briefly) for the other to hold its first lock, which makes a deadlock sure
    # on PostgreSQL.
    both_hold_one = asyncio.Barrier(2)
    attempts: list[str] = []

    def update_both(name: str, order: tuple[int, int]):
        @transactional
        async def run() -> None:
            attempts.append(name)
            await raw_query("UPDATE staff SET office = {office} WHERE id = {id}", office=name, id=order[0])
            if attempts.count(name) == 1:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(both_hold_one.wait(), timeout=5)
            await raw_query("UPDATE staff SET office = {office} WHERE id = {id}", office=name, id=order[1])

        return run

    await asyncio.gather(update_both("one", (first.id, second.id))(), update_both("two", (second.id, first.id))())
    offices = {row["office"] for row in await Staff.select(Staff.office)}
    assert len(offices) == 1  # one transaction ran last and wrote both rows
    assert len(attempts) == 3, attempts  # the deadlock happened, and its victim ran again
