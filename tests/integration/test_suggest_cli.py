"""``mestring suggest``: the follow-up suggestion of every participant as JSON, from the database
(keyed by study ID, no names) or from a long-format panel CSV, run as a separate process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from analysis.followup import load_rule_set
from survey_app.db.tables import Wave
from survey_app.services import audit
from survey_app.services.answering import record_complete_response
from survey_app.services.calendar import utcnow
from tests.helpers import enrol_person
from tests.integration.test_workspace import band_label, staff_member

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "analysis" / "followup" / "rules" / "followup-v1.toml"
PANEL = (
    "study_id,programme,wave,months,status,answered_on,mode,was,rtwse_1,rtwse_2,rtwse_3,rtwexp\n"
    "AAAA-0001,kvp,T1,0,answered,2025-01-10,web,8,8,8,8,2\n"
    "AAAA-0001,kvp,T2,3,answered,2025-04-12,web,5,5,5,5,2\n"
    "AAAA-0001,kvp,T3,12,pending,,,,,,,\n"
    "BBBB-0002,external,T1,0,answered,2025-02-01,paper,6,6,6,6,9\n"
    "BBBB-0002,external,T2,3,missed,,,,,,,\n"
    "BBBB-0002,external,T3,12,pending,,,,,,,\n"
    "CCCC-0003,kvp,T1,0,answered,2025-03-01,web,9,9,9,9,1\n"
)


def suggest(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MESTRING_")}
    environ.update({"MESTRING_HOME": str(home), **env})
    return subprocess.run(
        [sys.executable, "-m", "mestring_cli", "suggest", *args],
        capture_output=True,
        text=True,
        env=environ,
        cwd=ROOT,
        timeout=120,
    )


def _codes(entry: dict, key: str) -> list[str]:
    return [item["code"] for item in entry[key]]


async def test_suggestions_from_the_database_carry_study_ids_and_no_names(db, tmp_path):
    specialist = await staff_member("spes@example.no", name="Siri Spesialist")
    low = await enrol_person(specialist, "Vera Vekt", "vera.vekt@example.no")
    wave = await Wave.select(Wave.id).where((Wave.participant == low.participant_id) & (Wave.label == "T1")).first()
    answers = {"was": 3, "rtwse_1": 3, "rtwse_2": 3, "rtwse_3": 3, "rtwexp": 8}
    await record_complete_response(wave["id"], answers, mode="web", language="nb", actor=audit.SYSTEM, now=utcnow())
    new = await enrol_person(specialist, "Nils Ny", "nils.ny@example.no")

    out = tmp_path / "suggestions.json"
    result = suggest("--json", str(out), home=tmp_path, MESTRING_DATABASE_URL=db.settings.database_url)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "2 participant(s) under rule set followup-v1: 1 intensive, 0 increased, 1 standard." in result.stderr
    text = out.read_text(encoding="utf-8")
    for identifying in ("Vera", "Vekt", "Nils", "@", "Siri"):
        assert identifying not in text, identifying
    entries = json.loads(text)
    assert [entry["study_id"] for entry in entries] == sorted([low.study_id, new.study_id])
    by_id = {entry["study_id"]: entry for entry in entries}
    vera, nils = by_id[low.study_id], by_id[new.study_id]
    assert set(vera) == {"study_id", "level", "score", "reasons", "hints", "basis", "rule_set", "latest_wave"}
    assert (vera["level"], vera["score"], vera["rule_set"], vera["latest_wave"]) == (
        "intensive",
        7,
        "followup-v1",
        "T1",
    )
    assert _codes(vera, "reasons") == ["work_capacity_poor", "coping_beliefs_low", "expected_wait_never"]
    assert [reason["points"] for reason in vera["reasons"]] == [3, 2, 2]
    assert vera["reasons"][0]["text"]["nb"] == f"Arbeidsevne 3 av 10 ({band_label('work_capacity', 3)}) ved T1"
    assert vera["reasons"][0]["evidence"]["value"] == 3
    assert _codes(vera, "basis") == ["single_wave"]
    assert (nils["level"], nils["score"], nils["reasons"], nils["latest_wave"]) == ("standard", 0, [], None)
    assert _codes(nils, "basis") == ["no_answered_wave"]


def test_suggestions_from_a_panel_csv(tmp_path):
    panel = tmp_path / "panel.csv"
    panel.write_text(PANEL, encoding="utf-8")
    result = suggest("--input", str(panel), "--json", "-", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3 participant(s) under rule set followup-v1: 1 intensive, 1 increased, 1 standard." in result.stderr
    entries = json.loads(result.stdout)
    assert [entry["study_id"] for entry in entries] == ["AAAA-0001", "BBBB-0002", "CCCC-0003"]
    falling, unsure, fine = entries
    # 3 (poor) + 1 (coping 5) + 2 (down 3 since T2's previous, T1) + 1 (coping down 3) = 7.
    assert (falling["level"], falling["score"], falling["latest_wave"]) == ("intensive", 7, "T2")
    assert _codes(falling, "reasons") == [
        "work_capacity_poor",
        "coping_beliefs_moderate",
        "capacity_fall_previous",
        "coping_fall_previous",
    ]
    assert (
        falling["reasons"][2]["text"]["en"]
        == f"Work capacity 5 ({band_label('work_capacity', 5, 'en')}) at T2, down from 8 at T1"
    )
    # 1 (moderate) + 1 (coping 6) + 1 (don't know) + 1 (T2 missed) = 4.
    assert (unsure["level"], unsure["score"]) == ("increased", 4)
    assert _codes(unsure, "reasons") == [
        "work_capacity_moderate",
        "coping_beliefs_moderate",
        "expectation_dont_know",
        "missed_latest",
    ]
    assert _codes(unsure, "hints") == ["talk_expectations", "contact_or_paper"]
    assert _codes(unsure, "basis") == ["single_wave", "rtw_expectation_unknown"]
    assert (fine["level"], fine["score"], fine["reasons"]) == ("standard", 0, [])
    assert {entry["rule_set"] for entry in entries} == {"followup-v1"}

    # Another rule file: its version is reported and its limits apply.
    rules = tmp_path / "local.toml"
    text = RULES.read_text(encoding="utf-8")
    assert text.count('version = "followup-v1"') == 1 and text.count("min_score = 5") == 1
    rules.write_text(
        text.replace('version = "followup-v1"', 'version = "followup-local"').replace("min_score = 5", "min_score = 8"),
        encoding="utf-8",
    )
    assert load_rule_set(str(rules)).version == "followup-local"
    out = tmp_path / "local.json"
    tried = suggest("--input", str(panel), "--json", str(out), "--rules", str(rules), home=tmp_path)
    assert tried.returncode == 0, tried.stderr
    local = json.loads(out.read_text(encoding="utf-8"))
    assert [(e["level"], e["score"], e["rule_set"]) for e in local] == [
        ("increased", 7, "followup-local"),
        ("increased", 4, "followup-local"),
        ("standard", 0, "followup-local"),
    ]


def test_a_panel_without_the_status_column_is_refused_by_name(tmp_path):
    panel = tmp_path / "panel.csv"
    lines = PANEL.splitlines()
    header = lines[0].split(",")
    at = header.index("status")
    panel.write_text(
        "\n".join(",".join(cell for i, cell in enumerate(line.split(",")) if i != at) for line in lines) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.json"
    result = suggest("--input", str(panel), "--json", str(out), home=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == f"{panel}: the long-format panel lacks the required column(s) status"
    assert not out.exists()
