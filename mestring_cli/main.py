"""``mestring``: the one command line. The composition root: it alone wires settings, database,
web app, dispatcher and mail together, and nothing imports it."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import getpass
import json
import logging
import os
import signal
import sqlite3
import sys
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
from piccolo.engine.base import Engine

from instruments import CURRENT_VERSION, LANGUAGES, available_versions, describe, load_instrument
from mestring_cli.listening import CannotListen, http_url, listening_sockets, port_number
from survey_app.db.engine import activate, build_engine, close_pool, open_pool
from survey_app.db.migrate import migrate, pending_migrations
from survey_app.i18n import gettext
from survey_app.private_files import PRIVATE_UMASK
from survey_app.services.dispatch import BATCH_SIZE
from survey_app.services.enrolment_csv import CSV_COLUMNS
from survey_app.services.errors import DomainError
from survey_app.settings import Settings, SettingsError, settings_with

OSLO = ZoneInfo("Europe/Oslo")
log = logging.getLogger("mestring")

NO_SCHEMA = "The database has no schema yet (or is out of date): run 'mestring migrate' first."

# What opening a database that is not there, not reachable or not ours raises: OSError for
# refused connections, unknown hosts, timeouts and folders that cannot be made; asyncpg's
# errors for unknown roles and databases and wrong passwords; sqlite3's for unusable files.
DATABASE_UNAVAILABLE = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, sqlite3.Error)


class CommandFailed(Exception):
    """A command cannot go on; the message tells the person what to do."""


def _print_progress(label: str) -> Callable[[int, int], None]:
    """A one-line progress counter on stderr for long jobs."""

    def progress(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        print(f"\r{label}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return progress


async def _with_database(settings: Settings, work: Callable[[], Awaitable[int]], needs_schema: bool = True) -> int:
    engine = _activated_engine(settings)
    try:
        await _check_database(settings, engine, needs_schema)
        return await work()
    finally:
        await close_pool(engine)


def _activated_engine(settings: Settings) -> Engine:
    try:
        engine = build_engine(settings)  # makes the folder of a SQLite file
    except OSError as exc:
        raise CommandFailed(_unavailable(settings, exc)) from None
    activate(engine)
    return engine


async def _check_database(settings: Settings, engine: Engine, needs_schema: bool) -> None:
    """Up front, that the database can be reached and (unless the command creates it) that its
    schema is current: a person gets a line saying what to do, not a traceback from deep
    inside the first query."""
    try:
        await open_pool(engine)
        pending = await pending_migrations() if needs_schema else ()
    except DATABASE_UNAVAILABLE as exc:
        raise CommandFailed(_unavailable(settings, exc)) from None
    if pending:
        raise CommandFailed(NO_SCHEMA)


def _unavailable(settings: Settings, exc: Exception) -> str:
    reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__
    if settings.database_kind == "sqlite":
        return (
            f"Cannot open the database file {settings.sqlite_path} ({reason}): "
            "check MESTRING_DATABASE_URL and that this user may write to its folder."
        )
    return (
        f"Cannot reach the database {_redacted(settings.database_url)} ({reason}): "
        "check MESTRING_DATABASE_URL and that the database server is running."
    )


def _redacted(url: str) -> str:
    """The database URL without a password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}@{host}"
    return url


# --- commands --------------------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from survey_app.services.studies import ensure_default_study

    async def work() -> int:
        report = await migrate()
        await ensure_default_study()
        print(
            f"Database {_redacted(settings.database_url)}: applied {len(report.applied)} migration(s), "
            f"{report.already_applied} were already applied."
        )
        return 0

    return asyncio.run(_with_database(settings, work, needs_schema=False))


def cmd_instruments(args: argparse.Namespace, settings: Settings | None) -> int:
    instrument = load_instrument(args.version)
    if args.json:
        print(json.dumps(instrument.to_dict(args.lang), ensure_ascii=False, indent=2))
    else:
        print(describe(instrument, args.lang or "nb"))
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise SystemExit("The passwords do not match; nothing was changed.")
    return first


