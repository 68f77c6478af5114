"""Fixtures: a sandbox on a free port, its control client, and a raw Bot API caller.

The sandbox's clock (flood limits, the callback-answer window) stands still unless a test
advances it, so limit tests are exact and need no sleeping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.sandbox import Sandbox, SandboxClient

TOKEN = "123456:SANDBOX-TOKEN"


class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class BotCaller:
    """Calls Bot API methods as PTB does (form-encoded, non-strings JSON-encoded)."""

    def __init__(self, sandbox: Sandbox, http: httpx.AsyncClient) -> None:
        self.url = f"{sandbox.base_url}{sandbox.token}"
        self.http = http

    async def raw(self, method: str, **data: Any) -> httpx.Response:
        return await self.http.post(f"{self.url}/{method}", data=data)

    async def __call__(self, method: str, **data: Any) -> tuple[int, dict[str, Any]]:
        response = await self.raw(method, **data)
        return response.status_code, response.json()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def sandbox(clock: FakeClock) -> AsyncIterator[Sandbox]:
    async with Sandbox(token=TOKEN, clock=clock) as box:
        yield box


@pytest.fixture
async def client(sandbox: Sandbox) -> SandboxClient:
    return sandbox.client()


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[BotCaller]:
    async with httpx.AsyncClient(timeout=10) as http:
        yield BotCaller(sandbox, http)


@pytest.fixture
async def user(client: SandboxClient) -> dict[str, Any]:
    """A user who has started the bot, so the bot may write to them."""
    person = await client.create_user("Ana", "Lima", username="ana")
    await client.send_command(person["id"], "start")
    return person
