"""Metadata store: SQLAlchemy 2 tables, sessions and Alembic migrations."""

from shipyard.store.base import Base, UTCDateTime
from shipyard.store.db import Database

__all__ = ["Base", "Database", "UTCDateTime"]
