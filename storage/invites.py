"""Invite codes behind t.me deep links."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import Invite


def create_invite(
    session: Session, project_id: str, role: str, now: datetime, valid_for: timedelta, uses: int = 1
) -> Invite:
    """A random, unguessable code (72 bits), usable in a /start payload."""
    invite = Invite(
        code=secrets.token_urlsafe(9), project_id=project_id, role=role, uses_left=uses, expires_at=now + valid_for
    )
    session.add(invite)
    session.flush()
    return invite


def valid_invite(session: Session, code: str, now: datetime) -> Invite | None:
    """The invite behind ``code`` if it can still be used, without using it: a partner's
    invite is used up only when they consent (:func:`redeem_invite`)."""
    if not code:
        return None
    invite = session.get(Invite, code)
    if invite is None or invite.uses_left <= 0 or invite.expires_at <= now:
        return None
    return invite


def redeem_invite(session: Session, code: str, now: datetime) -> Invite | None:
    """Use up one use of a valid code.  None for wrong, used or expired codes,
    which callers must not tell apart to the person (it would leak what exists)."""
    if not code:
        return None
    # one statement decides: two people using a single-use link at once cannot both get in
    used = session.execute(
        update(Invite)
        .where(col(Invite.code) == code, col(Invite.uses_left) > 0, col(Invite.expires_at) > now)
        .values(uses_left=col(Invite.uses_left) - 1)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(Invite, code, populate_existing=True)


def open_invites(session: Session, project_id: str, now: datetime) -> int:
    """How many invites of a project can still be used."""
    return len(
        session.exec(
            select(Invite.code).where(Invite.project_id == project_id, Invite.uses_left > 0, Invite.expires_at > now)
        ).all()
    )
