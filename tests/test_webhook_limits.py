"""The webhook endpoint faces the internet: slow clients are cut off and big bodies refused,
while Telegram's own posts go on being answered (bot/delivery/webhook.py)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest

from bot.core.config import WebhookOptions
from bot.delivery.inbox import InboxWorker
from bot.delivery.webhook import SECRET_HEADER, WebhookServer

SECRET = "s3cret"
HEADER_TIMEOUT = 0.5
BODY_TIMEOUT = 0.5
MAX_BODY = 4096


class StoringWorker:
    """Stands in for the inbox worker: the endpoint only hands it updates."""

    def __init__(self) -> None:
        self.received: list[int] = []

    async def receive(self, update_id: int, chat_id: int | None, payload: dict[str, Any]) -> bool:
        self.received.append(update_id)
        return True


@pytest.fixture
async def server() -> AsyncIterator[WebhookServer]:
    options = WebhookOptions(
        "127.0.0.1",
        0,
        "https://bot.example.org/telegram",
        SECRET,
        header_timeout=HEADER_TIMEOUT,
        body_timeout=BODY_TIMEOUT,
        max_body_bytes=MAX_BODY,
    )
    webhook = WebhookServer(options, cast(InboxWorker, StoringWorker()))
    await webhook.start()
    try:
        yield webhook
    finally:
        await webhook.stop()


async def _closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sent until it closed the connection."""
    try:
        return await asyncio.wait_for(reader.read(), timeout=10 * HEADER_TIMEOUT)
    except ConnectionResetError:
        return b""


async def test_stalled_request_heads_are_closed_and_telegram_still_gets_through(server: WebhookServer) -> None:
    opened = time.monotonic()
    stalled = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(50)]
    for _, writer in stalled:
        writer.write(b"POST /teleg")  # half a request line, then nothing
        await writer.drain()

    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"http://127.0.0.1:{server.port}/telegram", json={"update_id": 7}, headers={SECRET_HEADER: SECRET}
        )
    assert answer.status_code == 200
    assert cast(StoringWorker, server.worker).received == [7]

    leftovers = await asyncio.gather(*(_closed_by_server(reader) for reader, _ in stalled))
    waited = time.monotonic() - opened
    assert leftovers == [b""] * 50, "closed without an answer"
    assert HEADER_TIMEOUT <= waited < 5 * HEADER_TIMEOUT
    for _, writer in stalled:
        writer.close()


async def test_a_head_trickled_byte_by_byte_is_closed_all_the_same(server: WebhookServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    opened = time.monotonic()

    async def trickle() -> None:
        """A header that never ends, a byte at a time: never idle, never done."""
        writer.write(b"POST /telegram HTTP/1.1\r\nHost: bot.example.org\r\nX-Slow: ")
        with contextlib.suppress(ConnectionError):
            while True:
                await asyncio.sleep(HEADER_TIMEOUT / 20)
                writer.write(b"x")
                await writer.drain()

    trickling = asyncio.create_task(trickle())
    assert await _closed_by_server(reader) == b""
    assert HEADER_TIMEOUT <= time.monotonic() - opened < 3 * HEADER_TIMEOUT
    trickling.cancel()
    await asyncio.gather(trickling, return_exceptions=True)
    writer.close()


async def test_a_stalled_body_gets_408_and_the_connection_closes(server: WebhookServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        b"POST /telegram HTTP/1.1\r\nHost: bot.example.org\r\nContent-Type: application/json\r\n"
        + f"{SECRET_HEADER}: {SECRET}\r\nContent-Length: 100\r\n\r\n".encode()
        + b'{"update_id": '
    )
    await writer.drain()
    answer = await _closed_by_server(reader)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert cast(StoringWorker, server.worker).received == []
    writer.close()


async def test_a_body_over_the_limit_is_refused(server: WebhookServer) -> None:
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            f"http://127.0.0.1:{server.port}/telegram",
            json={"update_id": 8, "padding": "x" * MAX_BODY},
            headers={SECRET_HEADER: SECRET},
        )
    assert answer.status_code == 413
    assert cast(StoringWorker, server.worker).received == []


async def test_an_idle_kept_alive_connection_is_closed(server: WebhookServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        b"POST /telegram HTTP/1.1\r\nHost: bot.example.org\r\nContent-Type: application/json\r\n"
        + f"{SECRET_HEADER}: {SECRET}\r\nContent-Length: 15\r\n\r\n".encode()
        + b'{"update_id":9}'
    )
    await writer.drain()
    answer = await _closed_by_server(reader)  # answered, kept alive, then closed when idle
    assert answer.startswith(b"HTTP/1.1 200 "), answer
    assert cast(StoringWorker, server.worker).received == [9]
    writer.close()
