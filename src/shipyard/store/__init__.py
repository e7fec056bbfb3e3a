"""Metadata store: SQLAlchemy 2 tables, sessions and Alembic migrations."""

from shipyard.store.base import Base, UTCDateTime
from shipyard.store.db import Database
from shipyard.store.scoped import get_in_project
from shipyard.store.upsert import get_or_create

__all__ = ["Base", "Database", "UTCDateTime", "get_in_project", "get_or_create"]
