"""Projects, members, principals, tokens and identity."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from shipyard import security
from shipyard.api import serializers
from shipyard.api.guard import GuardedRoute
from shipyard.api.routes.deps import Authenticated, Manager, ProjectCreator, Reader, SystemAdmin
from shipyard.errors import Forbidden

router = APIRouter(route_class=GuardedRoute, tags=["projects and identity"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProjectIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)


class MemberIn(Strict):
    role: str


class PrincipalIn(Strict):
    name: str = Field(min_length=1, max_length=100)
    is_admin: bool = False


class TokenIn(Strict):
    principal: str | None = Field(default=None, description="Admins may mint tokens for others.")
    name: str = Field(default="", max_length=100)
    ttl_hours: int | None = Field(default=None, ge=1, le=24 * 366)
    project: str | None = Field(default=None, description="Scope the token to one project.")
    role: str | None = Field(default=None, description="Cap the token's role in that project.")


@router.get("/whoami")
def whoami(ctx: Authenticated) -> dict[str, Any]:
    i = ctx.identity
    return {
        "principal_id": i.principal_id,
        "name": i.name,
        "kind": i.kind,
        "is_admin": i.is_admin,
        "token_id": i.token_id,
        "token_project_id": i.token_project_id,
    }


@router.get("/projects")
def list_projects(ctx: Authenticated) -> dict[str, Any]:
    with ctx.session() as session:
        items = [serializers.project(p) for p in security.visible_projects(session, ctx.identity)]
    return {"items": items, "next_offset": None}


@router.post("/projects", status_code=201)
def create_project(body: ProjectIn, ctx: ProjectCreator) -> dict[str, Any]:
    with ctx.session() as session:
        return serializers.project(
            security.create_project(session, ctx.identity, body.name, body.description)
        )


@router.get("/projects/{project}")
def get_project(project: str, ctx: Reader) -> dict[str, Any]:
    return serializers.project(ctx.proj)


@router.get("/projects/{project}/members")
def list_members(project: str, ctx: Reader) -> dict[str, Any]:
    with ctx.session() as session:
        members = security.list_members(session, ctx.proj)
    return {
        "items": [{"principal": p.name, "kind": p.kind, "role": role} for p, role in members],
        "next_offset": None,
    }


@router.put("/projects/{project}/members/{principal}")
def set_member(project: str, principal: str, body: MemberIn, ctx: Manager) -> dict[str, Any]:
    role = security.parse_role(body.role)
    with ctx.session() as session:
        target = security.get_principal(session, principal)
        security.set_member(session, ctx.identity.actor, ctx.proj, target, role)
    return {"principal": target.name, "role": role.value}


@router.delete("/projects/{project}/members/{principal}", status_code=204)
def remove_member(project: str, principal: str, ctx: Manager) -> None:
    with ctx.session() as session:
        target = security.get_principal(session, principal)
        security.remove_member(session, ctx.identity.actor, ctx.proj, target)


@router.post("/principals", status_code=201)
def create_principal(body: PrincipalIn, ctx: SystemAdmin) -> dict[str, Any]:
    with ctx.session() as session:
        p = security.create_principal(session, ctx.identity.actor, body.name, is_admin=body.is_admin)
    return {"id": p.id, "name": p.name, "kind": p.kind, "is_admin": p.is_admin}


@router.post("/tokens", status_code=201)
def create_token(body: TokenIn, ctx: Authenticated) -> dict[str, Any]:
    identity = ctx.identity
    settings = ctx.platform.settings
    ttl = timedelta(hours=body.ttl_hours or settings.token_ttl_hours)
    with ctx.session() as session:
        if body.principal and body.principal not in (identity.name, identity.principal_id):
            security.require_system_admin(identity)
        elif identity.token_project_id is not None:
            raise Forbidden("a project-scoped token cannot mint new tokens")
        owner = security.get_principal(session, body.principal or identity.principal_id)
        project_id = None
        role = security.parse_role(body.role) if body.role else None
        if body.project:
            project_id = security.resolve_project(session, identity, body.project, security.Role.VIEWER).id
        issued = security.issue_token(
            session, identity.actor, owner, name=body.name, ttl=ttl, project_id=project_id, role=role
        )
    return {
        "id": issued.id,
        "token": issued.secret,
        "principal": issued.principal_name,
        "expires_at": issued.expires_at.isoformat() if issued.expires_at else None,
    }


@router.get("/tokens")
def list_tokens(ctx: Authenticated) -> dict[str, Any]:
    with ctx.session() as session:
        return {
            "items": [serializers.token(t) for t in security.list_tokens(session, ctx.identity)],
            "next_offset": None,
        }


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(token_id: str, ctx: Authenticated) -> None:
    with ctx.session() as session:
        security.revoke_token(session, ctx.identity, token_id)
