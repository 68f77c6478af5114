"""SandboxClient: act as people and observe the chat, over the sandbox's HTTP control API.

Works against an in-process Sandbox or one run with `python -m bot.sandbox` in another process.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import httpx

# Room on top of a server-side wait, so the server's own clear timeout message arrives first.
_WAIT_MARGIN = 5.0


class SandboxError(Exception):
    """The sandbox refused a control request (unknown user, no such button, ...)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class SandboxClient:
    """Async control client; every method mirrors one /control action."""

    def __init__(self, control_url: str, timeout: float = 30.0) -> None:
        self.control_url = control_url.rstrip("/")
        self._http = httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _post(self, action: str, wait: float | None = None, **params: Any) -> httpx.Response:
        body = {k: v for k, v in params.items() if v is not None}
        timeout = None if wait is None else httpx.Timeout(wait + _WAIT_MARGIN)
        kwargs: dict[str, Any] = {"json": body}
        if timeout is not None:
            kwargs["timeout"] = timeout
        response = await self._http.post(f"{self.control_url}/{action}", **kwargs)
        if response.status_code >= 400:
            try:
                message = response.json().get("error", response.text)
            except ValueError:
                message = response.text
            if response.status_code == 408:
                raise TimeoutError(message)
            raise SandboxError(message, response.status_code)
        return response

    async def _call(self, action: str, wait: float | None = None, **params: Any) -> Any:
        return (await self._post(action, wait, **params)).json()["result"]

    # -- people --------------------------------------------------------------------------------

    async def create_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "en",
    ) -> dict[str, Any]:
        """A new Telegram user; their private chat id equals their user id."""
        return await self._call(
            "create_user",
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )

    async def send_text(self, user_id: int, text: str) -> int:
        """The person types `text`; over 4096 characters it arrives as several messages, as from
        Telegram's apps. Returns the (first) update_id."""
        return await self._call("send_text", user_id=user_id, text=text)

    async def send_command(self, user_id: int, command: str, payload: str | None = None) -> int:
        return await self._call("send_command", user_id=user_id, command=command, payload=payload)

    async def edit_text(self, user_id: int, message_id: int, text: str) -> int:
        """Edit a message the person sent (find its id in the transcript)."""
        return await self._call("edit_text", user_id=user_id, message_id=message_id, text=text)

    async def send_sticker(self, user_id: int) -> int:
        return await self._call("send_sticker", user_id=user_id)

    async def send_photo(self, user_id: int, caption: str | None = None) -> int:
        return await self._call("send_photo", user_id=user_id, caption=caption)

    async def send_voice(self, user_id: int) -> int:
        return await self._call("send_voice", user_id=user_id)

    async def press_button(
        self, user_id: int, message_id: int, *, label: str | None = None, data: str | None = None
    ) -> int:
        """Press an inline button by label (a leading tick is ignored) or by callback data."""
        if label is None and data is None:
            raise ValueError("press_button needs label= or data=")
        return await self._call("press_button", user_id=user_id, message_id=message_id, label=label, data=data)

    async def block_bot(self, user_id: int) -> int:
        return await self._call("block_bot", user_id=user_id)

    async def unblock_bot(self, user_id: int) -> int:
        return await self._call("unblock_bot", user_id=user_id)

    async def deactivate_user(self, user_id: int) -> None:
        await self._call("deactivate_user", user_id=user_id)

    # -- observing -----------------------------------------------------------------------------

    async def transcript(self, chat_id: int) -> list[dict[str, Any]]:
        return await self._call("transcript", chat_id=chat_id)

    async def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return await self._call("bot_messages", chat_id=chat_id)

    async def callback_answers(self, user_id: int | None = None, query_id: str | None = None) -> list[dict[str, Any]]:
        return await self._call("callback_answers", user_id=user_id, query_id=query_id)

    async def wait_for_bot_message(
        self, chat_id: int, after_message_id: int = 0, timeout: float = 10.0
    ) -> dict[str, Any]:
        """The first bot message after `after_message_id`; TimeoutError names what was seen."""
        return await self._call(
            "wait_for_bot_message",
            wait=timeout,
            chat_id=chat_id,
            after_message_id=after_message_id,
            timeout=timeout,
        )

    async def wait_for_bot_messages(
        self, chat_id: int, count: int, after_message_id: int = 0, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        return await self._call(
            "wait_for_bot_messages",
            wait=timeout,
            chat_id=chat_id,
            count=count,
            after_message_id=after_message_id,
            timeout=timeout,
        )

    async def wait_for_edit(
        self, chat_id: int, message_id: int, after_version: int = 0, timeout: float = 10.0
    ) -> dict[str, Any]:
        """The message once edited or deleted past `after_version` (a transcript entry field)."""
        return await self._call(
            "wait_for_edit",
            wait=timeout,
            chat_id=chat_id,
            message_id=message_id,
            after_version=after_version,
            timeout=timeout,
        )

    async def wait_for_callback_answers(
        self, user_id: int, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        return await self._call(
            "wait_for_callback_answers",
            wait=timeout,
            user_id=user_id,
            count=count,
            timeout=timeout,
        )

    async def file(
        self,
        file_id: str | None = None,
        *,
        chat_id: int | None = None,
        message_id: int | None = None,
    ) -> bytes:
        """Bytes of a file the bot uploaded, by file_id or by the message carrying it."""
        response = await self._post("file", file_id=file_id, chat_id=chat_id, message_id=message_id)
        return response.content

    # -- steering and inspection ---------------------------------------------------------------

    async def inject_fault(
        self,
        method: str,
        kind: str,
        count: int = 1,
        retry_after: int = 2,
        delay: float = 0.0,
        status: int = 502,
        rate: float = 1.0,
        seed: int = 0,
    ) -> None:
        """Fail ("5xx", "429"), stall ("delay") or carry out and then answer 504 after `delay`
        ("timeout") the next `count` calls of `method` or "*" (any send), each with probability
        `rate` drawn from random.Random(`seed`), so runs repeat."""
        await self._call(
            "inject_fault",
            method=method,
            kind=kind,
            count=count,
            retry_after=retry_after,
            delay=delay,
            status=status,
            rate=rate,
            seed=seed,
        )

    async def set_limits(self, enabled: bool) -> None:
        await self._call("set_limits", enabled=enabled)

    async def stats(self) -> dict[str, Any]:
        return await self._call("stats")

    async def counters(self) -> dict[str, Any]:
        """Since the last reset_counters(): calls per method, rate_limited (every 429),
        flood_limited (the flood limits' 429s), server_errors (every 5xx, timeouts included),
        timeouts, and the most message calls in any sliding second overall (peak_per_second)
        and in one chat (peak_per_second_in_one_chat, in busiest_chat)."""
        return await self._call("counters")

    async def reset_counters(self) -> None:
        await self._call("reset_counters")

    async def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        return await self._call("calls", method=method)

    async def webhook_deliveries(self) -> list[dict[str, Any]]:
        return await self._call("webhook_deliveries")

    async def replay_update(self, update_id: int) -> int:
        return await self._call("replay_update", update_id=update_id)

    async def reset(self) -> None:
        await self._call("reset")
