"""Consented partners with a due check-in, inserted in bulk (the benchmarks and
the process tests need thousands; going through the bot would measure onboarding)."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import col, select

from bot.sandbox import Sandbox
from storage import projects
from storage.db import Database
from storage.models import Checkin, Membership, Person

LIBRARY = Path(__file__).resolve().parents[1] / "flows" / "library"
PROJECT, PROJECT_NAME, FLOW = "carers", "Carers' Voice", "after-activity"
#: the first question of the after-activity flow: "delivered once" is counted on it
FIRST_QUESTION = "paid for your last session"
CHUNK = 5_000
#: runs the bot with its own copy of Telegram's limits lifted (overall, paid broadcast, per chat):
#: against the sandbox with its limits off, how fast the bot itself can go (bench.round --capacity,
#: bench.replies --unpaced; the reference bot paces nothing)
UNPACED_BOT = (
    "import bot.delivery.outbox, bot.cli; "
    "bot.delivery.outbox.PAID_BROADCAST_RATE = bot.delivery.outbox.CHAT_RATE = bot.delivery.outbox.CHAT_BURST = 1e9; "
    "raise SystemExit(bot.cli.main())"
)


def sandbox_partners(sandbox: Sandbox, count: int) -> list[int]:
    """Users who have started the bot (so it may message them), made directly in
    the in-process sandbox's world: the control API would take a request each."""
    ids = []
    for n in range(count):
        user_id = sandbox.world.create_user(f"P{n}")["id"]
        sandbox.world.user(user_id).started = True
        ids.append(user_id)
    return ids


def seed_partners(db: Database, user_ids: Sequence[int], due_at: datetime) -> None:
    """One consented, active partner per Telegram user, each with a check-in due at ``due_at``."""
    now = datetime.now(UTC)
    with db.session() as session:
        projects.sync_project(session, PROJECT, PROJECT_NAME, "UTC")
    for start in range(0, len(user_ids), CHUNK):
        chunk = user_ids[start : start + CHUNK]
        with db.session() as session:
            session.execute(
                insert(Person),
                [
                    {
                        "telegram_user_id": uid,
                        "chat_id": uid,
                        "first_name": f"P{uid}",
                        "language": "en",
                        "status": "active",
                        "consent_version": "1",
                        "consented_at": now,
                        "created_at": now,
                        "paused": False,
                    }
                    for uid in chunk
                ],
            )
            person_ids = session.exec(select(Person.id).where(col(Person.telegram_user_id).in_(chunk))).all()
            session.execute(
                insert(Membership),
                [
                    {"person_id": pid, "project_id": PROJECT, "role": "partner", "status": "active", "joined_at": now}
                    for pid in person_ids
                ],
            )
            session.execute(
                insert(Checkin),
                [
                    {"person_id": pid, "project_id": PROJECT, "flow_id": FLOW, "status": "scheduled", "due_at": due_at}
                    for pid in person_ids
                ],
            )


def bot_config(
    sandbox: Sandbox, database_url: str, *, paid_broadcast: bool = False, tick_seconds: float = 0.2
) -> dict[str, Any]:
    """Settings for a bot serving the seeded project through ``sandbox``."""
    return {
        "telegram": {"token": sandbox.token, "base_url": sandbox.base_url, "paid_broadcast": paid_broadcast},
        "storage": {"url": database_url},
        "flows": {"directory": str(LIBRARY)},
        "scheduler": {"tick_seconds": tick_seconds},
        "projects": [
            {
                "id": PROJECT,
                "name": PROJECT_NAME,
                "timezone": "UTC",
                "schedules": [{"flow": FLOW, "cadence": "weekly", "days": ["mon"], "time": "10:00"}],
            }
        ],
    }


def write_toml(config: dict[str, Any], path: Path) -> Path:
    """Just enough TOML for :func:`bot_config`'s shape (no dependency for one file)."""
    lines: list[str] = []
    for table in ("telegram", "storage", "flows", "scheduler"):
        lines.append(f"[{table}]")
        lines += [f"{key} = {_value(value)}" for key, value in config[table].items()]
    for project in config["projects"]:
        lines.append("[[projects]]")
        lines += [f"{key} = {_value(value)}" for key, value in project.items() if key != "schedules"]
        for schedule in project["schedules"]:
            lines.append("[[projects.schedules]]")
            lines += [f"{key} = {_value(value)}" for key, value in schedule.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tomllib.loads(path.read_text(encoding="utf-8"))  # fail here, not in the bot, if it is not TOML
    return path


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
