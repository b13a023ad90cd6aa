"""The job seeker's form next to a bare Litestar route, each in its own uvicorn process, loaded
by wrk (``-t1 -c16``), for one or two checkouts of the code (``--before``/``--after``).

For each tree and database (SQLite, PostgreSQL) the script makes a fresh database, and a child
process with that tree's code (``answer_form_wrk.py setup``, using ``answer_form.py``'s
helpers) migrates it and enrols job seekers with a personal T1 link each. Then two server
processes start, each running one app under uvicorn (``answer_form_wrk.py serve form|bare``,
as ``answer_form.py --via http`` does): the form app (``create_app``) and the bare app
(``bare_insert``: one INSERT through Piccolo). Only one of them is under load at a time:

1. ``bare``      POST /bare (``bench/bare.lua``), after a short warm-up;
2. ``page_save`` POST /a/{token}/page/measures with the five answers of ``MEASURES`` and the
   CSRF token (``bench/page_save.lua``), cycling through all tokens from the first, after a
   warm-up of the same kind; saving a page again is allowed;
3. ``submit``    POST /a/{token}/submit (``bench/submit.lua``), every token at most once, in the
   same order, so the submitted waves had their first page saved during step 2 (reported);
   any answer but a 303 to ``?sent=true`` is an error, and afterwards the number of answered
   waves in the database must equal the number of those 303s;
4. ``bare`` again, to see how far the machine drifted during the run; the ratios use the mean
   of the two bare rates.

Every leg runs ``--duration`` seconds (default 10). Before the legs the script waits (up to two
minutes) until other processes use less than a quarter of a core; each leg records how many
cores the benchmark's processes and everything else used meanwhile (``cpu``). Reported: requests/s per leg, status
counts, latency percentiles, ``page_save : bare`` and ``submit : bare``. Prints one JSON
document on stdout, progress on stderr. ``--profile DIR`` also samples the form server with
py-spy (``PY_SPY=/path/to/py-spy`` if it is not on ``PATH``) during page_save and submit, as
collapsed stacks (``DIR/{backend}-{tree}-{leg}.txt``; summarise them with
``python bench/answer_form_wrk.py summarise FILE``); rates measured so are not comparable.

    python bench/answer_form_wrk.py --before /tmp/mestring-before [--after .]
        [--backend both|sqlite|postgresql] [--duration 10] [--connections 16] [--tokens N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (
    REPO,
    CpuWatch,
    add_machine_arguments,
    app_env,
    apply_nice,
    csrf_from,
    free_port,
    git_describe,
    imported_from,
    machine,
    print_json,
    progress,
    run_wrk,
    server_process,
    settle,
    throwaway_database,
    wait_until_quiet,
)

WARM_UP_S = 2
# Enough links for ten seconds of submissions at ~150/s (SQLite) and ~700/s (PostgreSQL).
DEFAULT_TOKENS = {"sqlite": 2000, "postgresql": 10000}


# --- children: run with the tree under test on PYTHONPATH -----------------------------------


def _child_settings():
    from answer_form import _settings

    return _settings(os.environ["MESTRING_DATABASE_URL"], Path(os.environ["MESTRING_HOME"]))


async def setup(count: int, out: Path) -> None:
    """Migrate the database and enrol ``count`` job seekers; their T1 link tokens go to ``out``,
    the measures page's answers (``MEASURES``, form-encoded) to ``out`` + ``.measures``."""
    from answer_form import MEASURES, _links

    from survey_app.db.engine import activate, build_engine, close_pool, is_sqlite, open_pool
    from survey_app.db.migrate import migrate
    from survey_app.services.studies import ensure_default_study

    engine = build_engine(_child_settings())
    activate(engine)
    await open_pool(engine)
    try:
        await migrate()
        await ensure_default_study()
        started = time.perf_counter()
        # PostgreSQL takes several writers at once; SQLite's queue on one lock anyway.
        parts = 1 if is_sqlite() else 6
        sizes = [count // parts + (number < count % parts) for number in range(parts)]
        tokens = [token for chunk in await asyncio.gather(*(_links(size) for size in sizes)) for token in chunk]
        progress(f"  enrolled {count} job seekers in {time.perf_counter() - started:.1f} s")
    finally:
        await close_pool(engine)
    out.write_text("".join(token + "\n" for token in tokens))
    Path(f"{out}.measures").write_text(urllib.parse.urlencode(MEASURES))


async def serve(which: str, port: int, pool: int) -> None:
    from answer_form import _bare_app, serve_apps

    import survey_app
    from survey_app.web.app import create_app

    settings = _child_settings()
    progress(f"serving {which} from {survey_app.__file__}")
    make = (lambda: create_app(settings)) if which == "form" else _bare_app
    await serve_apps(settings, lambda: [(make(), port)], pool_size=pool)


# --- the orchestrator: imports none of the application -------------------------------------


_STDLIB = {"asyncio", "concurrent", "json", "email", "http", "urllib", "logging", "re", "importlib", "collections"}
# Leaf frames where a thread waits rather than works (py-spy run without --idle still samples
# some of them).
_WAITING = (
    "EpollSelector.select (",
    "(aiosqlite/core.py:59)",
    "Condition.wait (",
    "Event.wait (",
    "_worker (concurrent",
)


def _package(frame: str) -> str:
    """The package of a py-spy frame such as ``Connection._execute (aiosqlite/core.py:158)``."""
    location = frame.rsplit("(", 1)[-1]
    if "/" not in location:
        return "stdlib"
    package = location.split("/", 1)[0]
    return "stdlib" if package in _STDLIB else package


def _function(frame: str) -> str:
    """``save_page (survey_app/services/answering.py:229)`` -> ``save_page (survey_app/services/answering.py)``."""
    name, _, location = frame.rpartition(" (")
    return f"{name} ({location.rsplit(':', 1)[0].rstrip(')')})" if name else frame


def summarise(path: Path, top: int = 30) -> dict:
    """Where the samples of a py-spy ``record --threads --format raw`` profile of the form
    server went: per thread (the event loop's, aiosqlite's worker threads, others), working or
    waiting; and for the event loop thread's working samples, self time per package and the
    functions with the largest inclusive share."""
    stacks: list[tuple[str, list[str], int]] = []
    loop_threads: set[str] = set()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        thread, *frames = stack.split(";")
        if not thread.startswith("thread ("):  # recorded without --threads
            thread, frames = "thread (?)", [thread, *frames]
        if any("run_forever" in frame for frame in frames):
            loop_threads.add(thread)
        stacks.append((thread, frames, int(count)))
    threads: dict[str, int] = {}
    loop_self: dict[str, int] = {}
    loop_inclusive: dict[str, int] = {}
    total = loop_busy = complete = 0
    for thread, frames, samples in stacks:
        total += samples
        leaf = frames[-1] if frames else ""
        waiting = any(marker in leaf for marker in _WAITING)
        if thread in loop_threads:
            kind = "event_loop"
        elif any("_connection_worker_thread" in frame for frame in frames):
            kind = "sqlite_worker_in_sqlite" if "(aiosqlite/core.py:63)" in leaf else "sqlite_worker"
        else:
            kind = "other_thread"
        key = f"{kind} {'waiting' if waiting else 'working'}"
        threads[key] = threads.get(key, 0) + samples
        if kind == "event_loop" and not waiting:
            loop_busy += samples
            package = _package(leaf)
            loop_self[package] = loop_self.get(package, 0) + samples
            # Inclusive shares only from stacks py-spy read down to the event loop.
            if any("run_forever" in frame for frame in frames):
                complete += samples
                for function in {_function(frame) for frame in frames}:
                    loop_inclusive[function] = loop_inclusive.get(function, 0) + samples

    def ordered(counts: dict[str, int], base: int, limit: int | None = None) -> dict[str, float]:
        items = sorted(counts.items(), key=lambda kv: -kv[1])[:limit]
        return {name: round(100 * value / base, 1) for name, value in items}

    return {
        "samples": total,
        "threads": len({thread for thread, _, _ in stacks}),
        "percent_by_thread": ordered(threads, total),
        "event_loop_working_samples": loop_busy,
        "event_loop_self_percent_by_package": ordered(loop_self, loop_busy or 1),
        "event_loop_complete_stacks": complete,
        "event_loop_inclusive_percent_top": ordered(loop_inclusive, complete or 1, top),
    }


def _child(script_args: list[str]) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *script_args]


