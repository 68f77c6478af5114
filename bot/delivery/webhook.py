"""Webhook mode: an aiohttp endpoint that stores each update before answering 200.

PTB's own webhook server answers 200 and then queues the update in memory, so a
crash right after the answer loses it.  Here the answer waits for the inbox row
to be committed; the inbox worker (bot/delivery/inbox.py) processes it afterwards.  Several
processes may listen on one address (SO_REUSEPORT) or behind a proxy: any of them
may store an update and any of them may process it.

The endpoint faces the internet (through a proxy or not), so a slow client cannot hold a
connection: it has ``header_timeout`` to send a request head and ``body_timeout`` more for the
body, and a body over ``max_body_bytes`` is refused (WebhookOptions)."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.core.config import WebhookOptions
from bot.delivery.inbox import InboxWorker
from bot.delivery.update_processor import payload_ordering_key

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class SlowHeadGuard:
    """Closes a connection that has not sent a whole request head within ``seconds`` of
    opening or of its last answer.

    aiohttp's nearest timer is its keep-alive timeout (set too, in start()): 3.14.5 starts it
    when a connection opens, but 3.14.3 and earlier only after a first answer, so there a client
    that connects and trickles half a request line holds the connection for ever.  A connection
    waiting for a head is invisible to handlers, so this looks over the server's connections ten
    times per timeout and closes the overdue ones (at most a fifth late); a middleware marks the
    ones busy with a request, whose body has its own deadline in the handler."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        #: when each connection began waiting for a request head; None while it is in a request
        self._waiting_since: dict[web.RequestHandler, float | None] = {}

    @web.middleware
    async def track(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        connection = request.protocol
        self._waiting_since[connection] = None
        try:
            return await handler(request)
        finally:
            self._waiting_since[connection] = asyncio.get_running_loop().time()

    async def watch(self, server: web.Server) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.seconds / 10)
            now = loop.time()
            # closed connections are forgotten; one seen for the first time starts waiting now
            self._waiting_since = {c: self._waiting_since.get(c, now) for c in server.connections}
            for connection, since in self._waiting_since.items():
                if since is not None and now - since >= self.seconds:
                    connection.force_close()


class WebhookServer:
    def __init__(self, options: WebhookOptions, worker: InboxWorker) -> None:
        self.options = options
        self.worker = worker
        self._runner: web.AppRunner | None = None
        self._guard = SlowHeadGuard(options.header_timeout)
        self._watching: asyncio.Task[None] | None = None
        self.port = options.port

    async def start(self) -> None:
        app = web.Application(client_max_size=self.options.max_body_bytes, middlewares=[self._guard.track])
        app.router.add_post(self.options.path, self._receive)
        self._runner = web.AppRunner(
            app,
            access_log=None,
            shutdown_timeout=5.0,
            keepalive_timeout=self.options.header_timeout,
            # a body left unread (403, 408, 413) is not drained: the connection closes after the answer
            lingering_time=0,
        )
        await self._runner.setup()
        assert self._runner.server is not None
        self._watching = asyncio.create_task(self._guard.watch(self._runner.server))
        # reuse_port: several worker processes may share one --listen address
        site = web.TCPSite(self._runner, self.options.host, self.options.port, reuse_port=True)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("webhook listening on %s:%d%s", self.options.host, self.port, self.options.path)

    async def stop(self) -> None:
        """Stop accepting; Telegram retries whatever it could not deliver."""
        if self._watching is not None:
            self._watching.cancel()
            await asyncio.gather(self._watching, return_exceptions=True)
            self._watching = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.options.secret.encode()):
            return web.Response(status=403)
        try:
            async with asyncio.timeout(self.options.body_timeout):
                body = await request.read()  # over client_max_size: 413
        except TimeoutError:
            return web.Response(status=408)
        try:
            payload: Any = json.loads(body)
        except ValueError:
            return web.Response(status=400)
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return web.Response(status=400)
        chat_id = payload_ordering_key(payload)
        try:
            stored = await self.worker.receive(payload["update_id"], chat_id, payload)
        except Exception:
            log.exception("could not store update %s; Telegram will retry", payload["update_id"])
            return web.Response(status=500)
        if not stored:
            log.info("update %s was already stored; ignoring the repeat", payload["update_id"])
        return web.Response(status=200)
