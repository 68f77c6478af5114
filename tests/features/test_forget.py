"""/forget in process (bot/partners/forget.py): asked once with buttons, then the
partner's personal data goes; the team hears that a partner left, not who."""

from __future__ import annotations

from sqlmodel import col, select

from bot import front_door
from bot.core import texts
from bot.core.callbacks import Forget
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.partners import forget, ideas, mydata
from storage.models import Answer, Checkin, ConsentRecord, Flag, Idea, Membership
from tests.features.conftest import (
    PROJECT_NAME,
    STRANGER,
    FixedClock,
    NextUpdate,
    audit_events,
    buttons,
    flag,
    introduce,
    join,
    last_said,
    messages,
    person,
    render,
    said,
    start_checkin,
)


def test_forget_asks_first_with_buttons(rt: Runtime, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    forget.ask(rt, next_update(), sam)
    question = messages(rt, sam.chat_id)[-1]
    assert question.payload["text"] == texts.FORGET_CONFIRM
    assert buttons(question) == [
        (texts.FORGET_YES_BUTTON, Forget(True).data()),
        (texts.FORGET_NO_BUTTON, Forget(False).data()),
    ]
    assert person(rt, sam) is not None  # asking deletes nothing


def test_no_keeps_everything(rt: Runtime, next_update: NextUpdate) -> None:
    sam = join(rt, next_update)
    forget.ask(rt, next_update(), sam)
    forget.decide(rt, next_update(), sam, False)
    assert last_said(rt, sam.chat_id) == texts.FORGET_KEPT
    kept = person(rt, sam)
    assert kept is not None and kept.consent_version == "1"


def test_yes_deletes_the_partner_and_what_is_theirs(rt: Runtime, clock: FixedClock, next_update: NextUpdate) -> None:
    alex = introduce(rt, next_update)
    sam = join(rt, next_update)
    kim = join(rt, next_update, "Kim", 2002)  # another partner: untouched
    start_checkin(rt, clock)
    front_door.receive_text(rt, next_update(), sam, "Not yet")  # an answer, and a payment need
    ideas.idea_command(rt, next_update(), sam, "Tea at the start, please")
    mydata.handle_mydata(rt, next_update(), sam)  # an audit row naming them
    [need] = [f.id for f in _flags(rt)]
    assert need is not None

    forget.decide(rt, next_update(), sam, True)
    assert person(rt, sam) is None
    assert said(rt, sam.chat_id) == [texts.FORGOTTEN]  # what was still queued for them is dropped
    assert last_said(rt, alex.chat_id) == render(texts.PARTNER_LEFT, project_name=PROJECT_NAME)
    assert "Sam" not in last_said(rt, alex.chat_id)

    others = {None, _id(rt, kim), _id(rt, alex)}
    with rt.db.session() as session:
        for table in (Checkin, Answer, Idea, Membership, ConsentRecord):
            owners = set(session.exec(select(table.person_id)).all())
            assert owners <= others, table.__name__
    closed = flag(rt, need)  # kept for the project's records, without the partner or their words
    assert (closed.status, closed.person_id, closed.note) == ("closed", None, "")
    assert [e.project_id for e in audit_events(rt, "erasure")] == ["carers"]
    assert [e.actor_telegram_id for e in audit_events(rt, "export")] == [None]  # no longer named in the log
    assert person(rt, kim) is not None


def test_forget_for_someone_unknown(rt: Runtime, next_update: NextUpdate) -> None:
    forget.ask(rt, next_update(), STRANGER)
    forget.decide(rt, next_update(), STRANGER, True)
    assert said(rt, STRANGER.chat_id) == [texts.NOT_JOINED, texts.NOT_JOINED]
    assert audit_events(rt, "erasure") == []


def _flags(rt: Runtime) -> list[Flag]:
    with rt.db.session() as session:
        return list(session.exec(select(Flag).order_by(col(Flag.id))))


def _id(rt: Runtime, sender: Sender) -> int | None:
    found = person(rt, sender)
    return found.id if found else None