def _py_spy(pid: int, seconds: float, out: Path) -> subprocess.Popen | None:
    py_spy = os.environ.get("PY_SPY") or shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        progress("  py-spy not found (pip install py-spy, or PY_SPY=/path/to/py-spy): no profile")
        return None
    return subprocess.Popen(
        [
            py_spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            "200",
            "--format",
            "raw",
            "--threads",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _leg(name: str, report: dict, duration: float) -> dict:
    result = {
        "requests_per_s": report["requests_per_s"],
        "requests": report["requests"],
        "statuses": report["statuses"],
        "counters": report["counters"],
        "socket_errors": report["socket_errors"],
        "latency_ms": report["latency_ms"],
        "cpu": report.get("cpu"),
    }
    if name == "submit":
        # Requests after the tokens ran out were GET /healthz; the rate counts submissions only.
        posted = report["requests"] - report["counters"].get("exhausted", 0)
        result["requests_per_s"] = round(posted / (report["duration_us"] / 1e6), 1)
        result["requests"] = posted
    progress(
        f"  {name}: {result['requests_per_s']}/s, statuses {result['statuses']}, {result['counters'] or ''}"
        f" cpu {result['cpu']}"
    )
    return result


def run_tree(which: str, tree: Path, backend: str, args: argparse.Namespace) -> dict:
    tokens = args.tokens or DEFAULT_TOKENS[backend]
    with throwaway_database(backend, f"form-{which}") as database:
        env = app_env(tree, database)
        tokens_file = database.home / "tokens.txt"
        progress(f"{backend} {which}: migrate, enrol {tokens} job seekers ({tree})")
        subprocess.run(
            _child(["setup", "--count", str(tokens), "--out", str(tokens_file)]), cwd=tree, env=env, check=True
        )
        settle(database)
        first_token = tokens_file.read_text().split("\n", 1)[0]
        form_port, bare_port = free_port(), free_port()
        log = database.home / "server.log"
        legs: dict[str, dict] = {}
        with (
            server_process(
                _child(["serve", "bare", "--port", str(bare_port), "--pool", str(args.connections)]),
                tree,
                env,
                bare_port,
                log,
            ) as bare,
            server_process(
                _child(["serve", "form", "--port", str(form_port), "--pool", str(args.connections)]),
                tree,
                env,
                form_port,
                log,
            ) as form,
        ):
            cookie, csrf = csrf_from(form, f"/a/{first_token}/page/measures")
            body = Path(f"{tokens_file}.measures").read_text() + "&" + urllib.parse.urlencode({"_csrf_token": csrf})
            wrk = {"duration": args.duration, "connections": args.connections}
            pids = [bare.process.pid, form.process.pid]

            def measured(url: str, script: str, script_args: list[str]) -> dict:
                watch = CpuWatch(pids, database).start()
                report = run_wrk(url, script, script_args, **wrk)
                report["cpu"] = watch.stop()
                return report

            quiet = wait_until_quiet(pids, database, patience=args.patience)

            run_wrk(bare.base_url, "bare.lua", [], WARM_UP_S, connections=args.connections)
            legs["bare_first"] = _leg("bare", measured(bare.base_url, "bare.lua", []), args.duration)

            page_args = [cookie, body, str(tokens_file)]
            run_wrk(form.base_url, "page_save.lua", page_args, WARM_UP_S, connections=args.connections)
            profiler = (
                _py_spy(form.process.pid, args.duration, args.profile / f"{backend}-{which}-page_save.txt")
                if args.profile
                else None
            )
            legs["page_save"] = _leg("page_save", measured(form.base_url, "page_save.lua", page_args), args.duration)
            if profiler:
                profiler.wait()

            profiler = (
                _py_spy(form.process.pid, args.duration, args.profile / f"{backend}-{which}-submit.txt")
                if args.profile
                else None
            )
            submit_args = [cookie, f"_csrf_token={csrf}", str(tokens_file), "1"]
            legs["submit"] = _leg("submit", measured(form.base_url, "submit.lua", submit_args), args.duration)
            if profiler:
                profiler.wait()

            legs["bare_again"] = _leg("bare", measured(bare.base_url, "bare.lua", []), args.duration)
            problems = bare.problems()  # one log for both servers

        answered = database.count("SELECT COUNT(*) FROM wave WHERE status = 'answered'")[0][0]
        first_submissions = legs["submit"]["counters"].get("first", 0)
        started_waves = database.count("SELECT COUNT(DISTINCT wave) FROM answer")[0][0]
        submit_errors = legs["submit"]["requests"] - first_submissions
        in_flight = legs["submit"]["counters"].get("sent", 0) - legs["submit"]["requests"]
        bare_rate = (legs["bare_first"]["requests_per_s"] + legs["bare_again"]["requests_per_s"]) / 2
        page_errors = legs["page_save"]["requests"] - legs["page_save"]["statuses"].get("303", 0)
        return {
            "code": which,
            "backend": backend,
            "tokens": tokens,
            "waited_for_quiet": quiet,
            "legs": legs,
            "bare_per_s": round(bare_rate, 1),
            "page_save_per_s": legs["page_save"]["requests_per_s"],
            "submit_per_s": legs["submit"]["requests_per_s"],
            "page_save_to_bare": round(legs["page_save"]["requests_per_s"] / bare_rate, 3),
            "submit_to_bare": round(legs["submit"]["requests_per_s"] / bare_rate, 3),
            "page_save_errors": page_errors + legs["page_save"]["counters"].get("refused", 0),
            "submit_errors": submit_errors,
            "submit_tokens_exhausted": legs["submit"]["counters"].get("exhausted", 0) > 0,
            "answered_waves_in_database": answered,
            # wrk stops with up to one request per connection in flight: the server still
            # completes those, but wrk never sees their 303.
            "submissions_in_flight_at_end": in_flight,
            "answered_matches_303s": first_submissions <= answered <= first_submissions + in_flight,
            "waves_with_saved_answers": started_waves,
            "server_log_problems": problems[:20],
        }


def main() -> None:
    if sys.argv[1:2] == ["summarise"]:
        for name in sys.argv[2:]:
            print_json({"profile": name, **summarise(Path(name), top=int(os.environ.get("TOP", "40")))})
        return
    if sys.argv[1:2] in (["setup"], ["serve"]):
        parser = argparse.ArgumentParser(prog=f"answer_form_wrk.py {sys.argv[1]}")
        if sys.argv[1] == "setup":
            parser.add_argument("--count", type=int, required=True)
            parser.add_argument("--out", type=Path, required=True)
            args = parser.parse_args(sys.argv[2:])
            asyncio.run(setup(args.count, args.out))
        else:
            parser.add_argument("which", choices=("form", "bare"))
            parser.add_argument("--port", type=int, required=True)
            parser.add_argument("--pool", type=int, default=16)
            args = parser.parse_args(sys.argv[2:])
            asyncio.run(serve(args.which, args.port, args.pool))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="checkout of the old code, measured first")
    parser.add_argument("--after", type=Path, default=REPO, help="checkout of the new code (default: this one)")
    parser.add_argument("--no-after", action="store_true", help="measure only --before")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--duration", type=float, default=10, help="seconds per leg (default 10)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--tokens",
        type=int,
        help="job seekers enrolled per database; enough for the submit leg "
        "(default 2000 on SQLite, 10000 on PostgreSQL)",
    )
    parser.add_argument("--profile", type=Path, help="directory for py-spy profiles of the form server")
    add_machine_arguments(parser)
    args = parser.parse_args()
    niceness = apply_nice(args.nice)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    trees = {}
    if args.before:
        trees["before"] = args.before.resolve()
    if not args.no_after:
        trees["after"] = args.after.resolve()
    code = {
        which: {"path": str(tree), "commit": git_describe(tree), "imports": imported_from(tree)}
        for which, tree in trees.items()
    }
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    started = time.monotonic()
    results = []
    for backend in backends:
        for which, tree in trees.items():
            results.append(run_tree(which, tree, backend, args))
    print_json(
        {
            "benchmark": "answer_form_wrk",
            "machine": machine(),
            "code": code,
            "settings": {
                "duration_s": args.duration,
                "warm_up_s": WARM_UP_S,
                "connections": args.connections,
                "wrk_threads": 1,
                "niceness": niceness,
                "pool_size": args.connections,
                "profiled": bool(args.profile),
            },
            "results": results,
            "wall_time_s": round(time.monotonic() - started, 1),
        }
    )


if __name__ == "__main__":
    main()
