"""The audit log: what staff and the system did with people's data.  Never partner text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import AuditEvent


def record(
    session: Session,
    action: str,
    now: datetime,
    *,
    actor: int | None = None,
    project_id: str | None = None,
    detail: str = "",
) -> None:
    session.add(AuditEvent(at=now, action=action, actor_telegram_id=actor, project_id=project_id, detail=detail))


def events_since(session: Session, since: datetime | None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(col(AuditEvent.at), col(AuditEvent.id))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    return list(session.exec(query))


def forget_actor(session: Session, telegram_user_id: int) -> None:
    """A partner who left is no longer named in the log; what happened stays."""
    session.execute(
        update(AuditEvent).where(col(AuditEvent.actor_telegram_id) == telegram_user_id).values(actor_telegram_id=None)
    )
