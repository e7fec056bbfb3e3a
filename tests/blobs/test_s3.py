"""S3Backend against an in-memory stand-in for the boto3 client (no network, no boto3)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from shipyard.blobs import BlobStore, S3Backend, hash_bytes
from shipyard.errors import CorruptObject, NotFound


class FakeClientError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


class FakeS3:
    """Just the five calls S3Backend makes, with botocore-shaped errors."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.uploads = 0

    def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        if (Bucket, Key) not in self.objects:
            raise FakeClientError("404")
        return {"ContentLength": len(self.objects[Bucket, Key])}

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        if (Bucket, Key) not in self.objects:
            raise FakeClientError("NoSuchKey")
        return {"Body": io.BytesIO(self.objects[Bucket, Key])}

    def upload_file(self, Filename: str, Bucket: str, Key: str) -> None:
        self.uploads += 1
        self.objects[Bucket, Key] = Path(Filename).read_bytes()

    def delete_object(self, Bucket: str, Key: str) -> None:
        self.objects.pop((Bucket, Key), None)

    def get_paginator(self, name: str) -> Any:
        assert name == "list_objects_v2"
        objects = self.objects

        class Paginator:
            def paginate(self, Bucket: str, Prefix: str) -> Any:
                keys = sorted(k for b, k in objects if b == Bucket and k.startswith(Prefix))
                for i in range(0, len(keys), 2):  # Tiny pages to exercise pagination.
                    yield {"Contents": [{"Key": k} for k in keys[i : i + 2]]}

        return Paginator()


@pytest.fixture
def fake() -> FakeS3:
    return FakeS3()


@pytest.fixture
def s3_store(fake: FakeS3, tmp_path: Path) -> BlobStore:
    return BlobStore(S3Backend("s3://bucket/models/", client=fake, temp_dir=tmp_path / "spool"))


def test_s3_round_trip_and_layout(s3_store: BlobStore, fake: FakeS3, tmp_path: Path) -> None:
    data = b"s3 payload"
    digest = s3_store.put_bytes(data)
    assert digest == hash_bytes(data)
    assert ("bucket", f"models/objects/{digest[:2]}/{digest[2:4]}/{digest}") in fake.objects
    assert s3_store.exists(digest)
    assert s3_store.size(digest) == len(data)
    assert s3_store.read_bytes(digest) == data
    assert s3_store.put_bytes(data) == digest
    assert fake.uploads == 1  # Idempotent: the second put does not re-upload.
    assert list((tmp_path / "spool").iterdir()) == []


def test_s3_listing_missing_and_delete(s3_store: BlobStore, fake: FakeS3) -> None:
    digests = sorted(s3_store.put_bytes(bytes([i])) for i in range(5))
    fake.objects["bucket", "models/objects/junk.txt"] = b"x"
    fake.objects["other", f"models/objects/aa/bb/{'a' * 64}"] = b"x"
    assert sorted(s3_store.iter_digests()) == digests
    missing = "1" * 64
    assert not s3_store.exists(missing)
    with pytest.raises(NotFound):
        s3_store.read_bytes(missing)
    with pytest.raises(NotFound):
        s3_store.size(missing)
    s3_store.delete(digests[0])
    with pytest.raises(NotFound):
        s3_store.delete(digests[0])


def test_s3_corruption_detected(s3_store: BlobStore, fake: FakeS3) -> None:
    digest = s3_store.put_bytes(b"original")
    key = next(k for k in fake.objects if k[1].endswith(digest))
    fake.objects[key] = b"tampered"
    with pytest.raises(CorruptObject):
        s3_store.verify(digest)
