"""The storage interface every blob backend implements (local disk, S3).

Backends only move finished bytes around; hashing, verification and spooling live in
:class:`~shipyard.blobs.store.BlobStore` so each backend stays small and the integrity
guarantees are written once.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


class BlobBackend(abc.ABC):
    """Content-addressed object storage keyed by hex BLAKE3 digest.

    Implementations validate every digest (InvalidInput) and raise NotFound for absent
    objects. They never check content against the digest: the store does.
    """

    @property
    @abc.abstractmethod
    def temp_dir(self) -> Path:
        """Local folder for spooling uploads; for local disk it shares the object filesystem."""

    @abc.abstractmethod
    def exists(self, digest: str) -> bool:
        """Whether the object is stored."""

    @abc.abstractmethod
    def size(self, digest: str) -> int:
        """Stored size in bytes."""

    @abc.abstractmethod
    def open_read(self, digest: str) -> BinaryIO:
        """A raw (unverified) binary stream of the object; the caller closes it."""

    @abc.abstractmethod
    def store_file(self, digest: str, path: Path) -> None:
        """Make the finished local file at ``path`` the object ``digest``.

        ``path`` must already hash to ``digest``. Idempotent: storing an existing object
        is a no-op. The backend may consume (move) ``path``; callers remove it afterwards
        if it still exists.
        """

    @abc.abstractmethod
    def delete(self, digest: str) -> None:
        """Remove the object; NotFound if it is absent."""

    @abc.abstractmethod
    def iter_digests(self) -> Iterator[str]:
        """Every stored digest (no temp files, no foreign keys)."""
