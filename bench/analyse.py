"""``mestring analyse --input`` on synthetic long-format panels of two sizes (default 10,000 and
100,000 participants x 4 waves): wall time and peak memory of the whole command (reading the CSV
included), and the analyses alone in-process, with the ratio of the large to the small run (10
would be linear). Prints one JSON document; progress goes to stderr.

    .venv/bin/python bench/analyse.py [--sizes 10000 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.study_analyses import analyse

WAVES = (("T1", 0), ("T2", 3), ("T3", 12), ("T4", 18))
PROGRAMMES = np.array(["utvidet_oppfolging", "kvp", "external"])


def synthetic_panel(people: int, seed: int = 2026) -> pd.DataFrame:
    """A long panel with the contract's measure columns and the study's relations built in:
    coping beliefs follow work capacity, the expected wait falls with it, hours after rise with it."""
    rng = np.random.default_rng(seed)
    capacity = np.clip(rng.normal(6.8, 2.0, people), 0, 10)
    person = pd.DataFrame(
        {
            "study_id": [f"B{index:07d}" for index in range(people)],
            "programme": PROGRAMMES[rng.choice(3, people, p=[0.6, 0.2, 0.2])],
            "gender": rng.choice([1, 2, 3, 9], people, p=[0.45, 0.45, 0.05, 0.05]),
            "birth_year": rng.integers(1965, 2006, people),
            "hours_before": np.round(np.clip(rng.normal(2, 3, people), 0, 80), 1),
            "hours_after": np.round(np.clip(4.6 * capacity - 22 + rng.normal(0, 9, people), 0, 80), 1),
        }
    )
    person["age_at_inclusion"] = 2026 - person["birth_year"]
    frames = []
    for label, months in WAVES:
        wave = person.copy()
        wave["wave"], wave["months"] = label, months
        status = rng.choice(["answered", "missed", "pending", "withdrawn"], people, p=[0.78, 0.12, 0.07, 0.03])
        wave["status"] = status
        answered = status == "answered"
        level = np.clip(capacity + rng.normal(0.3 * (months > 0), 1.0, people), 0, 10)
        wave["was"] = np.where(answered, np.round(level), np.nan)
        for item in (1, 2, 3):
            wave[f"rtwse_{item}"] = np.where(
                answered, np.clip(np.round(1 + 0.85 * level + rng.normal(0, 1, people)), 1, 10), np.nan
            )
        wave["rtwse"] = wave[["rtwse_1", "rtwse_2", "rtwse_3"]].mean(axis=1)
        expectation = np.clip(np.round(7.5 - 0.55 * level + rng.normal(0, 1.2, people)), 0, 8)
        wave["rtwexp"] = np.where(answered, np.where(rng.random(people) < 0.1, 9, expectation), np.nan)
        frames.append(wave)
    columns = ["study_id", "programme", "wave", "months", "status", "gender", "birth_year", "age_at_inclusion"]
    columns += ["hours_before", "hours_after", "was", "rtwse_1", "rtwse_2", "rtwse_3", "rtwexp", "rtwse"]
    return pd.concat(frames, ignore_index=True)[columns].sort_values(["study_id", "months"], kind="stable")


def _command(path: Path) -> dict:
    """The CLI in a child process: wall time and the child's peak resident memory."""
    started = time.perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mestring_cli",
            "analyse",
            "--input",
            str(path),
            "--json",
            str(path.with_suffix(".json")),
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return {"seconds": seconds, "peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    runs = {}
    with tempfile.TemporaryDirectory() as folder:
        for people in args.sizes:
            print(f"building a panel of {people} participants x 4 waves", file=sys.stderr, flush=True)
            panel = synthetic_panel(people)
            path = Path(folder) / f"panel-{people}.csv"
            panel.to_csv(path, index=False)
            timings = []
            for round_ in range(args.rounds):
                started = time.perf_counter()
                analyse(panel, snapshot=dt.datetime.now(dt.UTC), source="bench", version="bench")
                timings.append(time.perf_counter() - started)
                print(f"  analyses in-process, round {round_ + 1}: {timings[-1]:.2f} s", file=sys.stderr, flush=True)
            # ru_maxrss of children is the largest child so far: the larger panel runs last.
            command = [_command(path) for _ in range(args.rounds)]
            print(f"  mestring analyse --input: {min(c['seconds'] for c in command):.2f} s", file=sys.stderr)
            runs[people] = {
                "rows": len(panel),
                "csv_mib": round(path.stat().st_size / 2**20, 1),
                "analyses_seconds_median": round(statistics.median(timings), 3),
                "command_seconds_median": round(statistics.median(c["seconds"] for c in command), 3),
                "command_peak_rss_mib": round(max(c["peak_rss_mib"] for c in command), 1),
            }
    small, large = (runs[size] for size in args.sizes)
    print(
        json.dumps(
            {
                "date": dt.date.today().isoformat(),
                "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
                "runs": runs,
                "ratio_large_to_small": {
                    "participants": args.sizes[1] / args.sizes[0],
                    "analyses": round(large["analyses_seconds_median"] / small["analyses_seconds_median"], 2),
                    "command": round(large["command_seconds_median"] / small["command_seconds_median"], 2),
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
