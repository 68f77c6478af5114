"""The control API: what tests, the demo and coordinators do as people, and what they observe.

Each action is a plain function of JSON-able keyword arguments; server.py exposes them under
/control/<action> and SandboxClient mirrors them one to one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast, get_args

from .world import ControlError, Fault, FaultKind, World

FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


class Control:
    """Named control actions over one World."""

    def __init__(self, world: World) -> None:
        self.world = world
        w = world
        self.actions: dict[str, Callable[..., Any]] = {
            "create_user": w.create_user,
            "send_text": w.send_text,
            "send_command": w.send_command,
            "edit_text": w.edit_text,
            "send_sticker": lambda user_id: w.send_media(user_id, "sticker"),
            "send_photo": lambda user_id, caption=None: w.send_media(user_id, "photo", caption),
            "send_voice": lambda user_id: w.send_media(user_id, "voice"),
            "press_button": w.press_button,
            "block_bot": lambda user_id: w.set_blocked(user_id, True),
            "unblock_bot": lambda user_id: w.set_blocked(user_id, False),
            "deactivate_user": w.deactivate_user,
            "transcript": w.transcript,
            "bot_messages": w.bot_messages,
            "callback_answers": w.callback_answers,
            "wait_for_bot_message": self.wait_for_bot_message,
            "wait_for_bot_messages": self.wait_for_bot_messages,
            "wait_for_edit": self.wait_for_edit,
            "wait_for_callback_answers": self.wait_for_callback_answers,
            "inject_fault": self.inject_fault,
            "set_limits": self.set_limits,
            "stats": w.stats,
            "counters": w.counters,
            "reset_counters": w.reset_counters,
            "calls": w.recorded_calls,
            "webhook_deliveries": lambda: list(w.webhook_attempts),
            "replay_update": w.replay_update,
            "reset": w.reset,
        }

    def _new_bot_messages(self, chat_id: int, after_message_id: int) -> list[dict[str, Any]]:
        chat = self.world.chat(chat_id)
        return [m.to_entry() for m in chat.messages.values() if m.sender == "bot" and m.message_id > after_message_id]

    def _timeout(self, chat_id: int, what: str, timeout: float) -> ControlError:
        last = self.world.transcript(chat_id)[-5:]
        seen = "; ".join(f"{e['from']} #{e['message_id']}: {e['text']!r}" for e in last) or "none"
        return ControlError(
            f"timed out after {timeout}s waiting for {what} in chat {chat_id}; last messages: {seen}",
            408,
        )

    async def wait_for_bot_messages(
        self, chat_id: int, count: int, after_message_id: int = 0, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """The first `count` bot messages after `after_message_id`, waiting up to `timeout`."""
        self.world.chat(chat_id)  # unknown chats fail now, not after the timeout

        def enough() -> list[dict[str, Any]] | None:
            found = self._new_bot_messages(chat_id, after_message_id)
            return found[:count] if len(found) >= count else None

        found = await self.world.wait_until(enough, timeout)
        if not found:
            raise self._timeout(chat_id, f"{count} bot message(s) after #{after_message_id}", timeout)
        return found

    async def wait_for_bot_message(
        self, chat_id: int, after_message_id: int = 0, timeout: float = 10.0
    ) -> dict[str, Any]:
        return (await self.wait_for_bot_messages(chat_id, 1, after_message_id, timeout))[0]

    async def wait_for_edit(
        self, chat_id: int, message_id: int, after_version: int = 0, timeout: float = 10.0
    ) -> dict[str, Any]:
        """The message once its version (edits and deletes) exceeds `after_version`."""
        message = self.world.chat(chat_id).messages.get(int(message_id))
        if message is None:
            raise ControlError(f"no message {message_id} in chat {chat_id}", 404)
        changed = await self.world.wait_until(lambda: message.version > after_version, timeout)
        if not changed:
            raise self._timeout(chat_id, f"an edit of message #{message_id}", timeout)
        return message.to_entry()

    async def wait_for_callback_answers(
        self, user_id: int, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        found = await self.world.wait_until(lambda: len(self.world.callback_answers(user_id=user_id)) >= count, timeout)
        if not found:
            raise self._timeout(user_id, f"{count} callback answer(s)", timeout)
        return self.world.callback_answers(user_id=user_id)

    def inject_fault(
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
        """Make the next `count` calls of `method` ("*" = any sending method) fail or stall,
        each with probability `rate` (drawn from random.Random(seed), so runs repeat).

        Kinds: "5xx" answers `status`; "429" answers retry_after; "delay" answers late, after
        `delay` seconds; "timeout" carries the call out, then after `delay` seconds answers
        504 Gateway Timeout (a call the sandbox refuses anyway gets its refusal at once).
        """
        if kind not in FAULT_KINDS:
            raise ControlError(f"fault kind must be one of {FAULT_KINDS}, not {kind!r}")
        name = method.lower()
        if name != "*" and not name.isalpha():
            raise ControlError(f"bad method name {method!r}")
        if kind == "5xx" and not 500 <= status <= 599:
            raise ControlError(f"a 5xx fault needs a 5xx status, not {status}")
        if not 0.0 < rate <= 1.0:
            raise ControlError(f"a fault's rate is a probability above 0 and at most 1, not {rate}")
        if count < 1 or delay < 0:
            raise ControlError(f"a fault needs count >= 1 and delay >= 0, not count={count} delay={delay}")
        fault_kind = cast(FaultKind, kind)  # checked against FAULT_KINDS above
        self.world.faults.append(
            Fault(name, fault_kind, int(count), int(retry_after), float(delay), int(status), float(rate), int(seed))
        )

    def set_limits(self, enabled: bool) -> None:
        self.world.limiter.enabled = bool(enabled)
        self.world.limiter.reset()
