"""Everything the bot says to a partner goes out through here, so what they told us
holds for every message, whichever feature says it: *when* they may be messaged
(quiet hours and their days, in their time zone) and *how* (their access needs).

When: a message is either ``Timing.NOW`` (signposting, or a reply to something the
partner just sent: never held) or ``Timing.GOOD_TIME`` (everything the bot starts:
check-ins, reminders, follow-ups, "you said, we did", summaries, the team's replies),
which waits in the outbox until the partner's next good time.  A held message does
not hold up its chat: a reply to what the partner sends meanwhile goes at once, and
the held one comes at its time (docs/architecture.md, "Held messages").

How (Person.access_needs):

- ``plain_text`` ("no buttons"): the buttons become numbered lines, and what may be
  typed is remembered for the chat (storage/typed_choices.py) so the front door
  reads a typed number or word as the tap;
- ``one_at_a_time``: what one unit of work says to the partner is joined into one
  message (a message that asks something ends it; split only past Telegram's limit);
- ``large_print``: one sentence to a line, with a blank line between (Telegram
  cannot change the size of the letters: only the partner's own app can);
- ``plain``: the shorter fixed texts (bot.core.texts.PLAIN_WORDS)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from enum import Enum
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.core import callbacks, texts
from bot.core.cadence import Preferences, after_quiet_hours
from bot.core.preferences import preferences_of
from bot.core.telegram_format import plain, split_html, visible_length
from flows.model import BACK_VALUE
from flows.types import MESSAGE_MAX_CHARS
from storage import outbox, projects, typed_choices
from storage.models import Person
from storage.people import PartnerRow

Partner = Person | PartnerRow

PLAIN_TEXT, ONE_AT_A_TIME, LARGE_PRINT, PLAIN_WORDS = "plain_text", "one_at_a_time", "large_print", "plain"
#: a typed choice's word that stands for anything else the partner types (/forget: anything but
#: "delete" keeps their data, so a "yes" meant for it never answers a check-in instead)
ANYTHING_ELSE = "*"
#: when a held message goes on one of the partner's days, if they chose no time of day
DAY_STARTS = time(9, 0)
#: where the messages of this unit of work to each chat are, to join the next one to (one at a time)
_OPEN_MESSAGES = "bot.outgoing.open"


class Timing(Enum):
    """Whether a message may wait for the partner's good time."""

    #: signposting, or a reply to what the partner just sent: never held
    NOW = "now"
    #: something the bot starts: outside quiet hours, on their days
    GOOD_TIME = "good_time"


def next_good_time(prefs: Preferences, moment: datetime, project_timezone: str) -> datetime:
    """The first moment from ``moment`` the partner may be messaged unprompted (UTC):
    outside their quiet hours and on one of their days, in their time zone.  A day
    that is not theirs moves it to the start of their next one (their time of day,
    else 09:00)."""
    zone = ZoneInfo(prefs.timezone or project_timezone)
    start_of_day = prefs.window[0] if prefs.window else DAY_STARTS
    candidate = after_quiet_hours(prefs, moment, project_timezone)
    for _ in range(8):  # at most a week of days that are not theirs, and quiet hours after
        local = candidate.astimezone(zone)
        if not prefs.days or local.weekday() in prefs.days:
            return candidate
        following = datetime.combine(local.date() + timedelta(days=1), start_of_day, tzinfo=zone)
        candidate = after_quiet_hours(prefs, following, project_timezone)
    return candidate


def held_until(session: Session, partner: Partner, now: datetime) -> datetime:
    """When something the bot starts may reach this partner: ``now`` or later."""
    prefs = preferences_of(partner)
    if prefs.quiet is None and not prefs.days:
        return now
    home = prefs.timezone or projects.home_timezone(session, partner.id)  # type: ignore[arg-type]
    return max(now, next_good_time(prefs, now, home))


def tell(
    session: Session,
    partner: Partner,
    now: datetime,
    text: str,
    buttons: list[list[tuple[str, str]]] | None = None,
    *,
    timing: Timing = Timing.NOW,
    ref: str | None = None,
    typed: dict[str, str] | None = None,
    **values: str,
) -> None:
    """A fixed or configured text for a partner, in the words they asked for (``typed``: see :func:`send`)."""
    payload = plain(worded(partner, text), buttons, **values)
    send(session, partner, payload, now, timing=timing, ref=ref, typed=typed)


def worded(partner: Partner, text: str) -> str:
    """A fixed text's plain-words version (bot.core.texts.PLAIN_WORDS), for partners who asked for one."""
    return texts.PLAIN_WORDS.get(text, text) if PLAIN_WORDS in (partner.access_needs or []) else text


