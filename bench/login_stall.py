"""Does a burst of wrong passwords stall everyone else? Health-check latency under a login flood.

For each scenario the script migrates a fresh database (``mestring migrate``), adds staff
accounts (``mestring user add --password-stdin``), starts the web app as its own process
(``mestring serve``, with the working directory and ``PYTHONPATH`` of the tree under test),
takes a CSRF cookie and token from GET /login, and then

1. probes GET /healthz sequentially every 20 ms over one keep-alive connection for
   ``--idle`` seconds with nothing else going on (the idle baseline);
2. runs wrk (``-t1 -c16``, ``bench/wrong_passwords.lua``) for ``--duration`` seconds: POST
   /login with a wrong password, cycling through the e-mail addresses, while the same probe
   runs (from 1 s after wrk starts until 1 s before it ends).

It reports the probe's median, p90, p99 and max latency idle and under load, the login rate
wrk achieved, its status codes, and what the database recorded.

Scenarios (``--scenarios``; the ``before`` ones need ``--before PATH``, a checkout of the
old code, e.g. ``git worktree add /tmp/mestring-before 69efefc``):

* ``before-known``: old code, the accounts exist. It locks an account for 15 minutes after
  five wrong passwords and then answers without hashing, so most attempts cost nothing.
* ``before-unknown``: old code, addresses without accounts: every attempt verifies against
  the dummy hash (argon2), which the old code did on the event loop.
* ``after-throttled``: current code as configured (limits per account and address, per
  address, per account; see ``survey_app/services/login_throttle.py``), served by
  ``mestring serve``: after the first few dozen attempts the rest are refused without hashing
  (after a pause as long as a hash).
* ``after-throttled-bench``: the same, served by this script's ``serve`` command, which does
  what ``mestring serve`` did before it opened its own listening sockets (uvicorn binds the
  port). Since that change the CLI's sockets lack ``TCP_NODELAY`` (see bench/README.md), which
  adds ~40 ms to every keep-alive response; this scenario separates that from the login work.
* ``after-unthrottled``: current code with every throttle limit raised to 10**9 (this
  script's ``serve --raise-limits`` patches ``LIMITS`` first), so every attempt is really
  hashed, in the thread pool.

Before each scenario's idle probe the script waits (up to two minutes) until other processes
use less than a quarter of a core; each measurement records how many cores this benchmark and
everything else used meanwhile (``cpu``).

Prints one JSON document on stdout; progress on stderr.

    python bench/login_stall.py --before /tmp/mestring-before [--backend both|sqlite|postgresql]
        [--duration 12] [--idle 4] [--connections 16] [--accounts 4] [--scenarios a,b,...]
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (
    REPO,
    CpuWatch,
    Database,
    Probe,
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
    throwaway_database,
    wait_until_quiet,
)

SCENARIOS = {
    # name: (tree, accounts exist, launcher): "cli" is `mestring serve`; "bench" is this
    # script's `serve` (uvicorn binding its own socket), "bench-unthrottled" the same with
    # the throttle's limits raised.
    "before-known": ("before", True, "cli"),
    "before-unknown": ("before", False, "cli"),
    "after-throttled": ("after", True, "cli"),
    "after-throttled-bench": ("after", True, "bench"),
    "after-unthrottled": ("after", True, "bench-unthrottled"),
}
PASSWORD = "the right password, not sent"


def mestring(tree: Path, env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    command = [str(Path(sys.executable).parent / "mestring"), *args]
    done = subprocess.run(command, cwd=tree, env=env, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"mestring {' '.join(args)}: {done.stderr or done.stdout}")
    return done.stdout.strip()


def prepare(tree: Path, database: Database, emails: list[str], create_accounts: bool) -> None:
    env = app_env(tree, database)
    mestring(tree, env, "migrate")
    if create_accounts:
        for email in emails:
            mestring(tree, env, "user", "add", email, "--role", "specialist", "--password-stdin", stdin=PASSWORD + "\n")


def wrong_login(port: int, cookie: str, token: str, email: str) -> int:
    """One POST /login with a wrong password, to completion; returns the status code."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body = urllib.parse.urlencode({"email": email, "password": "warm-up, wrong", "_csrf_token": token})
    connection.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def server_command(port: int, launcher: str) -> list[str]:
    if launcher == "cli":
        return [str(Path(sys.executable).parent / "mestring"), "serve", "--port", str(port)]
    command = [sys.executable, str(Path(__file__).resolve()), "serve", "--port", str(port)]
    return command + (["--raise-limits"] if launcher == "bench-unthrottled" else [])


