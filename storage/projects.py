"""Projects and the staff roles the config declares."""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage.models import Membership, Person, Project
from storage.upsert import upsert


def sync_project(session: Session, project_id: str, name: str, timezone: str) -> None:
    """Make the project row match the config (safe when two processes start at once)."""
    upsert(session, Project, ["id"], {"id": project_id, "name": name, "timezone": timezone}, ["name", "timezone"])
    session.expire_all()  # a Project loaded earlier in this session must show the new values


def get_project(session: Session, project_id: str) -> Project | None:
    return session.get(Project, project_id)


def ensure_membership(session: Session, person_id: int, project_id: str, role: str, status: str) -> Membership:
    membership = session.exec(
        select(Membership).where(
            Membership.person_id == person_id, Membership.project_id == project_id, Membership.role == role
        )
    ).first()
    if membership is None:
        membership = Membership(person_id=person_id, project_id=project_id, role=role, status=status)
        session.add(membership)
    else:
        membership.status = status
    session.flush()
    return membership


def memberships_of(session: Session, person_id: int, role: str | None = None) -> list[Membership]:
    query = select(Membership).where(Membership.person_id == person_id)
    if role is not None:
        query = query.where(Membership.role == role)
    return list(session.exec(query.order_by(col(Membership.id))))


def people_with_role(session: Session, project_id: str, role: str) -> list[Person]:
    """Active members of a project in a role, e.g. its facilitators."""
    query = (
        select(Person)
        .join(Membership, col(Membership.person_id) == Person.id)
        .where(Membership.project_id == project_id, Membership.role == role, Membership.status == "active")
        .order_by(col(Person.id))
    )
    return list(session.exec(query))


def roles_of(session: Session, person_id: int) -> set[str]:
    """The roles a person has in any project (not counting ones they left)."""
    return {m.role for m in memberships_of(session, person_id) if m.status != "left"}


STAFF_ROLES = ("facilitator", "coordinator")


def is_staff_only(session: Session, person_id: int) -> bool:
    """Staff somewhere and a partner nowhere: their messages are not a partner's."""
    roles = roles_of(session, person_id)
    return bool(roles) and roles <= set(STAFF_ROLES)
