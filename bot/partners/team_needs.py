"""Needs in free text reach the team.  An answer to a question marked ``to_team``
(in the bundled flows: "Is there anything you need from us right now?", "Anything
you'd like us to know?") opens a flag with the answer as its evidence: the need it
names if a need word is recognised (alerted now), otherwise "other" for the digest.
Facilitators act on it like any flag, and what they do goes back to the partner."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from flows.types import AnswerRecord
from storage import checkins, flags

#: words that name a need, by need (whole words, any case); the first need that matches is used
NEED_WORDS: dict[str, tuple[str, ...]] = {
    "payment": ("paid", "payment", "payments", "pay", "invoice", "fee", "fees", "money", "voucher", "vouchers"),
    "expenses": (
        "expenses",
        "expense",
        "fare",
        "fares",
        "bus",
        "train",
        "taxi",
        "travel",
        "mileage",
        "parking",
        "receipt",
        "receipts",
        "afford",
        "out of pocket",
        "refund",
        "lift",
    ),
    "access": (
        "interpreter",
        "bsl",
        "wheelchair",
        "step-free",
        "step free",
        "ramp",
        "large print",
        "hearing loop",
        "easy read",
        "captions",
        "accessible",
        "access",
        "quiet room",
        "braille",
    ),
    "support": (
        "support",
        "help",
        "talk to someone",
        "someone to talk",
        "childcare",
        "carer",
        "struggling",
        "benefits advice",
        "advice",
        "call me",
        "phone me",
    ),
}
_PATTERNS = {
    need: re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\b", re.IGNORECASE)
    for need, words in NEED_WORDS.items()
}
#: a recognised need is alerted now; an answer that names none waits for the digest
RECOGNISED_SEVERITY = "high"
OTHER_SEVERITY = "low"
NOTE = "Wrote to the team in a check-in."


def need_in(text: str) -> str | None:
    """The first need ``text`` names, if any."""
    return next((need for need, pattern in _PATTERNS.items() if pattern.search(text)), None)


def open_flags(
    session: Session,
    project_id: str,
    person_id: int | None,
    records: Iterable[AnswerRecord],
    evidence: dict[str, dict[str, Any]],
    now: datetime,
) -> bool:
    """A flag for each answer to a ``to_team`` question (not skipped, not anonymous).
    True if any was opened."""
    opened = False
    for record in records:
        if not record.to_team or record.skipped or record.anonymous or record.step_id not in evidence:
            continue
        text = str(record.value or "").strip()
        if not text:
            continue
        need = need_in(text)
        flags.open_flag(
            session,
            project_id=project_id,
            person_id=person_id,
            need=need or "other",
            severity=RECOGNISED_SEVERITY if need else OTHER_SEVERITY,
            note=NOTE,
            answer_ids=[checkins.answer_id(session, evidence[record.step_id])],
            now=now,
        )
        opened = True
    return opened
