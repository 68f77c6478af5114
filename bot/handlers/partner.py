"""What partners send: /start, consent, /help, /settings, /mydata, /forget,
answers typed or tapped, "is it sorted now?", anything else."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import front_door
from bot.core import callbacks, texts
from bot.handlers import run, run_answer, sender_of, tapped_button
from bot.partners import follow_up, forget, mydata, onboarding, settings
from bot.partners import team as partner_team
from flows.types import Input


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    code = context.args[0] if context.args else ""
    await run(context, onboarding.handle_start, update.update_id, sender_of(update), code)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, settings.handle_help, update.update_id, sender_of(update))


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, settings.handle_settings, update.update_id, sender_of(update), list(context.args or []))


async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, settings.handle_settings, update.update_id, sender_of(update), ["language"])


async def settings_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    tap, message_id = await tapped_button(update, callbacks.SettingsTap)
    await run(context, settings.handle_tap, update.update_id, sender_of(update), tap, message_id)


async def my_data(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, mydata.handle_mydata, update.update_id, sender_of(update))


async def forget_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, forget.ask, update.update_id, sender_of(update))


async def forget_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    tap, _ = await tapped_button(update, callbacks.Forget)
    await run(context, forget.decide, update.update_id, sender_of(update), tap.confirmed)


async def consent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    tap, _ = await tapped_button(update, callbacks.Consent)
    await run(context, onboarding.handle_consent, update.update_id, sender_of(update), tap.accepted)


async def follow_up_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    tap, message_id = await tapped_button(update, callbacks.FollowUp)
    await run(context, follow_up.answer, update.update_id, sender_of(update), tap, message_id)


async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    tap, message_id = await tapped_button(update, callbacks.AnswerTap)
    inp = Input.tapped(tap.step_id, tap.value)
    await run_answer(context, front_door.receive, update.update_id, sender_of(update), inp, tap.checkin_id, message_id)


async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.edited_message is not None:  # it edits the answer it gave, never answers the current question
        edited = update.edited_message
        await run(
            context, front_door.receive_edit, update.update_id, sender_of(update), edited.message_id, edited.text or ""
        )
        return
    assert update.message is not None
    context.bot_data["runtime"].lag.note_sent(update.message.date)
    message = update.message
    await run_answer(
        context, front_door.receive_text, update.update_id, sender_of(update), message.text or "", message.message_id
    )


async def team(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, partner_team.team_command, update.update_id, sender_of(update), " ".join(context.args or []))


async def team_project_tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    tap, _ = await tapped_button(update, callbacks.TeamProject)
    await run(context, partner_team.choose_project, update.update_id, sender_of(update), tap)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, front_door.cancel, update.update_id, sender_of(update))


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(context, settings.say_fixed, update.update_id, sender_of(update), texts.STOP_EXPLAINED)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have, or a "/" at the start of a message: a short helpful reply."""
    assert update.effective_message is not None
    command = (update.effective_message.text or "/").split(maxsplit=1)[0][:40]
    await run(context, settings.say_fixed, update.update_id, sender_of(update), texts.UNKNOWN_COMMAND, command)


async def other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A sticker, photo or voice note: the engine answers with a gentle re-ask."""
    await run_answer(context, front_door.receive, update.update_id, sender_of(update), Input.other())
