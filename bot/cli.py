"""The `checkin` command.  Each subcommand is a thin call into a feature module."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core import distress
from bot.core.clock import ShiftedClock, parse_since, parse_span
from bot.core.config import (
    WEBHOOK_SECRET_ENV,
    ConfigError,
    FlowSettings,
    Settings,
    WebhookOptions,
    load_settings,
    webhook_secret,
)
from bot.delivery.log_redaction import redact_token_in_logs
from bot.staff.reload import problem_lines, reload_from_signal, summary_lines
from flows.lint import lint
from flows.loader import FlowError, flow_warnings, load_flows
from flows.model import Flow
from flows.preview import preview
from flows.schema import json_schema
from flows.types import Context
from storage.db import Database, SchemaOutOfDate

DEFAULT_CONFIG = "config.toml"
CLOCK_OFFSET_ENV = "CHECKIN_CLOCK_OFFSET_SECONDS"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("CHECKIN_LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL at INFO, and the URL contains the bot token
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # a tick still starting a big round when the next is due: the next is skipped, by design (one
    # tick at a time); APScheduler warned about it every second of a 10,000-partner round
    logging.getLogger("apscheduler.scheduler").addFilter(
        lambda record: "maximum number of running instances" not in record.getMessage()
    )
    # and in case anything else logs it (an exception text, a debug level), the token is masked everywhere
    redact_token_in_logs(os.environ.get("TELEGRAM_BOT_TOKEN", ""))
    try:
        return int(args.handler(args) or 0)
    except (ConfigError, SchemaOutOfDate) as error:
        print(error, file=sys.stderr)
        return 2
    except FlowError as error:
        print(_problems(error), file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="checkin", description="A caring check-in bot for co-production partners.")
    parser.add_argument(
        "--config",
        default=os.environ.get("CHECKIN_CONFIG", DEFAULT_CONFIG),
        help="config file (default ./config.toml, or $CHECKIN_CONFIG)",
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the bot (long polling, or --webhook)")
    run.add_argument("--webhook", action="store_true", help="receive updates by webhook instead of long polling")
    run.add_argument(
        "--listen",
        default="127.0.0.1:8443",
        metavar="HOST:PORT",
        help="webhook: address to listen on (default 127.0.0.1:8443); several processes may share it",
    )
    run.add_argument("--url", help="webhook: the public HTTPS URL Telegram posts to (its path is served)")
    run.add_argument(
        "--secret-file",
        type=Path,
        metavar="PATH",
        help=f"webhook: a file holding the secret token Telegram sends back (default ${WEBHOOK_SECRET_ENV})",
    )
    run.add_argument("--secret", nargs="?", action=_SecretOnCommandLine, help=argparse.SUPPRESS)
    run.set_defaults(handler=_run)

    doctor = commands.add_parser("doctor", help="check the config, database, Telegram, flows, outbox and inbox")
    doctor.set_defaults(handler=_doctor)

    demo = commands.add_parser(
        "demo", help="run the bot against a local Telegram sandbox with a scripted partner; no token needed"
    )
    demo.add_argument("--interactive", action="store_true", help="you play the partner from the terminal")
    demo.set_defaults(handler=_demo)

    invite = commands.add_parser("invite", help="print a single-use invite link for a project")
    invite.add_argument("--project", required=True, help="project id from the config")
    invite.add_argument("--role", choices=["partner", "facilitator"], default="partner")
    invite.add_argument(
        "--expires",
        type=_span,
        default=timedelta(days=7),
        metavar="SPAN",
        help="how long the link stays valid: 7d, 12h, 2w; a plain number is days (default 7d)",
    )
    invite.add_argument("--uses", type=_positive, default=1, help="how many people may join with it (default 1)")
    invite.set_defaults(handler=_invite)

    partners = commands.add_parser("partners", help="import partners from CSV (as invite links), or export them")
    partner_commands = partners.add_subparsers(required=True, metavar="TASK")
    import_ = partner_commands.add_parser(
        "import", help="one invite link per CSV row (columns: name, project[, role, expires])"
    )
    import_.add_argument("file", type=Path, metavar="FILE.csv")
    import_.add_argument("--output", type=Path, help="where to write names with their links (default FILE-links.csv)")
    import_.add_argument(
        "--expires",
        type=_span,
        default=timedelta(days=14),
        metavar="SPAN",
        help="default validity of each link (default 14d)",
    )
    import_.set_defaults(handler=_partners_import)
    export = partner_commands.add_parser("export", help="partners, status and when they last answered, as CSV")
    export.add_argument("--project", action="append", help="only this project (repeatable; default all)")
    export.add_argument("--output", type=Path, help="file to write (default: print it)")
    export.set_defaults(handler=_partners_export)

    audit = commands.add_parser("audit", help="refused role checks, data exports, erasures, invites and flag changes")
    audit.add_argument("--since", help="a date (2026-11-01) or a span back from now (7d, 12h)")
    audit.set_defaults(handler=_audit)

    digest = commands.add_parser("digest", help="a facilitator's digest, rendered in the terminal")
    digest.add_argument("--facilitator", required=True, type=int, metavar="ID", help="their Telegram user id")
    digest.add_argument("--dry-run", action="store_true", required=True, help="show it here; send nothing")
    digest.add_argument("--chart", type=Path, metavar="FILE", help="also write the trend chart (PNG) to this file")
    digest.set_defaults(handler=_digest)

    flags_ = commands.add_parser("flags", help="list or export flags (unmet needs), for reporting")
    flag_commands = flags_.add_subparsers(required=True, metavar="TASK")
    for name, help_text in (("list", "flags as a table"), ("export", "flags as CSV, no partner text")):
        task = flag_commands.add_parser(name, help=help_text)
        task.add_argument("--project", action="append", help="project id (repeat for several; default all)")
        task.add_argument(
            "--status",
            action="append",
            choices=["open", "acknowledged", "resolved", "wont_fix", "closed"],
            help="repeatable",
        )
        task.add_argument(
            "--need", help="payment, expenses, access, support, trust, influence, capacity, safety or other"
        )
        task.add_argument("--since", type=date.fromisoformat, help="opened on or after this day, YYYY-MM-DD")
        task.add_argument("--until", type=date.fromisoformat, help="opened before this day, YYYY-MM-DD")
        if name == "export":
            task.add_argument("--format", choices=["csv"], default="csv")
            task.add_argument("--output", type=Path, metavar="FILE", help="file to write (default: print it)")
        task.set_defaults(handler=_flags, task=name)

    activity = commands.add_parser("activity", help="sessions that after- and before-activity check-ins follow")
    activity_commands = activity.add_subparsers(required=True, metavar="TASK")
    add = activity_commands.add_parser("add", help="record an activity; its check-ins go on partners' calendars")
    add.add_argument("--project", required=True, help="project id from the config")
    add.add_argument(
        "--date", required=True, help='the day: 2026-12-25, 25/12, "25 December", "next friday", "in two weeks"'
    )
    add.add_argument("--note", default="", help="what it was, for your records")
    add.set_defaults(handler=_activity_add)
    listing = activity_commands.add_parser("list", help="activities with the check-ins each scheduled")
    listing.add_argument("--project", help="only this project")
    listing.set_defaults(handler=_activity_list)
    remove = activity_commands.add_parser("remove", help="delete an activity and its check-ins not yet sent")
    remove.add_argument("id", type=int, help="the activity's id, from `checkin activity list`")
    remove.set_defaults(handler=_activity_remove)

    db = commands.add_parser("db", help="database tasks")
    db_commands = db.add_subparsers(required=True, metavar="TASK")
    db_commands.add_parser("upgrade", help="create or migrate the database schema").set_defaults(handler=_db_upgrade)
    revision = db_commands.add_parser("revision", help="for developers: write a migration for changed models")
    revision.add_argument("--message", "-m", required=True)
    revision.set_defaults(handler=_db_revision)

    flows = commands.add_parser("flows", help="check, lint and try out question flows")
    flow_commands = flows.add_subparsers(required=True, metavar="TASK")
    check = flow_commands.add_parser("check", help="validate flow files; exit 1 and list every problem if any")
    check.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the config's flows folder)")
    check.set_defaults(handler=_flows_check)
    schema = flow_commands.add_parser(
        "schema", help="write the JSON Schema of flow files, for editors (taplo, Even Better TOML)"
    )
    schema.add_argument("--output", type=Path, metavar="FILE", help="file to write (default: print it)")
    schema.set_defaults(handler=_flows_schema)
    lint_ = flow_commands.add_parser("lint", help="warn about long sentences, jargon and hard words")
    lint_.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the config's flows folder)")
    lint_.add_argument("--strict", action="store_true", help="exit 1 if there is any warning")
    lint_.add_argument(
        "--jargon",
        type=_word_list,
        metavar="WORD,...",
        help="words to warn about (default: the config's [flows] jargon, else a built-in list)",
    )
    lint_.set_defaults(handler=_flows_lint)
    play = flow_commands.add_parser("preview", help="play a flow in the terminal as a partner would see it")
    play.add_argument("flow", metavar="FLOW_ID_OR_PATH", help="a flow id from the flows folder, or a .toml file")
    play.add_argument("--name", default="Sam", help="the partner's first name (default Sam)")
    play.add_argument("--project", default="Carers' Voice", help="the project's name")
    play.add_argument("--language", default=None, help="the partner's language, e.g. cy")
    play.add_argument("--fewer", action="store_true", help="as a partner who asked for fewer questions")
    play.add_argument("--plain", action="store_true", help="as a partner who asked for plain words")
    play.set_defaults(handler=_flows_preview)

    safety = commands.add_parser("safety", help="try how the bot recognises distress")
    safety_commands = safety.add_subparsers(required=True, metavar="TASK")
    safety_test = safety_commands.add_parser(
        "test",
        help="read one message a line on standard input; print alert or ok, a tab, and the rule that matched",
    )
    safety_test.add_argument(
        "--config",
        dest="safety_config",
        type=Path,
        metavar="FILE",
        help="also match this config's [safety] distress_phrases (default: the built-in rules only)",
    )
    safety_test.set_defaults(handler=_safety_test)
    return parser


class _SecretOnCommandLine(argparse.Action):
    """``--secret`` was taken once; now it is refused with where the secret goes instead.
    Its value is never echoed: an error message may end up in a log."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        parser.error(
            "--secret is no longer taken: anyone on this machine can read a command line (ps). "
            f"Put the secret in a file only you can read and pass --secret-file PATH, or set {WEBHOOK_SECRET_ENV}."
        )


