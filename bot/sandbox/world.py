"""The sandbox's in-memory world: people, private chats, messages, files and the update queue.

Everything a test needs to observe (transcripts, callback answers, recorded calls, stats) lives
here, and every change wakes waiters through one event, so long polls and `wait_for_*` never
busy-loop.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from .limits import CHAT_PER_SECOND, Clock, RateLimiter, TrafficMeter
from .rules import MAX_TEXT, split_long_text

Sender = Literal["user", "bot"]
FaultKind = Literal["5xx", "429", "delay", "timeout"]
CHECK_PREFIXES = ("✓ ", "✅ ")


class ControlError(Exception):
    """A control-API request that cannot be honoured (unknown user, no such button, ...)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str = "en"
    started: bool = False
    blocked: bool = False
    deactivated: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        data["language_code"] = self.language_code
        return data

    def chat_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None


@dataclass
class Message:
    """One message in a chat; bot messages are edited and deleted in place."""

    message_id: int
    chat: User
    sender: Sender
    date: int
    kind: str
    html: str | None = None  # text or caption exactly as sent
    text: str | None = None  # visible text or caption
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    file: StoredFile | None = None
    edit_date: int | None = None
    deleted: bool = False
    version: int = 0  # bumped by each edit or delete, for wait_for_edit

    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup["inline_keyboard"]
        return []

    def to_api(self, bot: dict[str, Any]) -> dict[str, Any]:
        """The Telegram Message object (what PTB's Message.de_json reads)."""
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": bot if self.sender == "bot" else self.chat.to_api(),
            "chat": self.chat.chat_api(),
            "date": self.date,
        }
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        text_key, entities_key = "text", "entities"
        if self.kind != "text":
            text_key, entities_key = "caption", "caption_entities"
        if self.text is not None:
            data[text_key] = self.text
            if self.entities:
                data[entities_key] = self.entities
        if self.file is not None:
            data.update(_media_fields(self.kind, self.file))
        if self.inline_keyboard():
            data["reply_markup"] = {"inline_keyboard": self.inline_keyboard()}
        return data

    def to_entry(self) -> dict[str, Any]:
        """The transcript view: what a person would see, plus what the bot sent."""
        entry: dict[str, Any] = {
            "from": self.sender,
            "message_id": self.message_id,
            "date": self.date,
            "kind": self.kind,
            "text": self.text,
            "html": self.html,
            "buttons": [
                [{"text": b.get("text"), "callback_data": b.get("callback_data")} for b in row]
                for row in self.inline_keyboard()
            ],
            "edited": self.edit_date is not None,
            "deleted": self.deleted,
            "version": self.version,
        }
        if self.kind != "text":
            entry["caption"] = self.text
        if self.file is not None:
            entry["file_id"] = self.file.file_id
            if self.file.file_name:
                entry["file_name"] = self.file.file_name
        return entry


def _media_fields(kind: str, file: StoredFile) -> dict[str, Any]:
    base = {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": len(file.data),
    }
    if kind == "photo":
        return {"photo": [{**base, "width": 800, "height": 600}]}
    if kind == "document":
        doc = dict(base)
        if file.file_name:
            doc["file_name"] = file.file_name
        if file.mime_type:
            doc["mime_type"] = file.mime_type
        return {"document": doc}
    if kind == "sticker":
        return {
            "sticker": {
                **base,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            }
        }
    if kind == "voice":
        return {"voice": {**base, "duration": 3, "mime_type": "audio/ogg"}}
    raise ValueError(f"no media fields for {kind}")


@dataclass
class ButtonPress:
    """A callback query, shown in the transcript as the user's move."""

    query_id: str
    user: User
    message_id: int
    label: str
    data: str
    date: int
    pressed_at: float  # on the world's clock, for answerCallbackQuery's 15-second window
    answers: list[dict[str, Any]] = field(default_factory=list)

    def to_entry(self) -> dict[str, Any]:
        return {
            "from": "user",
            "message_id": self.message_id,
            "date": self.date,
            "kind": "button_press",
            "text": self.label,
            "html": None,
            "callback_data": self.data,
            "query_id": self.query_id,
            "buttons": [],
            "edited": False,
            "deleted": False,
        }


@dataclass
class Chat:
    user: User
    messages: dict[int, Message] = field(default_factory=dict)
    timeline: list[Message | ButtonPress] = field(default_factory=list)
    next_message_id: int = 1

    def add(self, message: Message) -> Message:
        self.messages[message.message_id] = message
        self.timeline.append(message)
        return message


@dataclass
class PendingUpdate:
    update_id: int
    chat_id: int
    kind: str
    payload: dict[str, Any]
    replayed: bool = False  # replayed updates survive offsets until returned once


