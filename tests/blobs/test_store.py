from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from blake3 import blake3

from shipyard.blobs import BlobStore, LocalBackend, hash_bytes, hash_file
from shipyard.blobs.hashing import CHUNK_SIZE
from shipyard.errors import CorruptObject, InvalidInput, NotFound

MISSING = "0" * 64
BAD_DIGESTS = ["", "abc", "A" * 64, "g" * 64, "0" * 63, "0" * 65, "0" * 64 + "\n", "../" + "0" * 61, None]


class ChunkCheckingReader(io.RawIOBase):
    """Source that refuses reads larger than one chunk: proves put_stream streams."""

    def __init__(self, data: bytes) -> None:
        self._src = io.BytesIO(data)
        self.max_request = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert 0 < size <= CHUNK_SIZE, f"read({size}) would load too much at once"
        self.max_request = max(self.max_request, size)
        return self._src.read(size)


def test_round_trip_bytes(store: BlobStore) -> None:
    data = b"hello shipyard"
    digest = store.put_bytes(data)
    assert digest == blake3(data).hexdigest() == hash_bytes(data)
    assert store.exists(digest)
    assert store.size(digest) == len(data)
    assert store.read_bytes(digest) == data
    with store.open(digest) as stream:
        assert stream.read() == data


def test_empty_blob(store: BlobStore) -> None:
    digest = store.put_bytes(b"")
    assert digest == blake3(b"").hexdigest()
    assert store.read_bytes(digest) == b""
    store.verify(digest)


def test_put_file_leaves_source_and_matches_hash_file(store: BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(10_000))
    digest = store.put_file(src)
    assert digest == hash_file(src)
    assert src.read_bytes() == store.read_bytes(digest)


def test_idempotent_put_and_dedup(store: BlobStore, backend: LocalBackend, tmp_path: Path) -> None:
    data = os.urandom(5000)
    first = store.put_bytes(data)
    second = store.put_bytes(data)
    src = tmp_path / "same.bin"
    src.write_bytes(data)
    third = store.put_file(src)
    other = store.put_bytes(b"different")
    assert first == second == third
    assert sorted(backend.iter_digests()) == sorted({first, other})
    assert list(backend.temp_dir.iterdir()) == []  # Temp spool files are cleaned up.


def test_objects_are_read_only_and_fanned_out(store: BlobStore, backend: LocalBackend) -> None:
    digest = store.put_bytes(b"layout")
    path = backend.object_path(digest)
    assert path == backend.root / "objects" / digest[:2] / digest[2:4] / digest
    assert path.stat().st_mode & 0o777 == 0o444


def test_streaming_larger_than_chunk(store: BlobStore) -> None:
    data = os.urandom(3 * CHUNK_SIZE + 123)
    reader = ChunkCheckingReader(data)
    digest = store.put_stream(reader)  # type: ignore[arg-type]
    assert reader.max_request == CHUNK_SIZE
    assert digest == hash_bytes(data)
    chunks = list(store.iter_chunks(digest))
    assert len(chunks) == 4
    assert all(len(c) <= CHUNK_SIZE for c in chunks)
    assert b"".join(chunks) == data
    small = list(store.iter_chunks(digest, chunk_size=1000))
    assert b"".join(small) == data


def test_corruption_detected_on_every_read_path(store: BlobStore, corrupt, tmp_path: Path) -> None:
    data = os.urandom(2 * CHUNK_SIZE + 7)
    digest = store.put_bytes(data)
    corrupt(digest, offset=CHUNK_SIZE + 3)
    with pytest.raises(CorruptObject):
        store.read_bytes(digest)
    with pytest.raises(CorruptObject):
        store.verify(digest)
    with pytest.raises(CorruptObject):
        list(store.iter_chunks(digest))
    with pytest.raises(CorruptObject), store.open(digest) as stream:
        while stream.read(4096):
            pass
    dest = tmp_path / "out" / "copy.bin"
    with pytest.raises(CorruptObject):
        store.copy_to(digest, dest)
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []  # No temp left beside the destination.


def test_truncated_object_detected(store: BlobStore, backend: LocalBackend) -> None:
    digest = store.put_bytes(b"x" * 100)
    path = backend.object_path(digest)
    path.chmod(0o644)
    path.write_bytes(b"x" * 99)
    with pytest.raises(CorruptObject):
        store.verify(digest)


def test_copy_to_atomic_and_overwrites(store: BlobStore, tmp_path: Path) -> None:
    data = os.urandom(CHUNK_SIZE + 1)
    digest = store.put_bytes(data)
    dest = tmp_path / "deep" / "dir" / "model.bin"
    store.copy_to(digest, dest)
    assert dest.read_bytes() == data
    new = store.put_bytes(b"v2")
    store.copy_to(new, dest)
    assert dest.read_bytes() == b"v2"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["model.bin"]


@pytest.mark.parametrize("bad", BAD_DIGESTS)
def test_malformed_digest_rejected(store: BlobStore, bad: str, tmp_path: Path) -> None:
    for call in (
        store.exists,
        store.size,
        store.open,
        store.read_bytes,
        store.verify,
        store.delete,
        store.get_manifest,
        lambda d: list(store.iter_chunks(d)),
        lambda d: store.copy_to(d, tmp_path / "x"),
        lambda d: store.get_tree(d, tmp_path / "tree"),
        store.backend.exists,
        store.backend.open_read,
        lambda d: store.backend.store_file(d, tmp_path / "nothing"),
    ):
        with pytest.raises(InvalidInput):
            call(bad)


def test_missing_object_not_found(store: BlobStore, tmp_path: Path) -> None:
    assert not store.exists(MISSING)
    for call in (
        store.size,
        store.open,
        store.read_bytes,
        store.verify,
        store.delete,
        lambda d: store.copy_to(d, tmp_path / "x"),
    ):
        with pytest.raises(NotFound):
            call(MISSING)
    assert not (tmp_path / "x").exists()


def test_put_file_missing_source(store: BlobStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        store.put_file(tmp_path / "nope.bin")


def test_delete(store: BlobStore) -> None:
    digest = store.put_bytes(b"bye")
    store.delete(digest)
    assert not store.exists(digest)
    with pytest.raises(NotFound):
        store.delete(digest)


def test_failed_stream_leaves_nothing(store: BlobStore, backend: LocalBackend) -> None:
    class Exploding(io.RawIOBase):
        calls = 0

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            self.calls += 1
            if self.calls > 2:
                raise OSError("network dropped")
            return b"a" * size

    with pytest.raises(OSError, match="network dropped"):
        store.put_stream(Exploding())  # type: ignore[arg-type]
    assert list(backend.iter_digests()) == []
    assert list(backend.temp_dir.iterdir()) == []
