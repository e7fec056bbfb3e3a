"""Deny-by-default authorization: every route declares a Guard or is refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from shipyard.errors import Forbidden
from shipyard.platform import Platform
from shipyard.security import (
    Identity,
    Permission,
    Project,
    authenticate,
    require_system_admin,
    require_user,
    resolve_project,
)

PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})


@dataclass(frozen=True, slots=True)
class Context:
    """What a route handler gets: the platform, the caller and (for project routes) the project."""

    platform: Platform
    identity: Identity
    project: Project | None

    @property
    def proj(self) -> Project:
        assert self.project is not None, "route declared no project permission"
        return self.project

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.platform.db.session() as session:
            yield session


class Guard:
    """A FastAPI dependency that authenticates the bearer token and checks one permission."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(self, request: Request) -> Context:
        platform: Platform = request.app.state.platform
        with platform.db.session() as session:
            identity = authenticate(session, _bearer(request))
            project = None
            role = self.permission.role
            if role is not None:
                project = resolve_project(session, identity, request.path_params["project"], role)
            elif self.permission is Permission.CREATE_PROJECT:
                require_user(identity)
            elif self.permission is Permission.SYSTEM_ADMIN:
                require_system_admin(identity)
        return Context(platform=platform, identity=identity, project=project)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def declared_guard(dependant: Dependant) -> Guard | None:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Guard):
            return dependency.call
        found = declared_guard(dependency)
        if found is not None:
            return found
    return None


class GuardedRoute(APIRoute):
    """An APIRoute that refuses every request when its handler declared no Guard."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self.guard = declared_guard(self.dependant)
        self.public = path in PUBLIC_PATHS

    def get_route_handler(self) -> Callable[..., Any]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Any:
            # Decided per request because FastAPI builds the handler before __init__ returns.
            # The path is checked per request too: an included router's route keeps its own
            # unprefixed path, so "/healthz" under a prefix must not count as public.
            if self.guard is None and not (self.public and _requested_path(request) in PUBLIC_PATHS):
                raise Forbidden("this route declares no permission and is refused (deny by default)")
            return await handler(request)

        return guarded


def _requested_path(request: Request) -> str:
    path: str = request.scope.get("path", "")
    root: str = request.scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
