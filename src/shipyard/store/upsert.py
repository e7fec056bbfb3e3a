"""Get-or-create that stays correct when two writers race on the same unique key."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

T = TypeVar("T")


def get_or_create(session: Session, query: Select[T], make: Callable[[], T]) -> T:
    """Return the row ``query`` finds, else insert ``make()``; a concurrent insert wins cleanly."""
    found = session.execute(query).scalar_one_or_none()
    if found is not None:
        return found
    try:
        with session.begin_nested():  # a savepoint: losing the race must not abort the caller
            row = make()
            session.add(row)
            session.flush()
        return row
    except IntegrityError:
        return session.execute(query).scalar_one()
