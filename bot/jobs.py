"""The tick: one periodic job that closes, reminds, escalates and sends digests, and
opens due check-ins, a batch at a time while partners already talking are answered
promptly.  Schedules are rows, not in-memory jobs, so a restart loses none."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

from telegram.ext import ContextTypes

from bot.core.runtime import Runtime
from bot.delivery.outbox import OVERALL_RATE
from bot.partners import conversation, ideas, lost_messages, reminders
from bot.partners.conversation import begin_checkins
from bot.staff import digest, flags, prompts
from storage import checkins, outbox

log = logging.getLogger(__name__)

#: bot_data key: the bot has watched the calendar up to this time (its start,
#: then each tick), so check-ins that came due while it was down can be told
#: from ones due just now (see bot.partners.reminders)
SEEN_UNTIL = "scheduler_seen_until"
#: bot_data key: a round of check-ins is being opened, step by step (open_due_checkins)
OPENING = "scheduler_opening"
#: a round opens check-ins this often, and only while a partner's reply waits less than this
STEP_SECONDS, PROMPT_SECONDS = 0.2, 2.0
#: the most check-ins one step starts: a step is one transaction, and on SQLite its write
#: lock holds up every partner's answer while it runs (200 is a step at 1,000 messages/s)
MAX_STEP = 200


def start_due_checkins(rt: Runtime, limit: int) -> int:
    """Start up to ``limit`` due check-ins in one transaction.  Returns how many."""
    now = rt.clock.now()
    with rt.db.session() as session:
        claimed = checkins.claim_due_checkins(session, now, limit, rt.settings.scheduler.weekly_cap)
        begin_checkins(session, rt, claimed, now)
    if claimed:
        log.info("started %d check-in(s)", len(claimed))
    return len(claimed)


def keeping_up(rt: Runtime) -> bool:
    """Whether partners are answered promptly now: how long the messages this process
    handled lately waited, plus how long a reply would wait to be sent (a reply waits
    in both), is under PROMPT_SECONDS.  A reply's wait is the longer of the oldest
    message the sender has not taken yet and what it has in hand; a message queued
    behind its own chat's earlier ones is merely paced and not counted, so one busy
    chat does not hold a round back."""
    now = rt.clock.now()
    with rt.db.session() as session:
        oldest = outbox.oldest_waiting(session, now)
    queued = (now - oldest).total_seconds() if oldest is not None else 0.0
    sending = rt.outbox.expected_wait() if rt.outbox is not None else 0.0
    return rt.lag.recent() + max(0.0, queued, sending) < PROMPT_SECONDS


def step_size(rt: Runtime) -> int:
    """Check-ins a step may open: what the sender can send in a step (at most
    MAX_STEP), so a round goes out as fast as Telegram allows and a partner's reply
    never waits behind much more than a step's worth of other partners' first questions."""
    rate = rt.outbox.rate if rt.outbox is not None else OVERALL_RATE
    return max(1, min(MAX_STEP, int(rate * STEP_SECONDS)))


async def open_due_checkins(context: ContextTypes.DEFAULT_TYPE) -> None:
    """One step of opening a round: a batch of due check-ins, if partners are answered
    promptly; then again after STEP_SECONDS while any may be left.

    Ten thousand check-ins due at once would otherwise all be started in one go, and
    a partner answering their first question would wait behind everyone else's (at
    Telegram's 30 messages a second, for eleven minutes).  Partners already talking
    come first; a check-in waits a little longer to begin."""
    rt: Runtime = context.bot_data["runtime"]
    began, more = time.monotonic(), False  # a step that fails ends the round; the next tick starts it again
    try:
        if not await asyncio.to_thread(keeping_up, rt):
            more = True
        else:
            limit = step_size(rt)
            more = await asyncio.to_thread(start_due_checkins, rt, limit) == limit
            rt.wake_outbox()
    finally:
        if more:
            # SQLite has one writer, and a writer that finds it busy backs off for growing sleeps:
            # back-to-back batches starved the outbox's marks and partners' answers for seconds,
            # so the next step waits at least as long as this one took.  It runs however late:
            # APScheduler drops a one-off job more than a second late (a loop stalled that long),
            # and the round then stayed "opening" with nothing left to open it
            assert context.job_queue is not None
            context.job_queue.run_once(
                open_due_checkins,
                max(STEP_SECONDS, time.monotonic() - began),
                name=OPENING,
                job_kwargs={"misfire_grace_time": None},
            )
        else:
            context.bot_data[OPENING] = False


async def tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    rt: Runtime = context.bot_data["runtime"]
    now: datetime = rt.clock.now()
    queued = await asyncio.to_thread(reminders.keep_pace, rt, now, context.bot_data[SEEN_UNTIL])
    context.bot_data[SEEN_UNTIL] = now
    queued += await asyncio.to_thread(flags.escalate_overdue, rt)
    queued += await asyncio.to_thread(prompts.expire, rt)
    queued += await asyncio.to_thread(conversation.answer_what_came, rt)
    queued += await asyncio.to_thread(lost_messages.follow_up, rt)
    queued += await asyncio.to_thread(digest.send_due_digests, rt)
    queued += await asyncio.to_thread(ideas.send_monthly_summaries, rt)
    if queued:
        rt.wake_outbox()
    if not context.bot_data.get(OPENING):
        context.bot_data[OPENING] = True
        await open_due_checkins(context)
