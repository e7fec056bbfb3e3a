"""Content-addressed blob storage (BLAKE3), local or S3, with verified reads and trees.

Importing this package is cheap: boto3 loads only when an S3Backend is built.
"""

from __future__ import annotations

from pathlib import Path

from shipyard.blobs.backend import BlobBackend
from shipyard.blobs.hashing import hash_bytes, hash_file
from shipyard.blobs.local import LocalBackend
from shipyard.blobs.manifest import Manifest, ManifestEntry, validate_relpath, verify_tree
from shipyard.blobs.s3 import S3Backend
from shipyard.blobs.store import BlobStore

__all__ = [
    "BlobBackend",
    "BlobStore",
    "LocalBackend",
    "Manifest",
    "ManifestEntry",
    "S3Backend",
    "hash_bytes",
    "hash_file",
    "open_blob_store",
    "validate_relpath",
    "verify_tree",
]


def open_blob_store(root: Path) -> BlobStore:
    """A BlobStore on local disk at ``root`` (created if needed)."""
    return BlobStore(LocalBackend(Path(root)))
