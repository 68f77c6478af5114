"""Distress in what a partner types: a kind reply with where to find help at once,
and an urgent flag that alerts the project's facilitators at once.  Never a cold
automated message, never silence."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from bot.core.config import Settings
from bot.core.replies import say
from storage import checkins, flags
from storage.models import Person
from storage.people import PartnerRow

log = logging.getLogger(__name__)

_WORD = re.compile(r"[\w']+")
SAFETY_NOTE = "Wrote something that suggests they may be in distress."
ANONYMOUS_NOTE = (
    "Someone wrote something in an anonymous answer that suggests distress. They were shown where to find help."
)


def words(text: str) -> list[str]:
    """Lower-case words without accents, so "Suicidé" and "SUICIDE" compare equal."""
    folded = unicodedata.normalize("NFKD", text.replace("’", "'")).casefold()
    return _WORD.findall("".join(char for char in folded if not unicodedata.combining(char)))


def matches_distress(text: str, phrases: Iterable[str]) -> bool:
    """Whole words only: "hopeless" matches, "hopelessly" and "overdosed" do not."""
    single, longer = _phrase_index(tuple(phrases))
    tokens = words(text)
    for position, token in enumerate(tokens):
        if token in single:
            return True
        for wanted in longer.get(token, ()):
            if tokens[position : position + len(wanted)] == wanted:
                return True
    return False


@lru_cache(maxsize=8)
def _phrase_index(phrases: tuple[str, ...]) -> tuple[frozenset[str], dict[str, list[list[str]]]]:
    """The configured phrases split once, not for every answer: one-word phrases as a
    set, longer ones by their first word, so an answer is read once, not once a phrase."""
    single: set[str] = set()
    longer: dict[str, list[list[str]]] = {}
    for phrase in phrases:
        wanted = words(phrase)
        if len(wanted) == 1:
            single.add(wanted[0])
        elif wanted:
            longer.setdefault(wanted[0], []).append(wanted)
    return frozenset(single), longer


def respond_to_distress(
    session: Session,
    settings: Settings,
    person: Person | PartnerRow,
    project_id: str,
    text: str,
    answer: dict[str, Any] | None,
    anonymous: bool,
    now: datetime,
) -> bool:
    """If ``text`` shows distress: signpost the partner now and open an urgent flag.

    An anonymous answer opens a flag with no partner and no evidence, so the
    alert says that someone needs care without saying who.  Returns True if it did."""
    if not text or not matches_distress(text, settings.safety.distress_phrases):
        return False
    say(session, person.chat_id, now, settings.safety.signposting, first_name=person.first_name)
    flags.open_flag(
        session,
        project_id=project_id,
        person_id=None if anonymous else person.id,
        need="safety",
        severity="urgent",
        note=ANONYMOUS_NOTE if anonymous else SAFETY_NOTE,
        answer_ids=[] if anonymous or answer is None else [checkins.answer_id(session, answer)],
        now=now,
    )
    log.info("distress words in an answer for project %s: partner signposted, urgent flag opened", project_id)
    return True
