"""The panel export next to pandas writing the same frame: time and peak memory, per format and shape.

The script

1. makes a throw-away SQLite database under a temporary ``MESTRING_HOME`` and fills it in a
   child process (``export.py seed``): the migrations, the default study, one specialist and
   ``--n`` participants x 4 waves in bulk (``survey_app.services.load_data.add_answered_panel``:
   about 80 % of the waves answered with every item the wave asks, the rest missed, pending or
   withdrawn; the wave's stored scores; register hours for 70 % of the participants);
2. for each shape (long, wide) and format (Parquet first, then CSV, .dta, .sav) runs
   ``write_panel`` in a fresh child process (``export.py export``) and measures its wall time
   (``write_panel`` alone, and the whole process) and peak RSS (``os.wait4``'s ``ru_maxrss`` for
   that child: the high-water mark of the whole process, imports included);
3. right after each, in another fresh child (``export.py pandas``), loads the frame the Parquet
   export wrote (the same columns and dtypes the export builds), then times only pandas writing
   it: ``to_csv``, ``to_parquet``, ``to_stata(version=118)``, ``pyreadstat.write_sav``, and
   records that child's peak RSS and its RSS with the frame loaded.

Prints one JSON document (per shape and format: seconds and peak MiB of both, and the ratios
export / pandas); progress on stderr. A ``--n 2000`` run takes well under a minute.

    python bench/export.py [--n 100000] [--shapes long,wide] [--formats parquet,csv,dta,sav] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import REPO, SECRET_KEY, machine, print_json, progress

FORMATS = ("parquet", "csv", "dta", "sav")
SHAPES = ("long", "wide")
MIB = 1024 * 1024


# --- children ------------------------------------------------------------------------------


def _rss(field: str = "VmRSS") -> float:
    """This process's resident memory (or ``VmHWM``, its high-water mark), MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


async def _with_engine(work):
    from survey_app.db.engine import activate, build_engine, close_pool, open_pool
    from survey_app.settings import load_settings

    engine = build_engine(load_settings({k: v for k, v in os.environ.items() if k.startswith("MESTRING_")}))
    activate(engine)
    await open_pool(engine)
    try:
        return await work()
    finally:
        await close_pool(engine)


def child_seed(n: int) -> dict:
    from survey_app.db.engine import raw_query
    from survey_app.db.migrate import migrate
    from survey_app.services.calendar import utcnow
    from survey_app.services.load_data import add_answered_panel
    from survey_app.services.staff import create_staff
    from survey_app.services.studies import ensure_default_study

    async def work() -> dict:
        await migrate()
        study = await ensure_default_study()
        specialist = await create_staff("bench@example.no", "export bench password", "specialist", display_name="B")
        started = time.perf_counter()
        last = [0.0]

        def report(done: int, total: int) -> None:
            if time.perf_counter() - last[0] > 5 or done == total:
                last[0] = time.perf_counter()
                progress(f"  seed: {done}/{total} participants ({last[0] - started:.0f} s)")

        counts = await add_answered_panel(study, specialist.id, n, utcnow(), progress=report)
        seconds = time.perf_counter() - started
        statuses = await raw_query("SELECT status, COUNT(*) AS n FROM wave GROUP BY status")
        return {
            "seconds": round(seconds, 1),
            "rows": counts,
            "stored_wave_status": {row["status"]: row["n"] for row in statuses},
        }

    return asyncio.run(_with_engine(work))


def child_export(shape: str, file_format: str, out: Path) -> dict:
    from survey_app.services.panel_export import write_panel

    baseline = _rss()

    async def work() -> dict:
        started = time.perf_counter()
        last = [0.0]

        def report(done: int, total: int) -> None:
            if time.perf_counter() - last[0] > 10 or done == total:
                last[0] = time.perf_counter()
                progress(f"    {done}/{total} participants read ({last[0] - started:.0f} s, {_rss():.0f} MiB)")

        rows = await write_panel(out, shape, file_format, "nb", progress=report)
        return {"seconds": round(time.perf_counter() - started, 2), "rows": rows}

    result = asyncio.run(_with_engine(work))
    return {**result, "rss_after_imports_mib": round(baseline), "vmhwm_mib": round(_rss("VmHWM"))}


