"""Handling an update until its work has committed, or setting it aside.

An update is confirmed to Telegram (polling) or marked done (webhook) only after
:func:`settle` returns.  A database outage is waited out: the update is tried again
with a growing wait, never dropped, and its chat's later updates wait behind it.
Any other failure is a bug this update meets: it is tried ``POISON_AFTER`` times,
then parked (kept with the reason, shown by `checkin doctor`) and the person is
told something went wrong, so nobody is left in silence and the rest go on.
Trying again is safe: a unit of work that committed records its update id, so a
repeat changes nothing (bot/core/unit.py)."""

from __future__ import annotations

import asyncio
import logging
import traceback
from pathlib import Path

from telegram import Update
from telegram.ext import Application

from bot.core import texts
from bot.core.runtime import Runtime
from bot.core.telegram_format import plain
from storage import inbox, outbox
from storage.errors import is_outage

log = logging.getLogger(__name__)

#: tries of an update that fails for a reason other than the database, before it is parked
POISON_AFTER = 3
#: the wait before the first retry; it doubles while the database stays away, up to the cap
RETRY_SECONDS, OUTAGE_WAIT_CAP = 1.0, 30.0
_ROOT = Path(__file__).resolve().parents[2]


async def settle(application: Application, rt: Runtime, update: Update) -> None:
    """Process ``update`` until it commits or is parked."""
    failures, wait = 0, RETRY_SECONDS
    while True:
        await application.process_update(update)
        error = rt.failed_updates.pop(update.update_id, None)
        if error is None:
            return
        if is_outage(error):
            log.warning(
                "the database is unavailable (%s); update %s is tried again in %.0f s",
                type(error).__name__,
                update.update_id,
                wait,
            )
        else:
            failures += 1
            if failures >= POISON_AFTER:
                await park(rt, update.update_id, _chat_of(update), failures, where(error))
                return
        await asyncio.sleep(wait)
        wait = min(wait * 2, OUTAGE_WAIT_CAP)


async def park(rt: Runtime, update_id: int, chat_id: int | None, failures: int, reason: str) -> None:
    """Set an update aside for good, and say sorry to its chat (see :func:`settle`)."""
    log.error("update %s failed %d times (%s); parked, see `checkin doctor`", update_id, failures, reason)
    wait = RETRY_SECONDS
    while True:
        try:
            await asyncio.to_thread(_store_parked, rt, update_id, chat_id, failures, reason)
        except Exception as error:
            if not is_outage(error):
                log.exception("could not park update %s", update_id)
                return
            await asyncio.sleep(wait)  # the database went away meanwhile: the record waits for it
            wait = min(wait * 2, OUTAGE_WAIT_CAP)
            continue
        rt.wake_outbox()
        return


def _store_parked(rt: Runtime, update_id: int, chat_id: int | None, failures: int, reason: str) -> None:
    now = rt.clock.now()
    with rt.db.session() as session:
        inbox.park(session, update_id, chat_id, failures, reason, now)
        if chat_id is not None:
            outbox.enqueue(session, chat_id, "sendMessage", plain(texts.SOMETHING_WENT_WRONG), now)


def where(error: BaseException) -> str:
    """The error's type and the last line of this project's code it passed: enough to find
    the bug, and never the message, which may quote what a partner wrote."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if frame.filename.startswith(str(_ROOT)) and "/.venv/" not in frame.filename]
    if not ours:
        return type(error).__name__
    frame = ours[-1]
    return f"{type(error).__name__} at {Path(frame.filename).relative_to(_ROOT)}:{frame.lineno}"


def _chat_of(update: Update) -> int | None:
    return update.effective_chat.id if update.effective_chat is not None else None