def cmd_user_add(args: argparse.Namespace, settings: Settings) -> int:
    from survey_app.services.errors import Conflict, InvalidInput
    from survey_app.services.staff import create_staff

    password = _read_password(args.password_stdin)

    async def work() -> int:
        try:
            principal = await create_staff(args.email, password, args.role, display_name=args.name, office=args.office)
        except InvalidInput as exc:
            for field, message in exc.errors.items():
                print(f"{field}: {gettext(args.lang, message)}", file=sys.stderr)
            return 2
        except Conflict as exc:
            print(gettext(args.lang, exc.message), file=sys.stderr)
            return 1
        print(f"Created {principal.role} account {principal.email} (id {principal.id}).")
        return 0

    return asyncio.run(_with_database(settings, work))


def _read_text_file(path: str) -> str | None:
    """A UTF-8 text file a person saved (a byte-order mark is fine), or None after saying on
    stderr what is wrong with it."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        print(f"{path}: cannot read the file ({exc.strerror}): check the path", file=sys.stderr)
    except UnicodeDecodeError:
        print(f"{path}: not UTF-8 text: save it as CSV in UTF-8 and try again", file=sys.stderr)
    return None


def _report_line_errors(path: str, errors, language: str) -> None:
    """Each problem of a file on its own line, as ``FILE:LINE [field]: message``."""
    for error in errors:
        field = f" [{error.field}]" if error.field else ""
        print(f"{path}:{error.line}{field}: {gettext(language, error.message)}", file=sys.stderr)


def cmd_enrol(args: argparse.Namespace, settings: Settings) -> int:
    from survey_app.services import audit
    from survey_app.services.calendar import utcnow
    from survey_app.services.enrolment import BulkEnrolmentRejected, enrol_many
    from survey_app.services.enrolment_csv import read_cohort_csv
    from survey_app.services.studies import current_study

    text = _read_text_file(args.csv)
    if text is None:
        return 2
    rows, problems = read_cohort_csv(text)

    if problems:
        _report_line_errors(args.csv, problems, args.lang)
        print("Nothing was enrolled.", file=sys.stderr)
        return 1

    async def work() -> int:
        study = await current_study()
        now = utcnow()
        try:
            enrolled = await enrol_many(
                rows,
                study,
                audit.COMMAND_LINE,
                today=now.astimezone(study.timezone).date(),
                now=now,
                progress=_print_progress("Enrolling"),
            )
        except BulkEnrolmentRejected as exc:
            _report_line_errors(args.csv, exc.errors, args.lang)
            print(f"{len(exc.errors)} problem(s); nothing was enrolled.", file=sys.stderr)
            return 1
        queued = sum(e.t1_invitation_queued for e in enrolled)
        print(f"Enrolled {len(enrolled)} job seeker(s); {queued} T1 invitation(s) queued.")
        return 0

    return asyncio.run(_with_database(settings, work))


def _from_panel_csv(path: str, use: Callable[[Path], object]):
    """``use(path)`` on a long-format panel CSV a person gave, or None after saying on stderr
    why the file cannot be used."""
    import pandas as pd

    try:
        return use(Path(path))
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        print(f"{path}: cannot read the file as CSV ({exc})", file=sys.stderr)
    except ValueError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
    return None


def cmd_suggest(args: argparse.Namespace, settings: Settings) -> int:
    """The follow-up suggestion for every participant, from the database or from a long-format
    panel CSV, as JSON (one entry per study ID; no names)."""
    from analysis.followup import load_rule_set, suggest_panel

    try:
        rules = load_rule_set(args.rules)
    except (OSError, ValueError) as exc:
        print(f"{args.rules}: {exc}", file=sys.stderr)
        return 2
    if args.input:
        from survey_app.services.study_analysis import read_long_csv

        entries = _from_panel_csv(args.input, lambda path: suggest_panel(read_long_csv(path), rules))
        return 2 if entries is None else _write_suggestions(args.json, entries, rules.version)

    from survey_app.services.suggestions import all_suggestions

    async def work() -> int:
        entries = await all_suggestions(args.rules, progress=_print_progress("Suggesting"))
        return _write_suggestions(args.json, entries, rules.version)

    return asyncio.run(_with_database(settings, work))


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """The pseudonymised panel (study IDs only, submitted answers only) as a file."""
    from survey_app.services.panel_export import codebook_path, codebook_pdf_path, write_panel

    out = Path(args.out)
    if not out.parent.is_dir():
        print(f"{out.parent}: no such folder", file=sys.stderr)
        return 2

    async def work() -> int:
        rows = await write_panel(
            out, args.shape, args.format, args.lang, progress=_print_progress("Exporting participants")
        )
        print(
            f"Wrote {rows} row(s), {args.shape} layout, to {out}; codebook: {codebook_path(out)} "
            f"and {codebook_pdf_path(out)}.",
            file=sys.stderr,
        )
        return 0

    return asyncio.run(_with_database(settings, work))


def cmd_paper_forms(args: argparse.Namespace, settings: Settings) -> int:
    """Paper forms (or reminder letters) to post, in one PDF, each recorded as printed."""
    from survey_app.services.errors import NotFound
    from survey_app.services.paper_forms import print_due_forms, print_due_reminders, print_form
    from survey_app.services.studies import current_study

    out = Path(args.out)
    if not out.parent.is_dir():
        print(f"{out.parent}: no such folder", file=sys.stderr)
        return 2
    if bool(args.study_id) != bool(args.wave):
        print("Give --study-id and --wave together.", file=sys.stderr)
        return 2
    if bool(args.study_id) + args.due + args.reminders != 1:
        print("Choose one: --due, --reminders, or --study-id with --wave.", file=sys.stderr)
        return 2

    async def work() -> int:
        study = await current_study()
        if args.study_id:
            try:
                printed = await print_form(None, study, args.study_id, args.wave)
            except NotFound:
                print(f"{args.study_id} {args.wave}: no open paper questionnaire with this study ID and wave.")
                return 1
        elif args.due:
            printed = await print_due_forms(None, study, progress=_print_progress("Laying out forms"))
        else:
            printed = await print_due_reminders(None, study, progress=_print_progress("Laying out letters"))
        if not printed.study_ids:
            print("Nothing is due: no file written.", file=sys.stderr)
            return 0
        out.write_bytes(printed.pdf)
        what = "reminder letter(s)" if args.reminders else ("form(s), reprinted" if printed.reprint else "form(s)")
        print(f"Wrote {len(printed.study_ids)} {what} to {out}; recorded as printed.", file=sys.stderr)
        return 0

    return asyncio.run(_with_database(settings, work))


def cmd_register_import(args: argparse.Namespace, settings: Settings) -> int:
    """Register data from a CSV file: all lines or none."""
    from survey_app.services import audit
    from survey_app.services.register_import import RegisterImportRejected, import_register

    text = _read_text_file(args.csv)
    if text is None:
        return 2

    async def work() -> int:
        try:
            done = await import_register(text, Path(args.csv).name, audit.COMMAND_LINE)
        except RegisterImportRejected as exc:
            _report_line_errors(args.csv, exc.errors, args.lang)
            print(f"{len(exc.errors)} problem(s); nothing was imported.", file=sys.stderr)
            return 1
        print(f"Imported register data for {done.imported} participant(s); {done.replaced} replaced earlier values.")
        return 0

    return asyncio.run(_with_database(settings, work))


def cmd_analyse(args: argparse.Namespace, settings: Settings) -> int:
    """The study's analyses (domain/study.md) as JSON and a PDF report, over the database or a
    long-format panel CSV."""
    for out in (args.json, args.pdf):
        if out and out != "-" and not Path(out).parent.is_dir():
            print(f"{Path(out).parent}: no such folder", file=sys.stderr)
            return 2
    progress = _print_progress("Analyses")
    if args.input:
        from survey_app.services.study_analysis import analyse_file

        result = _from_panel_csv(args.input, lambda path: analyse_file(path, args.group_a, progress=progress))
        return 2 if result is None else _write_analyses(args, result)

    from survey_app.services.study_analysis import NoPanel, analyse_database

    async def work() -> int:
        try:
            result = await analyse_database(
                args.group_a, progress=_print_progress("Reading participants"), steps=progress
            )
        except NoPanel:
            print("The study has no participants yet: nothing to analyse.", file=sys.stderr)
            return 1
        except ValueError as exc:
            print(f"mestring analyse: {exc}", file=sys.stderr)
            return 2
        return _write_analyses(args, result)

    return asyncio.run(_with_database(settings, work))


def _write_analyses(args: argparse.Namespace, result: dict) -> int:
    if args.json or not args.pdf:
        _write_json(args.json, result)
    if args.pdf:
        from survey_app.services.study_report import study_report

        Path(args.pdf).write_bytes(study_report(result, args.lang))
    n = result["meta"]["n"]
    written = " and ".join(path for path in (args.json if args.json != "-" else None, args.pdf) if path)
    print(
        f"Analysed {n['a']} + {n['b']} participant(s) (group a + b){'; wrote ' + written if written else ''}.",
        file=sys.stderr,
    )
    return 0


def cmd_power(args: argparse.Namespace, settings: Settings | None) -> int:
    """A priori power analysis as G*Power does it: the total N for a power, or the power of an N."""
    from analysis.power import power_analysis

    try:
        result = power_analysis(
            args.test,
            args.effect,
            alpha=args.alpha,
            power=args.power,
            n_total=args.n,
            groups=args.groups,
            measurements=args.measurements,
            corr=args.corr,
            epsilon=args.epsilon,
        )
    except ValueError as exc:
        print(f"mestring power: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"test": result.test, "n_total": result.n_total, "power": result.power}))
    else:
        settings_used = f"effect {result.effect}, alpha {result.alpha}"
        print(f"{result.test}: total N {result.n_total}, power {result.power:.4f} ({settings_used})")
    return 0


def _write_json(path: str | None, data: object) -> None:
    """JSON to the file ``path``, or to stdout for ``-`` (or no path)."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if path in (None, "-"):
        print(text)
    else:
        Path(path).write_text(text + "\n", encoding="utf-8")


