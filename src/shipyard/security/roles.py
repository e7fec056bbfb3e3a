"""Per-project roles and the permission each route declares."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank


_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3}


class Permission(StrEnum):
    """What a route needs. ``READ``/``WRITE``/``MANAGE`` are checked against the project role."""

    AUTHENTICATED = "authenticated"  # any valid token (whoami, list own projects)
    CREATE_PROJECT = "create-project"  # user principals, not scoped service tokens
    READ = "project:read"
    WRITE = "project:write"
    MANAGE = "project:manage"
    SYSTEM_ADMIN = "system:admin"

    @property
    def role(self) -> Role | None:
        return {
            Permission.READ: Role.VIEWER,
            Permission.WRITE: Role.EDITOR,
            Permission.MANAGE: Role.ADMIN,
        }.get(self)


def parse_role(value: str) -> Role:
    from shipyard.errors import InvalidInput

    try:
        return Role(value)
    except ValueError:
        raise InvalidInput(f"unknown role {value!r}; use one of viewer, editor, admin") from None
