"""Streaming request bodies to temporary files, so uploads never sit whole in memory."""

from __future__ import annotations

import tarfile
from pathlib import Path

from fastapi import Request

from shipyard.errors import BadRequest, InvalidInput


async def spool_body(request: Request, directory: Path, name: str = "upload") -> Path:
    """Write the request body to ``directory/name``; an empty body is a user error."""
    path = directory / name
    size = 0
    with path.open("wb") as handle:
        async for chunk in request.stream():
            size += len(chunk)
            handle.write(chunk)
    if size == 0:
        raise BadRequest("the request body is empty; send the file as the body")
    return path


def extract_tar(archive: Path, destination: Path) -> Path:
    """Unpack a (optionally gzipped) tar of plain files; links and escapes are refused."""
    destination.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                if not (member.isfile() or member.isdir()):
                    raise InvalidInput(f"archive member {member.name!r} is not a regular file")
            tar.extractall(destination, filter="data")
    except tarfile.FilterError as exc:
        raise InvalidInput(f"unsafe archive member: {exc}") from None
    except (tarfile.TarError, EOFError) as exc:
        raise InvalidInput(f"the body is not a valid tar archive: {exc}") from None
    return destination
