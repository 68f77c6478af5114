"""N partners answering a five-question check-in at the same moment, through the
sandbox (Telegram's limits off), against this bot or the usual-way reference bot.

    .venv/bin/python -m bench.replies --partners 1000                      # polling, SQLite
    .venv/bin/python -m bench.replies --partners 1000 --webhook --workers 2 --db postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python -m bench.replies --partners 1000 --bot reference      # bench/reference_bot.py

This bot: N consented partners are seeded with a check-in of a five-question
flow due now; the scheduler starts them all.  The reference bot: every partner
sends /start at once.  Then each partner answers each question the moment it
arrives.  The bot runs as its own process(es) so its memory is its own.
Reports completed check-ins, check-ins/s and partner messages/s (first bot
message to last check-in completed), reply latency (answer sent -> the bot's
next message in that chat) p50/p95/p99, when partners first heard from the bot
(from the round's start: this bot opens a round at the pace it can answer, see
docs/architecture.md) p50/p95, rule violations and the bot's peak RSS.
Answers are given through the in-process sandbox's World (the layer under its
control API), so the driver costs the bot's two cores as little as possible."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select

from bench.round import drop_database, fresh_database
from bench.seed import (
    UNPACED_BOT,
    bot_config,
    sandbox_partners,
    seed_partners,
    write_toml,
)
from bot.sandbox import Sandbox
from storage.db import Database
from storage.models import Checkin

QUESTIONS = 5
FLOW_ID = "five"
SECRET = "bench-secret"
FLOW = f'''
id = "{FLOW_ID}"
title = "Five questions"
description = "The benchmark's check-in."
language = "en"
version = "1"
intro = "Hi, it's the check-in bot. Five quick questions."
outro = "Thank you. Take good care of yourself."
''' + "".join(
    f'\n[[steps]]\nid = "q{n}"\nkind = "text"\ntext = "Question {n} of {QUESTIONS}: how has it been?"\n'
    for n in range(1, QUESTIONS + 1)
)
OUTRO = "Thank you. Take good care of yourself."


class Driver:
    """Plays every partner: answers each question at once and times the replies."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.world = sandbox.world
        self.loop = asyncio.get_running_loop()
        self.asked_at: dict[int, float] = {}
        self.latencies: list[float] = []
        self.completed: dict[int, float] = {}
        self.first_message: float | None = None
        #: when the round began (check-ins made due, or every /start sent), and when each
        #: partner heard first from the bot: a round opened at the bot's pace shows here
        self.round_began = 0.0
        self.opened: dict[int, float] = {}
        original = self.world.bot_message

        def hooked(chat: Any, kind: str, **fields: Any) -> Any:
            message = original(chat, kind, **fields)
            self._seen(chat.user.id, message.text or "")
            return message

        self.world.bot_message = hooked  # type: ignore[method-assign]

    def _seen(self, chat_id: int, text: str) -> None:
        now = time.perf_counter()
        if self.first_message is None:
            self.first_message = now
        self.opened.setdefault(chat_id, now)
        sent = self.asked_at.pop(chat_id, None)
        if sent is not None:
            self.latencies.append(now - sent)
        if text.startswith("Question "):
            self.loop.call_soon(self._answer, chat_id)
        elif text.startswith(OUTRO):
            self.completed[chat_id] = now

    def _answer(self, chat_id: int) -> None:
        self.asked_at[chat_id] = time.perf_counter()
        self.world.send_text(chat_id, "fine, thanks")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User and system CPU the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's own peak resident memory."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _start_bots(
    args: argparse.Namespace, sandbox: Sandbox, workdir: Path, url: str
) -> list[asyncio.subprocess.Process]:
    env = {**os.environ, "CHECKIN_LOG_LEVEL": "WARNING", "CHECKIN_WEBHOOK_SECRET": SECRET}
    if args.bot == "reference":
        command = [
            "-m",
            "bench.reference_bot",
            "--token",
            sandbox.token,
            "--base-url",
            sandbox.base_url,
            "--persistence",
            str(workdir / "reference.pickle"),
        ]
        return [
            await asyncio.create_subprocess_exec(sys.executable, *command, env=env, stdin=asyncio.subprocess.DEVNULL)
        ]
    flows = workdir / "flows"
    flows.mkdir()
    (flows / f"{FLOW_ID}.toml").write_text(FLOW, encoding="utf-8")
    config = bot_config(sandbox, url, paid_broadcast=True, tick_seconds=1.0)
    config["flows"]["directory"] = str(flows)
    config["projects"][0]["schedules"][0]["flow"] = FLOW_ID
    path = write_toml(config, workdir / "bot.toml")
    command = ["-c", UNPACED_BOT] if args.unpaced else ["-m", "bot.cli"]
    command += ["--config", str(path), "run"]
    if args.webhook:
        port = _free_port()
        command += ["--webhook", "--listen", f"127.0.0.1:{port}", "--url", f"http://127.0.0.1:{port}/telegram"]
    bots = []
    for _ in range(args.workers):
        bots.append(
            await asyncio.create_subprocess_exec(sys.executable, *command, env=env, stdin=asyncio.subprocess.DEVNULL)
        )
        await asyncio.sleep(2.0)  # let the first create what all share (flow versions) before the next starts
    return bots


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = fresh_database(args.db, workdir)
        if args.db_file:
            shutil.copyfile(args.db_file, workdir / "bench.db")
            os.sync()  # written out now, not by the kernel while the bot runs
        try:
            async with Sandbox(limits=False) as sandbox:
                users = sandbox_partners(sandbox, args.partners)
                if args.bot == "checkin":
                    db = Database(url)
                    db.upgrade()
                    with db.session() as session:  # a --db-file's own check-ins are left as they are
                        ours = col(Checkin.id) > (session.exec(select(func.max(Checkin.id))).one() or 0)
                    seed_partners(db, users, datetime.now(UTC) + timedelta(days=1))  # made due once every worker is up
                    with db.session() as session:
                        session.execute(update(Checkin).where(ours).values(flow_id=FLOW_ID))
                driver = Driver(sandbox)
                bots = await _start_bots(args, sandbox, workdir, url)
                rss: list[float] = []
                cpu_before = cpu_after = 0.0
                try:
                    # every worker listening before the load starts, so Telegram's connections reach them all
                    ready = ("setWebhook", args.workers) if args.webhook else ("getUpdates", 1)
                    while sandbox.world.call_counts.get(ready[0], 0) < ready[1]:
                        if any(bot.returncode is not None for bot in bots):
                            raise RuntimeError("a bot process exited")
                        await asyncio.sleep(0.1)
                    driver.round_began = time.perf_counter()
                    if args.bot == "reference":
                        for user in users:
                            sandbox.world.send_command(user, "/start")
                    else:
                        with db.session() as session:
                            session.execute(
                                update(Checkin).where(ours).values(due_at=datetime.now(UTC) - timedelta(seconds=1))
                            )
                        db.dispose()
                    while driver.first_message is None and all(bot.returncode is None for bot in bots):
                        await asyncio.sleep(0.01)
                    cpu_before = sum(_cpu_seconds(bot.pid) for bot in bots)
                    deadline = time.perf_counter() + args.timeout
                    while len(driver.completed) < args.partners and time.perf_counter() < deadline:
                        if any(bot.returncode is not None for bot in bots):
                            raise RuntimeError("a bot process exited")
                        await asyncio.sleep(0.2)
                    rss = [_peak_rss_mb(bot.pid) for bot in bots]
                    cpu_after = sum(_cpu_seconds(bot.pid) for bot in bots)
                finally:
                    for bot in bots:
                        if bot.returncode is None:
                            bot.send_signal(signal.SIGTERM)
                    for bot in bots:
                        try:
                            await asyncio.wait_for(bot.wait(), 60)
                        except TimeoutError:
                            bot.kill()
                stats = sandbox.world.stats()
        finally:
            drop_database(url)
    assert driver.first_message is not None
    done = sorted(driver.completed.values())
    elapsed = (done[-1] if done else time.perf_counter()) - driver.first_message
    latencies = sorted(driver.latencies)
    waits = sorted(at - driver.round_began for at in driver.opened.values())

    def pct(p: float, values: list[float] = latencies) -> float:
        return round(values[min(len(values) - 1, int(p * len(values)))] * 1000, 1) if values else 0.0

    return {
        "bot": args.bot,
        "database": ("postgresql" if url.startswith("postgresql") else "sqlite") if args.bot == "checkin" else "pickle",
        "transport": "webhook" if args.webhook else "polling",
        "workers": args.workers,
        "paced": args.bot == "checkin" and not args.unpaced,
        "partners": args.partners,
        "completed": len(done),
        "seconds": round(elapsed, 1),
        "check_ins_per_second": round(len(done) / elapsed, 1),
        "partner_messages_per_second": round(QUESTIONS * len(done) / elapsed, 1),
        "latency_ms_p50": pct(0.50),
        "latency_ms_p95": pct(0.95),
        "latency_ms_p99": pct(0.99),
        "first_message_ms_p50": pct(0.50, waits),
        "first_message_ms_p95": pct(0.95, waits),
        "bot_cpu_ms_per_message": round(1000 * (cpu_after - cpu_before) / max(1, QUESTIONS * len(done)), 2),
        "violations": len(stats["violations"]),
        "bot_peak_rss_mb": round(max(rss), 1) if rss else None,
    }


