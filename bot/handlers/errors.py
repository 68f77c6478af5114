"""A crash in one update never stops the bot: log it (without partner text) and
say sorry to the person, so they are never left in silence."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot.core import texts
from bot.core.runtime import Runtime
from bot.core.telegram_format import plain
from storage import outbox

log = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    rt: Runtime = context.bot_data["runtime"]
    try:
        with rt.db.session() as session:
            outbox.enqueue(
                session, update.effective_chat.id, "sendMessage", plain(texts.SOMETHING_WENT_WRONG), rt.clock.now()
            )
        rt.wake_outbox()
    except Exception:
        log.exception("could not queue the apology either")
