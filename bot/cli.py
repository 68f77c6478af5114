"""The `checkin` command.  Each subcommand is a thin call into a feature module."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from flows.loader import FlowError, load_flows
from storage.db import Database, SchemaOutOfDate

DEFAULT_CONFIG = "config.toml"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=os.environ.get("CHECKIN_LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO, and the URL contains the bot token
    logging.getLogger("httpx").setLevel(logging.WARNING)
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
    parser.add_argument("--config", default=os.environ.get("CHECKIN_CONFIG", DEFAULT_CONFIG), help="config file (default ./config.toml, or $CHECKIN_CONFIG)")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the bot (long polling)")
    run.set_defaults(handler=_run)

    demo = commands.add_parser("demo", help="run the bot against a local Telegram sandbox with a scripted partner; no token needed")
    demo.add_argument("--interactive", action="store_true", help="you play the partner from the terminal")
    demo.set_defaults(handler=_demo)

    invite = commands.add_parser("invite", help="print a single-use invite link for a project")
    invite.add_argument("--project", required=True, help="project id from the config")
    invite.add_argument("--role", choices=["partner", "facilitator"], default="partner")
    invite.add_argument("--expires", type=int, default=7, metavar="DAYS", help="days the link stays valid (default 7)")
    invite.set_defaults(handler=_invite)

    db = commands.add_parser("db", help="database tasks")
    db_commands = db.add_subparsers(required=True, metavar="TASK")
    db_commands.add_parser("upgrade", help="create or migrate the database schema").set_defaults(handler=_db_upgrade)
    revision = db_commands.add_parser("revision", help="for developers: write a migration for changed models")
    revision.add_argument("--message", "-m", required=True)
    revision.set_defaults(handler=_db_revision)

    flows = commands.add_parser("flows", help="check question flows")
    flow_commands = flows.add_subparsers(required=True, metavar="TASK")
    check = flow_commands.add_parser("check", help="validate flow files; exit 1 and list every problem if any")
    check.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the config's flows folder)")
    check.set_defaults(handler=_flows_check)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(Path(args.config))


def _run(args: argparse.Namespace) -> int:
    from bot.running import start_bot

    settings = _settings(args)
    if not settings.token:
        print("No bot token: set TELEGRAM_BOT_TOKEN or [telegram] token in the config.", file=sys.stderr)
        return 2

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        running = await start_bot(settings)
        try:
            await stop.wait()
        finally:
            await running.stop()

    asyncio.run(serve())
    return 0


def _demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(interactive=args.interactive))


def _invite(args: argparse.Namespace) -> int:
    from bot.invites import create_invite_link

    settings = _settings(args)
    if settings.project(args.project) is None:
        known = ", ".join(p.id for p in settings.projects) or "none"
        print(f"No project {args.project!r} in {args.config} (projects: {known}).", file=sys.stderr)
        return 2
    link, code = asyncio.run(create_invite_link(settings, args.project, args.role, timedelta(days=args.expires)))
    print(link)
    print(f"code: {code}")
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    settings = _settings(args)
    Database(settings.storage.url).upgrade()
    print(f"Database is up to date ({settings.storage.url.split('@')[-1]}).")
    return 0


def _db_revision(args: argparse.Namespace) -> int:
    Database(_settings(args).storage.url).new_revision(args.message)
    return 0


def _flows_check(args: argparse.Namespace) -> int:
    paths = args.paths or [_settings(args).flows.directory]
    flows = load_flows(paths)
    for flow in flows.values():
        print(f"ok  {flow.id} (version {flow.version}): {len(flow.steps)} steps")
    return 0


def _problems(error: FlowError) -> str:
    lines = [str(problem) for problem in error.problems]
    lines.append(f"{len(error.problems)} problem(s) found.")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
