"""Telegram's command menu (setMyCommands with scopes): partners see their commands,
staff see theirs in their own chat.  The descriptions are short, plain words."""

from __future__ import annotations

from typing import Any

PARTNER_COMMANDS = (
    ("help", "What I can do"),
    ("team", "Write to your project's team"),
    ("pause", "No check-ins until /resume"),
    ("resume", "Check-ins on again, or carry on"),
    ("away", "No check-ins until the day you're back"),
    ("snooze", "Not now: ask me later"),
    ("settings", "When and how I message you"),
    ("language", "The language I use"),
    ("idea", "Share an idea or suggestion"),
    ("mydata", "See everything I keep about you"),
    ("forget", "Leave, and delete what I keep"),
    ("cancel", "Stop whatever I'm waiting for"),
    ("stop", "How to stop or leave"),
)
FACILITATOR_COMMANDS = (
    ("flags", "Open needs in your projects"),
    ("digest", "A summary now"),
    ("partners", "Your partners and when they last answered"),
    ("cancel", "Stop whatever I'm waiting for"),
    ("help", "Everything I can do"),
)
COORDINATOR_COMMANDS = (
    ("invite", "A new invite link"),
    ("projects", "Your projects at a glance"),
    ("reload", "Load changed question flows"),
)


def menu(commands: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"command": name, "description": description} for name, description in commands]


def staff_menu_payload(chat_id: int, coordinator: bool) -> dict[str, Any]:
    """The setMyCommands parameters that give one staff member's chat the staff menu."""
    commands = FACILITATOR_COMMANDS + (COORDINATOR_COMMANDS if coordinator else ())
    return {"commands": menu(commands), "scope": {"type": "chat", "chat_id": chat_id}}