def _safety_test(args: argparse.Namespace) -> int:
    """What the bot would do with each line, as the front door screens every partner message."""
    phrases = load_settings(args.safety_config).safety.distress_phrases if args.safety_config else []
    for line in sys.stdin:
        message = line.rstrip("\n")
        found = distress.recognise(message, phrases)
        print(f"alert\t{found.rule}" if found is not None else "ok\t-", flush=True)
    return 0


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings(Path(args.config))
    redact_token_in_logs(settings.token)
    return settings


def _run(args: argparse.Namespace) -> int:
    from telegram.error import InvalidToken, NetworkError

    from bot.running import STARTUP_TRIES, RunningBot, start_bot

    settings = _settings(args)
    if not settings.token:
        print("No bot token: set TELEGRAM_BOT_TOKEN or [telegram] token in the config.", file=sys.stderr)
        return 2
    webhook = _webhook_options(args)
    if isinstance(webhook, str):
        print(webhook, file=sys.stderr)
        return 2

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        running: RunningBot | None = None
        reloads: set[asyncio.Task[None]] = set()

        def reload() -> None:
            """SIGHUP.  Before the bot is up there is nothing to do: it is loading the flows."""
            if running is not None:
                task = asyncio.create_task(asyncio.to_thread(reload_from_signal, running.runtime))
                reloads.add(task)  # keep a reference until it is done
                task.add_done_callback(reloads.discard)

        loop.add_signal_handler(signal.SIGHUP, reload)
        running = await start_bot(settings, _test_clock(), webhook=webhook)
        try:
            await stop.wait()
        finally:
            await running.stop()

    try:
        asyncio.run(serve())
    except InvalidToken:
        print(
            "Telegram did not accept the bot token (TELEGRAM_BOT_TOKEN or [telegram] token); "
            "check it with @BotFather. (The token is not shown here.)",
            file=sys.stderr,
        )
        return 2
    except NetworkError as error:
        print(
            f"Could not reach Telegram after {STARTUP_TRIES} tries ({type(error).__name__}); "
            "check the network and [telegram] base_url, then start again.",
            file=sys.stderr,
        )
        return 2
    return 0


