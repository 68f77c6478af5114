"""python-telegram-bot's networking over a small keep-alive HTTP/1.1 pool.

PTB lets the HTTP layer be swapped through ``telegram.request.BaseRequest``.  We
do it because the outbox's send rate was bound by the HTTP client's CPU, not by
Telegram: per ``sendMessage`` through the sandbox, PTB's default ``HTTPXRequest``
cost about 3.5 ms, aiohttp's client about 0.25 ms on its own, and this pool,
which writes one prepared request onto an idle connection and lets ``httptools``
(llhttp, the parser behind uvicorn and aiohttp) read the answer, about 0.08 ms
(docs/benchmarks.md).  Bot API calls are all POSTs of a JSON body to one host,
so a pool per host is all it needs.  Uploads (multipart) go through aiohttp,
which the sandbox and the webhook server use anyway: they are rare.

Error mapping follows ``HTTPXRequest``: timeouts become ``TimedOut``, other
transport errors ``NetworkError``; HTTP status codes are mapped by PTB itself.
A connect or pool timeout, where the request never left, is told apart by its
cause (``never_sent``), so the outbox can retry it safely; a 504 (Telegram's own
timeout, after the request reached it) is a timeout too, never retried blindly.
"""

from __future__ import annotations

import asyncio
import ssl
from functools import lru_cache
from http import HTTPStatus
from urllib.parse import urlsplit

import aiohttp
import httptools
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class NotSent(Exception):
    """The cause of a ``TimedOut`` whose request never reached Telegram."""


def never_sent(error: TimedOut) -> bool:
    """A connect or pool timeout: the request never reached Telegram, so a retry is safe."""
    return isinstance(error.__cause__, NotSent)


class ApiRequest(BaseRequest):
    """Bot API calls over keep-alive connections, at most ``connection_pool_size`` at once per host."""

    def __init__(
        self,
        connection_pool_size: int = 32,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """``ssl_context``: for a Bot API server whose certificate a private CA signed; the
        system's trusted CAs by default."""
        self._pool_size = connection_pool_size
        self._ssl = ssl_context
        self._read_timeout, self._write_timeout = read_timeout, write_timeout
        self._connect_timeout, self._pool_timeout = connect_timeout, pool_timeout
        self._media_write_timeout = media_write_timeout
        self._pools: dict[tuple[str, str, int], _Pool] = {}
        self._uploads: aiohttp.ClientSession | None = None
        self._ready = False

    @property
    def read_timeout(self) -> float | None:
        """PTB adds a long poll's own timeout to this for getUpdates."""
        return self._read_timeout

    async def initialize(self) -> None:
        self._ready = True

    async def shutdown(self) -> None:
        self._ready = False
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        if self._uploads is not None:
            await self._uploads.close()
            self._uploads = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See ``BaseRequest.do_request``."""
        if not self._ready:
            raise RuntimeError("This ApiRequest is not initialized!")
        connect = _given(connect_timeout, self._connect_timeout)
        waiting = _given(pool_timeout, self._pool_timeout)
        if request_data is not None and request_data.contains_files:
            write = _given(write_timeout, self._media_write_timeout)
            return await self._upload(
                url, request_data, _sum(_given(read_timeout, self._read_timeout), write), connect, waiting
            )
        # no separate write timeout: a JSON body fits the socket buffer, so the read bounds the exchange
        read = _given(read_timeout, self._read_timeout)
        scheme, host, port, target, authority = _split(url)
        pool = self._pools.get((scheme, host, port))
        if pool is None:
            tls = (self._ssl or ssl.create_default_context()) if scheme == "https" else None
            pool = self._pools[(scheme, host, port)] = _Pool(host, port, tls, self._pool_size)
        body = request_data.json_payload if request_data is not None else b""
        head = f"{method} {target} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {self.USER_AGENT}\r\n"
        if body:
            head += "Content-Type: application/json\r\n"
        request = f"{head}Content-Length: {len(body)}\r\n\r\n".encode("latin-1") + body
        return _timed_out_there(await pool.exchange(request, connect, waiting, read))

    async def _upload(
        self, url: str, request_data: RequestData, read: float | None, connect: float | None, waiting: float | None
    ) -> tuple[int, bytes]:
        """Multipart requests (photos, documents) through aiohttp's form writer."""
        if self._uploads is None:
            self._uploads = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=4, ssl=self._ssl or True))
        form = aiohttp.FormData()
        for name, value in request_data.json_parameters.items():
            form.add_field(name, value)
        for name, part in request_data.multipart_data.items():
            if isinstance(part, tuple):
                filename, content, *rest = part
                form.add_field(name, content, filename=filename, content_type=rest[0] if rest else None)
            else:
                form.add_field(name, part)
        timeout = aiohttp.ClientTimeout(
            total=None, connect=_sum(waiting, connect), sock_connect=connect, sock_read=read
        )
        try:
            async with self._uploads.post(
                url, data=form, headers={"User-Agent": self.USER_AGENT}, timeout=timeout
            ) as response:
                return _timed_out_there((response.status, await response.read()))
        except aiohttp.ConnectionTimeoutError as error:
            raise TimedOut("Connect timeout: the request was not sent to Telegram.") from NotSent(str(error))
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error