def _write_suggestions(path: str, entries: list[dict], rule_set: str) -> int:
    _write_json(path, entries)
    levels = Counter(entry["level"] for entry in entries)
    summary = ", ".join(f"{levels[level]} {level}" for level in ("intensive", "increased", "standard"))
    print(f"{len(entries)} participant(s) under rule set {rule_set}: {summary}.", file=sys.stderr)
    return 0


def _uvicorn_server(app, host: str, port: int):
    import uvicorn

    # No access log: request paths of the questionnaire carry personal link tokens.
    config = uvicorn.Config(app, host=host, port=port, access_log=False, log_level="info", lifespan="on")
    return uvicorn.Server(config)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from survey_app.web.app import create_app

    async def work() -> int:
        print(f"Serving on {http_url(args.host, args.port)} (Ctrl+C stops it).", file=sys.stderr, flush=True)
        await _uvicorn_server(create_app(settings), args.host, args.port).serve(sockets)
        return 0

    with listening_sockets(args.host, args.port) as sockets:
        try:
            return asyncio.run(_with_database(settings, work))
        except KeyboardInterrupt:
            return 0


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from scheduler.runner import run_forever
    from survey_app.mail.transport import transport_for

    transport = transport_for(settings)  # no mail server set: say so before anything starts

    async def work() -> int:
        print(f"Dispatcher running every {args.interval} s (Ctrl+C stops it).", file=sys.stderr)
        await run_forever(settings, args.interval, transport)
        return 0

    try:
        return asyncio.run(_with_database(settings, work))
    except KeyboardInterrupt:
        return 0


