"""The real python-telegram-bot Application against the sandbox over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import telegram.error
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.sandbox import Sandbox, SandboxClient


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    payload = " ".join(context.args or [])
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Good", callback_data="mood:good"),
                InlineKeyboardButton("Low", callback_data="mood:low"),
            ]
        ]
    )
    await update.effective_message.reply_html(
        f"Hello <b>{update.effective_user.first_name}</b> ({payload}). How are you?",
        reply_markup=keyboard,
    )


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("Thanks")
    await query.edit_message_text(f"You chose: {query.data.split(':')[1]}")


@pytest.fixture
async def app(sandbox: Sandbox) -> AsyncIterator[Application]:
    application = ApplicationBuilder().token(sandbox.token).base_url(sandbox.base_url).build()
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    await application.initialize()
    await application.start()
    await application.updater.start_polling(poll_interval=0, timeout=1)
    yield application
    await application.updater.stop()
    await application.stop()
    await application.shutdown()


async def test_start_press_edit(app: Application, client: SandboxClient) -> None:
    person = await client.create_user("Ana")
    chat = person["id"]
    await client.send_command(chat, "start", "invite-42")
    hello = await client.wait_for_bot_message(chat, timeout=5)
    assert hello["text"] == "Hello Ana (invite-42). How are you?"
    assert hello["html"] == "Hello <b>Ana</b> (invite-42). How are you?"
    assert [b["text"] for b in hello["buttons"][0]] == ["Good", "Low"]

    await client.press_button(chat, hello["message_id"], label="Low")
    edited = await client.wait_for_edit(chat, hello["message_id"], timeout=5)
    assert (edited["text"], edited["buttons"], edited["edited"]) == ("You chose: low", [], True)
    answers = await client.wait_for_callback_answers(chat, timeout=5)
    assert answers[0]["text"] == "Thanks"

    transcript = await client.transcript(chat)
    assert [(e["from"], e["kind"], e["text"]) for e in transcript] == [
        ("user", "text", "/start invite-42"),
        ("bot", "text", "You chose: low"),
        ("user", "button_press", "Low"),
    ]
    assert (await client.stats())["violations"] == []


# PTB 22 warns about RetryAfter.retry_after becoming a timedelta whenever it builds one.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_bot_errors_map_to_ptb_exceptions(app: Application, client: SandboxClient) -> None:
    person = await client.create_user("Bo")
    chat = person["id"]
    await client.send_text(chat, "hi")
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)unsupported start tag \"br\""):
        await app.bot.send_message(chat, "one<br>two", parse_mode="HTML")
    with pytest.raises(telegram.error.BadRequest, match=r"(?i)chat not found"):
        await app.bot.send_message(424242, "hello")

    await client.inject_fault("sendMessage", "429", retry_after=3)
    with pytest.raises(telegram.error.RetryAfter, match="Retry in 3 seconds"):
        await app.bot.send_message(chat, "hello")

    await client.block_bot(chat)
    with pytest.raises(telegram.error.Forbidden, match=r"(?i)bot was blocked by the user"):
        await app.bot.send_message(chat, "hello")
    assert await client.bot_messages(chat) == []


async def test_ptb_uploads_a_document(app: Application, client: SandboxClient) -> None:
    person = await client.create_user("Cy")
    await client.send_text(person["id"], "hi")
    message = await app.bot.send_document(
        person["id"],
        b"weekly digest",
        filename="digest.txt",
        caption="Your <i>digest</i>",
        parse_mode="HTML",
    )
    assert message.document.file_name == "digest.txt"
    assert message.caption == "Your digest"
    assert await client.file(message.document.file_id) == b"weekly digest"
    photo = await app.bot.send_photo(person["id"], message.document.file_id)
    assert photo.photo[0].file_id == message.document.file_id


async def test_delayed_send_times_out_but_is_delivered(app: Application, client: SandboxClient) -> None:
    person = await client.create_user("Di")
    await client.send_text(person["id"], "hi")
    await client.inject_fault("sendMessage", "delay", delay=0.5)
    with pytest.raises(telegram.error.TimedOut):
        await app.bot.send_message(person["id"], "slow", read_timeout=0.1)
    delivered = await client.wait_for_bot_message(person["id"], timeout=5)
    assert delivered["text"] == "slow"  # why the outbox must not blindly resend on TimedOut
