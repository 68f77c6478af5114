"""Telegram's validation rules as pure functions.

The sandbox must refuse what Telegram refuses, with the same status and wording, so that a bug
(unescaped partner text, an over-long message, 65-byte callback data) fails in tests rather than
in production. Nothing here touches the network or the sandbox's state.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

PARSE_ENTITIES = "Bad Request: can't parse entities: "


class ApiError(Exception):
    """A Bot API error reply: `{"ok":false,"error_code":...,"description":...}`."""

    def __init__(self, error_code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: {message}")


@dataclass
class ParsedText:
    """Visible text plus the entities Telegram would attach to the message."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


# Tag -> entity type; the attribute checks live in _open_entity.
_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")


def _utf16_len(text: str) -> int:
    """Telegram measures entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class _HtmlParser:
    """A tokenizer modelled on tdlib's parse_html, stricter about a bare '>'.

    An '&' that starts no supported entity stays a literal '&', as Telegram keeps it. A bare '>'
    is refused although tdlib tolerates it: Telegram's documentation requires it escaped, and
    the bot must not rely on the tolerance.
    """

    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.out_len16 = 0
        self.stack: list[dict[str, Any]] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def fail(self, message: str) -> ApiError:
        return ApiError(400, PARSE_ENTITIES + message)

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.out_len16 += _utf16_len(text)

    def parse(self) -> ParsedText:
        src = self.src
        while self.pos < len(src):
            ch = src[self.pos]
            if ch == "&":
                self.emit(self.read_entity())
            elif ch == ">":
                raise self.fail(f'Character ">" at byte offset {self.byte_offset(self.pos)} must be escaped as "&gt;"')
            elif ch == "<":
                if self.pos + 1 < len(src) and src[self.pos + 1] == "/":
                    self.read_end_tag()
                else:
                    self.read_start_tag()
            else:
                end = self.pos
                while end < len(src) and src[end] not in "&<>":
                    end += 1
                self.emit(src[self.pos : end])
                self.pos = end
        if self.stack:
            raise self.fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1]["tag"]}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return ParsedText("".join(self.out), self.entities)

    def read_entity(self) -> str:
        match = _ENTITY_RE.match(self.src, self.pos)
        decoded = _decode_entity(match) if match else None
        if match is None or decoded is None:
            self.pos += 1
            return "&"
        self.pos = match.end()
        return decoded

    def read_start_tag(self) -> None:
        src, begin = self.src, self.pos
        i = begin + 1
        while i < len(src) and not src[i].isspace() and src[i] not in "<>":
            i += 1
        if i >= len(src):
            raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        tag = src[begin + 1 : i].lower()
        if tag not in _TAG_TYPES:
            raise self.fail(f'Unsupported start tag "{tag}" at byte offset {self.byte_offset(begin)}')
        attributes: dict[str, str] = {}
        while True:
            while i < len(src) and src[i].isspace():
                i += 1
            if i >= len(src):
                raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            if src[i] == ">":
                i += 1
                break
            name_start = i
            while i < len(src) and not src[i].isspace() and src[i] not in "=><":
                i += 1
            name = src[name_start:i].lower()
            if not name:
                raise self.fail(f'Empty attribute name in the tag "{tag}" at byte offset {self.byte_offset(begin)}')
            while i < len(src) and src[i].isspace():
                i += 1
            if i >= len(src) or src[i] != "=":
                if tag == "blockquote" and name == "expandable":
                    attributes[name] = ""
                    continue
                raise self.fail(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                    f"at byte offset {self.byte_offset(begin)}"
                )
            i += 1
            while i < len(src) and src[i].isspace():
                i += 1
            if i < len(src) and src[i] in "\"'":
                quote = src[i]
                close = src.find(quote, i + 1)
                if close < 0:
                    raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
                raw_value, i = src[i + 1 : close], close + 1
            else:
                value_start = i
                while i < len(src) and not src[i].isspace() and src[i] not in "<>\"'":
                    i += 1
                if i == value_start:
                    raise self.fail(f"Unexpected end of name token at byte offset {self.byte_offset(i)}")
                raw_value = src[value_start:i]
            attributes[name] = _unescape_attribute(raw_value)
        self.pos = i
        self.open_entity(tag, attributes, begin)

    def open_entity(self, tag: str, attributes: dict[str, str], begin: int) -> None:
        entity: dict[str, Any] = {"type": _TAG_TYPES[tag]}
        where = f"at byte offset {self.byte_offset(begin)}"
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise self.fail(f'Tag "span" must have class "tg-spoiler" {where}')
        if tag == "a":
            if not attributes.get("href"):
                raise self.fail(f'Tag "a" must have attribute "href" {where}')
            entity["url"] = attributes["href"]
        if tag == "tg-emoji":
            if not attributes.get("emoji-id"):
                raise self.fail(f'Tag "tg-emoji" must have attribute "emoji-id" {where}')
            entity["custom_emoji_id"] = attributes["emoji-id"]
        if tag == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        if tag == "code" and self.stack and self.stack[-1]["tag"] == "pre":
            language = attributes.get("class", "")
            if language.startswith("language-"):
                self.stack[-1]["entity"]["language"] = language.removeprefix("language-")
        self.stack.append({"tag": tag, "entity": entity, "start": self.out_len16})

    def read_end_tag(self) -> None:
        src, begin = self.src, self.pos
        close = src.find(">", begin)
        if close < 0:
            raise self.fail(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        tag = src[begin + 2 : close].strip().lower()
        if not self.stack:
            raise self.fail(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        expected = self.stack[-1]["tag"]
        if tag != expected:
            raise self.fail(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{expected}>", found "</{tag}>"'
            )
        opened = self.stack.pop()
        length = self.out_len16 - opened["start"]
        if length > 0 and not (opened["tag"] == "code" and self._inside_pre()):
            self.entities.append({**opened["entity"], "offset": opened["start"], "length": length})
        self.pos = close + 1

    def _inside_pre(self) -> bool:
        return bool(self.stack) and self.stack[-1]["tag"] == "pre"


def _decode_entity(match: re.Match[str]) -> str | None:
    """The character an entity stands for, or None for one Telegram does not support."""
    dec, hexa, name = match.groups()
    if name is not None:
        return _NAMED_ENTITIES.get(name)
    code = int(dec) if dec is not None else int(hexa, 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else None


def _unescape_attribute(value: str) -> str:
    """Attribute values may carry the same entities as text; unknown ones stay literal."""
    return _ENTITY_RE.sub(lambda match: _decode_entity(match) or match.group(0), value)


def parse_html(text: str) -> ParsedText:
    """Parse Telegram-HTML into visible text and entities, or raise the 400 Telegram gives."""
    return _HtmlParser(text).parse()


def parse_text(text: str, parse_mode: str | None) -> ParsedText:
    """Apply a parse_mode; Markdown(V2) passes unvalidated, as the bot uses HTML."""
    if not parse_mode:
        return ParsedText(text)
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode in ("markdown", "markdownv2"):
        return ParsedText(text)
    raise bad_request(f"unsupported parse_mode {parse_mode!r}")


def check_text(text: str | None, parse_mode: str | None) -> ParsedText:
    """Message text: non-empty and at most 4096 characters once entities are parsed."""
    if text is None or not text.strip():
        raise bad_request("message text is empty")
    parsed = parse_text(text, parse_mode)
    if not parsed.text.strip():
        raise bad_request("message text is empty")
    if len(parsed.text) > MAX_TEXT:
        raise bad_request("message is too long")
    return parsed


def split_long_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """A person's over-long text as Telegram's apps send it: parts of at most `limit` characters.

    Like the apps, each cut goes at the last line break in the second half of the part, else at
    its last space, else at the limit; the line break or space at a cut is dropped.
    """
    parts: list[str] = []
    while len(text) > limit:
        window = text[: limit + 1]  # a separator just past the limit still ends a full part
        cut = window.rfind("\n", limit // 2)
        if cut < 0:
            cut = max(window.rfind(" ", limit // 2), window.rfind("\t", limit // 2))
        if cut < 0:
            parts.append(text[:limit])
            text = text[limit:]
        else:
            parts.append(text[:cut])
            text = text[cut + 1 :]
    if text:
        parts.append(text)
    return parts


def check_caption(caption: str | None, parse_mode: str | None) -> ParsedText | None:
    """Captions are optional, and at most 1024 characters once entities are parsed."""
    if caption is None or caption == "":
        return None
    parsed = parse_text(caption, parse_mode)
    if len(parsed.text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return parsed


def check_callback_data(data: Any) -> None:
    """callback_data is 1-64 bytes of UTF-8."""
    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
        raise bad_request("BUTTON_DATA_INVALID")


_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def check_reply_markup(raw: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Parse and validate reply_markup; PTB sends it as a JSON string, a JSON body as an object."""
    if raw is None or raw == "":
        return None
    markup = raw
    if isinstance(raw, str):
        try:
            markup = json.loads(raw)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    elif inline_only:
        raise bad_request("inline keyboard expected")
    elif not any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
        raise bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
    for row in rows:
        for button in row:
            if not isinstance(button, dict):
                raise bad_request("can't parse inline keyboard button: InlineKeyboardButton expected to be an Object")
            text = button.get("text")
            if not isinstance(text, str) or not text.strip():
                raise bad_request("BUTTON_TEXT_INVALID")
            if not any(k in button for k in _BUTTON_ACTIONS):
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            if "callback_data" in button:
                check_callback_data(button["callback_data"])