def database_record(database: Database) -> dict:
    """What the database says happened: audit entries by action (the current code audits every
    failed and every throttled login) and, where the column exists, accounts locked."""
    record = {"audit": dict(database.count("SELECT action, COUNT(*) FROM audit_event GROUP BY action ORDER BY 1"))}
    columns = {row[0] for row in database.count(_COLUMNS_SQL[database.postgres_name is None])}
    if "locked_until" in columns:
        record["staff_locked"] = database.count("SELECT COUNT(*) FROM staff WHERE locked_until IS NOT NULL")[0][0]
    return record


_COLUMNS_SQL = {
    True: "SELECT name FROM pragma_table_info('staff')",
    False: "SELECT column_name FROM information_schema.columns WHERE table_name = 'staff'",
}


def run_scenario(name: str, tree: Path, backend: str, args: argparse.Namespace) -> dict:
    which, accounts_exist, launcher = SCENARIOS[name]
    emails = [f"bench{number}@example.no" for number in range(args.accounts)]
    with throwaway_database(backend, f"login-{name}") as database:
        progress(f"{backend} {name}: migrate and {len(emails) if accounts_exist else 0} account(s) ({tree})")
        prepare(tree, database, emails, accounts_exist)
        emails_file = database.home / "emails.txt"
        emails_file.write_text("".join(email.replace("@", "%40") + "\n" for email in emails))
        port = free_port()
        log = database.home / "server.log"
        command = server_command(port, launcher)
        with server_process(command, tree, app_env(tree, database), port, log) as server:
            cookie, token = csrf_from(server, "/login")
            # One wrong login first, so that one-time work (the dummy hash, imports) is done;
            # it is answered before the idle probe starts.
            warm_up = wrong_login(port, cookie, token, emails[0])
            quiet = wait_until_quiet([server.process.pid], database, patience=args.patience)
            progress(f"  idle probe {args.idle:g} s")
            idle = Probe(port).start()
            idle_cpu = CpuWatch([server.process.pid], database).start()
            time.sleep(args.idle)
            idle_summary = idle.stop()
            idle_summary["cpu"] = idle_cpu.stop()
            progress(f"  idle: {idle_summary}")
            progress(f"  wrk -t1 -c{args.connections} -d{args.duration:g}s wrong passwords, probing")
            loaded = Probe(port)
            wrk_result: dict = {}

            def load() -> None:
                wrk_result.update(
                    run_wrk(
                        server.base_url,
                        "wrong_passwords.lua",
                        [cookie, token, str(emails_file)],
                        args.duration,
                        connections=args.connections,
                    )
                )

            loader = threading.Thread(target=load)
            load_cpu = CpuWatch([server.process.pid], database).start()
            loader.start()
            time.sleep(1)
            loaded.start()
            time.sleep(max(1.0, args.duration - 2))
            load_summary = loaded.stop()
            loader.join()
            load_summary["cpu"] = load_cpu.stop()
            progress(f"  under load: {load_summary}")
            progress(f"  wrk: {wrk_result['requests_per_s']}/s, statuses {wrk_result['statuses']}")
            problems = server.problems()
        result = {
            "scenario": name,
            "code": which,
            "backend": backend,
            "accounts": len(emails) if accounts_exist else 0,
            "addresses_cycled": len(emails),
            "server": {"cli": "mestring serve", "bench": "login_stall.py serve"}.get(
                launcher, "login_stall.py serve --raise-limits"
            ),
            "limits_raised": launcher == "bench-unthrottled",
            "waited_for_quiet": quiet,
            "health_idle": idle_summary,
            "health_under_load": load_summary,
            "p99_load_to_idle": (
                round(load_summary["p99_ms"] / idle_summary["p99_ms"], 1)
                if load_summary.get("samples") and idle_summary.get("samples")
                else None
            ),
            "warm_up_login_status": warm_up,
            "login_requests_per_s": wrk_result["requests_per_s"],
            "login_requests": wrk_result["requests"],
            "login_statuses": wrk_result["statuses"],
            "login_socket_errors": wrk_result["socket_errors"],
            "login_latency_ms": wrk_result["latency_ms"],
            "database": database_record(database),
            "server_log_problems": problems[:20],
        }
    return result


