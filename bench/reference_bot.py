"""The usual way to write a check-in bot, for bench/replies.py to compare against:
python-telegram-bot's ConversationHandler with PicklePersistence (default
settings), five questions, answers kept in ``user_data``, as in PTB's examples.

    python -m bench.reference_bot --token T --base-url URL --persistence FILE

ConversationHandler keeps state in memory and needs updates one at a time; the
persistence writes the pickle in the event loop (see docs/benchmarks.md)."""

from __future__ import annotations

import argparse
import logging

from telegram import Update
from telegram.ext import (
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)

QUESTIONS = 5
INTRO = "Hi, it's the check-in bot. Five quick questions."
OUTRO = "Thank you. Take good care of yourself."


def question(n: int) -> str:
    return f"Question {n} of {QUESTIONS}: how has it been?"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.message is not None and context.user_data is not None
    context.user_data["answers"] = []
    await update.message.reply_text(INTRO)
    await update.message.reply_text(question(1))
    return 1


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.message is not None and context.user_data is not None
    answers: list[str] = context.user_data.setdefault("answers", [])
    answers.append(update.message.text or "")
    if len(answers) < QUESTIONS:
        await update.message.reply_text(question(len(answers) + 1))
        return len(answers) + 1
    await update.message.reply_text(OUTRO)
    return ConversationHandler.END


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reference_bot")
    parser.add_argument("--token", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--persistence", required=True, help="the pickle file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    application = (
        ApplicationBuilder()
        .token(args.token)
        .base_url(args.base_url)
        .persistence(PicklePersistence(args.persistence))
        .build()
    )
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={n: [MessageHandler(text, answer)] for n in range(1, QUESTIONS + 1)},
            fallbacks=[],
            name="checkin",
            persistent=True,
        )
    )
    application.run_polling(allowed_updates=Update.ALL_TYPES, timeout=10, poll_interval=0)


if __name__ == "__main__":
    main()
