"""Turning engine prompts into Telegram HTML payloads.  Every text that came from
a flow or a person is escaped here, before it can reach Telegram."""

from __future__ import annotations

import re
from html import escape, unescape
from typing import Any

from bot.core import callbacks
from flows.types import MESSAGE_MAX_CHARS, Prompt

_TAG = re.compile(r"<[^>]*>")


def text_payload(html_text: str, buttons: list[list[tuple[str, str]]] | None = None) -> dict[str, Any]:
    """A sendMessage payload; ``html_text`` must already be safe HTML."""
    payload: dict[str, Any] = {"text": html_text, "parse_mode": "HTML"}
    if buttons:
        payload["buttons"] = [[[label, data] for label, data in row] for row in buttons]
    return payload


def plain(text: str, buttons: list[list[tuple[str, str]]] | None = None, **values: str) -> dict[str, Any]:
    """A fixed or configured text with ``{name}`` placeholders filled in, all escaped.
    (Plain replacement, not str.format, so a stray brace in a config text is harmless.)"""
    html_text = escape(text, quote=False)
    for name, value in values.items():
        html_text = html_text.replace("{" + name + "}", escape(value, quote=False))
    return text_payload(html_text, buttons)


def prompt_payload(prompt: Prompt, checkin_id: int) -> dict[str, Any]:
    """A question with its answer buttons (taken away for partners without buttons in
    bot/core/outgoing.py, which numbers them in the text instead)."""
    rows = [
        [(button.label, callbacks.AnswerTap(checkin_id, prompt.step_id or "", button.value).data()) for button in row]
        for row in prompt.buttons
    ]
    return text_payload(escape(prompt.text, quote=False), rows)


def split_html(html_text: str, limit: int = MESSAGE_MAX_CHARS) -> list[str]:
    """Split a long message at blank lines (item boundaries), never inside a tag.

    Templates keep every tag within one item, so each piece stays valid HTML.
    Lengths are counted on the visible text, as Telegram counts them."""
    pieces: list[str] = []
    current = ""
    for block in _fitting(html_text.strip().split("\n\n"), limit):
        candidate = f"{current}\n\n{block}" if current else block
        if current and visible_length(candidate) > limit:
            pieces.append(current)
            candidate = block
        current = candidate
    if current:
        pieces.append(current)
    return pieces


def visible_length(html_text: str) -> int:
    return len(unescape(_TAG.sub("", html_text)))


def split_plain(text: str, limit: int = 3500) -> list[str]:
    """A person's long text in pieces that each fit a message once escaped, cut at a space or
    line break where there is one (a message of 20,000 characters is five pieces)."""
    pieces = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text] if text else pieces


def _fitting(blocks: list[str], limit: int) -> list[str]:
    """Blocks that each fit a message: one too long (a project's list of partners) is
    split at its line breaks, each line keeping its own tags."""
    fitting: list[str] = []
    for block in blocks:
        if visible_length(block) <= limit:
            fitting.append(block)
            continue
        current = ""
        for line in block.split("\n"):
            candidate = f"{current}\n{line}" if current else line
            if current and visible_length(candidate) > limit:
                fitting.append(current)
                candidate = line
            current = candidate
        if current:
            fitting.append(current)
    return fitting
