"""One chat's backlog must not hold up the others: N messages queued for one
facilitator's chat (Telegram lets a chat have about one a second), then partners
answering a check-in; their reply latency is measured as in bench/replies.py.

    .venv/bin/python -m bench.fairness --backlog 500 --partners 100            # answering after 2 s
    .venv/bin/python -m bench.fairness --backlog 500 --partners 100 --think 0  # at once

The bot runs in paid-broadcast mode (1,000 messages/s overall), so the overall
limit is not what slows replies: what is measured is whether the sender takes
other chats' messages while the busy chat waits for its turn.  Target: p95 under
2 s while the backlog is still being sent (docs/benchmarks.md)."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from bench.replies import FLOW_ID, QUESTIONS, Driver, _start_bots
from bench.round import drop_database, fresh_database
from bench.seed import sandbox_partners, seed_partners
from bot.core.telegram_format import plain
from bot.sandbox import Sandbox
from storage import outbox
from storage.db import Database
from storage.models import Checkin


class ThinkingDriver(Driver):
    """Partners who read each question and answer ``think`` seconds later."""

    def __init__(self, sandbox: Sandbox, think: float) -> None:
        super().__init__(sandbox)
        self.think = think

    def _answer(self, chat_id: int) -> None:
        self.loop.call_later(self.think, super()._answer, chat_id)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = fresh_database(args.db, workdir)
        try:
            async with Sandbox(limits=True) as sandbox:
                users = sandbox_partners(sandbox, args.partners)
                busy = sandbox_partners(sandbox, 1)[0]  # the facilitator with a long queue
                db = Database(url)
                db.upgrade()
                seed_partners(db, users, datetime.now(UTC) + timedelta(days=1))
                with db.session() as session:
                    session.execute(update(Checkin).values(flow_id=FLOW_ID))
                driver = ThinkingDriver(sandbox, args.think)
                options = argparse.Namespace(bot="checkin", unpaced=False, webhook=False, workers=1)
                bot = (await _start_bots(options, sandbox, workdir, url))[0]
                try:
                    while sandbox.world.call_counts.get("getUpdates", 0) < 1:
                        await asyncio.sleep(0.1)
                    now = datetime.now(UTC)
                    with db.session() as session:
                        for n in range(args.backlog):
                            outbox.enqueue(session, busy, "sendMessage", plain(f"Alert {n + 1} of {args.backlog}"), now)
                    driver.round_began = time.perf_counter()
                    with db.session() as session:
                        session.execute(update(Checkin).values(due_at=now - timedelta(seconds=1)))
                    deadline = time.perf_counter() + args.timeout
                    while len(driver.completed) < args.partners and time.perf_counter() < deadline:
                        await asyncio.sleep(0.2)
                    backlog_sent = len(sandbox.world.chats[busy].messages)
                finally:
                    bot.send_signal(signal.SIGTERM)
                    await bot.wait()
                    db.dispose()
                counters = sandbox.world.counters()
        finally:
            drop_database(url)
    latencies = sorted(driver.latencies)

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1) if latencies else 0.0

    return {
        "backlog": args.backlog,
        "partners": args.partners,
        "think_seconds": args.think,
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "completed": len(driver.completed),
        "replies": len(latencies),
        "latency_ms_p50": pct(0.50),
        "latency_ms_p95": pct(0.95),
        "latency_ms_max": pct(1.0),
        # how much of the backlog had gone when the partners finished: it was still waiting
        "backlog_sent_meanwhile": backlog_sent,
        "over_limit_429": counters["flood_limited"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fairness", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backlog", type=int, default=500, help="messages queued for one chat first")
    parser.add_argument("--partners", type=int, default=100, help=f"partners answering {QUESTIONS} questions each")
    parser.add_argument(
        "--think",
        type=float,
        default=2.0,
        help="seconds a partner takes to answer; below 1, Telegram's limit of about a message a second "
        "in one chat sets the reply time, not the sender",
    )
    parser.add_argument("--db", help="a PostgreSQL server URL to create a fresh database on (default: a SQLite file)")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--json", type=Path, help="append the figures as one JSON line to this file")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result))
    if args.json:
        with args.json.open("a", encoding="utf-8") as out:
            out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