def serve(port: int, raise_limits: bool) -> None:
    """What ``mestring serve`` does (``mestring_cli/main.py``: settings, engine, ``create_app``,
    uvicorn without access log), except that uvicorn binds the port itself, as ``mestring
    serve`` did before it opened its own sockets; optionally with the login throttle's limits
    raised so that every attempt is checked."""
    import asyncio

    import uvicorn

    import survey_app
    from survey_app.db.engine import activate, build_engine
    from survey_app.settings import load_settings
    from survey_app.web.app import create_app

    if raise_limits:
        from survey_app.services import login_throttle

        for kind in login_throttle.LIMITS:
            login_throttle.LIMITS[kind] = 10**9
    print(f"serving {survey_app.__file__}, limits raised: {raise_limits}", file=sys.stderr, flush=True)
    settings = load_settings(os.environ)
    activate(build_engine(settings))
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, access_log=False, log_level="info", lifespan="on"
    )
    asyncio.run(uvicorn.Server(config).serve())


def main() -> None:
    if sys.argv[1:2] == ["serve"]:
        parser = argparse.ArgumentParser(prog="login_stall.py serve")
        parser.add_argument("--port", type=int, required=True)
        parser.add_argument("--raise-limits", action="store_true")
        args = parser.parse_args(sys.argv[2:])
        serve(args.port, args.raise_limits)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="checkout of the old code (scenarios before-*)")
    parser.add_argument("--after", type=Path, default=REPO, help="checkout of the new code (default: this one)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--duration", type=float, default=12, help="seconds of load per scenario (default 12)")
    parser.add_argument("--idle", type=float, default=4, help="seconds of idle probing (default 4)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--accounts", type=int, default=4, help="e-mail addresses the clients cycle through")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated, default all")
    add_machine_arguments(parser)
    args = parser.parse_args()
    niceness = apply_nice(args.nice)
    names = [name for name in args.scenarios.split(",") if name]
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    trees = {"after": args.after.resolve()}
    if args.before:
        trees["before"] = args.before.resolve()
    elif any(SCENARIOS[name][0] == "before" for name in names):
        names = [name for name in names if SCENARIOS[name][0] != "before"]
        progress("no --before tree given: skipping the before-* scenarios")
    code = {
        which: {"path": str(tree), "commit": git_describe(tree), "imports": imported_from(tree)}
        for which, tree in trees.items()
    }
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    started = time.monotonic()
    results = [run_scenario(name, trees[SCENARIOS[name][0]], backend, args) for backend in backends for name in names]
    print_json(
        {
            "benchmark": "login_stall",
            "machine": machine(),
            "code": code,
            "settings": {
                "duration_s": args.duration,
                "idle_s": args.idle,
                "connections": args.connections,
                "wrk_threads": 1,
                "niceness": niceness,
                "probe_interval_ms": 20,
            },
            "results": results,
            "wall_time_s": round(time.monotonic() - started, 1),
        }
    )


if __name__ == "__main__":
    main()