def send(
    session: Session,
    partner: Partner,
    payload: dict[str, Any],
    now: datetime,
    *,
    timing: Timing,
    method: str = "sendMessage",
    ref: str | None = None,
    typed: dict[str, str] | None = None,
) -> None:
    """Queue one message for a partner, held and shaped as they asked.  ``payload`` is
    a text payload (bot.core.telegram_format); ``typed`` replaces the numbered choices
    of a partner without buttons with words the text itself asks for (/forget's
    "delete"), each standing for a button's data."""
    needs = set(partner.access_needs or [])
    not_before = now if timing is Timing.NOW else held_until(session, partner, now)
    if method not in ("sendMessage", "editMessageText") or "text" not in payload:
        outbox.enqueue(session, partner.chat_id, method, payload, now, ref=ref, not_before=not_before)
        return
    payload = dict(payload)
    if LARGE_PRINT in needs:
        payload["text"] = large_print(payload["text"])
    words: dict[str, str] = {}
    if PLAIN_TEXT in needs and (payload.get("buttons") or typed):
        payload, words = without_buttons(payload, typed)
        typed_choices.offer(session, partner.chat_id, words, not_before, now)
    if method == "sendMessage" and ONE_AT_A_TIME in needs and _join(session, partner.chat_id, payload, not_before, ref):
        return
    too_long = method == "sendMessage" and visible_length(payload["text"]) > MESSAGE_MAX_CHARS
    pieces = split_html(payload["text"]) if too_long else [payload["text"]]
    for number, piece in enumerate(pieces, 1):
        last = number == len(pieces)
        part = {**payload, "text": piece} if last else {"text": piece, "parse_mode": "HTML"}
        row = outbox.enqueue(
            session, partner.chat_id, method, part, now, ref=ref if last else None, not_before=not_before
        )
    if method == "sendMessage":
        asks = bool(payload.get("buttons") or words)
        session.info.setdefault(_OPEN_MESSAGES, {})[partner.chat_id] = (row, asks)


def _join(session: Session, chat_id: int, payload: dict[str, Any], not_before: datetime, ref: str | None) -> bool:
    """Join ``payload`` to the message this unit of work already queued for the chat, if
    that one asks nothing (a question ends a message), goes at the same time, is not yet
    written, and the two fit one message."""
    row, asks = session.info.get(_OPEN_MESSAGES, {}).get(chat_id, (None, True))
    if asks or row["not_before"] != not_before or not outbox.still_queued(session, row):
        return False
    joined = f"{row['payload']['text']}\n\n{payload['text']}"
    if visible_length(joined) > MESSAGE_MAX_CHARS:
        return False
    row["payload"] = {**payload, "text": joined}
    row["ref"] = ref or row["ref"]
    return True


def without_buttons(
    payload: dict[str, Any], typed: dict[str, str] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The message with its buttons as numbered lines to type (or, given ``typed``, the
    words its text asks for), and what each typed word stands for."""
    flat = [(label, data) for row in payload.get("buttons") or [] for label, data in row]
    bare = {key: value for key, value in payload.items() if key != "buttons"}
    if typed is not None:
        return bare, dict(typed)
    shown = [(escape(label, quote=False), data) for label, data in flat if not _is_back(data)]
    words = {_word(label): data for label, data in flat}
    scale = [label for label, _ in shown if label.isdigit()]
    if scale:
        others = [label for label, _ in shown if not label.isdigit()]
        lines = texts.TYPE_A_NUMBER_FROM.format(first=scale[0], last=scale[-1])
        lines += " " + texts.TYPE_OR_WORD.format(words=", ".join(o.lower() for o in others)) if others else ""
    else:
        numbered = list(enumerate(shown, 1))
        words |= {str(number): data for number, (_, data) in numbered}
        words |= _first_words(shown)
        lines = "\n".join(f"{number}. {label}" for number, (label, _) in numbered) + "\n" + texts.TYPE_THE_NUMBER
    return bare | {"text": f"{payload['text']}\n\n{lines}"}, words


def typed_tap(choices: dict[str, str], text: str) -> str | None:
    """The button data a typed answer stands for (``ANYTHING_ELSE``'s if it is none of the
    choices and the message has one), or None."""
    return choices.get(_word(text), choices.get(ANYTHING_ELSE))


def large_print(html_text: str) -> str:
    """One sentence to a line, a blank line between lines (tags and their attributes untouched)."""
    spaced = "".join(
        _one_sentence_a_line(part) if not part.startswith("<") else part for part in _TAGS.split(html_text)
    )
    return re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]*\n[ \t]*", "\n\n", spaced)).strip()


_TAGS = re.compile(r"(<[^>]*>)")
_SENTENCE_END = re.compile(r"(?<=[.!?:;])[ \t]+(?=[^\s])")


def _one_sentence_a_line(text: str) -> str:
    return _SENTENCE_END.sub("\n", text)


def _is_back(data: str) -> bool:
    tap = callbacks.AnswerTap.parse(data)
    return tap is not None and tap.value == BACK_VALUE


def _word(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").strip(" .!?\t\n").split())


def _first_words(shown: list[tuple[str, str]]) -> dict[str, str]:
    """An option's first word stands for it when no other option starts with it ("yes", "no")."""
    firsts = [_word(label).split(" ")[0].strip(",") for label, _ in shown]
    return {first: data for first, (_, data) in zip(firsts, shown, strict=True) if first and firsts.count(first) == 1}
