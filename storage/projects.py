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


def ensure_membership(
    session: Session, person_id: int, project_id: str, role: str, status: str, invite_code: str | None = None
) -> Membership:
    membership = membership_of(session, person_id, project_id, role)
    if membership is None:
        membership = Membership(
            person_id=person_id, project_id=project_id, role=role, status=status, invite_code=invite_code
        )
        session.add(membership)
    else:
        membership.status, membership.invite_code = status, invite_code
    session.flush()
    return membership


def membership_of(session: Session, person_id: int, project_id: str, role: str) -> Membership | None:
    return session.exec(
        select(Membership).where(
            Membership.person_id == person_id, Membership.project_id == project_id, Membership.role == role
        )
    ).first()


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


def home_timezone(session: Session, person_id: int) -> str:
    """The time zone of a partner's first project, for one who has not set their own."""
    zone = session.exec(
        select(Project.timezone)
        .join(Membership, col(Membership.project_id) == Project.id)
        .where(Membership.person_id == person_id, Membership.role == "partner")
        .order_by(col(Membership.id))
        .limit(1)
    ).first()
    return zone or "UTC"
