from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from shipyard.blobs import BlobStore, Manifest, ManifestEntry, hash_bytes, verify_tree
from shipyard.errors import CorruptObject, InvalidInput

D1 = "a" * 64
D2 = "b" * 64


def make_tree(root: Path) -> dict[str, bytes]:
    files = {
        "config.json": b'{"layers": 2}',
        "weights/model.safetensors": os.urandom(3 * (1 << 20) + 5),
        "weights/empty.bin": b"",
        "tokenizer/vocab.txt": "héllo\n".encode(),
        "dup_a.txt": b"same",
        "nested/deeper/dup_b.txt": b"same",
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def test_canonical_json() -> None:
    manifest = Manifest(files=(ManifestEntry("b/x.bin", D2, 2), ManifestEntry("a.txt", D1, 1)))
    expected = (
        '{"files":[{"digest":"' + D1 + '","path":"a.txt","size":1},'
        '{"digest":"' + D2 + '","path":"b/x.bin","size":2}],"version":1}'
    ).encode()
    assert manifest.to_json() == expected
    assert Manifest.from_json(expected) == manifest
    # Input order does not matter; output is always sorted.
    reordered = Manifest(files=tuple(reversed(manifest.files)))
    assert reordered == manifest
    assert reordered.to_json() == expected
    assert manifest.total_size == 3


@pytest.mark.parametrize(
    "path",
    ["/etc/passwd", "../escape", "a/../../b", "a/./b", "a//b", "a/", "", "a\\b", "C:/x", "x\x00y", ".."],
)
def test_traversal_and_unnormalised_paths_refused(path: str) -> None:
    with pytest.raises(InvalidInput):
        ManifestEntry(path, D1, 1)
    doc = json.dumps({"version": 1, "files": [{"path": path, "digest": D1, "size": 1}]}).encode()
    with pytest.raises(InvalidInput):
        Manifest.from_json(doc)


@pytest.mark.parametrize(
    "doc",
    [
        b"not json",
        b"[]",
        b'{"version": 2, "files": []}',
        b'{"version": true, "files": []}',
        b'{"version": 1}',
        b'{"version": 1, "files": {}}',
        b'{"version": 1, "files": [], "extra": 1}',
        ('{"version":1,"files":[{"path":"a","digest":"' + D1 + '"}]}').encode(),
        ('{"version":1,"files":[{"path":"a","digest":"' + D1 + '","size":-1}]}').encode(),
        ('{"version":1,"files":[{"path":"a","digest":"' + D1 + '","size":"1"}]}').encode(),
        ('{"version":1,"files":[{"path":"a","digest":"' + D1.upper() + '","size":1}]}').encode(),
        (
            '{"version":1,"files":[{"path":"a","digest":"' + D1 + '","size":1},'
            '{"path":"a","digest":"' + D2 + '","size":1}]}'
        ).encode(),
        (
            '{"version":1,"files":[{"path":"a","digest":"' + D1 + '","size":1},'
            '{"path":"a/b","digest":"' + D2 + '","size":1}]}'
        ).encode(),
    ],
)
def test_from_json_rejects_bad_documents(doc: bytes) -> None:
    with pytest.raises(InvalidInput):
        Manifest.from_json(doc)


def test_tree_round_trip(store: BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    files = make_tree(src)
    (src / "link").symlink_to(src / "config.json")  # Symlinks are not stored.
    digest = store.put_tree(src)
    manifest = store.get_manifest(digest)
    assert store.read_bytes(digest) == manifest.to_json()
    assert digest == hash_bytes(manifest.to_json())
    assert [e.path for e in manifest.files] == sorted(files)
    assert {e.path: e.size for e in manifest.files} == {k: len(v) for k, v in files.items()}
    # dup_a and dup_b share one object; plus the manifest itself.
    assert len(list(store.iter_digests())) == len(set(files.values())) + 1

    dest = tmp_path / "dest"
    assert store.get_tree(digest, dest) == manifest
    for rel, data in files.items():
        assert (dest / rel).read_bytes() == data
    assert not (dest / "link").exists()
    verify_tree(dest, manifest)
    assert store.put_tree(dest) == digest  # Same content, same manifest digest.


def test_get_tree_refuses_corrupt_blob(store: BlobStore, corrupt, tmp_path: Path) -> None:
    src = tmp_path / "src"
    files = make_tree(src)
    digest = store.put_tree(src)
    corrupt(hash_bytes(files["config.json"]))
    with pytest.raises(CorruptObject):
        store.get_tree(digest, tmp_path / "dest")
    assert not (tmp_path / "dest" / "config.json").exists()


def test_get_tree_refuses_traversal_via_symlinked_dir(store: BlobStore, tmp_path: Path) -> None:
    payload = store.put_bytes(b"evil")
    manifest = Manifest(files=(ManifestEntry("sub/file.txt", payload, 4),))
    manifest_digest = store.put_bytes(manifest.to_json())
    dest = tmp_path / "dest"
    outside = tmp_path / "outside"
    dest.mkdir()
    outside.mkdir()
    (dest / "sub").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InvalidInput):
        store.get_tree(manifest_digest, dest)
    assert list(outside.iterdir()) == []


def test_get_tree_refuses_traversal_in_stored_manifest(store: BlobStore, tmp_path: Path) -> None:
    payload = store.put_bytes(b"evil")
    raw = json.dumps({"version": 1, "files": [{"path": "../evil.txt", "digest": payload, "size": 4}]})
    manifest_digest = store.put_bytes(raw.encode())
    with pytest.raises(InvalidInput):
        store.get_tree(manifest_digest, tmp_path / "dest")
    assert not (tmp_path / "evil.txt").exists()


def test_verify_tree_names_first_mismatch(store: BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    make_tree(src)
    manifest = store.get_manifest(store.put_tree(src))
    (src / "manifest.json").write_bytes(manifest.to_json())  # Extra files are fine.
    verify_tree(src, Manifest.from_json((src / "manifest.json").read_bytes()))

    # Same size, different content: only the hash can catch it.
    target = src / "tokenizer" / "vocab.txt"
    data = bytearray(target.read_bytes())
    data[0] ^= 1
    target.write_bytes(bytes(data))
    (src / "weights" / "model.safetensors").write_bytes(b"short")
    with pytest.raises(CorruptObject, match=r"^tokenizer/vocab\.txt"):
        verify_tree(src, manifest)


def test_verify_tree_missing_and_resized(store: BlobStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    make_tree(src)
    manifest = store.get_manifest(store.put_tree(src))
    (src / "weights" / "empty.bin").write_bytes(b"now not empty")
    with pytest.raises(CorruptObject, match=r"weights/empty\.bin.*size"):
        verify_tree(src, manifest)
    (src / "config.json").unlink()
    with pytest.raises(CorruptObject, match=r"^config\.json"):
        verify_tree(src, manifest)