def _webhook_options(args: argparse.Namespace) -> WebhookOptions | str | None:
    """The --webhook options, None for polling, or what is wrong with them (a secret that
    cannot be read raises ConfigError, which names its file)."""
    if not args.webhook:
        return None
    if not args.url:
        return "--webhook needs --url: the public HTTPS address Telegram posts to."
    host, _, port = args.listen.rpartition(":")
    if not host or not port.isdigit():
        return f"--listen must be HOST:PORT, not {args.listen!r}."
    return WebhookOptions(host=host, port=int(port), url=args.url, secret=webhook_secret(args.secret_file))


def _doctor(args: argparse.Namespace) -> int:
    from bot.doctor import doctor

    return doctor(Path(args.config))


def _test_clock() -> ShiftedClock | None:
    """Test hook: CHECKIN_CLOCK_OFFSET_SECONDS runs the bot that far in the future,
    so process-level tests (tests/e2e/test_processes.py) need not wait for a due time."""
    offset = os.environ.get(CLOCK_OFFSET_ENV)
    return ShiftedClock(datetime.now(UTC) + timedelta(seconds=float(offset))) if offset else None


def _demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(interactive=args.interactive))


def _invite(args: argparse.Namespace) -> int:
    from bot.delivery.bot_identity import bot_username
    from bot.staff.invites import link, new_invite_code

    settings = _settings(args)
    if settings.project(args.project) is None:
        return _unknown_project(args, settings)
    code = new_invite_code(settings, args.project, args.role, args.expires, args.uses)
    print(link(asyncio.run(bot_username(settings)), code))
    print(f"code: {code} (expires {datetime.now(UTC) + args.expires:%Y-%m-%d %H:%M} UTC, {args.uses} use(s))")
    return 0


