"""Builds the Application and registers handlers and jobs: wiring only."""

from __future__ import annotations

from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import scheduler
from bot.errors import on_error
from bot.handlers import controls, partner, staff
from bot.runtime import Runtime


def build_application(rt: Runtime) -> Application:  # type: ignore[type-arg]
    builder = ApplicationBuilder().token(rt.settings.token)
    if rt.settings.telegram.base_url:
        builder = builder.base_url(rt.settings.telegram.base_url)
    application = builder.build()
    application.bot_data["runtime"] = rt

    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", partner.start, filters=private))
    application.add_handler(CommandHandler("help", partner.help_command, filters=private))
    application.add_handler(CommandHandler("reload", staff.reload_command, filters=private))
    application.add_handler(CommandHandler("pause", controls.pause, filters=private))
    application.add_handler(CommandHandler("resume", controls.resume, filters=private))
    application.add_handler(CommandHandler("away", controls.away, filters=private))
    application.add_handler(CommandHandler("snooze", controls.snooze, filters=private))
    application.add_handler(CallbackQueryHandler(partner.consent, pattern=r"^consent:"))
    application.add_handler(CallbackQueryHandler(partner.tapped, pattern=r"^a:"))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, partner.typed))
    application.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, partner.other))
    application.add_error_handler(on_error)

    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
    application.bot_data[scheduler.SEEN_UNTIL] = rt.clock.now()
    application.job_queue.run_repeating(scheduler.tick, interval=rt.settings.scheduler.tick_seconds, first=0.1, name="tick")
    return application
