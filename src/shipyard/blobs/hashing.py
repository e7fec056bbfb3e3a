"""BLAKE3 helpers and digest validation shared by every blob entry point.

Digests are the only names objects have, so a malformed one must be refused before it
can reach a filesystem path or an S3 key.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from blake3 import blake3

from shipyard.errors import InvalidInput, NotFound

CHUNK_SIZE = 1 << 20
"""Streaming unit: big enough for throughput, small enough to never hold a whole file."""

_DIGEST_RE = re.compile(r"[0-9a-f]{64}")


def validate_digest(digest: object) -> str:
    """Return ``digest`` if it is 64 lowercase hex chars, else raise InvalidInput."""
    if not isinstance(digest, str) or _DIGEST_RE.fullmatch(digest) is None:
        raise InvalidInput(
            f"Malformed blob digest {digest!r}: expected 64 lowercase hex characters (BLAKE3)."
        )
    return digest


def is_digest(name: str) -> bool:
    """True for a well-formed digest; used to skip foreign files when listing."""
    return _DIGEST_RE.fullmatch(name) is not None


def hash_bytes(data: bytes | bytearray | memoryview) -> str:
    """Hex BLAKE3 digest of an in-memory buffer."""
    return blake3(data).hexdigest()


def hash_file(path: str | os.PathLike[str]) -> str:
    """Hex BLAKE3 digest of a file, memory-mapped and multi-threaded for speed."""
    path = Path(path)
    try:
        return blake3(max_threads=blake3.AUTO).update_mmap(path).hexdigest()
    except FileNotFoundError as exc:
        raise NotFound(f"No such file: {path}") from exc
    except IsADirectoryError as exc:
        raise InvalidInput(f"Not a file: {path}") from exc
