"""Registered models and versions (uploaded as a tar of the saved model directory)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from shipyard import registry
from shipyard.api import serializers
from shipyard.api.guard import Context, GuardedRoute
from shipyard.api.routes.deps import Reader, Writer
from shipyard.api.uploads import extract_tar, spool_body
from shipyard.errors import InvalidInput
from shipyard.ids import parse_version

router = APIRouter(route_class=GuardedRoute, tags=["registry"])


@router.get("/projects/{project}/models")
def list_models(project: str, ctx: Reader) -> dict[str, Any]:
    with ctx.session() as session:
        return {
            "items": [{"id": m.id, "name": m.name} for m in registry.list_models(session, ctx.proj)],
            "next_offset": None,
        }


@router.post(
    "/projects/{project}/models/{model}/versions",
    status_code=201,
    openapi_extra={"requestBody": {"content": {"application/x-tar": {}}, "required": True}},
)
async def upload_version(
    project: str,
    model: str,
    request: Request,
    ctx: Writer,
    run_id: str | None = Query(default=None, max_length=40),
    dataset_version_id: str | None = Query(default=None, max_length=40),
    metrics: str | None = Query(default=None, max_length=10_000, description="JSON object of metrics."),
) -> dict[str, Any]:
    parsed = _parse_metrics(metrics)
    with tempfile.TemporaryDirectory(prefix="shipyard-model-upload-") as scratch:
        archive = await spool_body(request, Path(scratch), "model.tar")
        directory = extract_tar(archive, Path(scratch) / "model")
        return await run_in_threadpool(_register, ctx, model, directory, run_id, dataset_version_id, parsed)


def _register(
    ctx: Context,
    model: str,
    directory: Path,
    run_id: str | None,
    dataset_version_id: str | None,
    metrics: dict[str, float],
) -> dict[str, Any]:
    with ctx.session() as session:
        version = registry.register_version(
            session,
            ctx.platform.blobs,
            ctx.identity.actor,
            ctx.proj,
            model,
            directory,
            run_id=run_id,
            dataset_version_id=dataset_version_id,
            metrics=metrics,
        )
        return serializers.model_version(version, model)


def _parse_metrics(raw: str | None) -> dict[str, float]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise InvalidInput("metrics must be a JSON object of numbers") from None
    if not isinstance(value, dict) or not all(isinstance(v, int | float) for v in value.values()):
        raise InvalidInput("metrics must be a JSON object of numbers")
    return {str(k): float(v) for k, v in value.items()}


@router.get("/projects/{project}/models/{model}/versions")
def list_versions(project: str, model: str, ctx: Reader) -> dict[str, Any]:
    with ctx.session() as session:
        items = [
            serializers.model_version(v, model) for v in registry.list_versions(session, ctx.proj, model)
        ]
    return {"items": items, "next_offset": None}


@router.get("/projects/{project}/models/{model}/versions/{version}")
def get_version(project: str, model: str, version: str, ctx: Reader) -> dict[str, Any]:
    with ctx.session() as session:
        return serializers.model_version(
            registry.get_version(session, ctx.proj, model, parse_version(version)), model
        )
