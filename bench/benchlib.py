"""Helpers shared by the benchmarks that drive a server process with wrk.

Nothing here imports the application: the orchestrating process only starts processes (the
server under test, wrk, setup commands), sends probes and reads results, so that it can
measure any checkout of the code, for example the last landed commit in a git worktree
(``--tree``). The code under test is chosen with the child's ``cwd`` and ``PYTHONPATH``, which
come before the editable install's import hook; :func:`imported_from` checks which tree a
child really imports.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import datetime as dt
import http.client
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
POSTGRES_ADMIN_URL = os.environ.get("MESTRING_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET_KEY = "b" * 40
WRK = shutil.which("wrk") or "/usr/bin/wrk"


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the machine -----------------------------------------------------------------------------


def _command_output(command: Sequence[str]) -> str | None:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _postgres_version() -> str | None:
    async def query() -> str:
        import asyncpg

        connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            return await connection.fetchval("SHOW server_version")
        finally:
            await connection.close()

    try:
        return asyncio.run(query())
    except Exception:
        return None


def machine() -> dict:
    """What the figures were measured on."""
    cpu = None
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), None)
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "uname": " ".join(platform.uname()),
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": _postgres_version(),
        "wrk": (_command_output([WRK, "--version"]) or "").splitlines()[0:1],
    }


# --- the code under test ---------------------------------------------------------------------


def tree_env(tree: Path, **extra: str) -> dict[str, str]:
    """Environment for a child process that must import ``tree``'s packages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MESTRING_")}
    env["PYTHONPATH"] = str(tree)
    env.update(extra)
    return env


def imported_from(tree: Path) -> str:
    """The file ``survey_app`` is imported from in a child started with :func:`tree_env`."""
    path = subprocess.run(
        [sys.executable, "-c", "import survey_app; print(survey_app.__file__)"],
        cwd=tree,
        env=tree_env(tree),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(path).resolve().is_relative_to(tree.resolve()):
        raise RuntimeError(f"a child meant to run {tree} imports {path}")
    return path


def git_describe(tree: Path) -> str:
    head = _command_output(["git", "-C", str(tree), "log", "-1", "--format=%h %s"]) or "?"
    dirty = _command_output(["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"])
    return head + (" + uncommitted changes" if dirty else "")


# --- throw-away databases --------------------------------------------------------------------


@dataclass
class Database:
    url: str
    home: Path
    postgres_name: str | None = None

    def count(self, sql: str) -> list[tuple]:
        """Rows of a read-only query, straight from the database (no application code)."""
        if self.postgres_name is None:
            path = self.url.removeprefix("sqlite:///")
            with contextlib.closing(sqlite3.connect(path)) as connection:
                return connection.execute(sql).fetchall()

        async def query() -> list[tuple]:
            import asyncpg

            connection = await asyncpg.connect(self.url)
            try:
                return [tuple(row) for row in await connection.fetch(sql)]
            finally:
                await connection.close()

        return asyncio.run(query())


def _postgres(statement: str) -> None:
    async def run() -> None:
        import asyncpg

        connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


@contextlib.contextmanager
def throwaway_database(backend: str, label: str) -> Iterator[Database]:
    """A fresh, empty database and a ``MESTRING_HOME`` directory; both removed afterwards."""
    home = Path(tempfile.mkdtemp(prefix=f"mestring-{label}-"))
    name = None
    try:
        if backend == "sqlite":
            url = f"sqlite:///{home / 'bench.sqlite3'}"
        else:
            name = f"mestring_bench_{secrets.token_hex(4)}"
            _postgres(f'CREATE DATABASE "{name}"')
            url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        yield Database(url, home, name)
    finally:
        if name:
            _postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(home, ignore_errors=True)


def settle(database: Database) -> None:
    """After bulk setup: make PostgreSQL write its checkpoint now rather than during the
    measurement (a checkpoint after thousands of inserts slows every commit for seconds)."""
    if database.postgres_name:
        _postgres("CHECKPOINT")


def app_env(tree: Path, database: Database) -> dict[str, str]:
    return tree_env(
        tree,
        MESTRING_HOME=str(database.home),
        MESTRING_DATABASE_URL=database.url,
        MESTRING_SECRET_KEY=SECRET_KEY,
    )


# --- server processes ------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen
    base_url: str
    port: int
    log: Path

    def problems(self) -> list[str]:
        """Log lines that look like trouble (tracebacks, errors, 500s)."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line for line in text.splitlines() if re.search(r"Traceback|ERROR|Exception| 500 ", line)]


@contextlib.contextmanager
def server_process(command: Sequence[str], cwd: Path, env: dict[str, str], port: int, log: Path) -> Iterator[Server]:
    """Start ``command`` (a server listening on ``port``) and wait until /healthz answers."""
    with open(log, "ab") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}", port, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}: {log.read_text()[-2000:]}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"server on port {port} did not start: {log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def csrf_from(server: Server, path: str) -> tuple[str, str]:
    """(cookie header, form token) from a GET of a page with a CSRF-protected form."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {response.status}")
    cookie = next(
        (
            value.split(";", 1)[0]
            for name, value in response.getheaders()
            if name.lower() == "set-cookie" and value.startswith("csrftoken=")
        ),
        None,
    )
    match = re.search(r'name="_csrf_token" value="([^"]+)"', body)
    if cookie is None or match is None:
        raise RuntimeError(f"GET {path}: no csrftoken cookie or _csrf_token field")
    return cookie, match.group(1)


