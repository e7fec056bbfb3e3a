from __future__ import annotations

import builtins
import os
import sys
import time
from pathlib import Path

import pytest

from shipyard.blobs import BlobStore, LocalBackend, S3Backend, hash_bytes, open_blob_store
from shipyard.blobs.s3 import parse_s3_url
from shipyard.errors import InvalidInput, MissingDependency


def test_leftover_temp_is_not_an_object(tmp_path: Path) -> None:
    """Simulates a crash mid-write: a partial temp file must never count as an object."""
    backend = LocalBackend(tmp_path / "blobs")
    data = b"complete payload"
    digest = hash_bytes(data)
    leftover = backend.temp_dir / "put-crashed.tmp"
    leftover.write_bytes(data[:5])  # Partial write, then "crash".
    named_like_digest = backend.temp_dir / digest
    named_like_digest.write_bytes(data[:5])
    reopened = BlobStore(LocalBackend(tmp_path / "blobs"))
    assert list(reopened.backend.iter_digests()) == []
    assert not reopened.exists(digest)
    assert reopened.put_bytes(data) == digest
    assert reopened.read_bytes(digest) == data
    assert list(reopened.backend.iter_digests()) == [digest]


def test_sweep_temp_removes_only_old_files(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path)
    old = backend.temp_dir / "put-old.tmp"
    fresh = backend.temp_dir / "put-fresh.tmp"
    old.write_bytes(b"o")
    fresh.write_bytes(b"f")
    past = time.time() - 7200
    os.utime(old, (past, past))
    assert backend.sweep_temp(older_than_s=3600) == 1
    assert not old.exists()
    assert fresh.exists()


def test_store_file_moves_temp_and_is_idempotent(tmp_path: Path) -> None:
    backend = LocalBackend(tmp_path / "b")
    data = b"payload"
    digest = hash_bytes(data)
    first = backend.temp_dir / "one"
    first.write_bytes(data)
    backend.store_file(digest, first)
    assert not first.exists()
    assert backend.object_path(digest).read_bytes() == data
    second = backend.temp_dir / "two"
    second.write_bytes(data)
    backend.store_file(digest, second)
    assert not second.exists()  # Existing object: the duplicate temp is dropped.
    assert list(backend.iter_digests()) == [digest]


def test_iter_digests_ignores_foreign_files(tmp_path: Path) -> None:
    store = open_blob_store(tmp_path)
    digest = store.put_bytes(b"real")
    objects = tmp_path / "objects"
    (objects / "README").write_text("not an object")
    (objects / digest[:2] / digest[2:4] / "notes.txt").write_text("x")
    other2 = "00" if digest[2:4] != "00" else "11"
    other1 = "00" if digest[:2] != "00" else "11"
    wrong_second = digest[:2] + other2 + digest[4:]  # Right first folder, wrong second.
    wrong_first = other1 + digest[2:]  # Wrong first folder, right second.
    folder = objects / digest[:2] / digest[2:4]
    (folder / wrong_second).write_text("wrong folder")
    (folder / wrong_first).write_text("wrong folder")
    assert list(store.iter_digests()) == [digest]


def test_s3_missing_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        import boto3  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("boto3 is installed; the missing-dependency path cannot be exercised")
    with pytest.raises(MissingDependency, match=r"shipyard\[s3\]"):
        S3Backend("s3://bucket/prefix")


def test_s3_missing_dependency_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Also exercised where boto3 exists, by making its import fail."""
    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kwargs: object) -> object:
        if name == "boto3":
            raise ImportError("no boto3")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.delitem(sys.modules, "boto3", raising=False)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(MissingDependency):
        S3Backend("s3://bucket/prefix", endpoint_url="http://localhost:9000")


def test_import_is_cheap() -> None:
    import shipyard.blobs  # noqa: F401

    assert "boto3" not in sys.modules or pytest.skip("boto3 imported elsewhere in this process")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://bucket", ("bucket", "")),
        ("s3://bucket/", ("bucket", "")),
        ("s3://bucket/a/b/", ("bucket", "a/b")),
    ],
)
def test_parse_s3_url(url: str, expected: tuple[str, str]) -> None:
    assert parse_s3_url(url) == expected


@pytest.mark.parametrize("url", ["http://bucket/x", "s3:///nobucket", "bucket/prefix", "s3://b/p?x=1"])
def test_parse_s3_url_rejects(url: str) -> None:
    with pytest.raises(InvalidInput):
        S3Backend(url)
