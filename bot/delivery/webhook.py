"""Webhook mode: an aiohttp endpoint that stores each update before answering 200.

PTB's own webhook server answers 200 and then queues the update in memory, so a
crash right after the answer loses it.  Here the answer waits for the inbox row
to be committed; the inbox worker (bot/delivery/inbox.py) processes it afterwards.  Several
processes may listen on one address (SO_REUSEPORT) or behind a proxy: any of them
may store an update and any of them may process it."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from aiohttp import web

from bot.core.config import WebhookOptions
from bot.delivery.inbox import InboxWorker
from bot.delivery.update_processor import payload_ordering_key

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookServer:
    def __init__(self, options: WebhookOptions, worker: InboxWorker) -> None:
        self.options = options
        self.worker = worker
        self._runner: web.AppRunner | None = None
        self.port = options.port

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(self.options.path, self._receive)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await self._runner.setup()
        # reuse_port: several worker processes may share one --listen address
        site = web.TCPSite(self._runner, self.options.host, self.options.port, reuse_port=True)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("webhook listening on %s:%d%s", self.options.host, self.port, self.options.path)

    async def stop(self) -> None:
        """Stop accepting; Telegram retries whatever it could not deliver."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.options.secret.encode()):
            return web.Response(status=403)
        try:
            payload: Any = await request.json()
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
