"""Datasets and dataset versions."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from shipyard import data
from shipyard.api import serializers
from shipyard.api.guard import GuardedRoute
from shipyard.api.routes.deps import Reader, Writer
from shipyard.api.uploads import spool_body
from shipyard.ids import parse_version

router = APIRouter(route_class=GuardedRoute, tags=["data"])


@router.get("/projects/{project}/datasets")
def list_datasets(project: str, ctx: Reader) -> dict[str, Any]:
    with ctx.session() as session:
        items = [{"id": d.id, "name": d.name} for d in data.list_datasets(session, ctx.proj)]
    return {"items": items, "next_offset": None}


@router.post(
    "/projects/{project}/datasets/{dataset}/versions",
    status_code=201,
    openapi_extra={
        "requestBody": {"content": {"text/csv": {}, "application/vnd.apache.parquet": {}}, "required": True}
    },
)
async def upload_version(
    project: str,
    dataset: str,
    request: Request,
    ctx: Writer,
    format: str | None = Query(default=None, pattern="^(csv|parquet)$"),
    filename: str = Query(default="", max_length=500),
) -> dict[str, Any]:
    """Upload a CSV or Parquet file as the body; identical content returns the existing version."""
    with tempfile.TemporaryDirectory(prefix="shipyard-upload-") as scratch:
        path = await spool_body(request, Path(scratch))
        return await run_in_threadpool(_register, ctx, dataset, path, format, filename)


def _register(ctx: Any, dataset: str, path: Path, fmt: str | None, filename: str) -> dict[str, Any]:
    with ctx.session() as session:
        version = data.register_version(
            session,
            ctx.platform.blobs,
            ctx.identity.actor,
            ctx.proj,
            dataset,
            path,
            fmt=fmt,
            source_name=filename,
        )
        return serializers.dataset_version(version, dataset)


@router.get("/projects/{project}/datasets/{dataset}/versions")
def list_versions(project: str, dataset: str, ctx: Reader) -> dict[str, Any]:
    with ctx.session() as session:
        items = [
            serializers.dataset_version(v, dataset) for v in data.list_versions(session, ctx.proj, dataset)
        ]
    return {"items": items, "next_offset": None}


@router.get("/projects/{project}/datasets/{dataset}/versions/{version}")
def get_version(project: str, dataset: str, version: str, ctx: Reader) -> dict[str, Any]:
    with ctx.session() as session:
        found = data.get_version(session, ctx.proj, dataset, parse_version(version))
    return serializers.dataset_version(found, dataset)


@router.get("/projects/{project}/datasets/{dataset}/versions/{version}/content")
def download_version(project: str, dataset: str, version: str, ctx: Reader) -> StreamingResponse:
    """The version as Parquet, streamed and verified against its hash."""
    with ctx.session() as session:
        found = data.get_version(session, ctx.proj, dataset, parse_version(version))
    return StreamingResponse(
        ctx.platform.blobs.iter_chunks(found.digest),
        media_type="application/vnd.apache.parquet",
        headers={"Content-Disposition": f'attachment; filename="{dataset}-v{found.version}.parquet"'},
    )