@dataclass
class Fault:
    """An injected failure covering the next `remaining` matching calls.

    Each covered call fails with probability `rate`, drawn from its own seeded generator so a
    run repeats exactly; a covered call that is spared still uses up one of `remaining`, and
    the next matching fault may strike it.
    """

    method: str  # lower-cased method name, or "*" for every message-sending method
    kind: FaultKind
    remaining: int
    retry_after: int
    delay: float
    status: int
    rate: float = 1.0
    seed: int = 0
    chance: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.chance = random.Random(self.seed)

    def strikes(self) -> bool:
        """Use up one covered call; True if this one fails."""
        self.remaining -= 1
        return self.rate >= 1.0 or self.chance.random() < self.rate


class World:
    """All sandbox state; reset() returns it to a fresh start without restarting the server."""

    def __init__(
        self,
        token: str,
        bot_username: str,
        *,
        limits: bool = True,
        clock: Clock = time.monotonic,
        chat_per_second: float = CHAT_PER_SECOND,
    ) -> None:
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot_user: dict[str, Any] = {
            "id": int(prefix) if prefix.isdigit() else 1,
            "is_bot": True,
            "first_name": "Check-in Sandbox",
            "username": bot_username,
        }
        self.clock = clock
        self.limiter = RateLimiter(enabled=limits, clock=clock, chat_per_second=chat_per_second)
        self.meter = TrafficMeter(clock)
        self.closing = False
        self._event = asyncio.Event()
        self.reset()

    def reset(self) -> None:
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.presses: dict[str, ButtonPress] = {}
        self.pending: list[PendingUpdate] = []
        self.history: dict[int, PendingUpdate] = {}
        self.faults: list[Fault] = []
        self.calls: list[dict[str, Any]] = []
        self.violations: list[dict[str, Any]] = []
        self.delivered = 0
        self.webhook_attempts: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] | None = None
        self.allowed_updates: list[str] | None = None
        self.poll_generation = 0
        self._user_ids = itertools.count(1000001)
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self.limiter.reset()
        self.reset_counters()
        self.changed()

    def reset_counters(self) -> None:
        """Start counting afresh (e.g. after a benchmark's warm-up); stats() reads these too."""
        self.call_counts: Counter[str] = Counter()
        self.rate_limited = 0  # every 429 answered, flood limits and injected alike
        self.flood_limited = 0  # the 429s of the flood limits alone
        self.server_errors = 0  # every 5xx answered, timeouts included
        self.timeouts = 0
        self.meter.reset()

    # -- change notification -------------------------------------------------------------------

    def changed(self) -> None:
        """Wake everyone waiting for the world to change (long polls, waits, webhook dispatch)."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], Any], timeout: float) -> Any:
        """Return predicate()'s first truthy value, or None once `timeout` or stop() comes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._event
            result = predicate()
            if result or self.closing:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return predicate()

    # -- people --------------------------------------------------------------------------------

    def create_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "en",
    ) -> dict[str, Any]:
        user = User(next(self._user_ids), first_name, last_name, username, language_code)
        self.users[user.id] = user
        self.chats[user.id] = Chat(user)
        self.changed()
        return user.to_api()

    def user(self, user_id: int) -> User:
        user = self.users.get(int(user_id))
        if user is None:
            raise ControlError(f"unknown user {user_id}", 404)
        return user

    def chat(self, chat_id: int) -> Chat:
        chat = self.chats.get(int(chat_id))
        if chat is None:
            raise ControlError(f"unknown chat {chat_id}", 404)
        return chat

    def _speaking_user(self, user_id: int) -> User:
        user = self.user(user_id)
        if user.deactivated:
            raise ControlError(f"user {user_id} is deactivated and cannot send anything")
        if user.blocked:
            raise ControlError(f"user {user_id} has blocked the bot; call unblock_bot first")
        user.started = True
        return user

    def _user_message(self, user_id: int, kind: str, **fields: Any) -> int:
        user = self._speaking_user(user_id)
        chat = self.chats[user.id]
        message = chat.add(Message(chat.next_message_id, user, "user", int(time.time()), kind, **fields))
        chat.next_message_id += 1
        return self.queue_update(user.id, "message", message.to_api(self.bot_user))

    def send_text(self, user_id: int, text: str) -> int:
        """A person types `text`; over 4096 characters it goes as several messages, split as
        Telegram's apps split it, each its own update. Returns the first part's update_id."""
        if not text:
            raise ControlError("a person cannot send an empty message")
        update_ids = [
            self._user_message(user_id, "text", html=part, text=part, entities=_command_entities(part))
            for part in split_long_text(text)
        ]
        return update_ids[0]

    def edit_text(self, user_id: int, message_id: int, text: str) -> int:
        """A person edits a message they sent: Telegram sends ``edited_message`` with the same
        message_id, the original ``date`` and an ``edit_date``."""
        user = self._speaking_user(user_id)
        message = self.chats[user.id].messages.get(int(message_id))
        if message is None or message.sender != "user" or message.kind != "text":
            raise ControlError(f"no text message {message_id} from user {user.id}")
        if not text:
            raise ControlError("a person cannot edit a message to nothing")
        if len(text) > MAX_TEXT:
            raise ControlError(f"a person cannot edit a message to more than {MAX_TEXT} characters")
        message.html = message.text = text
        message.entities = _command_entities(text)
        message.edit_date = int(time.time())
        message.version += 1
        return self.queue_update(user.id, "edited_message", message.to_api(self.bot_user))

    def send_command(self, user_id: int, command: str, payload: str | None = None) -> int:
        text = "/" + command.lstrip("/")
        if payload:
            text += f" {payload}"
        return self.send_text(user_id, text)

    def send_media(self, user_id: int, kind: str, caption: str | None = None) -> int:
        """A sticker, photo or voice note from a person, with plausible placeholder content."""
        if kind not in ("sticker", "photo", "voice"):
            raise ControlError(f"cannot send a {kind}")
        file = self.store_file(secrets.token_bytes(64), kind)
        return self._user_message(user_id, kind, html=caption, text=caption, file=file)

    def press_button(self, user_id: int, message_id: int, label: str | None = None, data: str | None = None) -> int:
        user = self._speaking_user(user_id)
        message = self.chats[user.id].messages.get(int(message_id))
        if message is None or message.sender != "bot" or message.deleted:
            raise ControlError(f"no bot message {message_id} in chat {user.id}")
        button = _find_button(message, label, data)
        press = ButtonPress(
            query_id=str(secrets.randbits(63)),
            user=user,
            message_id=message.message_id,
            label=button["text"],
            data=button["callback_data"],
            date=int(time.time()),
            pressed_at=self.clock(),
        )
        self.presses[press.query_id] = press
        self.chats[user.id].timeline.append(press)
        return self.queue_update(
            user.id,
            "callback_query",
            {
                "id": press.query_id,
                "from": user.to_api(),
                "chat_instance": str(user.id * 7919 + self.bot_user["id"]),
                "message": message.to_api(self.bot_user),
                "data": press.data,
            },
        )

    def set_blocked(self, user_id: int, blocked: bool) -> int:
        """Block or unblock; Telegram tells the bot with a my_chat_member update."""
        user = self.user(user_id)
        user.blocked = blocked
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        return self.queue_update(
            user.id,
            "my_chat_member",
            {
                "chat": user.chat_api(),
                "from": user.to_api(),
                "date": int(time.time()),
                "old_chat_member": _chat_member(self.bot_user, old),
                "new_chat_member": _chat_member(self.bot_user, new),
            },
        )

    def deactivate_user(self, user_id: int) -> None:
        self.user(user_id).deactivated = True
        self.changed()

    # -- bot side ------------------------------------------------------------------------------

    def store_file(
        self, data: bytes, kind: str, file_name: str | None = None, mime_type: str | None = None
    ) -> StoredFile:
        n = next(self._file_ids)
        file = StoredFile(
            file_id=f"SBX-{kind}-{n}-{secrets.token_hex(6)}",
            file_unique_id=f"u{n}{secrets.token_hex(3)}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[file.file_id] = file
        return file

    def bot_message(self, chat: Chat, kind: str, **fields: Any) -> Message:
        message = chat.add(Message(chat.next_message_id, chat.user, "bot", int(time.time()), kind, **fields))
        chat.next_message_id += 1
        self.delivered += 1
        self.changed()
        return message

    # -- updates -------------------------------------------------------------------------------

    def queue_update(self, chat_id: int, kind: str, body: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        update = PendingUpdate(update_id, chat_id, kind, {"update_id": update_id, kind: body})
        self.history[update_id] = update
        self.pending.append(update)
        self.changed()
        return update_id

    def replay_update(self, update_id: int) -> int:
        """Queue an update again with its own id, as Telegram does after an unconfirmed crash."""
        original = self.history.get(int(update_id))
        if original is None:
            raise ControlError(f"unknown update {update_id}", 404)
        for update in self.pending:
            if update.update_id == original.update_id:
                update.replayed = True
                break
        else:
            self.pending.append(
                PendingUpdate(original.update_id, original.chat_id, original.kind, original.payload, True)
            )
        self.changed()
        return original.update_id

    def confirm(self, offset: int) -> None:
        """getUpdates' offset forgets every update below it (replays not yet returned survive)."""
        self.pending = [u for u in self.pending if u.update_id >= offset or u.replayed]

    def deliverable(self) -> list[PendingUpdate]:
        """Pending updates in delivery order: replays first, then by update_id."""
        if self.allowed_updates:
            self.pending = [u for u in self.pending if u.kind in self.allowed_updates]
        return sorted(self.pending, key=lambda u: (not u.replayed, u.update_id))

    def take_for_polling(self, limit: int) -> list[dict[str, Any]]:
        batch = self.deliverable()[:limit]
        for update in batch:
            update.replayed = False
        return [u.payload for u in batch]

    def next_for_chat(self, chat_id: int) -> PendingUpdate | None:
        return next((u for u in self.deliverable() if u.chat_id == chat_id), None)

    def acknowledge(self, update: PendingUpdate) -> None:
        """A webhook delivery succeeded: the update is no longer pending."""
        if update in self.pending:
            self.pending.remove(update)
        self.changed()

    # -- observation ---------------------------------------------------------------------------

    def transcript(self, chat_id: int) -> list[dict[str, Any]]:
        return [item.to_entry() for item in self.chat(chat_id).timeline]

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [m.to_entry() for m in self.chat(chat_id).messages.values() if m.sender == "bot" and not m.deleted]

    def callback_answers(self, user_id: int | None = None, query_id: str | None = None) -> list[dict[str, Any]]:
        presses: Iterable[ButtonPress] = self.presses.values()
        if query_id is not None:
            presses = [p for p in presses if p.query_id == str(query_id)]
        if user_id is not None:
            presses = [p for p in presses if p.user.id == int(user_id)]
        return [{"query_id": p.query_id, **a} for p in presses for a in p.answers]

    def find_file(
        self, file_id: str | None = None, chat_id: int | None = None, message_id: int | None = None
    ) -> StoredFile:
        if file_id is None and chat_id is not None and message_id is not None:
            message = self.chat(chat_id).messages.get(int(message_id))
            if message is None or message.file is None:
                raise ControlError(f"no file in message {message_id} of chat {chat_id}", 404)
            return message.file
        file = self.files.get(str(file_id))
        if file is None:
            raise ControlError(f"unknown file {file_id}", 404)
        return file

    def stats(self) -> dict[str, Any]:
        return {
            "calls": dict(self.call_counts),
            "rate_limited": self.rate_limited,
            "violations": list(self.violations),
            "messages_delivered": self.delivered,
            "webhook_deliveries": len(self.webhook_attempts),
            "webhook_failures": sum(1 for a in self.webhook_attempts if not a["ok"]),
            "pending_updates": len(self.pending),
            "limits_enabled": self.limiter.enabled,
        }

    def count_refusal(self, error_code: int, *, injected: bool) -> None:
        """Count a 429 or 5xx where it is answered, so each is counted once whatever caused it."""
        if error_code == 429:
            self.rate_limited += 1
            if not injected:
                self.flood_limited += 1
        elif error_code >= 500:
            self.server_errors += 1

    def counters(self) -> dict[str, Any]:
        """What a benchmark or a pacing test needs to know, since the last reset_counters()."""
        return {
            "calls": dict(self.call_counts),
            "rate_limited": self.rate_limited,
            "flood_limited": self.flood_limited,
            "server_errors": self.server_errors,
            "timeouts": self.timeouts,
            "peak_per_second": self.meter.peak_overall,
            "peak_per_second_in_one_chat": self.meter.peak_in_one_chat,
            "busiest_chat": self.meter.busiest_chat,
        }

    def recorded_calls(self, method: str | None = None) -> list[dict[str, Any]]:
        if method is None:
            return list(self.calls)
        return [c for c in self.calls if c["method"].lower() == method.lower()]


def _find_button(message: Message, label: str | None, data: str | None) -> dict[str, Any]:
    buttons = [b for row in message.inline_keyboard() for b in row if "callback_data" in b]
    for button in buttons:
        if data is not None and button["callback_data"] == data:
            return button
        if label is not None and _same_label(button["text"], label):
            return button
    offered = [(b["text"], b["callback_data"]) for b in buttons]
    raise ControlError(
        f"no button with label={label!r} data={data!r} on message {message.message_id}; buttons are {offered}"
    )


def _same_label(text: str, label: str) -> bool:
    """Labels match exactly or with a leading tick (the bot marks chosen options so)."""

    def bare(s: str) -> str:
        for prefix in CHECK_PREFIXES:
            s = s.removeprefix(prefix)
        return s

    return text == label or bare(text) == bare(label)


def _chat_member(bot: dict[str, Any], status: str) -> dict[str, Any]:
    member: dict[str, Any] = {"user": bot, "status": status}
    if status == "kicked":
        member["until_date"] = 0
    return member


def _command_entities(text: str) -> list[dict[str, Any]]:
    """A leading /command is a bot_command entity, as Telegram marks it."""
    if not text.startswith("/"):
        return []
    length = len(text.split(maxsplit=1)[0].encode("utf-16-le")) // 2
    return [{"type": "bot_command", "offset": 0, "length": length}]
