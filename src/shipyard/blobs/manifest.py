"""Tree manifests: which relative path holds which blob.

The canonical JSON encoding matters: a manifest is itself stored as a blob, so the same
tree must always serialise to the same bytes (and digest), and the model server checks
``manifest.json`` files written in this exact format.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from shipyard.blobs.hashing import hash_file, validate_digest
from shipyard.errors import CorruptObject, InvalidInput

MANIFEST_VERSION = 1


def validate_relpath(path: object) -> str:
    """Refuse anything that could escape the tree root or is not in normal form."""
    if not isinstance(path, str) or not path:
        raise InvalidInput(f"Manifest path must be a non-empty string, got {path!r}.")
    if "\\" in path or "\x00" in path:
        raise InvalidInput(f"Manifest path {path!r} contains a backslash or NUL.")
    if path.startswith("/") or PurePosixPath(path).is_absolute() or (len(path) > 1 and path[1] == ":"):
        raise InvalidInput(
            f"Manifest path {path!r} is absolute and escapes the tree; paths must be relative."
        )
    parts = path.split("/")
    if ".." in parts:
        raise InvalidInput(f"Manifest path {path!r} escapes the tree through a '..' component.")
    if any(part in ("", ".") for part in parts):
        raise InvalidInput(f"Manifest path {path!r} has an empty or '.' component.")
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"Manifest path {path!r} is not valid UTF-8.") from None
    return path


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One regular file of a tree."""

    path: str
    digest: str
    size: int

    def __post_init__(self) -> None:
        validate_relpath(self.path)
        validate_digest(self.digest)
        if type(self.size) is not int or self.size < 0:
            raise InvalidInput(f"Manifest size for {self.path!r} must be a non-negative int.")


@dataclass(frozen=True, slots=True)
class Manifest:
    """A whole tree; entries are kept sorted by path so equal trees compare equal."""

    files: tuple[ManifestEntry, ...] = field(default=())

    def __post_init__(self) -> None:
        files = tuple(sorted(self.files, key=lambda entry: entry.path))
        seen: set[str] = set()
        for entry in files:
            if not isinstance(entry, ManifestEntry):
                raise InvalidInput(f"Manifest files must be ManifestEntry, got {type(entry).__name__}.")
            if entry.path in seen:
                raise InvalidInput(f"Manifest lists {entry.path!r} twice.")
            seen.add(entry.path)
        for entry in files:  # 'a' and 'a/b' cannot both be files.
            parts = entry.path.split("/")
            for depth in range(1, len(parts)):
                if "/".join(parts[:depth]) in seen:
                    raise InvalidInput(f"Manifest path {entry.path!r} sits under a file.")
        object.__setattr__(self, "files", files)

    @property
    def total_size(self) -> int:
        return sum(entry.size for entry in self.files)

    def to_json(self) -> bytes:
        """Canonical bytes: sorted paths, sorted keys, compact separators, UTF-8."""
        doc = {
            "version": MANIFEST_VERSION,
            "files": [{"path": e.path, "digest": e.digest, "size": e.size} for e in self.files],
        }
        return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """Parse and validate; any structural problem is InvalidInput."""
        try:
            doc: Any = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"Manifest is not valid JSON: {exc}") from None
        if not isinstance(doc, dict) or set(doc) != {"version", "files"}:
            raise InvalidInput("Manifest must be an object with exactly 'version' and 'files'.")
        if doc["version"] != MANIFEST_VERSION or type(doc["version"]) is not int:
            raise InvalidInput(f"Unsupported manifest version {doc['version']!r}; expected 1.")
        if not isinstance(doc["files"], list):
            raise InvalidInput("Manifest 'files' must be a list.")
        entries = []
        for item in doc["files"]:
            if not isinstance(item, dict) or set(item) != {"path", "digest", "size"}:
                raise InvalidInput("Each manifest file must have exactly 'path', 'digest' and 'size'.")
            entries.append(ManifestEntry(path=item["path"], digest=item["digest"], size=item["size"]))
        return cls(files=tuple(entries))


def iter_tree_files(directory: Path) -> list[tuple[str, Path]]:
    """Regular files under ``directory`` as (posix relpath, path), sorted.

    Symlinks and special files are skipped: a manifest describes bytes owned by the
    tree, and following links could pull in files from elsewhere.
    """
    directory = Path(directory)
    found: list[tuple[str, Path]] = []
    for current, dirnames, filenames in os.walk(directory, followlinks=False):
        dirnames.sort()
        base = Path(current)
        for name in filenames:
            path = base / name
            if path.is_symlink() or not path.is_file():
                continue
            found.append((path.relative_to(directory).as_posix(), path))
    found.sort()
    return found


def verify_tree(directory: Path, manifest: Manifest) -> None:
    """Check files on disk against ``manifest``; CorruptObject names the first bad file.

    Extra files (such as ``manifest.json`` itself) are allowed; missing, resized or
    modified files are not.
    """
    directory = Path(directory)
    for entry in manifest.files:
        path = directory / entry.path
        if path.is_symlink() or not path.is_file():
            raise CorruptObject(
                f"{entry.path}: missing or not a regular file in {directory}.", path=entry.path
            )
        actual_size = path.stat().st_size
        if actual_size != entry.size:
            raise CorruptObject(
                f"{entry.path}: size {actual_size} != manifest size {entry.size}.", path=entry.path
            )
        actual = hash_file(path)
        if actual != entry.digest:
            raise CorruptObject(
                f"{entry.path}: BLAKE3 {actual} != manifest digest {entry.digest}.", path=entry.path
            )
