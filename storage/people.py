"""People: partners and staff, known by their Telegram user id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from storage.models import (
    Answer,
    Checkin,
    ConsentRecord,
    Flag,
    FlagEvent,
    Idea,
    Membership,
    OutboxMessage,
    Person,
    TeamMessage,
)
from storage.queued import show_written


@dataclass(slots=True)
class PartnerRow:
    """A partner as every message of theirs needs them, in plain values: through the
    ORM, reading the partner and their check-in was a fifth of a message's CPU.
    Everything else reads :class:`~storage.models.Person`
    (see storage/checkins.partner_checkin_and_prompt)."""

    id: int
    chat_id: int
    first_name: str
    language: str
    timezone: str | None
    consent_version: str | None
    preferred_days: list[str] | None
    preferred_window: str | None
    quiet_hours: str | None
    access_needs: list[str] | None


def person_by_telegram_id(session: Session, telegram_user_id: int) -> Person | None:
    return session.exec(select(Person).where(Person.telegram_user_id == telegram_user_id)).first()


def get_person(session: Session, person_id: int) -> Person | None:
    return session.get(Person, person_id)


def save_profile(session: Session, person: Person | PartnerRow, changes: dict[str, Any]) -> None:
    """Store changed contact preferences (columns of :class:`Person`); the object in
    hand, an ORM person or a plain row, shows them at once."""
    session.execute(update(Person).where(col(Person.id) == person.id).values(**changes))
    show_written(person, changes)


def persons_by_id(session: Session, person_ids: Iterable[int]) -> dict[int, Person]:
    """Several people in one query (a scheduler batch)."""
    ids = list(person_ids)
    if not ids:
        return {}
    return {person.id: person for person in session.exec(select(Person).where(col(Person.id).in_(ids)))}  # type: ignore[misc]


def upsert_person(
    session: Session, telegram_user_id: int, chat_id: int, first_name: str, language: str | None = None
) -> Person:
    """Create the person on first contact (in ``language`` if given, else English); keep name
    and chat current; a returning person who had blocked the bot is reachable again."""
    person = person_by_telegram_id(session, telegram_user_id)
    if person is None:
        person = Person(telegram_user_id=telegram_user_id, chat_id=chat_id, first_name=first_name)
        if language is not None:
            person.language = language
        session.add(person)
    else:
        person.chat_id, person.first_name, person.status = chat_id, first_name, "active"
    session.flush()
    return person


def record_consent(session: Session, person: Person, version: str, at: datetime) -> None:
    person.consent_version, person.consented_at = version, at


def forget_person(session: Session, person: Person) -> None:
    """Delete the person; their memberships, check-ins and linked answers cascade."""
    session.delete(person)
    session.flush()


def mark_unreachable_by_chat(session: Session, chat_id: int) -> None:
    """Telegram said this chat blocked the bot or is gone: stop sending to it."""
    for person in session.exec(select(Person).where(Person.chat_id == chat_id)):
        person.status = "unreachable"


def record_consent_decision(
    session: Session, person_id: int | None, project_id: str | None, version: str, decision: str, at: datetime
) -> None:
    """Every decision is kept; a refusal keeps no person (``person_id`` None)."""
    session.add(ConsentRecord(person_id=person_id, project_id=project_id, version=version, decision=decision, at=at))


def consents_of(session: Session, person_id: int) -> list[ConsentRecord]:
    return list(
        session.exec(select(ConsentRecord).where(ConsentRecord.person_id == person_id).order_by(col(ConsentRecord.id)))
    )


def partners_of_projects(session: Session, project_ids: list[str]) -> list[tuple[Person, Membership]]:
    """Partners of these projects with their membership, by project then name."""
    return list(
        session.exec(
            select(Person, Membership)
            .join(Membership, col(Membership.person_id) == Person.id)
            .where(col(Membership.project_id).in_(project_ids), Membership.role == "partner")
            .order_by(col(Membership.project_id), col(Person.first_name), col(Person.id))
        )
    )


def last_answered(session: Session, person_id: int, project_id: str) -> datetime | None:
    """When the partner last answered anything in the project (named answers only)."""
    return session.exec(
        select(func.max(Answer.answered_at)).where(Answer.person_id == person_id, Answer.project_id == project_id)
    ).first()


@dataclass
class PersonalData:
    """Every row that is about one person, for /mydata."""

    memberships: list[Membership]
    consents: list[ConsentRecord]
    checkins: list[Checkin]
    answers: list[Answer]
    flags: list[Flag]
    flag_events: list[FlagEvent]
    ideas: list[Idea]
    team_messages: list[TeamMessage]


def personal_data(session: Session, person_id: int) -> PersonalData:
    flag_rows = list(session.exec(select(Flag).where(Flag.person_id == person_id).order_by(col(Flag.id))))
    flag_ids = [flag.id for flag in flag_rows]
    return PersonalData(
        memberships=list(
            session.exec(select(Membership).where(Membership.person_id == person_id).order_by(col(Membership.id)))
        ),
        consents=consents_of(session, person_id),
        checkins=list(session.exec(select(Checkin).where(Checkin.person_id == person_id).order_by(col(Checkin.id)))),
        answers=list(session.exec(select(Answer).where(Answer.person_id == person_id).order_by(col(Answer.id)))),
        flags=flag_rows,
        flag_events=list(
            session.exec(select(FlagEvent).where(col(FlagEvent.flag_id).in_(flag_ids)).order_by(col(FlagEvent.id)))
        ),
        ideas=list(session.exec(select(Idea).where(Idea.person_id == person_id).order_by(col(Idea.id)))),
        team_messages=list(
            session.exec(select(TeamMessage).where(TeamMessage.partner_id == person_id).order_by(col(TeamMessage.id)))
        ),
    )


FLAG_OPEN = ("open", "acknowledged")


def erase_person(session: Session, person: Person, staff_chats: list[int], now: datetime) -> None:
    """Delete a partner and everything personal: memberships, consents, check-ins,
    named answers and ideas cascade with the person row.  Their flags stay for the
    project's records but lose the link and the partner's words: open ones close
    as "partner left".  Messages to them, and already-sent alerts about them in
    ``staff_chats``, are dropped from the outbox."""
    for flag in list(session.exec(select(Flag).where(Flag.person_id == person.id))):
        if flag.status in FLAG_OPEN:
            flag.status, flag.closed_at = "closed", now
            session.add(FlagEvent(flag_id=flag.id, action="closed", note="partner left", at=now))  # type: ignore[arg-type]
        flag.person_id, flag.note, flag.updated_at = None, "", now
        session.execute(
            update(FlagEvent)
            .where(col(FlagEvent.flag_id) == flag.id, col(FlagEvent.action).in_(("opened", "evidence")))
            .values(note="")
        )
    session.execute(delete(OutboxMessage).where(col(OutboxMessage.chat_id) == person.chat_id))
    if staff_chats:
        session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.chat_id).in_(staff_chats),
                col(OutboxMessage.status).in_(("sent", "failed", "uncertain")),
            )
            .values(payload={})
        )
    session.delete(person)
    session.flush()
