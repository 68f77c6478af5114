"""Housekeeping: the hourly prune of rows the bot no longer needs (storage/retention.py),
so sent messages, handled update ids and raw updates do not grow without end."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from telegram.ext import ContextTypes

from bot.core.runtime import Runtime
from storage import retention

log = logging.getLogger(__name__)

#: how often to prune: each run is a few short transactions, so hourly keeps every run small
INTERVAL = timedelta(hours=1)
#: the first run waits this long, so start-up (and a round due at once) goes first
FIRST = timedelta(minutes=1)


def prune_now(rt: Runtime) -> dict[str, int]:
    """Prune with the configured ``[storage] keep_days``, as of the runtime's clock."""
    policy = retention.RetentionPolicy(keep_days=rt.settings.storage.keep_days)
    return retention.prune(rt.db, rt.clock.now(), policy)


async def prune(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The job: prune in a thread, and log how many rows of each kind went (counts only)."""
    rt: Runtime = context.bot_data["runtime"]
    began = time.monotonic()
    removed = await asyncio.to_thread(prune_now, rt)
    counts = ", ".join(f"{kind} {count}" for kind, count in removed.items())
    log.info("pruned in %.1f s: %s", time.monotonic() - began, counts)