def parse_now(value: str) -> dt.datetime:
    """An ISO time; without an offset it is Europe/Oslo time."""
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=OSLO)
    return moment.astimezone(dt.UTC)


def cmd_dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from survey_app.mail.transport import transport_for
    from survey_app.services.dispatch import dispatch_once

    try:
        now = parse_now(args.now) if args.now else None
    except ValueError:
        print(f"--now {args.now!r} is not an ISO time such as 2026-11-23T09:00", file=sys.stderr)
        return 2

    transport = transport_for(settings)

    async def work() -> int:
        # SIGTERM or Ctrl+C: the message in flight is finished, the other claims released.
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        report = await dispatch_once(
            transport,
            base_url=settings.base_url,
            sender=settings.mail_from,
            now=now,
            batch_size=args.batch_size,
            stop=stop,
        )
        for message_id in report.sent:
            print(f"sent message {message_id}", flush=True)
        for label, messages in (
            ("retrying", report.retrying),
            ("undeliverable", report.undeliverable),
            ("unknown", report.unknown),
        ):
            for message_id, error in messages.items():
                print(f"{label} message {message_id}: {error}")
        print(report.summary())
        return 1 if report.failed else 0

    return asyncio.run(_with_database(settings, work))


def cmd_study(args: argparse.Namespace, settings: Settings) -> int:
    from survey_app.services import audit
    from survey_app.services.errors import InvalidInput
    from survey_app.services.studies import POLICY_FIELDS, current_study, update_policy

    # The options are named after the policy's fields; those not given keep their values.
    given = {name: getattr(args, name) for name in POLICY_FIELDS if getattr(args, name) is not None}

    async def work() -> int:
        study = await current_study()
        if given:
            try:
                change = await update_policy(study.id, given, audit.COMMAND_LINE)
            except InvalidInput as exc:
                for field, message in exc.errors.items():
                    print(f"--{field.replace('_', '-')}: {gettext(args.lang, message)}", file=sys.stderr)
                print("Nothing was changed.", file=sys.stderr)
                return 2
            study = change.study
            print(_describe_change(change), file=sys.stderr)
        shown = dataclasses.asdict(study)
        shown["timezone"] = str(study.timezone)
        print(json.dumps(shown, ensure_ascii=False, indent=2))
        return 0

    return asyncio.run(_with_database(settings, work))


