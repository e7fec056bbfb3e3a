"""Authentication and project-level authorization decisions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shipyard.clock import utcnow
from shipyard.errors import Forbidden, NotFound, Unauthenticated
from shipyard.security.audit import Actor
from shipyard.security.models import Membership, Principal, Project, Token
from shipyard.security.roles import Role
from shipyard.security.tokens import hash_token


@dataclass(frozen=True, slots=True)
class Identity:
    """The caller behind a token, with the token's own narrowing (scoped service tokens)."""

    principal_id: str
    name: str
    kind: str
    is_admin: bool
    token_id: str
    token_project_id: str | None = None
    token_role: Role | None = None

    @property
    def actor(self) -> Actor:
        return Actor(principal_id=self.principal_id, name=self.name)


def authenticate(session: Session, raw_token: str | None) -> Identity:
    """Resolve a bearer token; expired, revoked and unknown tokens all look the same."""
    if not raw_token:
        raise Unauthenticated("missing bearer token; send 'Authorization: Bearer <token>'")
    row = session.execute(
        select(Token, Principal)
        .join(Principal, Principal.id == Token.principal_id)
        .where(Token.token_hash == hash_token(raw_token))
    ).first()
    now = utcnow()
    if row is None:
        raise Unauthenticated("invalid, expired or revoked token")
    token, principal = row
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        raise Unauthenticated("invalid, expired or revoked token")
    return Identity(
        principal_id=principal.id,
        name=principal.name,
        kind=principal.kind,
        is_admin=principal.is_admin and token.project_id is None,
        token_id=token.id,
        token_project_id=token.project_id,
        token_role=Role(token.role) if token.role else None,
    )


def resolve_project(session: Session, identity: Identity, ref: str, needed: Role) -> Project:
    """The project named or identified by ``ref`` if ``identity`` holds ``needed`` on it.

    A caller with no access at all gets NotFound, exactly as for a missing project, so
    project names never leak; a member with too small a role gets Forbidden.
    """
    project = session.execute(
        select(Project).where(or_(Project.name == ref, Project.id == ref))
    ).scalar_one_or_none()
    if project is None:
        raise NotFound(f"project {ref!r} not found")
    role = effective_role(session, identity, project.id)
    if role is None:
        raise NotFound(f"project {ref!r} not found")
    if not role.allows(needed):
        raise Forbidden(f"{needed.value} role on project {project.name!r} required; you have {role.value}")
    return project


def effective_role(session: Session, identity: Identity, project_id: str) -> Role | None:
    if identity.token_project_id is not None and identity.token_project_id != project_id:
        return None
    if identity.is_admin:
        role: Role | None = Role.ADMIN
    else:
        value = session.execute(
            select(Membership.role).where(
                Membership.project_id == project_id, Membership.principal_id == identity.principal_id
            )
        ).scalar_one_or_none()
        role = Role(value) if value else None
    if role is not None and identity.token_role is not None and identity.token_role.rank < role.rank:
        role = identity.token_role  # a scoped token never exceeds the role it was cut with
    return role


def visible_projects(session: Session, identity: Identity) -> list[Project]:
    query = select(Project).order_by(Project.name)
    if identity.token_project_id is not None:
        query = query.where(Project.id == identity.token_project_id)
    if not identity.is_admin:
        query = query.join(Membership, Membership.project_id == Project.id).where(
            Membership.principal_id == identity.principal_id
        )
    return list(session.execute(query).scalars())


def require_user(identity: Identity) -> None:
    if identity.kind != "user" or identity.token_project_id is not None:
        raise Forbidden("this action needs a user token, not a project-scoped service token")


def require_system_admin(identity: Identity) -> None:
    if not identity.is_admin:
        raise Forbidden("system administrator token required")