def _span(text: str) -> timedelta:
    span = parse_span(text)
    if span is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a span like 7d, 12h or 2w")
    return span


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _partners_import(args: argparse.Namespace) -> int:
    from rich.console import Console

    from bot.delivery.bot_identity import bot_username
    from bot.staff.people_csv import import_partners

    settings = _settings(args)
    output = args.output or args.file.with_name(f"{args.file.stem}-links.csv")
    console = Console(stderr=True)
    problems = import_partners(settings, args.file, output, args.expires, asyncio.run(bot_username(settings)), console)
    if problems:
        for problem in problems:
            print(f"{args.file}: {problem}", file=sys.stderr)
        print(f"Nothing imported: {len(problems)} row(s) need fixing first.", file=sys.stderr)
        return 1
    print(f"Invite links written to {output}. Send each person their own link; it works once.")
    return 0


def _partners_export(args: argparse.Namespace) -> int:
    from rich.console import Console

    from bot.staff.people_csv import export_partners

    settings = _settings(args)
    if (unknown := _unknown_projects(args, settings)) is not None:
        return unknown
    text = export_partners(settings, args.project or [p.id for p in settings.projects], Console(stderr=True))
    _emit(text, args.output)
    return 0


def _audit(args: argparse.Namespace) -> int:
    from bot.staff.reports import audit_lines

    since = None
    if args.since:
        try:
            since = parse_since(args.since, datetime.now(UTC))
        except ValueError:
            print(f"--since {args.since!r}: use a date like 2026-11-01 or a span like 7d.", file=sys.stderr)
            return 2
    lines = audit_lines(_settings(args), since)
    print("\n".join(lines) if lines else "Nothing recorded in that time.")
    return 0


