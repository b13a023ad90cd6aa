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
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from instruments import CURRENT_VERSION, LANGUAGES, describe, load_instrument
from survey_app.db.engine import activate, build_engine, close_pool, open_pool
from survey_app.db.migrate import migrate
from survey_app.i18n import gettext
from survey_app.services.enrolment_csv import CSV_COLUMNS
from survey_app.settings import Settings, SettingsError, settings_with

OSLO = ZoneInfo("Europe/Oslo")
log = logging.getLogger("mestring")


def _print_progress(label: str) -> Callable[[int, int], None]:
    """A one-line progress counter on stderr for long jobs."""

    def progress(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        print(f"\r{label}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return progress


async def _with_database(settings: Settings, work: Callable[[], Awaitable[int]]) -> int:
    engine = build_engine(settings)
    activate(engine)
    await open_pool(engine)
    try:
        return await work()
    finally:
        await close_pool(engine)


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

    return asyncio.run(_with_database(settings, work))


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


def cmd_enrol(args: argparse.Namespace, settings: Settings) -> int:
    from survey_app.services import audit
    from survey_app.services.calendar import utcnow
    from survey_app.services.enrolment import BulkEnrolmentRejected, enrol_many
    from survey_app.services.enrolment_csv import read_cohort_csv
    from survey_app.services.studies import current_study

    try:
        text = Path(args.csv).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{args.csv}: {exc}", file=sys.stderr)
        return 2
    rows, problems = read_cohort_csv(text)

    def report(errors) -> None:
        for error in errors:
            field = f" [{error.field}]" if error.field else ""
            print(f"{args.csv}:{error.line}{field}: {gettext(args.lang, error.message)}", file=sys.stderr)

    if problems:
        report(problems)
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
            report(exc.errors)
            print(f"{len(exc.errors)} problem(s); nothing was enrolled.", file=sys.stderr)
            return 1
        queued = sum(e.t1_invitation_queued for e in enrolled)
        print(f"Enrolled {len(enrolled)} job seeker(s); {queued} T1 invitation(s) queued.")
        return 0

    return asyncio.run(_with_database(settings, work))


def _uvicorn_server(app, host: str, port: int):
    import uvicorn

    # No access log: request paths of the questionnaire carry personal link tokens.
    config = uvicorn.Config(app, host=host, port=port, access_log=False, log_level="info", lifespan="on")
    return uvicorn.Server(config)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from survey_app.web.app import create_app

    activate(build_engine(settings))
    asyncio.run(_uvicorn_server(create_app(settings), args.host, args.port).serve())
    return 0


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from scheduler.runner import run_forever

    async def work() -> int:
        print(f"Dispatcher running every {args.interval} s (Ctrl+C stops it).", file=sys.stderr)
        await run_forever(settings, args.interval)
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
    from scheduler.dispatch import dispatch_once
    from survey_app.mail.transport import transport_for

    try:
        now = parse_now(args.now) if args.now else None
    except ValueError:
        print(f"--now {args.now!r} is not an ISO time such as 2026-11-23T09:00", file=sys.stderr)
        return 2

    async def work() -> int:
        report = await dispatch_once(
            transport_for(settings), base_url=settings.base_url, sender=settings.mail_from, now=now
        )
        for message_id in report.sent:
            print(f"sent message {message_id}")
        for message_id, error in report.failed.items():
            print(f"failed message {message_id}: {error}")
        print(report.summary())
        return 1 if report.failed else 0

    return asyncio.run(_with_database(settings, work))


def cmd_study(args: argparse.Namespace, settings: Settings) -> int:
    from survey_app.services.studies import current_study, set_contact

    async def work() -> int:
        study = await current_study()
        if args.contact_name is not None or args.contact_email is not None or args.contact_phone is not None:
            study = await set_contact(
                args.contact_name if args.contact_name is not None else study.contact_name,
                args.contact_email if args.contact_email is not None else study.contact_email,
                args.contact_phone if args.contact_phone is not None else study.contact_phone,
            )
        shown = dataclasses.asdict(study)
        shown["timezone"] = str(study.timezone)
        print(json.dumps(shown, ensure_ascii=False, indent=2))
        return 0

    return asyncio.run(_with_database(settings, work))


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from mestring_cli.demo import run_demo

    return run_demo(settings, host=args.host, port=args.port, seed_only=args.seed_only)


# --- parser ----------------------------------------------------------------------------------


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
    p.add_argument("--version", default=CURRENT_VERSION, help=f"instrument version (default {CURRENT_VERSION})")
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
    p.add_argument("--csv", required=True, metavar="FILE", help="columns: " + ", ".join(CSV_COLUMNS))
    p.add_argument("--lang", choices=LANGUAGES, default="en", help="language of error messages")
    p.set_defaults(run=cmd_enrol)

    p = commands.add_parser("serve", help="run the web app alone (use with 'mestring scheduler')")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(run=cmd_serve)

    p = commands.add_parser("scheduler", help="run the dispatcher in the foreground (invitations by e-mail)")
    p.add_argument("--interval", type=int, default=30, help="seconds between passes (default 30)")
    p.set_defaults(run=cmd_scheduler)

    p = commands.add_parser("dispatch", help="run dispatcher passes by hand")
    p.add_argument("--once", action="store_true", required=True, help="run one pass and print what was sent")
    p.add_argument("--now", help="pretend it is this time (ISO; without an offset: Europe/Oslo)")
    p.set_defaults(run=cmd_dispatch)

    p = commands.add_parser("study", help="show the study settings, or set its contact person")
    p.add_argument("--contact-name")
    p.add_argument("--contact-email")
    p.add_argument("--contact-phone")
    p.set_defaults(run=cmd_study)

    p = commands.add_parser("demo", help="seed a SQLite demo and run web app, dispatcher and outbox in one process")
    p.add_argument("--home", help="where the demo's var/ lives (default: MESTRING_HOME or the current directory)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--seed-only", action="store_true", help="seed the demo database and exit")
    p.set_defaults(run=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("piccolo", "apscheduler", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = None
    if getattr(args, "needs_settings", True):
        try:
            settings = settings_with(MESTRING_HOME=getattr(args, "home", None))
        except SettingsError as exc:
            print(f"mestring: {exc}", file=sys.stderr)
            return 2
    return args.run(args, settings)


if __name__ == "__main__":
    sys.exit(main())