def _first_heard(r: dict[str, Any]) -> str:
    """Runs recorded before the figure was added have none."""
    if "first_message_ms_p50" not in r:
        return ""
    return f"{r['first_message_ms_p50'] / 1000:.1f} / {r['first_message_ms_p95'] / 1000:.1f}"


def _bot(r: dict[str, Any]) -> str:
    """This bot run without its own pacing says so (runs recorded before the flag have none: paced)."""
    return f"{r['bot']} unpaced" if r["bot"] == "checkin" and r.get("paced") is False else r["bot"]


def report(results: list[dict[str, Any]]) -> str:
    """A markdown table of runs and a bar plot of check-ins/s, for docs/benchmarks.md."""
    lines = [
        "| bot | database | transport | workers | partners | completed | check-ins/s | messages/s "
        "| p50 ms | p95 ms | p99 ms | first heard p50 / p95 s | violations | peak RSS MB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(
            f"| {_bot(r)} | {r['database']} | {r['transport']} | {r['workers']} | {r['partners']:,} "
            f"| {r['completed']:,} | {r['check_ins_per_second']} | {r['partner_messages_per_second']} "
            f"| {r['latency_ms_p50']:,.0f} | {r['latency_ms_p95']:,.0f} | {r['latency_ms_p99']:,.0f} "
            f"| {_first_heard(r)} | {r['violations']} | {r['bot_peak_rss_mb']} |"
        )
    top = max(r["check_ins_per_second"] for r in results) or 1
    lines += ["", "```", "check-ins per second"]
    for r in results:
        label = f"{_bot(r)} {r['database']} {r['transport']} x{r['workers']} {r['partners']:>6,}"
        lines.append(f"{label:50} {'#' * round(50 * r['check_ins_per_second'] / top):50} {r['check_ins_per_second']}")
    lines.append("```")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.replies", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--bot", choices=["checkin", "reference"], default="checkin")
    parser.add_argument("--db", help="a PostgreSQL server URL to create a fresh database on (default: a SQLite file)")
    parser.add_argument(
        "--db-file",
        type=Path,
        help="start from a copy of this SQLite database instead of an empty one (a year of data: bench/year.py)",
    )
    parser.add_argument("--webhook", action="store_true", help="webhook mode (default: long polling)")
    parser.add_argument("--workers", type=int, default=1, help="webhook worker processes on one address")
    parser.add_argument(
        "--unpaced",
        action="store_true",
        help="lift this bot's own copy of Telegram's limits (1,000 messages/s paid, about 1/s per chat), "
        "as the reference has none",
    )
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="give up after this many seconds (reports what completed)"
    )
    parser.add_argument("--json", type=Path, help="append the figures as one JSON line to this file")
    parser.add_argument(
        "--report", type=Path, metavar="JSONL", help="print the table and plot of earlier runs (a --json file) and exit"
    )
    args = parser.parse_args()
    if args.report:
        print(
            report([json.loads(line) for line in args.report.read_text(encoding="utf-8").splitlines() if line.strip()])
        )
        return
    if args.db_file and (args.db or args.bot != "checkin"):
        parser.error("--db-file is a SQLite database for this bot: not with --db or --bot reference")
    if args.workers > 1 and not args.webhook:
        parser.error("only one process may poll a token: --workers needs --webhook")
    result = asyncio.run(run(args))
    print(json.dumps(result))
    if args.json:
        with args.json.open("a", encoding="utf-8") as out:
            out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