def _describe_change(change) -> str:
    """One line on what ``mestring study`` changed (a :class:`PolicyChange`)."""
    if not change.changes:
        return "Nothing changed: the settings were already so."
    fields = "; ".join(f"{name} {old!r} -> {new!r}" for name, (old, new) in change.changes.items())
    return (
        f"Changed {fields}. Waves moved to new dates: {change.waves_moved} "
        f"({change.moved_into_past} to a date that has passed); "
        f"closing times changed: {change.deadlines_changed}."
    )


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from mestring_cli.demo import run_demo

    return run_demo(settings, host=args.host, port=args.port, seed_only=args.seed_only)


# --- parser ----------------------------------------------------------------------------------


def _positive(what: str, example: int):
    """An argparse type: a whole number of ``what``, at least one."""

    def check(text: str) -> int:
        if not text.isdigit() or int(text) < 1:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of {what} above 0, e.g. {example}")
        return int(text)

    return check


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mestring",
        description="Panel surveys for job seekers in Supported Employment (T1-T4). "
        "Settings come from MESTRING_* environment variables; see the README.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = commands.add_parser("migrate", help="create or update the database schema (SQLite or PostgreSQL)")
    p.set_defaults(run=cmd_migrate)

    p = commands.add_parser("instruments", help="print the questionnaire (items, ranges, codes)")
    p.add_argument("--json", action="store_true", help="machine-readable JSON instead of text")
    p.add_argument("--lang", choices=LANGUAGES, help="one language only (default: all in JSON, nb in text)")
    p.add_argument(
        "--version",
        default=CURRENT_VERSION,
        choices=available_versions(),
        help=f"instrument version (default {CURRENT_VERSION})",
    )
    p.set_defaults(run=cmd_instruments, needs_settings=False)

    p = commands.add_parser("user", help="manage staff accounts")
    user_commands = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = user_commands.add_parser(
        "add", help="add a staff account; the password is read from a prompt or stdin, never from arguments"
    )
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=("specialist", "researcher", "admin"))
    add.add_argument("--office", help="NAV office or team")
    add.add_argument("--name", help="name shown in the app (default: from the e-mail address)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add.add_argument("--lang", choices=LANGUAGES, default="en", help="language of error messages")
    add.set_defaults(run=cmd_user_add)

    p = commands.add_parser("enrol", help="enrol a cohort from a CSV file (all rows or none)")
    p.add_argument(
        "--csv",
        required=True,
        metavar="FILE",
        help="columns: " + ", ".join(CSV_COLUMNS) + " (and postal_address, needed for paper)",
    )
    p.add_argument("--lang", choices=LANGUAGES, default="en", help="language of error messages")
    p.set_defaults(run=cmd_enrol)

    p = commands.add_parser("serve", help="run the web app alone (use with 'mestring scheduler')")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=port_number, default=8000)
    p.set_defaults(run=cmd_serve)

    p = commands.add_parser("scheduler", help="run the dispatcher in the foreground (invitations by e-mail)")
    p.add_argument("--interval", type=_positive("seconds", 30), default=30, help="seconds between passes (default 30)")
    p.set_defaults(run=cmd_scheduler)

    p = commands.add_parser("dispatch", help="run dispatcher passes by hand")
    p.add_argument("--once", action="store_true", required=True, help="run one pass and print what was sent")
    p.add_argument("--now", help="pretend it is this time (ISO; without an offset: Europe/Oslo)")
    p.add_argument(
        "--batch-size",
        type=_positive("messages", BATCH_SIZE),
        default=BATCH_SIZE,
        help=f"messages claimed at a time (default {BATCH_SIZE})",
    )
    p.set_defaults(run=cmd_dispatch)

    p = commands.add_parser(
        "study", help="show the study settings, or change them (every value is checked first; an error changes nothing)"
    )
    p.add_argument(
        "--reminder-days", metavar="DAYS", help="reminders, in days after a wave opens: e.g. 7,14 ('' for none)"
    )
    p.add_argument("--window-days", metavar="DAYS", help="days a wave stays open for answers, 1-365")
    p.add_argument("--quiet-hours", metavar="HH-HH", help="no mail between these local hours, e.g. 21-08 (21-21: none)")
    p.add_argument(
        "--wave-offsets",
        metavar="MONTHS",
        help="months after enrolment, one per wave, e.g. 0,3,12,18 (moves unopened waves)",
    )
    p.add_argument(
        "--sender-name", metavar="NAME", help="the name invitations come from ('' for MESTRING_MAIL_FROM's own)"
    )
    p.add_argument("--contact-name", metavar="NAME", help="the contact person named in every invitation")
    p.add_argument("--contact-email", metavar="EMAIL")
    p.add_argument("--contact-phone", metavar="PHONE")
    p.add_argument(
        "--double-entry", choices=("on", "off"), help="returned paper forms typed in by two people and compared"
    )
    p.add_argument("--lang", choices=LANGUAGES, default="en", help="language of error messages")
    p.set_defaults(run=cmd_study)

    p = commands.add_parser(
        "suggest", help="the follow-up suggestion for every participant, as JSON (from the database or a panel CSV)"
    )
    p.add_argument(
        "--input",
        metavar="PANEL.csv",
        help="a long-format panel (study_id, wave, status and the measure columns) instead of the database",
    )
    p.add_argument("--json", required=True, metavar="OUT", help="where to write the JSON ('-' for stdout)")
    p.add_argument("--rules", metavar="FILE", help="a rule file to try instead of the built-in one")
    p.set_defaults(run=cmd_suggest)

    p = commands.add_parser("export", help="the pseudonymised panel (study IDs only) as CSV or Parquet, long or wide")
    p.add_argument("--shape", choices=("long", "wide"), default="long", help="one row per wave, or per participant")
    p.add_argument("--format", choices=("csv", "parquet", "dta", "sav"), default="csv")
    p.add_argument("--lang", choices=("nb", "en"), default="nb", help="language of the labels and the codebook")
    p.add_argument("--out", required=True, metavar="PATH", help="the file to write")
    p.set_defaults(run=cmd_export)

    p = commands.add_parser(
        "paper-forms", help="print paper questionnaires or reminder letters to post (one PDF; each print is recorded)"
    )
    p.add_argument("--due", action="store_true", help="every paper form due: open waves with no form printed yet")
    p.add_argument("--reminders", action="store_true", help="every reminder letter due for a form not back yet")
    p.add_argument("--study-id", metavar="ID", help="one job seeker's form (a reprint if printed before), with --wave")
    p.add_argument("--wave", metavar="LABEL", help="the wave of --study-id, such as T2")
    p.add_argument("--out", required=True, metavar="FILE.pdf", help="the PDF to write")
    p.set_defaults(run=cmd_paper_forms)

    p = commands.add_parser("register", help="register data: mean hours worked per week before and after")
    register_commands = p.add_subparsers(dest="register_command", metavar="ACTION", required=True)
    load = register_commands.add_parser(
        "import", help="import a CSV file (study_id, hours_before, hours_after): all lines or none"
    )
    load.add_argument("csv", metavar="FILE.csv")
    load.add_argument("--lang", choices=LANGUAGES, default="en", help="language of error messages")
    load.set_defaults(run=cmd_register_import)

    p = commands.add_parser(
        "analyse", help="the study's analyses as JSON and a PDF report (from the database or a long-format panel CSV)"
    )
    p.add_argument("--input", metavar="PANEL.csv", help="a long-format panel (as 'mestring export' writes it)")
    p.add_argument(
        "--group-a", default="utvidet_oppfolging", metavar="PROGRAMME", help="the experimental programme (group a)"
    )
    p.add_argument("--json", metavar="OUT", help="where to write the JSON ('-' or neither option: stdout)")
    p.add_argument("--pdf", metavar="OUT", help="where to write the report as PDF")
    p.add_argument("--lang", choices=LANGUAGES, default="nb", help="language of the PDF report")
    p.set_defaults(run=cmd_analyse)

    p = commands.add_parser(
        "power", help="a priori power analysis as G*Power does it: total N for a power, or the power of an N"
    )
    p.add_argument("test", choices=("ttest", "anova", "rm-between", "rm-within", "rm-interaction", "correlation"))
    p.add_argument("--effect", type=float, required=True, help="Cohen's d (ttest), f (anova, rm-*) or r (correlation)")
    p.add_argument("--alpha", type=float, default=0.05)
    wanted = p.add_mutually_exclusive_group(required=True)
    wanted.add_argument("--power", type=float, help="the power wanted: gives the total N")
    wanted.add_argument("--n", type=int, help="the total N: gives the power")
    p.add_argument("--groups", type=int, default=2)
    p.add_argument("--measurements", type=int, default=2, help="repeated measures: measurements per person")
    p.add_argument("--corr", type=float, default=0.5, help="repeated measures: correlation among measurements")
    p.add_argument("--epsilon", type=float, default=1.0, help="repeated measures: nonsphericity correction")
    p.add_argument("--json", action="store_true", help='print {"test", "n_total", "power"}')
    p.set_defaults(run=cmd_power, needs_settings=False)

    p = commands.add_parser("demo", help="seed a SQLite demo and run web app, dispatcher and outbox in one process")
    p.add_argument("--home", help="where the demo's var/ lives (default: MESTRING_HOME or the current directory)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=port_number, default=8000)
    p.add_argument("--seed-only", action="store_true", help="seed the demo database and exit")
    p.set_defaults(run=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Before anything is created: the database (and the WAL files SQLite makes beside it), the
    # secret key and the outbox hold personal data, for the service user's eyes only.
    os.umask(PRIVATE_UMASK)
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("piccolo", "apscheduler", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Piccolo's PostgreSQL engine asks for the server version when it is built and only warns
    # when it cannot; the connection check that follows says so in one line of ours.
    warnings.filterwarnings("ignore", message=r".*Unable to (connect to database|fetch server version)")
    try:
        needs_settings = getattr(args, "needs_settings", True)
        settings = settings_with(MESTRING_HOME=getattr(args, "home", None)) if needs_settings else None
        return args.run(args, settings)
    except SettingsError as exc:
        print(f"mestring: {exc}", file=sys.stderr)
        return 2
    except (CommandFailed, CannotListen) as exc:
        print(f"mestring: {exc}", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"mestring: {gettext('en', exc.message)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
