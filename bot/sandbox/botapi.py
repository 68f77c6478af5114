"""The Bot API methods the bot uses, applied to the World with Telegram's rules.

Each method takes already-coerced parameters and returns the `result` value, or raises
ApiError exactly as Telegram would answer.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from . import rules
from .rules import ApiError, bad_request
from .world import Chat, Fault, Message, World

SEND_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument"})
MAX_POLL_TIMEOUT = 50.0
CALLBACK_ANSWER_WINDOW = 15.0  # seconds after the tap within which Telegram takes an answer

_INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "max_connections",
        "message_thread_id",
        "reply_to_message_id",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "allow_paid_broadcast",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "has_spoiler",
        "disable_content_type_detection",
        "allow_sending_without_reply",
    }
)
_JSON_FIELDS = frozenset(
    {"link_preview_options", "allowed_updates", "entities", "caption_entities", "commands", "scope", "reply_parameters"}
)


@dataclass
class Upload:
    """A file part of a multipart request."""

    data: bytes
    file_name: str | None
    mime_type: str | None


def coerce(params: dict[str, Any]) -> dict[str, Any]:
    """Undo PTB's form encoding: non-string values arrive JSON-encoded as strings.

    Only known fields are decoded, so a text of "true" or "123" stays a string. reply_markup is
    left raw: rules.check_reply_markup gives Telegram's error for invalid JSON.
    """
    out: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, str):
            if name in _INT_FIELDS:
                # "@channel" chat ids stay strings; resolving them fails later
                with contextlib.suppress(ValueError):
                    value = int(value)
            elif name in _BOOL_FIELDS:
                value = value.lower() in ("true", "1")
            elif name in _JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    raise bad_request(f"can't parse {name} JSON object") from None
        out[name] = value
    return out


Method = Callable[[dict[str, Any]], Awaitable[Any]]


class BotApi:
    """Method name (lower case, as Telegram ignores case) -> handler."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.methods: dict[str, Method] = {
            "getme": self.get_me,
            "logout": self.true,
            "close": self.true,
            "setmycommands": self.set_my_commands,
            "getmycommands": self.get_my_commands,
            "deletemycommands": self.delete_my_commands,
            "getupdates": self.get_updates,
            "setwebhook": self.set_webhook,
            "deletewebhook": self.delete_webhook,
            "getwebhookinfo": self.get_webhook_info,
            "sendmessage": self.send_message,
            "sendphoto": self.send_photo,
            "senddocument": self.send_document,
            "editmessagetext": self.edit_message_text,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "editmessagecaption": self.edit_message_caption,
            "deletemessage": self.delete_message,
            "answercallbackquery": self.answer_callback_query,
        }

    # -- bot identity and commands -------------------------------------------------------------

    async def get_me(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.world.bot_user,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def true(self, p: dict[str, Any]) -> bool:
        return True

    @staticmethod
    def _commands_key(p: dict[str, Any]) -> str:
        scope = p.get("scope") or {"type": "default"}
        return json.dumps([scope, p.get("language_code", "")], sort_keys=True)

    async def set_my_commands(self, p: dict[str, Any]) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise bad_request('parameter "commands" is required')
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if not (1 <= len(name) <= 32) or not command.get("description"):
                raise bad_request("BOT_COMMAND_INVALID")
        self.world.commands[self._commands_key(p)] = commands
        return True

    async def get_my_commands(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        return self.world.commands.get(self._commands_key(p), [])

    async def delete_my_commands(self, p: dict[str, Any]) -> bool:
        self.world.commands.pop(self._commands_key(p), None)
        return True

    # -- updates -------------------------------------------------------------------------------

    async def get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        world = self.world
        if world.webhook:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        # A newer getUpdates terminates an older, still waiting one (as Telegram does), so a
        # restarted bot is not locked out by its dead predecessor's long poll.
        world.poll_generation += 1
        generation = world.poll_generation
        world.changed()
        offset = int(p.get("offset") or 0)
        if offset > 0:
            world.confirm(offset)
        if p.get("allowed_updates"):
            world.allowed_updates = list(p["allowed_updates"])
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        timeout = min(max(float(p.get("timeout") or 0), 0.0), MAX_POLL_TIMEOUT)

        def ready() -> bool:
            return world.poll_generation != generation or world.webhook is not None or bool(world.deliverable())

        await world.wait_until(ready, timeout)
        if world.poll_generation != generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
            )
        if world.webhook:
            return []
        return world.take_for_polling(limit)

    async def set_webhook(self, p: dict[str, Any]) -> bool:
        url = p.get("url") or ""
        if not url:
            return await self.delete_webhook(p)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get("secret_token")
        if secret is not None and not (1 <= len(secret) <= 256 and all(c.isalnum() or c in "_-" for c in secret)):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        if p.get("drop_pending_updates"):
            self.world.pending.clear()
        if p.get("allowed_updates"):
            self.world.allowed_updates = list(p["allowed_updates"])
        self.world.webhook = {"url": url, "secret_token": secret}
        self.world.changed()
        return True

    async def delete_webhook(self, p: dict[str, Any]) -> bool:
        self.world.webhook = None
        if p.get("drop_pending_updates"):
            self.world.pending.clear()
        self.world.changed()
        return True

    async def get_webhook_info(self, p: dict[str, Any]) -> dict[str, Any]:
        webhook = self.world.webhook
        info: dict[str, Any] = {
            "url": webhook["url"] if webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.world.pending),
        }
        failures = [a for a in self.world.webhook_attempts if not a["ok"]]
        if webhook and failures:
            info["last_error_date"] = int(failures[-1]["time"])
            info["last_error_message"] = failures[-1]["error"]
        if self.world.allowed_updates:
            info["allowed_updates"] = self.world.allowed_updates
        return info

    # -- sending -------------------------------------------------------------------------------

    def target_chat(self, chat_id: Any, *, initiating: bool = True) -> Chat:
        """Resolve chat_id with Telegram's 400/403 answers for unknown, blocked and gone users."""
        chat = self.world.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found")
        user = chat.user
        if user.deactivated:
            raise ApiError(403, "Forbidden: user is deactivated")
        if user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if initiating and not user.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def admit(self, chat_id: int, *, paid: bool = False) -> None:
        """Flood limits for a send or an edit, checked last: a refused call is neither carried
        out nor counted."""
        retry_after = self.world.limiter.acquire(chat_id, paid=paid)
        if retry_after is not None:
            raise too_many_requests(retry_after)
        self.world.meter.record(chat_id)

    async def send_message(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self.target_chat(p.get("chat_id"))
        parsed = rules.check_text(p.get("text"), p.get("parse_mode"))
        markup = rules.check_reply_markup(p.get("reply_markup"))
        self.admit(chat.user.id, paid=bool(p.get("allow_paid_broadcast")))
        message = self.world.bot_message(
            chat,
            "text",
            html=p["text"],
            text=parsed.text,
            entities=parsed.entities,
            reply_markup=markup,
        )
        return message.to_api(self.world.bot_user)

    async def send_photo(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_media(p, "photo")

    async def send_document(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_media(p, "document")

    def _send_media(self, p: dict[str, Any], kind: str) -> dict[str, Any]:
        chat = self.target_chat(p.get("chat_id"))
        source = p.get(kind)
        if isinstance(source, Upload):
            if not source.data:
                raise bad_request("file must be non-empty")
        elif isinstance(source, str) and source in self.world.files:
            pass
        elif source is None or source == "":
            raise bad_request(f"there is no {kind} in the request")
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        caption = rules.check_caption(p.get("caption"), p.get("parse_mode"))
        markup = rules.check_reply_markup(p.get("reply_markup"))
        self.admit(chat.user.id, paid=bool(p.get("allow_paid_broadcast")))
        if isinstance(source, Upload):
            file = self.world.store_file(source.data, kind, source.file_name, source.mime_type)
        else:
            file = self.world.files[source]
        message = self.world.bot_message(
            chat,
            kind,
            html=p.get("caption"),
            text=caption.text if caption else None,
            entities=caption.entities if caption else [],
            reply_markup=markup,
            file=file,
        )
        return message.to_api(self.world.bot_user)

    # -- editing -------------------------------------------------------------------------------

    def _message(self, p: dict[str, Any], action: str) -> Message:
        if p.get("inline_message_id"):
            raise bad_request(f"message to {action} not found")
        chat = self.target_chat(p.get("chat_id"), initiating=False)
        message = chat.messages.get(p.get("message_id"))  # type: ignore[arg-type]
        if message is None or message.deleted:
            raise bad_request(f"message to {action} not found")
        return message

    @staticmethod
    def _unchanged(message: Message, text: str | None, entities: list, markup: Any) -> None:
        if (message.text, message.entities, message.reply_markup) == (text, entities, markup):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )

    def _edited(self, message: Message) -> dict[str, Any]:
        message.edit_date = int(time.time())
        message.version += 1
        self.world.changed()
        return message.to_api(self.world.bot_user)

    async def edit_message_text(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._message(p, "edit")
        if message.sender != "bot":
            raise bad_request("message can't be edited")
        if message.kind != "text":
            raise bad_request("there is no text in the message to edit")
        parsed = rules.check_text(p.get("text"), p.get("parse_mode"))
        markup = rules.check_reply_markup(p.get("reply_markup"), inline_only=True)
        self._unchanged(message, parsed.text, parsed.entities, markup)
        self.admit(message.chat.id)
        message.html, message.text, message.entities = p["text"], parsed.text, parsed.entities
        message.reply_markup = markup
        return self._edited(message)

    async def edit_message_reply_markup(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._message(p, "edit")
        if message.sender != "bot":
            raise bad_request("message can't be edited")
        markup = rules.check_reply_markup(p.get("reply_markup"), inline_only=True)
        self._unchanged(message, message.text, message.entities, markup)
        self.admit(message.chat.id)
        message.reply_markup = markup
        return self._edited(message)

    async def edit_message_caption(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._message(p, "edit")
        if message.sender != "bot":
            raise bad_request("message can't be edited")
        if message.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        caption = rules.check_caption(p.get("caption"), p.get("parse_mode"))
        markup = rules.check_reply_markup(p.get("reply_markup"), inline_only=True)
        text, entities = (caption.text, caption.entities) if caption else (None, [])
        self._unchanged(message, text, entities, markup)
        self.admit(message.chat.id)
        message.html, message.text, message.entities = p.get("caption"), text, entities
        message.reply_markup = markup
        return self._edited(message)

    async def delete_message(self, p: dict[str, Any]) -> bool:
        message = self._message(p, "delete")
        message.deleted = True
        message.version += 1
        self.world.changed()
        return True

    async def answer_callback_query(self, p: dict[str, Any]) -> bool:
        press = self.world.presses.get(str(p.get("callback_query_id")))
        expired = press is not None and self.world.clock() - press.pressed_at > CALLBACK_ANSWER_WINDOW
        if press is None or press.answers or expired:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = p.get("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        press.answers.append({"text": text, "show_alert": bool(p.get("show_alert")), "url": p.get("url")})
        self.world.changed()
        return True


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


def take_fault(world: World, method: str) -> Fault | None:
    """The first injected fault covering this call that strikes; faults are tried in order,
    so faults of several kinds, each at its own rate, mix."""
    world.faults = [f for f in world.faults if f.remaining > 0]
    for fault in world.faults:
        if (fault.method == method or (fault.method == "*" and method in SEND_METHODS)) and fault.strikes():
            return fault
    return None


def fault_error(fault: Fault) -> ApiError:
    """The answer a failing fault gives instead of the call's own ("delay" gives none)."""
    if fault.kind == "429":
        return too_many_requests(fault.retry_after)
    status = HTTPStatus.GATEWAY_TIMEOUT if fault.kind == "timeout" else HTTPStatus(fault.status)
    return ApiError(status.value, status.phrase)


def describe_params(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters for the call log, with uploads summarised rather than copied."""
    return {k: {"upload": v.file_name, "size": len(v.data)} if isinstance(v, Upload) else v for k, v in params.items()}
