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


#: a facilitator's button on a flag: ``f:<action>:<flag id>``
FLAG_ACTIONS = {"ack": "acknowledged", "res": "resolved", "wf": "wont_fix"}
#: a partner's answer to "is it sorted now?": ``fu:<flag id>:<y|n>``
#: a facilitator's outcome for an idea: ``i:<outcome>:<idea id>``
IDEA_OUTCOMES = {"ad": "adopted", "ch": "changed", "no": "not_taken_up"}


@dataclass(frozen=True)
class Tap:
    """A staff or follow-up button: what kind, which choice, about which row."""

    kind: str  # f | fu | i
    choice: str
    subject_id: int


def flag_data(action: str, flag_id: int) -> str:
    return f"f:{action}:{flag_id}"


def follow_up_data(flag_id: int, met: bool) -> str:
    return f"fu:{flag_id}:{'y' if met else 'n'}"


def idea_data(outcome: str, idea_id: int) -> str:
    return f"i:{outcome}:{idea_id}"


def parse_tap(data: str) -> Tap | None:
    """None for data that is none of these (or was tampered with)."""
    parts = data.split(":")
    if len(parts) != 3:
        return None
    kind = parts[0]
    if kind == "f" and parts[1] in FLAG_ACTIONS and parts[2].isdigit():
        return Tap(kind, parts[1], int(parts[2]))
    if kind == "i" and parts[1] in IDEA_OUTCOMES and parts[2].isdigit():
        return Tap(kind, parts[1], int(parts[2]))
    if kind == "fu" and parts[1].isdigit() and parts[2] in ("y", "n"):
        return Tap(kind, parts[2], int(parts[1]))
    return None
