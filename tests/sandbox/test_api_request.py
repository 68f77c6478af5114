"""PTB's Bot over bot/delivery/api_request.py against the sandbox: the same answers and
errors as with PTB's own httpx layer, and connect-or-pool timeouts told apart from
read timeouts (the outbox retries only the first kind)."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import telegram.error
import trustme
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.delivery.api_request import ApiRequest, never_sent
from bot.sandbox import Sandbox, SandboxClient


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    async with Bot(
        sandbox.token, base_url=sandbox.base_url, request=ApiRequest(2, pool_timeout=0.1, connect_timeout=0.1)
    ) as bot:
        yield bot


@pytest.fixture
async def person(client: SandboxClient) -> dict[str, Any]:
    person = await client.create_user("Ana")
    await client.send_command(person["id"], "start")
    return person


async def test_messages_buttons_and_files_arrive(bot: Bot, client: SandboxClient, person: dict[str, Any]) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="a:1")]])
    sent = await bot.send_message(person["id"], "Is <b>this</b> all right?", parse_mode="HTML", reply_markup=markup)
    assert sent.text == "Is this all right?"
    document = await bot.send_document(person["id"], b"my data", filename="mydata.json", caption="Your data")
    assert document.document.file_name == "mydata.json"
    assert await client.file(document.document.file_id) == b"my data"
    edited = await bot.edit_message_text("Thank you", chat_id=person["id"], message_id=sent.message_id)
    assert edited.text == "Thank you"


async def test_telegram_errors_are_mapped_as_ptb_does(bot: Bot, client: SandboxClient, person: dict[str, Any]) -> None:
    with pytest.raises(telegram.error.BadRequest, match="parse entities"):
        await bot.send_message(person["id"], "<b>unclosed", parse_mode="HTML")
    await client.block_bot(person["id"])
    with pytest.raises(telegram.error.Forbidden, match="blocked by the user"):
        await bot.send_message(person["id"], "hello")


async def test_a_read_timeout_may_have_arrived(bot: Bot, client: SandboxClient, person: dict[str, Any]) -> None:
    await client.inject_fault("sendMessage", "delay", delay=0.5)
    with pytest.raises(telegram.error.TimedOut) as caught:
        await bot.send_message(person["id"], "slow", read_timeout=0.1)
    assert not never_sent(caught.value)
    assert (await client.wait_for_bot_message(person["id"], timeout=5))["text"] == "slow"


async def test_a_pool_timeout_never_left(bot: Bot, client: SandboxClient, person: dict[str, Any]) -> None:
    await client.inject_fault("sendMessage", "delay", delay=1.0, count=2)
    busy = [asyncio.create_task(bot.send_message(person["id"], f"slow {n}")) for n in range(2)]  # the whole pool
    await asyncio.sleep(0.1)
    with pytest.raises(telegram.error.TimedOut) as caught:
        await bot.send_message(person["id"], "never sent")
    assert never_sent(caught.value)
    await asyncio.gather(*busy)
    texts = [m.get("text") for m in await client.bot_messages(person["id"])]
    assert "never sent" not in texts


async def test_no_server_is_a_network_error() -> None:
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = ApiRequest()
    await request.initialize()
    try:
        with pytest.raises(telegram.error.NetworkError):
            await request.post(f"http://127.0.0.1:{port}/bot123:X/getMe")
    finally:
        await request.shutdown()


@asynccontextmanager
async def _raw_server(answer: bytes | None = None, delay: float = 0.0) -> AsyncIterator[tuple[int, asyncio.Event]]:
    """A server that reads one request, answers ``answer`` after ``delay`` (or never), and
    sets the event when the client hangs up: what the pool does with its connections."""
    hung_up = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if answer is not None:
            await asyncio.sleep(delay)
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                % (len(answer), answer)
            )
        await reader.read()  # returns at the client's EOF
        hung_up.set()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], hung_up
    finally:
        server.close()


async def test_a_cancelled_request_hangs_up() -> None:
    """A bot stopping cancels its long poll: the connection must close, or Telegram keeps the
    poll open and ends it with a Conflict when the next bot instance polls."""
    async with _raw_server() as (port, hung_up):
        request = ApiRequest()
        await request.initialize()
        try:
            poll = asyncio.create_task(request.post(f"http://127.0.0.1:{port}/bot123:X/getUpdates"))
            await asyncio.sleep(0.2)
            poll.cancel()
            with pytest.raises(asyncio.CancelledError):
                await poll
            await asyncio.wait_for(hung_up.wait(), timeout=2)
        finally:
            await request.shutdown()


async def test_https_with_a_verified_certificate() -> None:
    """Telegram is reached over TLS: the pool verifies the server's certificate."""
    authority = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_tls)

    async def get_me(request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "Sandbox"}})

    app = web.Application()
    app.router.add_post("/bot123:X/getMe", get_me)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_tls)
    await site.start()
    port = runner.addresses[0][1]
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)
    try:
        for request, trusted in ((ApiRequest(ssl_context=trusting), True), (ApiRequest(), False)):
            await request.initialize()
            try:
                if trusted:
                    assert (await request.post(f"https://127.0.0.1:{port}/bot123:X/getMe"))["first_name"] == "Sandbox"
                else:  # an unknown CA is refused, not trusted
                    with pytest.raises(telegram.error.NetworkError, match="CERTIFICATE_VERIFY_FAILED"):
                        await request.post(f"https://127.0.0.1:{port}/bot123:X/getMe")
            finally:
                await request.shutdown()
    finally:
        await runner.cleanup()


async def test_a_request_under_way_at_shutdown_closes_its_connection_after() -> None:
    """Shutting down while a request waits for its answer: the answer still arrives, and the
    connection is closed rather than kept idle by a pool that is gone."""
    async with _raw_server(b'{"ok":true,"result":true}', delay=0.3) as (port, hung_up):
        request = ApiRequest()
        await request.initialize()
        call = asyncio.create_task(request.post(f"http://127.0.0.1:{port}/bot123:X/close"))
        await asyncio.sleep(0.1)
        await request.shutdown()
        assert await call is True
        await asyncio.wait_for(hung_up.wait(), timeout=2)