class _Pool:
    """Idle keep-alive connections to one host, and a cap on requests under way."""

    def __init__(self, host: str, port: int, tls: ssl.SSLContext | None, size: int) -> None:
        self._host, self._port = host, port
        self._ssl = tls
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(size)
        self._closed = False

    async def exchange(
        self, request: bytes, connect: float | None, waiting: float | None, read: float | None
    ) -> tuple[int, bytes]:
        """Send one request and return (status, body)."""
        try:
            async with asyncio.timeout(waiting):
                await self._slots.acquire()
        except TimeoutError:
            raise TimedOut("Pool timeout: all connections are busy; the request was not sent.") from NotSent()
        try:
            connection = await self._connection(connect)
            answer = connection.send(request)
            try:
                async with asyncio.timeout(read):
                    status, body = await answer
            except BaseException as error:
                # timed out or cancelled (a long poll at stop): its answer may still come, so the
                # connection cannot carry another request; closing it also tells the server
                connection.close()
                if isinstance(error, TimeoutError):
                    raise TimedOut from error
                if isinstance(error, ConnectionError):
                    raise NetworkError(f"The connection to Telegram broke: {error}") from error
                raise
            if connection.reusable and not self._closed:
                self._idle.append(connection)
            else:
                connection.close()
            return status, body
        finally:
            self._slots.release()

    async def _connection(self, timeout: float | None) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if connection.open:
                return connection
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(
                    _Connection,
                    self._host,
                    self._port,
                    ssl=self._ssl,
                    server_hostname=self._host if self._ssl else None,
                )
        except TimeoutError:
            raise TimedOut("Connect timeout: the request was not sent to Telegram.") from NotSent()
        except OSError as error:
            raise NetworkError(f"Could not connect to {self._host}:{self._port}: {error}") from error
        return connection

    def close(self) -> None:
        """Close the idle connections now; busy ones close when their request ends."""
        self._closed = True
        for connection in self._idle:
            connection.close()
        self._idle.clear()


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection carrying one request at a time."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._body: list[bytes] = []
        self._answer: asyncio.Future[tuple[int, bytes]] | None = None
        self.reusable = False

    @property
    def open(self) -> bool:
        return self._transport is not None and not self._transport.is_closing()

    def send(self, request: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self._transport is not None
        self._answer = asyncio.get_running_loop().create_future()
        self.reusable = False
        self._transport.write(request)
        return self._answer

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(ConnectionError(f"unreadable HTTP answer: {error}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        self._fail(ConnectionError("the server closed the connection"))

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        self.reusable = self._parser.should_keep_alive()
        body, self._body = b"".join(self._body), []
        if self._answer is not None and not self._answer.done():
            self._answer.set_result((self._parser.get_status_code(), body))
        self._answer = None

    def _fail(self, error: Exception) -> None:
        self.reusable = False
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(error)
        self._answer = None


@lru_cache(maxsize=256)
def _split(url: str) -> tuple[str, str, int, str, str]:
    """(scheme, host, port, request target, Host header) of a Bot API URL; a bot calls a few dozen distinct ones."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise NetworkError(f"Not an http(s) URL: {parts.scheme}://{parts.hostname}")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    authority = parts.netloc.rpartition("@")[2]
    return parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), target, authority


def _timed_out_there(answer: tuple[int, bytes]) -> tuple[int, bytes]:
    """A 504 is a timeout on Telegram's side, after the request reached it: like our own
    read timeout, the message may have been sent, so it must not be sent again."""
    if answer[0] == HTTPStatus.GATEWAY_TIMEOUT:
        raise TimedOut("Telegram timed out (504); the request may have been carried out")
    return answer


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _sum(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b
