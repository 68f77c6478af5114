"""End-to-end harness: the real PTB Application, over HTTP, against the sandbox.

Nothing in PTB is patched.  Time is a ShiftedClock, so "a week later" is instant."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.clock import ShiftedClock
from bot.core.config import Settings
from bot.running import RunningBot, start_bot
from bot.sandbox import Sandbox, SandboxClient
from bot.sandbox.limits import CHAT_PER_SECOND
from storage import invites
from storage.db import Database

#: messages a second to one chat, for the sandbox and the bot alike, in tests that are not about
#: pacing: at Telegram's 1 a second each step of a check-in would take a second (a person is slower)
BRISK_CHAT_RATE = 10.0
LIBRARY = Path(__file__).resolve().parents[2] / "flows" / "library"
PROJECT = "carers"


async def eventually(check: Callable[[], Any], timeout: float = 10.0, what: str | None = None) -> Any:
    """Poll ``check`` until it returns something truthy (the bot works in the background);
    a failure names ``what``, else the check's docstring."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"not true after {timeout} s: {what or check.__doc__ or check}")


class Harness:
    """A running bot, its sandbox, and helpers that act as people."""

    def __init__(
        self, sandbox: Sandbox, settings: Settings, clock: ShiftedClock, chat_rate: float = BRISK_CHAT_RATE
    ) -> None:
        self.sandbox, self.settings, self.clock, self.chat_rate = sandbox, settings, clock, chat_rate
        self.client: SandboxClient = sandbox.client()
        self.bot: RunningBot | None = None
        self.db = Database(settings.storage.url)

    async def start(self) -> None:
        self.bot = await start_bot(self.settings, self.clock, poll_timeout=1, chat_rate=self.chat_rate)

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
            self.bot = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    def invite(self, role: str = "partner") -> str:
        with self.db.session() as session:
            return invites.create_invite(session, PROJECT, role, self.clock.now(), timedelta(days=7)).code

    async def facilitator(self, user: dict[str, Any]) -> dict[str, Any]:
        """A facilitator named in the config introduces themselves; returns the welcome."""
        await self.client.send_command(user["id"], "/start")
        return await self.client.wait_for_bot_message(user["id"])

    async def join(self, first_name: str = "Sam") -> tuple[dict[str, Any], dict[str, Any]]:
        """A partner joins with an invite and consents.  Returns (user, welcome message)."""
        user = await self.client.create_user(first_name)
        await self.client.send_command(user["id"], "/start", self.invite())
        consent = await self.client.wait_for_bot_message(user["id"])
        await self.client.press_button(user["id"], consent["message_id"], label="Yes, that's OK")
        welcome = await self.client.wait_for_bot_message(user["id"], after_message_id=consent["message_id"])
        return user, welcome

    async def next_message(
        self, user: dict[str, Any], after: dict[str, Any] | int, timeout: float = 10
    ) -> dict[str, Any]:
        after_id = after if isinstance(after, int) else after["message_id"]
        return await self.client.wait_for_bot_message(user["id"], after_message_id=after_id, timeout=timeout)

    async def next_question(self, user: dict[str, Any], after: dict[str, Any] | int) -> dict[str, Any]:
        """The next bot message that asks something (skips intros)."""
        message = await self.next_message(user, after)
        while not message.get("buttons") and not message["text"].rstrip().endswith("?"):
            message = await self.next_message(user, message)
        return message

    async def message_containing(
        self, user: dict[str, Any], after: dict[str, Any] | int, text: str, within: int = 5
    ) -> dict[str, Any]:
        """The next bot message containing ``text``, allowing a few others first
        (a check-in that came due at the same moment, say)."""
        message = await self.next_message(user, after)
        for _ in range(within - 1):
            if text in message["text"]:
                break
            message = await self.next_message(user, message)
        assert text in message["text"], message["text"]
        return message

    async def quiet(self, user: dict[str, Any], after: dict[str, Any] | int, seconds: float = 1.0) -> None:
        """Assert the bot says nothing more in this chat for a while."""
        with pytest.raises(TimeoutError):
            await self.next_message(user, after, timeout=seconds)


def make_settings(database_url: str, facilitator_id: int, sandbox: Sandbox, **scheduler: Any) -> Settings:
    return Settings.model_validate(
        {
            "telegram": {"token": sandbox.token, "base_url": sandbox.base_url},
            "storage": {"url": database_url},
            "flows": {"directory": str(LIBRARY)},
            "scheduler": {"tick_seconds": 0.2, **scheduler},
            "digest": {"days": []},  # off unless a test turns it on (tests/e2e/test_digest.py)
            "projects": [
                {
                    "id": PROJECT,
                    "name": "Carers' Voice",
                    "timezone": "Europe/London",
                    "facilitators": [facilitator_id],
                    "schedules": [{"flow": "after-activity", "cadence": "weekly", "days": ["mon"], "time": "10:00"}],
                }
            ],
        }
    )


@pytest.fixture
async def harness(database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    """A bot and a sandbox with a brisk per-chat limit; ``@pytest.mark.telegram_pace`` keeps Telegram's."""
    chat_rate = CHAT_PER_SECOND if request.node.get_closest_marker("telegram_pace") else BRISK_CHAT_RATE
    async with Sandbox(chat_per_second=chat_rate) as sandbox:
        client = sandbox.client()
        alex = await client.create_user("Alex")
        rig = Harness(sandbox, make_settings(database_url, alex["id"], sandbox), ShiftedClock(), chat_rate)
        rig.facilitator_user = alex  # type: ignore[attr-defined]
        await rig.start()
        rig.facilitator_welcome = await rig.facilitator(alex)  # type: ignore[attr-defined]
        try:
            yield rig
        finally:
            await rig.stop()
            rig.db.dispose()


@contextlib.asynccontextmanager
async def configured_harness(database_url: str, configure: Callable[[Settings], None]) -> AsyncIterator[Harness]:
    """A running bot whose settings ``configure`` changed first (other schedules, other flows),
    with the brisk per-chat limit of :func:`harness` and no facilitator introduced yet."""
    async with Sandbox(chat_per_second=BRISK_CHAT_RATE) as sandbox:
        alex = await sandbox.client().create_user("Alex")
        Database(database_url).upgrade()
        settings = make_settings(database_url, alex["id"], sandbox)
        configure(settings)
        rig = Harness(sandbox, settings, ShiftedClock())
        await rig.start()
        try:
            yield rig
        finally:
            await rig.stop()
            rig.db.dispose()
