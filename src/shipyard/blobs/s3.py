"""S3 (and S3-compatible) backend.

boto3 is an optional extra, imported only when a backend is built so that
``import shipyard.blobs`` stays cheap. S3 PUTs are atomic, so an object is either
absent or complete; the store hashes a local spool file before uploading it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlparse

from shipyard.blobs.backend import BlobBackend
from shipyard.blobs.hashing import is_digest, validate_digest
from shipyard.errors import InvalidInput, MissingDependency, NotFound

_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


def _is_missing(exc: Exception) -> bool:
    """Recognise botocore's 'not found' ClientError without importing botocore."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    return str(response.get("Error", {}).get("Code")) in _MISSING_CODES


def parse_s3_url(url: str) -> tuple[str, str]:
    """Split ``s3://bucket/prefix`` into bucket and prefix (no slashes at the ends)."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc or parsed.query or parsed.fragment:
        raise InvalidInput(f"Expected an s3://bucket/prefix URL, got {url!r}.")
    return parsed.netloc, parsed.path.strip("/")


class S3Backend(BlobBackend):
    """Objects at ``<prefix>/objects/ab/cd/<digest>`` in one bucket."""

    def __init__(
        self,
        url: str,
        endpoint_url: str | None = None,
        *,
        temp_dir: Path | None = None,
        client: Any | None = None,
    ) -> None:
        self.bucket, self.prefix = parse_s3_url(url)
        if client is None:
            try:
                import boto3
            except ImportError:
                raise MissingDependency("S3 blob storage needs boto3: pip install 'shipyard[s3]'") from None
            client = boto3.client("s3", endpoint_url=endpoint_url)
        self._client = client
        self._temp_dir = Path(temp_dir) if temp_dir is not None else Path(tempfile.gettempdir())

    def __repr__(self) -> str:
        return f"S3Backend('s3://{self.bucket}/{self.prefix}')"

    @property
    def temp_dir(self) -> Path:
        return self._temp_dir

    @property
    def _objects_prefix(self) -> str:
        return f"{self.prefix}/objects/" if self.prefix else "objects/"

    def key(self, digest: str) -> str:
        """The S3 key of ``digest``."""
        validate_digest(digest)
        return f"{self._objects_prefix}{digest[:2]}/{digest[2:4]}/{digest}"

    def _head(self, digest: str) -> dict[str, Any] | None:
        try:
            return self._client.head_object(Bucket=self.bucket, Key=self.key(digest))
        except Exception as exc:
            if _is_missing(exc):
                return None
            raise

    def exists(self, digest: str) -> bool:
        return self._head(digest) is not None

    def size(self, digest: str) -> int:
        head = self._head(digest)
        if head is None:
            raise NotFound(f"Blob {digest} not found in s3://{self.bucket}/{self.prefix}.")
        return int(head["ContentLength"])

    def open_read(self, digest: str) -> BinaryIO:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self.key(digest))
        except Exception as exc:
            if _is_missing(exc):
                raise NotFound(f"Blob {digest} not found in s3://{self.bucket}/{self.prefix}.") from None
            raise
        return response["Body"]

    def store_file(self, digest: str, path: Path) -> None:
        if self.exists(digest):
            return
        self._client.upload_file(str(path), self.bucket, self.key(digest))

    def delete(self, digest: str) -> None:
        if not self.exists(digest):  # S3 deletes silently; keep NotFound semantics.
            raise NotFound(f"Blob {digest} not found in s3://{self.bucket}/{self.prefix}.")
        self._client.delete_object(Bucket=self.bucket, Key=self.key(digest))

    def iter_digests(self) -> Iterator[str]:
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._objects_prefix):
            for item in page.get("Contents", []):
                name = item["Key"].rsplit("/", 1)[-1]
                if is_digest(name) and item["Key"] == self.key(name):
                    yield name
