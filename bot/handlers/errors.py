"""A crash in one update never stops the bot: it is logged and noted, and the update is
tried again or set aside with an apology (bot/delivery/attempts.py)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.core.runtime import Runtime
from storage.errors import is_outage

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An update's failure is noted for bot/delivery/attempts.py, which tries it again
    (a database outage) or parks it and says sorry (anything else, after a few tries);
    a job's failure is logged, and the next tick runs it again."""
    error = context.error
    if not isinstance(update, Update) or error is None:
        log.error("error in a job or outside an update", exc_info=error)
        return
    rt: Runtime = context.bot_data["runtime"]
    rt.failed_updates[update.update_id] = error
    if is_outage(error):
        log.warning("update %s met a database outage (%s)", update.update_id, type(error).__name__)
    else:
        log.error("error while handling update %s", update.update_id, exc_info=error)
