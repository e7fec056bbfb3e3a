"""Projects, principals, memberships and tokens: the writes, each audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shipyard.clock import utcnow
from shipyard.errors import Conflict, InvalidInput, NotFound
from shipyard.ids import new_id
from shipyard.security.audit import SYSTEM, Actor, record
from shipyard.security.identity import Identity
from shipyard.security.models import Membership, Principal, Project, Token
from shipyard.security.roles import Role
from shipyard.security.tokens import generate_token, hash_token

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,99}$")
BOOTSTRAP_ADMIN = "admin"
LOCAL_USER = "local"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly minted token: the only moment its secret exists outside the caller."""

    id: str
    secret: str
    principal_name: str
    expires_at: datetime | None


def validate_name(kind: str, name: str) -> str:
    if not NAME_PATTERN.match(name or ""):
        raise InvalidInput(
            f"invalid {kind} name {name!r}: use 1-100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def bootstrap(session: Session, ttl: timedelta | None = None) -> IssuedToken | None:
    """Create the first admin and its token if no admin principal exists yet; else None."""
    if session.execute(select(Principal.id).where(Principal.name == BOOTSTRAP_ADMIN)).first():
        return None
    admin = Principal(id=new_id("usr"), name=BOOTSTRAP_ADMIN, kind="user", is_admin=True, created_at=utcnow())
    session.add(admin)
    session.flush()
    record(session, SYSTEM, "principal.bootstrap", object_type="principal", object_id=admin.id)
    return issue_token(session, SYSTEM, admin, name="bootstrap", ttl=ttl)


def local_identity(session: Session) -> Identity:
    """The embedded (in-process) user: a system administrator, since it owns the files."""
    principal = session.execute(select(Principal).where(Principal.name == LOCAL_USER)).scalar_one_or_none()
    if principal is None:
        principal = create_principal(session, SYSTEM, LOCAL_USER, is_admin=True)
    return Identity(
        principal_id=principal.id, name=principal.name, kind="user", is_admin=True, token_id="local"
    )


def create_principal(
    session: Session, actor: Actor, name: str, *, kind: str = "user", is_admin: bool = False
) -> Principal:
    validate_name("principal", name)
    if kind not in ("user", "service"):
        raise InvalidInput("principal kind must be 'user' or 'service'")
    if session.execute(select(Principal.id).where(Principal.name == name)).first():
        raise Conflict(f"principal {name!r} already exists")
    principal = Principal(id=new_id("usr"), name=name, kind=kind, is_admin=is_admin, created_at=utcnow())
    session.add(principal)
    session.flush()
    record(
        session,
        actor,
        "principal.create",
        object_type="principal",
        object_id=principal.id,
        detail={"name": name, "kind": kind, "is_admin": is_admin},
    )
    return principal


def get_principal(session: Session, ref: str) -> Principal:
    principal = session.execute(
        select(Principal).where(or_(Principal.name == ref, Principal.id == ref))
    ).scalar_one_or_none()
    if principal is None:
        raise NotFound(f"principal {ref!r} not found")
    return principal


def issue_token(
    session: Session,
    actor: Actor,
    principal: Principal,
    *,
    name: str = "",
    ttl: timedelta | None = None,
    project_id: str | None = None,
    role: Role | None = None,
) -> IssuedToken:
    secret = generate_token()
    expires = utcnow() + ttl if ttl else None
    token = Token(
        id=new_id("tok"),
        principal_id=principal.id,
        token_hash=hash_token(secret),
        name=name[:100],
        project_id=project_id,
        role=role.value if role else None,
        created_at=utcnow(),
        expires_at=expires,
    )
    session.add(token)
    session.flush()
    record(
        session,
        actor,
        "token.create",
        object_type="token",
        object_id=token.id,
        project_id=project_id,
        detail={"principal": principal.name, "name": token.name, "role": token.role},
    )
    return IssuedToken(id=token.id, secret=secret, principal_name=principal.name, expires_at=expires)


def list_tokens(session: Session, identity: Identity) -> list[Token]:
    query = select(Token).order_by(Token.created_at.desc())
    if not identity.is_admin:
        query = query.where(Token.principal_id == identity.principal_id)
    return list(session.execute(query).scalars())


def revoke_token(session: Session, identity: Identity, token_id: str) -> Token:
    token = session.get(Token, token_id)
    # Someone else's token is "not found" to a non-admin, like any object they cannot see.
    if token is None or (not identity.is_admin and token.principal_id != identity.principal_id):
        raise NotFound(f"token {token_id!r} not found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(session, identity.actor, "token.revoke", object_type="token", object_id=token.id)
    return token


def create_project(session: Session, identity: Identity, name: str, description: str = "") -> Project:
    """Create a project; its creator becomes its admin."""
    validate_name("project", name)
    if session.execute(select(Project.id).where(Project.name == name)).first():
        raise Conflict(f"project {name!r} already exists")
    project = Project(
        id=new_id("prj"),
        name=name,
        description=description[:2000],
        created_at=utcnow(),
        created_by=identity.principal_id,
    )
    session.add(project)
    session.flush()
    session.add(Membership(project_id=project.id, principal_id=identity.principal_id, role=Role.ADMIN.value))
    record(
        session,
        identity.actor,
        "project.create",
        object_type="project",
        object_id=project.id,
        project_id=project.id,
        detail={"name": name},
    )
    return project


def ensure_project(session: Session, identity: Identity, name: str) -> Project:
    """Get-or-create (the embedded default project and the SDK's convenience)."""
    existing = session.execute(select(Project).where(Project.name == name)).scalar_one_or_none()
    return existing if existing is not None else create_project(session, identity, name)


def set_member(session: Session, actor: Actor, project: Project, principal: Principal, role: Role) -> None:
    membership = session.execute(
        select(Membership).where(Membership.project_id == project.id, Membership.principal_id == principal.id)
    ).scalar_one_or_none()
    if membership is None:
        session.add(Membership(project_id=project.id, principal_id=principal.id, role=role.value))
    else:
        membership.role = role.value
    record(
        session,
        actor,
        "member.set",
        object_type="principal",
        object_id=principal.id,
        project_id=project.id,
        detail={"role": role.value},
    )


def remove_member(session: Session, actor: Actor, project: Project, principal: Principal) -> None:
    membership = session.execute(
        select(Membership).where(Membership.project_id == project.id, Membership.principal_id == principal.id)
    ).scalar_one_or_none()
    if membership is None:
        raise NotFound(f"{principal.name!r} is not a member of {project.name!r}")
    session.delete(membership)
    record(
        session,
        actor,
        "member.remove",
        object_type="principal",
        object_id=principal.id,
        project_id=project.id,
    )


def list_members(session: Session, project: Project) -> list[tuple[Principal, str]]:
    rows = session.execute(
        select(Principal, Membership.role)
        .join(Membership, Membership.principal_id == Principal.id)
        .where(Membership.project_id == project.id)
        .order_by(Principal.name)
    ).all()
    return [(principal, role) for principal, role in rows]


def revoke_service_tokens(session: Session, actor: Actor, purpose: str) -> int:
    """End a job's or deployment's access as soon as its work is done (least privilege)."""
    principal = session.execute(
        select(Principal).where(Principal.name == purpose, Principal.kind == "service")
    ).scalar_one_or_none()
    if principal is None:
        return 0
    now = utcnow()
    tokens = (
        session.execute(select(Token).where(Token.principal_id == principal.id, Token.revoked_at.is_(None)))
        .scalars()
        .all()
    )
    for token in tokens:
        token.revoked_at = now
        record(
            session,
            actor,
            "token.revoke",
            object_type="token",
            object_id=token.id,
            project_id=token.project_id,
            detail={"principal": purpose},
        )
    return len(tokens)


def issue_service_token(
    session: Session, actor: Actor, project: Project, purpose: str, role: Role, ttl: timedelta
) -> IssuedToken:
    """A short-lived token for a job or deployment, scoped to one project and role."""
    principal = Principal(
        id=new_id("svc"), name=f"{purpose}"[:100], kind="service", is_admin=False, created_at=utcnow()
    )
    session.add(principal)
    session.flush()
    session.add(Membership(project_id=project.id, principal_id=principal.id, role=role.value))
    return issue_token(session, actor, principal, name=purpose, ttl=ttl, project_id=project.id, role=role)
