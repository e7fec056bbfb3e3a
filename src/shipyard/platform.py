"""The embedded platform: settings, metadata database and blob store, opened together."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shipyard.config import Settings
from shipyard.store import Database

if TYPE_CHECKING:
    from shipyard.blobs import BlobStore


@dataclass(slots=True)
class Platform:
    settings: Settings
    db: Database
    blobs: BlobStore

    def close(self) -> None:
        self.db.dispose()


def open_platform(settings: Settings, *, migrate: bool = True) -> Platform:
    """Open state under ``settings.home``; migrations run on every start (no-op when current)."""
    from shipyard.blobs import open_blob_store

    # Owner-only: the folder holds the database, every stored byte and the admin token.
    settings.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url)
    if migrate:
        db.upgrade()
    return Platform(settings=settings, db=db, blobs=open_blob_store(settings.resolved_blob_root))