def _emit(text: str, output: Path | None, note: str = "") -> None:
    """Print ``text``, or write it to ``output`` and say so on stderr."""
    if output is None:
        print(text, end="")
        return
    output.write_text(text, encoding="utf-8")
    print(f"Wrote {output}. {note}".rstrip(), file=sys.stderr)


def _unknown_projects(args: argparse.Namespace, settings: Settings) -> int | None:
    """Exit code 2 (and the known projects) if any repeated --project is not in the config."""
    for project_id in args.project or []:
        if settings.project(project_id) is None:
            args.project = project_id
            return _unknown_project(args, settings)
    return None


def _unknown_project(args: argparse.Namespace, settings: Settings) -> int:
    known = ", ".join(p.id for p in settings.projects) or "none"
    print(f"No project {args.project!r} in {args.config} (projects: {known}).", file=sys.stderr)
    return 2


def _digest(args: argparse.Namespace) -> int:
    from bot.staff.reports import render_digest_dry_run

    text, chart = render_digest_dry_run(_settings(args), args.facilitator)
    print(text)
    if args.chart is not None and chart is not None:
        args.chart.write_bytes(chart)
        print(f"Wrote the chart to {args.chart}.", file=sys.stderr)
    elif args.chart is not None:
        print("No chart: not enough answers yet.", file=sys.stderr)
    return 0


def _flags(args: argparse.Namespace) -> int:
    from bot.staff.reports import flags_csv, flags_table

    settings = _settings(args)
    if (unknown := _unknown_projects(args, settings)) is not None:
        return unknown
    since = datetime.combine(args.since, datetime.min.time(), UTC) if args.since else None
    until = datetime.combine(args.until, datetime.min.time(), UTC) if args.until else None
    query = {
        "project_ids": args.project,
        "statuses": args.status,
        "need": args.need,
        "opened_from": since,
        "opened_to": until,
    }
    if args.task == "list":
        print(flags_table(settings, **query))
        return 0
    text = flags_csv(settings, **query)
    _emit(text, args.output)
    return 0


def _activity_add(args: argparse.Namespace) -> int:
    from bot.core.dates import parse_friendly_date
    from bot.staff.activities import record_activity

    settings = _settings(args)
    project = settings.project(args.project)
    if project is None:
        return _unknown_project(args, settings)
    held = parse_friendly_date(args.date, datetime.now(ZoneInfo(project.timezone)).date(), future=False)
    if held is None:
        print(f'--date {args.date!r}: use a day like 2026-12-25, 25/12, "25 December", "next friday".', file=sys.stderr)
        return 2
    count = record_activity(settings, args.project, held, args.note)
    print(
        f"Recorded {held:%A %-d %B %Y} for {args.project}; after-activity check-ins scheduled for {count} partner(s)."
    )
    return 0


def _activity_list(args: argparse.Namespace) -> int:
    from bot.staff.activities import list_activities

    settings = _settings(args)
    if args.project is not None and settings.project(args.project) is None:
        return _unknown_project(args, settings)
    views = list_activities(settings, args.project)
    if not views:
        print("No activities recorded yet. `checkin activity add` records one.")
    for view in views:
        print(f"#{view.id}  {view.project_id}  {view.held_on:%a %-d %B %Y}  {view.note}".rstrip())
        for planned in view.checkins:
            due = f"{planned.due_at:%Y-%m-%d %H:%M} UTC"
            print(f"    partner #{planned.person_id}  {planned.flow_id}  {due}  {planned.status}")
    return 0