# --- load and probes -------------------------------------------------------------------------


def run_wrk(
    url: str,
    script: str,
    script_args: Sequence[str],
    duration: float,
    connections: int = 16,
    threads: int = 1,
    timeout: str = "10s",
) -> dict:
    """Run wrk with one of our Lua scripts (which all load ``wrk_report.lua``) and return its
    report: requests, rate, status counts, socket errors, latency percentiles."""
    command = [
        WRK,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration:g}s",
        f"--timeout={timeout}",
        "-s",
        str(BENCH / script),
        url,
        "--",
        *script_args,
    ]
    finished = subprocess.run(command, capture_output=True, text=True)
    if finished.returncode != 0:
        raise RuntimeError(f"wrk failed ({finished.returncode}): {finished.stderr or finished.stdout}")
    line = next((line for line in finished.stdout.splitlines() if line.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no report: {finished.stdout}")
    report = json.loads(line.removeprefix("WRK_JSON "))
    report["statuses"] = {str(k): v for k, v in sorted(report.get("statuses", {}).items())}
    report["requests_per_s"] = round(report["requests"] / (report["duration_us"] / 1e6), 1)
    return report


@dataclass
class Probe:
    """Sequential GET /healthz over one keep-alive connection every ``interval`` seconds, in a
    thread of this process; records each latency (seconds)."""

    port: int
    interval: float = 0.02
    path: str = "/healthz"
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        next_at = time.perf_counter()
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                connection.request("GET", self.path)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    self.failures += 1
                else:
                    self.latencies.append(time.perf_counter() - started)
            except (OSError, http.client.HTTPException):
                self.failures += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            next_at = max(next_at + self.interval, time.perf_counter())
            self._stop.wait(max(0.0, next_at - time.perf_counter()))
        connection.close()

    def start(self) -> Probe:
        self._thread = threading.Thread(target=self._run, name="health-probe", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> dict:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()
        return latency_summary(self.latencies, self.failures)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered), math.ceil(fraction * len(ordered))) - 1)]


def latency_summary(latencies: Sequence[float], failures: int = 0) -> dict:
    if not latencies:
        return {"samples": 0, "failures": failures}
    ms = [value * 1000 for value in latencies]
    return {
        "samples": len(ms),
        "failures": failures,
        "median_ms": round(statistics.median(ms), 2),
        "p90_ms": round(percentile(ms, 0.90), 2),
        "p99_ms": round(percentile(ms, 0.99), 2),
        "max_ms": round(max(ms), 2),
    }


