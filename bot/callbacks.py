"""Callback-data formats, kept apart from the logic that reads them.

Telegram allows 64 bytes.  An answer tap is ``a:<checkin id>:<step id>:<value>``;
the flow checker keeps ``<step id>:<value>`` within
``flows.types.CALLBACK_PAYLOAD_MAX_BYTES`` and the prefix fits the rest."""

from __future__ import annotations

from dataclasses import dataclass

from flows.types import CALLBACK_PREFIX_BYTES

CONSENT_YES = "consent:yes"
CONSENT_NO = "consent:no"


@dataclass(frozen=True)
class AnswerTap:
    checkin_id: int
    step_id: str
    value: str


def answer_data(checkin_id: int, step_id: str, value: str) -> str:
    prefix = f"a:{checkin_id}:"
    assert len(prefix.encode()) <= CALLBACK_PREFIX_BYTES, "check-in ids this large need a shorter prefix"
    return f"{prefix}{step_id}:{value}"


def parse_answer(data: str) -> AnswerTap | None:
    """None for data that is not an answer tap (or was tampered with)."""
    parts = data.split(":", 3)
    if len(parts) != 4 or parts[0] != "a" or not parts[1].isdigit():
        return None
    return AnswerTap(int(parts[1]), parts[2], parts[3])