def _activity_remove(args: argparse.Namespace) -> int:
    from bot.staff.activities import remove_activity

    removed = remove_activity(_settings(args), args.id)
    if removed is None:
        print(f"No activity #{args.id}. `checkin activity list` shows every activity with its id.", file=sys.stderr)
        return 1
    view, count = removed
    what = f"{view.project_id}, {view.held_on:%-d %B %Y}" + (f", {view.note}" if view.note else "")
    print(f"Removed activity #{view.id} ({what}) and {count} check-in(s) it had scheduled that were not yet sent.")
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    settings = _settings(args)
    Database(settings.storage.url).upgrade()
    print(f"Database is up to date ({settings.storage.url.split('@')[-1]}).")
    return 0


def _db_revision(args: argparse.Namespace) -> int:
    Database(_settings(args).storage.url).new_revision(args.message)
    return 0


def _flow_settings(args: argparse.Namespace) -> FlowSettings:
    """The config's [flows] table.  Coordinators may only edit flows and have no
    config file: then the defaults (./flows/library, the built-in jargon)."""
    if not Path(args.config).exists():
        return FlowSettings()
    return _settings(args).flows


def _flows_check(args: argparse.Namespace) -> int:
    flows = load_flows(args.paths or [_flow_settings(args).directory])
    print("\n".join(summary_lines(flows.values())))
    for warning in (warning for flow in flows.values() for warning in flow_warnings(flow)):
        print(f"warning: {warning}")
    return 0


def _flows_schema(args: argparse.Namespace) -> int:
    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    _emit(text, args.output, "Start a flow file with: #:schema <path to it>")
    return 0


def _flows_lint(args: argparse.Namespace) -> int:
    settings = _flow_settings(args)
    jargon = args.jargon if args.jargon is not None else settings.jargon
    flows = load_flows(args.paths or [settings.directory])
    warnings = [warning for flow in flows.values() for warning in lint(flow, jargon)]
    for warning in warnings:
        print(f"warning: {warning}")
    print(f"{len(warnings)} warning(s) in {len(flows)} flow(s).")
    return 1 if args.strict and warnings else 0


def _flows_preview(args: argparse.Namespace) -> int:
    flow = _flow_to_preview(args)
    if flow is None:
        return 2
    print(f"Previewing {flow.id} (version {flow.version}) as {args.name} would see it.")
    print("Type a reply, or a button's number. /sticker sends a non-text message; Ctrl-D stops.\n")
    context = Context(
        first_name=args.name,
        project_name=args.project,
        language=args.language,
        fewer_questions=args.fewer,
        plain_words=args.plain,
    )
    try:
        preview(flow, lambda: input("> "), print, context)
    except KeyboardInterrupt:
        print()
    return 0


def _flow_to_preview(args: argparse.Namespace) -> Flow | None:
    """A .toml file as given, or a flow id looked up in the flows folder."""
    path = Path(args.flow)
    if path.suffix == ".toml" or path.is_file():
        return next(iter(load_flows([path]).values()))
    directory = _flow_settings(args).directory
    flows = load_flows([directory])
    if args.flow not in flows:
        print(f"No flow {args.flow!r} in {directory} (flows: {', '.join(sorted(flows)) or 'none'}).", file=sys.stderr)
        return None
    return flows[args.flow]


def _word_list(text: str) -> list[str]:
    return [word.strip() for word in text.split(",") if word.strip()]


def _problems(error: FlowError) -> str:
    return "\n".join(problem_lines(error.problems))


if __name__ == "__main__":
    sys.exit(main())
