"""Project-scoped lookups: the one place that decides an object is "not found" for a caller."""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from shipyard.errors import NotFound


class ProjectOwned(Protocol):
    project_id: str


T = TypeVar("T", bound=ProjectOwned)


def get_in_project(session: Session, model: type[T], object_id: str, project_id: str, label: str) -> T:
    """The object if it belongs to ``project_id``; another project's object reads as missing."""
    found = session.get(model, object_id)
    if found is None or found.project_id != project_id:
        raise NotFound(f"{label} {object_id!r} not found")
    return found
