"""Metadata store: SQLAlchemy 2 tables, sessions and Alembic migrations."""

from shipyard.store.base import Base, UTCDateTime
from shipyard.store.db import Database
from shipyard.store.upsert import get_or_create

__all__ = ["Base", "Database", "UTCDateTime", "get_or_create"]
