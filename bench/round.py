"""A check-in round to N partners through the sandbox, with the real bot as its own process.

    .venv/bin/python -m bench.round --partners 10000            # Telegram's limits on
    .venv/bin/python -m bench.round --partners 10000 --paid     # paid broadcast, 1,000/s
    .venv/bin/python -m bench.round --partners 10000 --capacity # headroom: paid, the bot's pacer and
                                                                # the sandbox's limits lifted
    .venv/bin/python -m bench.round --partners 2000 --db postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python -m bench.round --partners 300 --inject-429 0.05   # 5% of sends refused for 3 s

Seeds N consented partners with a check-in due now into a fresh database,
starts the sandbox here and `checkin run` as a subprocess, and measures from
the first to the last check-in message delivered: sustained messages/s, 429s
the bot received, and the bot process's peak RSS.  Prints the figures and,
with --json, writes them with the per-second delivery counts for the plot.

--capacity asks how fast the bot could send if Telegram let it: a paid round
with the bot's 1,000/s pacer and the sandbox's rate limits lifted (a benchmark
only: the bot itself never sends faster than Telegram allows).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.seed import (
    FIRST_QUESTION,
    UNPACED_BOT,
    bot_config,
    sandbox_partners,
    seed_partners,
    write_toml,
)
from bot.sandbox import Sandbox
from storage.db import Database, create_postgres_database, drop_postgres_database


def fresh_database(url: str | None, workdir: Path) -> str:
    """A new empty database: a SQLite file, or a new database on the given PostgreSQL server."""
    if url is None:
        return f"sqlite:///{workdir / 'bench.db'}"
    return create_postgres_database(url, f"checkin_bench_{uuid.uuid4().hex[:8]}")


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        drop_postgres_database(url)


async def run_round(
    partners: int, paid: bool, db_url: str | None, capacity: bool = False, inject_429: float = 0.0
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = fresh_database(db_url, workdir)
        try:
            db = Database(url)
            db.upgrade()
            async with Sandbox(limits=not capacity) as sandbox:
                users = sandbox_partners(sandbox, partners)
                if inject_429:  # Telegram refusing a share of sends at random, each for 3 s
                    await sandbox.client().inject_fault("*", "429", count=10**9, retry_after=3, rate=inject_429, seed=1)
                started = time.perf_counter()
                seed_partners(db, users, datetime.now(UTC) - timedelta(seconds=1))
                seed_seconds = time.perf_counter() - started
                db.dispose()
                config = write_toml(
                    bot_config(sandbox, url, paid_broadcast=paid or capacity, tick_seconds=1.0), workdir / "bot.toml"
                )
                env = {**os.environ, "CHECKIN_LOG_LEVEL": "WARNING"}
                command = ["-c", UNPACED_BOT] if capacity else ["-m", "bot.cli"]
                bot = await asyncio.create_subprocess_exec(
                    sys.executable, *command, "--config", str(config), "run", env=env, stdin=asyncio.subprocess.DEVNULL
                )
                try:
                    while _first_questions(sandbox) < partners:
                        if bot.returncode is not None:
                            raise RuntimeError(f"the bot exited with {bot.returncode}")
                        await asyncio.sleep(0.5)
                finally:
                    bot.send_signal(signal.SIGTERM)
                    await bot.wait()
                stats, counters = sandbox.world.stats(), sandbox.world.counters()
                sends = [c["time"] for c in sandbox.world.calls if c["method"] == "sendMessage" and c.get("ok")]
        finally:
            drop_database(url)
    first, last = min(sends), max(sends)
    per_second = Counter(int(t - first) for t in sends)
    return {
        "partners": partners,
        "mode": "capacity (no pacer, no limits)" if capacity else "paid broadcast" if paid else "free limits",
        "database": "postgresql" if url.startswith("postgresql") else "sqlite",
        "messages": len(sends),
        "seconds": round(last - first, 2),
        "messages_per_second": round((len(sends) - 1) / (last - first), 1),
        "check_ins_per_second": round(partners / (last - first), 1),
        # the middle second's count, leaving out the partial first and last seconds
        "median_second": statistics.median([per_second[s] for s in range(1, int(last - first))] or [len(sends)]),
        "rate_limited_429": stats["rate_limited"],
        # 429s for going over the limits (not injected), as a share of sends
        "over_limit_429": counters["flood_limited"],
        "over_limit_share": round(counters["flood_limited"] / max(1, len(sends)), 4),
        "injected_429_rate": inject_429,
        "peak_per_second": counters["peak_per_second"],
        "peak_in_one_chat": counters["peak_per_second_in_one_chat"],
        # seconds of the round in which nothing was sent
        "silent_seconds": sum(1 for s in range(int(last - first) + 1) if not per_second.get(s)),
        "violations": len(stats["violations"]),
        "violation_kinds": dict(Counter(f"{v['method']}: {v['description']}" for v in stats["violations"])),
        "bot_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "seed_seconds": round(seed_seconds, 1),
        "per_second": [per_second.get(s, 0) for s in range(int(last - first) + 1)],
    }


def _first_questions(sandbox: Sandbox) -> int:
    return sum(
        1
        for chat in sandbox.world.chats.values()
        for message in chat.messages.values()
        if message.sender == "bot" and FIRST_QUESTION in (message.text or "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.round", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--paid", action="store_true", help="paid broadcast: allow_paid_broadcast, 1,000 messages/s")
    parser.add_argument(
        "--capacity",
        action="store_true",
        help="paid, with the bot's pacer and the sandbox's limits lifted: the bot's headroom",
    )
    parser.add_argument("--db", help="a PostgreSQL server URL to create a fresh database on (default: a SQLite file)")
    parser.add_argument(
        "--inject-429", type=float, default=0.0, metavar="SHARE", help="refuse this share of sends (retry after 3 s)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures and per-second counts here")
    args = parser.parse_args()
    result = asyncio.run(run_round(args.partners, args.paid, args.db, args.capacity, args.inject_429))
    for key, value in result.items():
        if key != "per_second":
            print(f"{key:22} {value}")
    if args.json:
        args.json.write_text(json.dumps(result) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