def print_json(document: dict) -> None:
    print(json.dumps(document, indent=2))


# --- the rest of the machine -----------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _busy_seconds() -> float:
    """CPU seconds spent by the whole machine (all cores, not idle or waiting for I/O)."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / _TICK


def _process_seconds(pid: int) -> float:
    """CPU seconds of process ``pid`` (all its threads) and of its reaped children."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / _TICK


def _postgres_backends(database_name: str) -> list[int]:
    """Local PostgreSQL backend processes connected to ``database_name`` (by their titles,
    ``postgres: 15/main: USER DATABASE HOST(PORT) STATE``)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                title = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                if title.startswith("postgres:") and f" {database_name} " in title:
                    found.append(int(entry.name))
    return found


@dataclass
class CpuWatch:
    """How busy the machine was over a measurement, split into this benchmark's processes (this
    one, its reaped children such as wrk, and the given server processes) and everything else,
    in cores (CPU seconds per second). Other people's work on a shared machine shows up as
    ``others_cores``."""

    pids: Sequence[int]
    # PostgreSQL backends serving this database count as ours too.
    database: Database | None = None
    _start: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def _ours(self) -> float:
        pids = [os.getpid(), *self.pids]
        if self.database is not None and self.database.postgres_name:
            pids += _postgres_backends(self.database.postgres_name)
        return sum(_process_seconds(pid) for pid in pids)

    def start(self) -> CpuWatch:
        self._start = (time.monotonic(), _busy_seconds(), self._ours())
        return self

    def stop(self) -> dict:
        elapsed = time.monotonic() - self._start[0]
        busy = _busy_seconds() - self._start[1]
        ours = self._ours() - self._start[2]
        return {
            "seconds": round(elapsed, 1),
            "busy_cores": round(busy / elapsed, 2),
            "ours_cores": round(ours / elapsed, 2),
            "others_cores": round(max(0.0, busy - ours) / elapsed, 2),
        }


def wait_until_quiet(
    pids: Sequence[int] = (), database: Database | None = None, threshold: float = 0.25, patience: float = 120
) -> dict:
    """Wait (up to ``patience`` seconds) until other processes use less than ``threshold``
    cores over two seconds; returns the last sample and how long it waited."""
    started = time.monotonic()
    while True:
        watch = CpuWatch(pids, database).start()
        time.sleep(2)
        sample = watch.stop()
        waited = time.monotonic() - started
        if sample["others_cores"] < threshold or waited > patience:
            return {"others_cores": sample["others_cores"], "waited_s": round(waited, 1)}
        progress(f"  the machine is busy ({sample['others_cores']} cores used by other processes): waiting")


def add_machine_arguments(parser) -> None:
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="run this benchmark and its processes at this niceness, e.g. -10 on a machine shared with "
        "other work (negative values need root); default 0",
    )
    parser.add_argument(
        "--patience",
        type=float,
        default=120,
        help="seconds to wait for other processes to go quiet before each measurement (default 120)",
    )


def apply_nice(niceness: int) -> dict:
    """Set this process's niceness, and its autogroup's where the kernel groups processes by
    session (``kernel.sched_autogroup_enabled``: niceness then only ranks processes within one
    session, and each busy session gets an equal share of the CPUs). Children inherit both."""
    if niceness:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
        with contextlib.suppress(OSError):
            before = Path("/proc/self/autogroup").read_text().split()[-1]
            Path("/proc/self/autogroup").write_text(str(niceness))
            # The autogroup is the whole session's: give it back its niceness at the end.
            atexit.register(lambda: Path("/proc/self/autogroup").write_text(before))
    group = None
    with contextlib.suppress(OSError), open("/proc/self/autogroup") as autogroup:
        group = autogroup.read().strip()
    return {"process": os.getpriority(os.PRIO_PROCESS, 0), "autogroup": group}