def child_pandas(file_format: str, source: Path, out: Path) -> dict:
    import pandas as pd
    import pyreadstat

    baseline = _rss()
    frame = pd.read_parquet(source)
    if file_format == "dta":
        # As the export does: Stata's missing text is "" (it refuses a text column of nulls only).
        text = [column for column in frame.columns if frame[column].dtype == "string"]
        frame[text] = frame[text].fillna("")
    loaded = _rss()
    started = time.perf_counter()
    if file_format == "csv":
        frame.to_csv(out, index=False, date_format="%Y-%m-%d")
    elif file_format == "parquet":
        frame.to_parquet(out, index=False)
    elif file_format == "dta":
        frame.to_stata(out, write_index=False, version=118)
    else:
        pyreadstat.write_sav(frame, str(out))
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "rows": len(frame),
        "columns": len(frame.columns),
        "rss_after_imports_mib": round(baseline),
        "rss_frame_loaded_mib": round(loaded),
        "vmhwm_mib": round(_rss("VmHWM")),
    }


# --- the driving process ---------------------------------------------------------------------


def _run_child(args: list[str], env: dict[str, str]) -> dict:
    """Run ``export.py ARGS`` in a fresh process; its JSON result plus wall time and peak RSS
    (``ru_maxrss`` of that one child, from ``os.wait4``)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, *args], cwd=REPO, env=env, stdout=subprocess.PIPE)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"export.py {' '.join(args)} exited with {process.returncode}")
    result = json.loads(output)
    result.update(
        process_seconds=round(wall, 2),
        peak_rss_mib=round(usage.ru_maxrss / 1024),
        cpu_seconds=round(usage.ru_utime + usage.ru_stime, 2),
    )
    return result


def run(n: int, shapes: list[str], formats: list[str], keep: bool) -> dict:
    home = Path(tempfile.mkdtemp(prefix="mestring-export-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MESTRING_")}
    env.update(
        MESTRING_HOME=str(home),
        MESTRING_DATABASE_URL=f"sqlite:///{home / 'bench.sqlite3'}",
        MESTRING_SECRET_KEY=SECRET_KEY,
        PYTHONPATH=str(REPO),
    )
    document: dict = {"benchmark": "export", "machine": machine(), "participants": n}
    document["machine"].pop("wrk", None)
    try:
        progress(f"seeding {n} participants x 4 waves into {home}")
        document["seed"] = _run_child(["seed", "--n", str(n)], env)
        document["seed"]["database_mib"] = round((home / "bench.sqlite3").stat().st_size / MIB)
        progress(f"  seeded in {document['seed']['seconds']} s: {document['seed']['rows']}")
        # Parquet first: its file is the frame the pandas legs load.
        ordered = ["parquet", *[f for f in formats if f != "parquet"]]
        results = {}
        for shape in shapes:
            reference = home / f"panel-{shape}.parquet"
            for file_format in ordered:
                out = home / f"panel-{shape}.{file_format}"
                progress(f"{shape} {file_format}: write_panel")
                export = _run_child(["export", shape, file_format, str(out)], env)
                export["file_mib"] = round(out.stat().st_size / MIB, 1)
                progress(f"  {export['seconds']} s, peak {export['peak_rss_mib']} MiB")
                if file_format not in formats:
                    continue
                progress(f"{shape} {file_format}: pandas")
                pandas_out = home / f"pandas-{shape}.{file_format}"
                plain = _run_child(["pandas", file_format, str(reference), str(pandas_out)], env)
                plain["file_mib"] = round(pandas_out.stat().st_size / MIB, 1)
                pandas_out.unlink()
                progress(f"  {plain['seconds']} s, peak {plain['peak_rss_mib']} MiB")
                results[f"{shape}_{file_format}"] = {
                    "shape": shape,
                    "format": file_format,
                    "export": export,
                    "pandas": plain,
                    "time_ratio": round(export["seconds"] / max(plain["seconds"], 1e-3), 2),
                    "peak_ratio": round(export["peak_rss_mib"] / max(plain["peak_rss_mib"], 1), 2),
                }
                if file_format != "parquet":
                    out.unlink()
        document["results"] = results
    finally:
        if keep:
            progress(f"kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    return document


def main() -> None:
    if sys.argv[1:2] == ["seed"]:
        parser = argparse.ArgumentParser()
        parser.add_argument("--n", type=int, required=True)
        print(json.dumps(child_seed(parser.parse_args(sys.argv[2:]).n)))
        return
    if sys.argv[1:2] == ["export"]:
        print(json.dumps(child_export(sys.argv[2], sys.argv[3], Path(sys.argv[4]))))
        return
    if sys.argv[1:2] == ["pandas"]:
        print(json.dumps(child_pandas(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100000, help="participants (default 100000)")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--keep", action="store_true", help="keep the temporary home (database and files)")
    args = parser.parse_args()
    started = dt.datetime.now(dt.UTC)
    document = run(args.n, args.shapes.split(","), args.formats.split(","), args.keep)
    document["minutes"] = round((dt.datetime.now(dt.UTC) - started).total_seconds() / 60, 1)
    print_json(document)


if __name__ == "__main__":
    main()
