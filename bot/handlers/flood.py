"""One person flooding the bot (a stuck key, a script, distress) is ignored for a
minute and told once, kindly, so everyone else keeps a responsive bot.

Counting is in memory, per process: a restart forgets it, and with several bot
processes each counts its own share.  That is enough for its purpose, which is
protecting the bot, not policing people."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session
from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.core import texts
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.unit import once_per_update
from bot.handlers import run

BOT_DATA_KEY = "flood_guard"


@dataclass
class FloodGuard:
    #: more than ``limit`` updates within ``window`` seconds ...
    limit: int = 20
    window: float = 10.0
    #: ... and the person is ignored for this many seconds
    ignore_for: float = 60.0
    now: Callable[[], float] = time.monotonic
    _seen: dict[int, deque[float]] = field(default_factory=dict)
    _ignored_until: dict[int, float] = field(default_factory=dict)

    def check(self, user_id: int) -> str:
        """ "ok", "flooding" (just crossed the limit: tell them) or "ignored"."""
        now = self.now()
        if self._ignored_until.get(user_id, 0.0) > now:
            return "ignored"
        self._ignored_until.pop(user_id, None)
        seen = self._seen.setdefault(user_id, deque())
        seen.append(now)
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) <= self.limit:
            return "ok"
        del self._seen[user_id]
        self._ignored_until[user_id] = now + self.ignore_for
        return "flooding"


async def guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every other handler (an earlier group); stops the update when flooding."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    verdict = context.bot_data[BOT_DATA_KEY].check(user.id)
    if verdict == "ok":
        return
    if verdict == "flooding":
        await run(context, tell, update.update_id, chat.id)
    raise ApplicationHandlerStop


@once_per_update
def tell(rt: Runtime, session: Session, now: datetime, chat_id: int) -> None:
    say(session, chat_id, now, texts.FLOODED)
