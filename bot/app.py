"""Builds the Application and registers handlers and jobs: wiring only."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import jobs
from bot.core import callbacks
from bot.core.runtime import Runtime
from bot.delivery import housekeeping
from bot.delivery.api_request import ApiRequest
from bot.delivery.update_processor import PerChatUpdateProcessor
from bot.handlers import controls, flags, flood, partner, safety, staff
from bot.handlers.errors import on_error


def build_application(rt: Runtime) -> Application:
    # different partners concurrently, each partner's updates in order (bot/delivery/update_processor.py)
    builder = (
        ApplicationBuilder()
        .token(rt.settings.token)
        .concurrent_updates(PerChatUpdateProcessor())
        # a lean keep-alive pool, not PTB's default httpx: a tenth of the CPU per send (bot/delivery/api_request.py)
        .request(ApiRequest(connection_pool_size=64))
        .get_updates_request(ApiRequest(connection_pool_size=1))
        # polling confirms an update only once its work committed (bot/delivery/poller.py)
        .updater(None)
    )
    if rt.settings.telegram.base_url:
        builder = builder.base_url(rt.settings.telegram.base_url)
    application = builder.build()
    application.bot_data["runtime"] = rt

    application.bot_data[flood.BOT_DATA_KEY] = flood.FloodGuard()
    # before every other handler: safety first (every partner message, any context), then the flood guard
    application.add_handler(TypeHandler(Update, safety.screen_then_guard), group=-2)
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", partner.start, filters=private))
    application.add_handler(CommandHandler("help", partner.help_command, filters=private))
    application.add_handler(CommandHandler("reload", staff.reload_command, filters=private))
    application.add_handler(CommandHandler("invite", staff.invite, filters=private))
    application.add_handler(CommandHandler("projects", staff.projects, filters=private))
    application.add_handler(CommandHandler("partners", staff.partners, filters=private))
    application.add_handler(CommandHandler("flags", staff.flags_command, filters=private))
    application.add_handler(CommandHandler("digest", staff.digest_command, filters=private))
    application.add_handler(CommandHandler("settings", partner.settings_command, filters=private))
    application.add_handler(CommandHandler("language", partner.language, filters=private))
    application.add_handler(CommandHandler("mydata", partner.my_data, filters=private))
    application.add_handler(CommandHandler("forget", partner.forget_command, filters=private))
    application.add_handler(CommandHandler("pause", controls.pause, filters=private))
    application.add_handler(CommandHandler("resume", controls.resume, filters=private))
    application.add_handler(CommandHandler("away", controls.away, filters=private))
    application.add_handler(CommandHandler("snooze", controls.snooze, filters=private))
    application.add_handler(CommandHandler("idea", flags.idea, filters=private))
    application.add_handler(CommandHandler("team", partner.team, filters=private))
    application.add_handler(CommandHandler("cancel", partner.cancel, filters=private))
    application.add_handler(CommandHandler("stop", partner.stop, filters=private))
    # one handler per button format; each routes by the format's own parser (bot/core/callbacks.py)
    application.add_handler(CallbackQueryHandler(partner.tapped, pattern=callbacks.AnswerTap.matches))
    application.add_handler(CallbackQueryHandler(partner.consent, pattern=callbacks.Consent.matches))
    application.add_handler(CallbackQueryHandler(partner.follow_up_tapped, pattern=callbacks.FollowUp.matches))
    application.add_handler(CallbackQueryHandler(partner.settings_tapped, pattern=callbacks.SettingsTap.matches))
    application.add_handler(CallbackQueryHandler(partner.forget_tapped, pattern=callbacks.Forget.matches))
    application.add_handler(CallbackQueryHandler(flags.flag_tapped, pattern=callbacks.FlagAction.matches))
    application.add_handler(CallbackQueryHandler(flags.idea_tapped, pattern=callbacks.IdeaOutcome.matches))
    application.add_handler(CallbackQueryHandler(staff.invite_tapped, pattern=callbacks.InviteChoice.matches))
    application.add_handler(CallbackQueryHandler(flags.team_tapped, pattern=callbacks.TeamAction.matches))
    application.add_handler(CallbackQueryHandler(flags.prompt_tapped, pattern=callbacks.PromptChoice.matches))
    application.add_handler(CallbackQueryHandler(partner.team_project_tapped, pattern=callbacks.TeamProject.matches))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, partner.typed))
    application.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, partner.other))
    # a command no handler above took, or a "/" at the start of a message
    application.add_handler(
        MessageHandler(private & filters.COMMAND & filters.UpdateType.MESSAGE, partner.unknown_command)
    )
    application.add_error_handler(on_error)

    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
    application.bot_data[jobs.SEEN_UNTIL] = rt.clock.now()
    application.job_queue.run_repeating(jobs.tick, interval=rt.settings.scheduler.tick_seconds, first=0.1, name="tick")
    application.job_queue.run_repeating(
        housekeeping.prune, interval=housekeeping.INTERVAL, first=housekeeping.FIRST, name="prune"
    )
    return application
