"""/forget: a partner leaves and their personal data goes with them.

Asked once with buttons, because it cannot be undone.  Anonymous answers stay
(nothing links them to anyone); flags stay for the project's records without
the partner or their words; facilitators hear that a partner left, not who."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from bot.core import outgoing, texts
from bot.core.callbacks import Forget
from bot.core.replies import say
from bot.core.runtime import Runtime
from bot.core.sender import Sender
from bot.core.telegram_format import plain
from bot.core.unit import once_per_update
from storage import audit, outbox, people, projects, typed_choices

log = logging.getLogger(__name__)


@once_per_update
def ask(rt: Runtime, session: Session, now: datetime, sender: Sender) -> None:
    person = people.person_by_telegram_id(session, sender.telegram_user_id)
    if person is None:
        say(session, sender.chat_id, now, texts.NOT_JOINED)
        return
    yes, no = Forget(True).data(), Forget(False).data()
    buttons = [[(texts.FORGET_YES_BUTTON, yes), (texts.FORGET_NO_BUTTON, no)]]
    if outgoing.PLAIN_TEXT not in (person.access_needs or []):
        outgoing.tell(session, person, now, texts.FORGET_CONFIRM, buttons)
        return
    # typed, it cannot be undone: a whole word deletes, never a number typed for something else
    typed = {texts.FORGET_TYPED_YES: yes, outgoing.ANYTHING_ELSE: no}
    outgoing.tell(session, person, now, texts.FORGET_CONFIRM_TYPED, buttons, typed=typed)


@once_per_update
def decide(rt: Runtime, session: Session, now: datetime, sender: Sender, confirmed: bool) -> None:
    person = people.person_by_telegram_id(session, sender.telegram_user_id)
    if person is None:
        say(session, sender.chat_id, now, texts.NOT_JOINED)
        return
    if not confirmed:
        say(session, sender.chat_id, now, texts.FORGET_KEPT)
        return
    project_ids = [m.project_id for m in projects.memberships_of(session, person.id, "partner")]  # type: ignore[arg-type]
    staff = {
        project_id: [p for p in projects.people_with_role(session, project_id, "facilitator") if p.id != person.id]
        for project_id in project_ids
    }
    people.erase_person(session, person, [p.chat_id for group in staff.values() for p in group], now)
    typed_choices.forget_chat(session, person.chat_id)
    audit.forget_actor(session, sender.telegram_user_id)
    for project_id in project_ids:
        audit.record(session, "erasure", now, project_id=project_id, detail="a partner left and their data was deleted")
        project = rt.settings.project(project_id)
        for facilitator in staff[project_id]:
            message = plain(texts.PARTNER_LEFT, project_name=project.name if project else project_id)
            outbox.enqueue(session, facilitator.chat_id, "sendMessage", message, now)
    say(session, sender.chat_id, now, texts.FORGOTTEN)
    log.info("a partner erased their data (%d project(s))", len(project_ids))
