"""People: partners and staff, known by their Telegram user id."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storage.models import Person


def person_by_telegram_id(session: Session, telegram_user_id: int) -> Person | None:
    return session.exec(select(Person).where(Person.telegram_user_id == telegram_user_id)).first()


def get_person(session: Session, person_id: int) -> Person | None:
    return session.get(Person, person_id)


def upsert_person(session: Session, telegram_user_id: int, chat_id: int, first_name: str) -> Person:
    """Create the person on first contact; keep name and chat current; a returning
    person who had blocked the bot is reachable again."""
    person = person_by_telegram_id(session, telegram_user_id)
    if person is None:
        person = Person(telegram_user_id=telegram_user_id, chat_id=chat_id, first_name=first_name)
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
