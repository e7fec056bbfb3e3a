"""Local-disk backend: one read-only file per object, written atomically.

Layout under ``root``::

    objects/ab/cd/abcd...   finished objects (0o444), fanned out to keep folders small
    tmp/                    in-flight uploads; same filesystem, so rename is atomic

A crash can leave files in ``tmp/`` but never a partial object: objects only appear
through ``os.replace`` of a fully written, fsynced file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from shipyard.blobs.backend import BlobBackend
from shipyard.blobs.hashing import is_digest, validate_digest
from shipyard.errors import NotFound

_OBJECT_MODE = 0o444


def fsync_dir(path: Path) -> None:
    """Persist a directory entry change (rename, create); no-op where unsupported."""
    if os.name == "nt":  # Windows cannot open directories for fsync.
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    """Flush a closed file's data to disk before it is renamed into place."""
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


class LocalBackend(BlobBackend):
    """Objects as files under ``root``; safe against crashes and concurrent writers."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.objects_dir = self.root / "objects"
        self._temp_dir = self.root / "tmp"
        self.objects_dir.mkdir(parents=True, exist_ok=True)
        self._temp_dir.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"LocalBackend({str(self.root)!r})"

    @property
    def temp_dir(self) -> Path:
        return self._temp_dir

    def object_path(self, digest: str) -> Path:
        """Where ``digest`` lives (whether or not it exists)."""
        validate_digest(digest)
        return self.objects_dir / digest[:2] / digest[2:4] / digest

    def exists(self, digest: str) -> bool:
        return self.object_path(digest).is_file()

    def size(self, digest: str) -> int:
        try:
            return self.object_path(digest).stat().st_size
        except FileNotFoundError:
            raise NotFound(f"Blob {digest} not found.") from None

    def open_read(self, digest: str) -> BinaryIO:
        try:
            return open(self.object_path(digest), "rb")
        except FileNotFoundError:
            raise NotFound(f"Blob {digest} not found.") from None

    def store_file(self, digest: str, path: Path) -> None:
        final = self.object_path(digest)
        path = Path(path)
        if final.is_file():
            path.unlink(missing_ok=True)  # Dedup: the object is already there.
            return
        self._ensure_dir(final.parent)
        fsync_file(path)
        os.chmod(path, _OBJECT_MODE)
        try:
            os.replace(path, final)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            # Caller's file is on another filesystem: copy next to the object first.
            self._replace_via_copy(path, final)
        fsync_dir(final.parent)

    def _replace_via_copy(self, source: Path, final: Path) -> None:
        fd, tmp_name = tempfile.mkstemp(dir=self._temp_dir, prefix="xdev-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, _OBJECT_MODE)
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)

    def _ensure_dir(self, directory: Path) -> None:
        """Create fan-out folders and fsync their parents so the new entries survive a crash."""
        missing: list[Path] = []
        current = directory
        while not current.is_dir():
            missing.append(current)
            current = current.parent
        for folder in reversed(missing):
            with contextlib.suppress(FileExistsError):  # A concurrent writer made it.
                folder.mkdir()
            fsync_dir(folder.parent)

    def delete(self, digest: str) -> None:
        try:
            self.object_path(digest).unlink()
        except FileNotFoundError:
            raise NotFound(f"Blob {digest} not found.") from None

    def iter_digests(self) -> Iterator[str]:
        for first in sorted(self.objects_dir.iterdir()):
            if not first.is_dir():
                continue
            for second in sorted(first.iterdir()):
                if not second.is_dir():
                    continue
                for entry in sorted(second.iterdir()):
                    name = entry.name
                    if (
                        is_digest(name)
                        and name[:2] == first.name
                        and name[2:4] == second.name
                        and entry.is_file()
                    ):
                        yield name

    def sweep_temp(self, older_than_s: float = 3600.0) -> int:
        """Delete temp files left by crashed writers; returns how many were removed.

        The age threshold keeps uploads that are still in flight.
        """
        cutoff = time.time() - older_than_s
        removed = 0
        for entry in self._temp_dir.iterdir():
            with contextlib.suppress(FileNotFoundError):
                if entry.is_file() and entry.stat().st_mtime < cutoff:
                    entry.unlink()
                    removed += 1
        return removed
