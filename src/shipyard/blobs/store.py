"""BlobStore: hashing, verification and spooling on top of any BlobBackend.

Writes are hash-while-spooling to a local temp file, so the digest is known before the
backend sees anything and memory stays bounded. Reads re-hash as they stream, so bit rot
or tampering in the backend surfaces as CorruptObject instead of silently wrong bytes.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from blake3 import blake3

from shipyard.blobs.backend import BlobBackend
from shipyard.blobs.hashing import CHUNK_SIZE, hash_file, validate_digest
from shipyard.blobs.local import fsync_dir
from shipyard.blobs.manifest import Manifest, ManifestEntry, iter_tree_files, validate_relpath
from shipyard.errors import CorruptObject, InvalidInput, NotFound

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

TREE_WORKERS = 16


class VerifyingReader(io.RawIOBase):
    """Read-only stream that hashes what passes through and checks it at EOF.

    Verification happens when EOF is observed (a read returning ``b""``), so consumers
    that need the guarantee must read to the end; ``read()``/``readall()`` always do.
    """

    def __init__(self, raw: BinaryIO, digest: str) -> None:
        super().__init__()
        self._raw = raw
        self._digest = digest
        self._hasher = blake3()
        self._bytes_read = 0
        self._verified: bool | None = None

    @property
    def digest(self) -> str:
        return self._digest

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        if self.closed:
            raise ValueError("I/O operation on closed blob stream.")
        if size == 0:
            return b""
        chunk = self._raw.read(size)
        if not chunk:
            self._check()
            return b""
        self._hasher.update(chunk)
        self._bytes_read += len(chunk)
        return chunk

    def readall(self) -> bytes:
        parts: list[bytes] = []
        while chunk := self.read(CHUNK_SIZE):
            parts.append(chunk)
        return b"".join(parts)

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        chunk = self.read(len(view))
        view[: len(chunk)] = chunk
        return len(chunk)

    def _check(self) -> None:
        if self._verified is None:
            self._verified = self._hasher.hexdigest() == self._digest
        if not self._verified:
            raise CorruptObject(
                f"Blob {self._digest} failed verification: {self._bytes_read} bytes read hash to "
                f"{self._hasher.hexdigest()}. Restore it from a replica or re-upload the source.",
                digest=self._digest,
            )

    def close(self) -> None:
        if not self.closed:
            try:
                self._raw.close()
            finally:
                super().close()


def _atomic_write_path(dest: Path) -> tuple[int, Path]:
    """A temp file beside ``dest`` so the final rename stays on one filesystem."""
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    return fd, Path(name)


class BlobStore:
    """Content-addressed storage with end-to-end BLAKE3 integrity."""

    def __init__(self, backend: BlobBackend) -> None:
        self.backend = backend

    def __repr__(self) -> str:
        return f"BlobStore({self.backend!r})"

    # -- writing -------------------------------------------------------------------

    def put_stream(self, reader: BinaryIO) -> str:
        """Store everything ``reader`` yields; returns its digest. Memory use is one chunk."""
        temp_dir = self.backend.temp_dir
        temp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=temp_dir, prefix="put-", suffix=".tmp")
        tmp = Path(name)
        try:
            hasher = blake3()
            with os.fdopen(fd, "wb") as out:
                while chunk := reader.read(CHUNK_SIZE):
                    hasher.update(chunk)
                    out.write(chunk)
            digest = hasher.hexdigest()
            self.backend.store_file(digest, tmp)
            return digest
        finally:
            tmp.unlink(missing_ok=True)

    def put_bytes(self, data: bytes | bytearray | memoryview) -> str:
        """Store an in-memory buffer."""
        return self.put_stream(io.BytesIO(bytes(data)))

    def put_file(self, path: Path) -> str:
        """Store a local file (left untouched); skips the copy if its content is already stored."""
        path = Path(path)
        digest = hash_file(path)
        if self.backend.exists(digest):
            return digest
        with open(path, "rb") as src:
            return self.put_stream(src)

    # -- reading -------------------------------------------------------------------

    def exists(self, digest: str) -> bool:
        return self.backend.exists(validate_digest(digest))

    def size(self, digest: str) -> int:
        return self.backend.size(validate_digest(digest))

    def open(self, digest: str) -> VerifyingReader:
        """A verifying stream (also a context manager); CorruptObject at EOF on mismatch."""
        return VerifyingReader(self.backend.open_read(validate_digest(digest)), digest)

    def iter_chunks(self, digest: str, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """Yield the object in chunks; the final step raises CorruptObject on mismatch.

        Earlier chunks are already yielded by then, so consumers must treat output as
        provisional until the iterator finishes.
        """
        if chunk_size <= 0:
            raise InvalidInput(f"chunk_size must be positive, got {chunk_size}.")
        with self.open(digest) as stream:
            while chunk := stream.read(chunk_size):
                yield chunk

    def read_bytes(self, digest: str) -> bytes:
        """Whole object in memory, returned only after verification."""
        with self.open(digest) as stream:
            return stream.read()

    def verify(self, digest: str) -> None:
        """Re-hash the stored object; raises CorruptObject (or NotFound)."""
        for _ in self.iter_chunks(digest):
            pass

    def copy_to(self, digest: str, dest_path: Path) -> None:
        """Materialise the object at ``dest_path`` atomically, verified before it appears."""
        dest = Path(dest_path)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _atomic_write_path(dest)
        try:
            with os.fdopen(fd, "wb") as out, self.open(digest) as src:
                while chunk := src.read(CHUNK_SIZE):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
        fsync_dir(dest.parent)

    def delete(self, digest: str) -> None:
        self.backend.delete(validate_digest(digest))

    def iter_digests(self) -> Iterator[str]:
        return self.backend.iter_digests()

    # -- trees ---------------------------------------------------------------------

    def put_tree(self, directory: Path) -> str:
        """Store every regular file under ``directory`` plus its manifest; returns the manifest digest."""
        directory = Path(directory)
        if not directory.is_dir():
            raise NotFound(f"Directory {directory} does not exist.")
        files = list(iter_tree_files(directory))
        for relpath, _ in files:
            validate_relpath(relpath)

        def put(item: tuple[str, Path]) -> ManifestEntry:
            relpath, path = item
            digest = self.put_file(path)
            return ManifestEntry(path=relpath, digest=digest, size=self.backend.size(digest))

        # Each new object waits on its own fsyncs; overlapping them lets the filesystem
        # commit many in one journal flush (several times faster for folders of small files).
        with ThreadPoolExecutor(max_workers=TREE_WORKERS) as pool:
            entries = list(pool.map(put, files))
        return self.put_bytes(Manifest(files=tuple(entries)).to_json())

    def get_manifest(self, digest: str) -> Manifest:
        """Load and validate a manifest blob."""
        return Manifest.from_json(self.read_bytes(digest))

    def get_tree(self, manifest_digest: str, dest: Path) -> Manifest:
        """Write every file of a stored tree under ``dest``, each verified; returns the manifest.

        Files not in the manifest are left alone; listed ones are replaced atomically.
        """
        manifest = self.get_manifest(manifest_digest)
        dest = Path(dest)
        dest.mkdir(parents=True, exist_ok=True)
        root = dest.resolve()
        for entry in manifest.files:
            target = dest.joinpath(*entry.path.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            # Paths are validated already; this also catches symlinked folders inside dest.
            if not target.parent.resolve().is_relative_to(root):
                raise InvalidInput(f"Manifest path {entry.path!r} escapes {dest}.")
            self.copy_to(entry.digest, target)
            if target.stat().st_size != entry.size:
                raise CorruptObject(
                    f"{entry.path}: blob {entry.digest} has {target.stat().st_size} bytes, "
                    f"manifest says {entry.size}.",
                    path=entry.path,
                )
        return manifest
