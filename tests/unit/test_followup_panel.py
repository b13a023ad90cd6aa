"""Suggestions for a whole long-format panel (DESIGN.md's columns), end to end from CSV text."""

from __future__ import annotations

import datetime
import io
import json

import pandas as pd
import pytest

from analysis.followup import WaveRecord, histories_from_long, suggest_panel

# As `mestring export --shape long --format csv` writes it (extra columns are ignored); rows out of
# order on purpose. p3 answered only one coping item at T1, so has no coping score.
PANEL = """\
study_id,programme,wave,months,status,answered_on,mode,gender,birth_year,was,rtwse_1,rtwse_2,rtwse_3,rtwexp,work_now
p2,kvp,T2,3,missed,,,kvinne,1990,,,,,,
p1,utvidet_oppfolging,T2,3,answered,2026-04-30,web,mann,1985,5,5,4,,2,1
p1,utvidet_oppfolging,T1,0,answered,2026-01-31,web,mann,1985,8,7,8,7,2,0
p2,kvp,T1,0,answered,2026-02-10,paper,kvinne,1990,9,8,8,9,5,0
p2,kvp,T3,12,pending,,,kvinne,1990,,,,,,
p3,external,T1,0,answered,2026-03-01T10:15:00+01:00,web,annet,2000,,6,,,9,
p4,kvp,T1,0,withdrawn,,,kvinne,1970,,,,,,
"""


def frame(text: str = PANEL) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text))


def test_histories_from_long_reads_every_column_and_sorts_by_wave():
    histories = histories_from_long(frame())
    assert list(histories) == ["p1", "p2", "p3", "p4"]
    assert histories["p1"] == [
        WaveRecord("T1", "answered", 8, 22 / 3, 2, False, datetime.date(2026, 1, 31)),
        WaveRecord("T2", "answered", 5, 4.5, 2, True, datetime.date(2026, 4, 30)),
    ]
    assert [record.status for record in histories["p2"]] == ["answered", "missed", "pending"]
    assert histories["p3"] == [WaveRecord("T1", "answered", None, None, 9, None, datetime.date(2026, 3, 1))]


def test_suggest_panel_end_to_end():
    result = suggest_panel(frame())
    assert [row["study_id"] for row in result] == ["p1", "p2", "p3", "p4"]
    by_id = {row["study_id"]: row for row in result}

    p1 = by_id["p1"]
    assert (p1["level"], p1["score"], p1["latest_wave"], p1["rule_set"]) == ("intensive", 8, "T2", "followup-v1")
    assert [reason["code"] for reason in p1["reasons"]] == [
        "work_capacity_poor",
        "coping_beliefs_low",
        "capacity_fall_previous",
        "coping_fall_previous",
    ]
    assert [hint["code"] for hint in p1["hints"]] == ["workplace_follow_up", "build_coping"]
    assert p1["reasons"][2]["text"]["en"] == "Work capacity 5 (poor) at T2, down from 8 at T1"

    p2 = by_id["p2"]
    assert [(reason["code"], reason["points"]) for reason in p2["reasons"]] == [
        ("expected_wait_some", 1),
        ("gap_able_long_wait", 1),
        ("missed_latest", 1),
    ]
    assert (p2["level"], p2["score"]) == ("increased", 3)
    assert [hint["code"] for hint in p2["hints"]] == ["job_development", "contact_or_paper"]

    p3 = by_id["p3"]
    assert [reason["code"] for reason in p3["reasons"]] == ["expectation_dont_know"]
    assert {note["code"] for note in p3["basis"]} == {
        "single_wave",
        "work_capacity_not_answered",
        "coping_beliefs_not_answered",
        "rtw_expectation_unknown",
    }

    p4 = by_id["p4"]
    assert (p4["level"], p4["score"], p4["reasons"]) == ("standard", 0, [])
    assert [note["code"] for note in p4["basis"]] == ["withdrawn", "no_answered_wave"]
    json.dumps(result)


def test_the_rtwse_score_column_is_used_when_present():
    text = "study_id,wave,status,rtwse,rtwse_1,rtwse_2,rtwse_3\np,T1,answered,4.5,9,9,9\nq,T1,answered,,9,9,9\n"
    histories = histories_from_long(frame(text))
    assert histories["p"][0].coping_beliefs == 4.5
    assert histories["q"][0].coping_beliefs is None


def test_only_the_required_columns():
    result = suggest_panel(frame("study_id,wave,status\na,T1,answered\na,T2,missed\n"))
    assert [(row["study_id"], row["score"]) for row in result] == [("a", 1)]
    assert {note["code"] for note in result[0]["basis"]} >= {"single_wave", "work_capacity_not_answered"}


def test_an_empty_panel():
    assert suggest_panel(frame("study_id,wave,status\n")) == []


def test_numeric_study_ids_and_string_cells_are_read():
    text = "study_id,wave,status,was,rtwexp,work_now\n17,T1,answered,4,0,1\n"
    data = frame(text).astype(str).replace("nan", "")
    assert histories_from_long(data)["17"] == [WaveRecord("T1", "answered", 4, None, 0, True)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("study_id,wave\na,T1\n", "required column.*status"),
        ("wave,status\nT1,answered\n", "required column.*study_id"),
        ("study_id,wave,status\na,T5,answered\n", r"row 0 \(study_id 'a'\).*unknown wave 'T5'"),
        ("study_id,wave,status\na,T1,done\n", r"study_id 'a'.*unknown status 'done'"),
        ("study_id,wave,status\na,,answered\n", "unknown wave ''"),
        ("study_id,wave,status\n,T1,answered\n", "study_id is empty"),
        ("study_id,wave,status\na,T1,answered\na,T1,missed\n", r"row 1 .*wave T1 appears twice"),
        ("study_id,wave,status,was\na,T1,answered,11\n", "work ability score"),
        ("study_id,wave,status,was\na,T1,answered,4.5\n", "column 'was' must hold whole numbers"),
        ("study_id,wave,status,rtwexp\na,T1,answered,ten\n", "column 'rtwexp' must hold whole numbers"),
        ("study_id,wave,status,rtwexp\na,T1,answered,10\n", "expected-return-to-work"),
        ("study_id,wave,status,rtwse\na,T1,answered,11\n", "coping beliefs"),
        ("study_id,wave,status,rtwse\na,T1,answered,x\n", "column 'rtwse' must hold numbers"),
        ("study_id,wave,status,rtwse_1,rtwse_2\na,T1,answered,4,5\n", "lacks rtwse_3"),
        ("study_id,wave,status,rtwse_1,rtwse_2,rtwse_3\na,T1,answered,0,5,5\n", "coping-belief answers"),
        ("study_id,wave,status,work_now\na,T1,answered,2\n", "column 'work_now' must hold 1 \\(yes\\) or 0"),
        ("study_id,wave,status,answered_on\na,T1,answered,31.01.2026\n", "column 'answered_on' must hold dates"),
    ],
)
def test_bad_panels_are_refused_with_a_clear_message(text, message):
    with pytest.raises(ValueError, match=message):
        histories_from_long(frame(text))
