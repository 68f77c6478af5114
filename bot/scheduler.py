"""The tick: one periodic job that claims due check-ins from the database and
starts them.  Schedules are rows, not in-memory jobs, so a restart loses none."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

from telegram.ext import ContextTypes

from bot import digest, flag_actions, ideas, pacing
from bot.conversation import begin_checkins
from bot.runtime import Runtime
from storage import checkins

log = logging.getLogger(__name__)

CLAIM_BATCH = 100
#: bot_data key: the bot has watched the calendar up to this time (its start,
#: then each tick), so check-ins that came due while it was down can be told
#: from ones due just now (see bot.pacing)
SEEN_UNTIL = "scheduler_seen_until"


def start_due_checkins(rt: Runtime) -> int:
    """Start every check-in that is due, a batch per transaction.  Returns how many."""
    started = 0
    while True:
        now, began = rt.clock.now(), time.monotonic()
        with rt.db.session() as session:
            claimed = checkins.claim_due_checkins(session, now, CLAIM_BATCH, rt.settings.scheduler.weekly_cap)
            begin_checkins(session, rt, claimed, now)
        started += len(claimed)
        if len(claimed) < CLAIM_BATCH:
            break
        if not rt.db.is_postgresql:
            # SQLite has one writer, and a writer that finds it busy backs off for growing sleeps:
            # batch after batch, the outbox's marks and partners' replies starved for seconds
            time.sleep(time.monotonic() - began)
    if started:
        log.info("started %d check-in(s)", started)
    return started


async def tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    rt: Runtime = context.bot_data["runtime"]
    now: datetime = rt.clock.now()
    queued = await asyncio.to_thread(pacing.keep_pace, rt, now, context.bot_data[SEEN_UNTIL])
    context.bot_data[SEEN_UNTIL] = now
    queued += await asyncio.to_thread(flag_actions.escalate_overdue, rt)
    queued += await asyncio.to_thread(digest.send_due_digests, rt)
    queued += await asyncio.to_thread(ideas.send_monthly_summaries, rt)
    if await asyncio.to_thread(start_due_checkins, rt) or queued:
        rt.wake_outbox()
