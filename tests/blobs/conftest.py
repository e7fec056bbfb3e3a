from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from shipyard.blobs import BlobStore, LocalBackend, open_blob_store


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return open_blob_store(tmp_path / "blobs")


@pytest.fixture
def backend(store: BlobStore) -> LocalBackend:
    assert isinstance(store.backend, LocalBackend)
    return store.backend


@pytest.fixture
def corrupt(backend: LocalBackend) -> Callable[..., None]:
    """Flip one byte of a stored object in place (objects are read-only, so chmod first)."""

    def flip(digest: str, offset: int = 0) -> None:
        path = backend.object_path(digest)
        path.chmod(0o644)
        data = bytearray(path.read_bytes())
        data[offset] ^= 0xFF
        path.write_bytes(bytes(data))

    return flip
