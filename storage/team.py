"""The thread between a partner and their project's team, in order."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import TeamMessage


def add_message(
    session: Session, project_id: str, partner_id: int, text: str, now: datetime, author_id: int | None = None
) -> TeamMessage:
    """A partner's message to the team (no author), or a staff member's reply to the partner."""
    message = TeamMessage(project_id=project_id, partner_id=partner_id, author_id=author_id, text=text, sent_at=now)
    session.add(message)
    session.flush()
    return message


def get_message(session: Session, message_id: int) -> TeamMessage | None:
    return session.get(TeamMessage, message_id)


def thread(session: Session, partner_id: int, project_id: str, last: int = 10) -> list[TeamMessage]:
    """The last ``last`` messages between a partner and one project's team, oldest first."""
    query = (
        select(TeamMessage)
        .where(TeamMessage.partner_id == partner_id, TeamMessage.project_id == project_id)
        .order_by(col(TeamMessage.id).desc())
        .limit(last)
    )
    return list(reversed(session.exec(query).all()))


def messages_of(session: Session, partner_id: int) -> list[TeamMessage]:
    """Every message of a partner's threads, for /mydata."""
    query = select(TeamMessage).where(TeamMessage.partner_id == partner_id).order_by(col(TeamMessage.id))
    return list(session.exec(query).all())


def acknowledge(session: Session, message: TeamMessage, person_id: int, now: datetime) -> bool:
    """False if someone already had it."""
    if message.acknowledged_at is not None:
        return False
    message.acknowledged_at, message.acknowledged_by = now, person_id
    session.add(message)
    return True
