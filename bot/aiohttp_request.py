"""python-telegram-bot's networking over aiohttp instead of httpx.

PTB lets the HTTP layer be swapped through ``telegram.request.BaseRequest``.  We
do it because the outbox's send rate was bound by the client, not by Telegram:
through the sandbox, PTB's default ``HTTPXRequest`` cost about 3.5 ms of CPU
per ``sendMessage`` with 32 requests under way (its connection pool checks
every idle connection on every request), this class about 0.85 ms
(docs/benchmarks.md).  aiohttp is already a dependency: the sandbox and the
webhook server use it.

Error mapping follows ``HTTPXRequest``: timeouts become ``TimedOut`` (with the
aiohttp error as ``__cause__``, so the outbox can tell a connect timeout, where
the request never left, from a read timeout, where it may have arrived), other
transport errors ``NetworkError``; HTTP status codes are mapped by PTB itself.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """One keep-alive connection pool for Bot API calls."""

    def __init__(
        self,
        connection_pool_size: int = 32,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout, self._write_timeout = read_timeout, write_timeout
        self._connect_timeout, self._pool_timeout = connect_timeout, pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """PTB adds a long poll's own timeout to this for getUpdates."""
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self._pool_size))

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

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
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data and request_data.contains_files else None
        write_default = self._media_write_timeout if files else self._write_timeout
        read = _given(read_timeout, self._read_timeout)
        write = _given(write_timeout, write_default)
        # aiohttp has no separate write timeout: sending and waiting for the answer share sock_read
        # plus the write allowance, as the slower of the two bounds the whole exchange
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=_sum(_given(pool_timeout, self._pool_timeout), _given(connect_timeout, self._connect_timeout)),
            sock_connect=_given(connect_timeout, self._connect_timeout),
            sock_read=_sum(read, write) if files else read,
        )
        # without files the parameters go as one JSON body (which Telegram accepts): aiohttp's
        # form encoder cost as much as the rest of the request
        data: aiohttp.FormData | bytes | None = None
        headers = {"User-Agent": self.USER_AGENT}
        if files:
            data = _form(request_data, files)  # type: ignore[arg-type]
        elif request_data is not None:
            data, headers["Content-Type"] = request_data.json_payload, "application/json"
        try:
            async with self._session.request(method, url, data=data, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as error:
            raise TimedOut("Connect timeout: the request was not sent to Telegram.") from error
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error


def never_sent(error: TimedOut) -> bool:
    """A connect or pool timeout: the request never reached Telegram, so a retry is safe."""
    return isinstance(error.__cause__, aiohttp.ConnectionTimeoutError)


def _form(request_data: RequestData, files: dict[str, object]) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, part in files.items():
        if isinstance(part, tuple):
            filename, content, *rest = part
            form.add_field(name, content, filename=filename, content_type=rest[0] if rest else None)
        else:
            form.add_field(name, part)
    return form


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _sum(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b
