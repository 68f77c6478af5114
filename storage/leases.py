"""Leases: a job one process at a time does, handed over when its holder dies."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from storage.models import Lease
from storage.upsert import upsert


def hold(session: Session, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease ``name`` for ``holder`` until ``now + ttl``.  False
    while another holder's lease is still running.  Safe when processes race: the
    guarded UPDATE and the insert that does nothing on conflict cannot both win."""
    renewed = session.execute(
        update(Lease)
        .where(col(Lease.name) == name, or_(col(Lease.holder) == holder, col(Lease.expires_at) < now))
        .values(holder=holder, expires_at=now + ttl),
        execution_options={"synchronize_session": False},
    )
    if renewed.rowcount:  # type: ignore[attr-defined]
        return True
    upsert(session, Lease, ["name"], {"name": name, "holder": holder, "expires_at": now + ttl}, update=[])
    return session.exec(select(Lease.holder).where(col(Lease.name) == name)).one() == holder


def release(session: Session, name: str, holder: str) -> None:
    """Give the lease up at a clean stop, so another process need not wait it out."""
    session.execute(delete(Lease).where(col(Lease.name) == name, col(Lease.holder) == holder))
