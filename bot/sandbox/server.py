"""The sandbox HTTP server: Bot API routes, control routes and webhook delivery over aiohttp.

The real python-telegram-bot Application talks to it over HTTP exactly as it would to
api.telegram.org, so request encoding, error mapping and timeouts are exercised for real.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from functools import partial
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

from .botapi import BotApi, Upload, coerce, describe_params, fault_error, take_fault
from .client import SandboxClient
from .control import Control
from .limits import CHAT_PER_SECOND, Clock
from .rules import ApiError
from .world import ControlError, World

DEFAULT_TOKEN = "123456:SANDBOX-TOKEN"
MAX_UPLOAD = 50 * 1024 * 1024


def _api_response(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=partial(json.dumps, ensure_ascii=False))


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Merge query string and body (JSON, url-encoded or multipart) into one dict."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json" and request.can_read_body:
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON encoded request") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: JSON body must be an object")
        params.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                params[name] = Upload(value.file.read(), value.filename, value.content_type)
            else:
                params[name] = value
    for name, value in list(params.items()):  # InputMedia-style "attach://<part>" references
        if isinstance(value, str) and value.startswith("attach://"):
            params[name] = params.get(value.removeprefix("attach://"), value)
    return params


class Sandbox:
    """A local Telegram Bot API server with a control API for acting as people."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "checkin_sandbox_bot",
        limits: bool = True,
        *,
        webhook_retry_base: float = 0.1,
        webhook_retry_max: float = 5.0,
        webhook_timeout: float = 10.0,
        clock: Clock = time.monotonic,
        chat_per_second: float = CHAT_PER_SECOND,
    ) -> None:
        """`clock` (monotonic seconds) times the flood limits and callback answers; tests pass a
        fake one to step past a window without sleeping.  `chat_per_second` above Telegram's 1
        (with the bot's ``chat_rate`` to match) is for tests that are not about pacing."""
        self.token = token
        self.world = World(token, bot_username, limits=limits, clock=clock, chat_per_second=chat_per_second)
        self.api = BotApi(self.world)
        self.control = Control(self.world)
        self.webhook_retry_base = webhook_retry_base
        self.webhook_retry_max = webhook_retry_max
        self.webhook_timeout = webhook_timeout
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._clients: list[SandboxClient] = []
        self.host = "127.0.0.1"
        self.port = 0

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ApplicationBuilder().base_url(): PTB appends the token and the method."""
        return f"{self.url}/bot"

    @property
    def control_url(self) -> str:
        return f"{self.url}/control"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_bot)
        app.router.add_post("/control/{action}", self._handle_control)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        self.port = self._runner.addresses[0][1]
        self.world.closing = False
        self._session = aiohttp.ClientSession()
        self._dispatcher = asyncio.create_task(self._dispatch_webhooks())

    async def stop(self) -> None:
        """Stop serving; long polls and waits return at once so shutdown takes no time."""
        self.world.closing = True
        self.world.changed()
        tasks = [t for t in (self._dispatcher, *self._workers.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._dispatcher = None
        for client in self._clients:
            await client.aclose()
        self._clients.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def client(self) -> SandboxClient:
        """A control client; closed by stop()."""
        client = SandboxClient(self.control_url)
        self._clients.append(client)
        return client

    # -- Bot API -------------------------------------------------------------------------------

    async def _handle_bot(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _api_response(ApiError(401, "Unauthorized").to_json(), 401)
        method = request.match_info["method"]
        handler = self.api.methods.get(method.lower())
        if handler is None:
            return _api_response(ApiError(404, "Not Found").to_json(), 404)
        record: dict[str, Any] = {"method": method, "time": time.time()}
        self.world.calls.append(record)
        self.world.call_counts[method] += 1
        try:
            params = coerce(await _read_params(request))
        except ApiError as err:
            return self._refuse(record, err, violation=True)
        record["params"] = describe_params(params)
        fault = take_fault(self.world, method.lower())
        if fault is not None and fault.kind in ("5xx", "429"):
            record["injected"] = True
            return self._refuse(record, fault_error(fault), violation=False)
        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(fault.delay)
        try:
            result = await handler(params)
        except ApiError as err:
            # a long poll whose client already hung up (a bot stopping) breaks no rule
            gone = request.transport is None or request.transport.is_closing()
            return self._refuse(record, err, violation=err.error_code != 429 and not gone)
        if fault is not None and fault.kind == "timeout":
            # Telegram did the work, but its gateway gave up waiting: the bot cannot tell
            await asyncio.sleep(fault.delay)
            record.update(injected=True, carried_out=True)
            self.world.timeouts += 1
            return self._refuse(record, fault_error(fault), violation=False)
        record["ok"] = True
        return _api_response({"ok": True, "result": result})

    def _refuse(self, record: dict[str, Any], err: ApiError, *, violation: bool) -> web.Response:
        """Answer with Telegram's error; rule breaches are kept for stats(), 429s and 5xx counted."""
        record.update(ok=False, error_code=err.error_code, description=err.description)
        self.world.count_refusal(err.error_code, injected=record.get("injected", False))
        if violation:
            self.world.violations.append({"method": record["method"], "description": err.description})
        return _api_response(err.to_json(), err.error_code)

    # -- control API ---------------------------------------------------------------------------

    async def _handle_control(self, request: web.Request) -> web.StreamResponse:
        action = request.match_info["action"]
        try:
            body = await request.json() if request.can_read_body else {}
        except ValueError:
            return web.json_response({"ok": False, "error": "body must be JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"ok": False, "error": "body must be an object"}, status=400)
        if action == "file":
            return self._file_response(body)
        function = self.control.actions.get(action)
        if function is None:
            return web.json_response({"ok": False, "error": f"unknown control action {action!r}"}, status=404)
        try:
            inspect.signature(function).bind(**body)
        except TypeError as err:
            return web.json_response({"ok": False, "error": f"{action}: {err}"}, status=400)
        try:
            result = function(**body)
            if inspect.isawaitable(result):
                result = await result
        except ControlError as err:
            return web.json_response({"ok": False, "error": str(err)}, status=err.status)
        return web.json_response({"ok": True, "result": result})

    def _file_response(self, body: dict[str, Any]) -> web.Response:
        try:
            file = self.world.find_file(**body)
        except TypeError as err:
            return web.json_response({"ok": False, "error": f"file: {err}"}, status=400)
        except ControlError as err:
            return web.json_response({"ok": False, "error": str(err)}, status=err.status)
        return web.Response(body=file.data, content_type=file.mime_type or "application/octet-stream")

    # -- webhook delivery ----------------------------------------------------------------------

    async def _dispatch_webhooks(self) -> None:
        """Start one delivery worker per chat with pending updates while a webhook is set."""
        world = self.world

        def idle_chats() -> set[int] | None:
            if world.webhook is None:
                return None
            return {u.chat_id for u in world.pending} - self._workers.keys()

        while not world.closing:
            for chat_id in await world.wait_until(idle_chats, 3600.0) or ():
                self._workers[chat_id] = asyncio.create_task(self._deliver_chat(chat_id))

    async def _deliver_chat(self, chat_id: int) -> None:
        """POST one chat's updates in order, one at a time, retrying failures with backoff."""
        world, failures = self.world, 0
        try:
            while not world.closing and world.webhook is not None:
                update = world.next_for_chat(chat_id)
                if update is None:
                    return
                ok = await self._post_update(update.update_id, chat_id, update.payload, failures)
                if ok:
                    failures = 0
                    world.acknowledge(update)
                else:
                    failures += 1
                    delay = self.webhook_retry_base * 2 ** (failures - 1)
                    await asyncio.sleep(min(delay, self.webhook_retry_max))
        finally:
            self._workers.pop(chat_id, None)
            world.changed()

    async def _post_update(self, update_id: int, chat_id: int, payload: dict[str, Any], failures: int) -> bool:
        webhook = self.world.webhook
        assert webhook is not None and self._session is not None
        headers = {}
        if webhook["secret_token"]:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook["secret_token"]
        status: int | None = None
        error: str | None = None
        try:
            async with self._session.post(
                webhook["url"],
                json=payload,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.webhook_timeout),
            ) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"Connection failed: {type(exc).__name__}: {exc}"
        ok = status is not None and 200 <= status < 300
        if status is not None and not ok:
            error = f"Wrong response from the webhook: {status}"
        self.world.webhook_attempts.append(
            {
                "update_id": update_id,
                "chat_id": chat_id,
                "url": webhook["url"],
                "attempt": failures + 1,
                "status": status,
                "ok": ok,
                "error": error,
                "time": time.time(),
            }
        )
        self.world.changed()
        return ok
