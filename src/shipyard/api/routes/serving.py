"""Deployments and their drift reports."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from shipyard import monitoring, registry, serving
from shipyard.api import serializers
from shipyard.api.guard import Context, GuardedRoute
from shipyard.api.routes.deps import Reader, Writer
from shipyard.errors import NotFound
from shipyard.ids import parse_version

router = APIRouter(route_class=GuardedRoute, tags=["serving and monitoring"])


class DeploymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    model: str = Field(min_length=1, max_length=200)
    version: str = "latest"


class DriftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: str | None = Field(default=None, description="Reference dataset; default: the model's own.")
    version: str = "latest"


@router.post("/projects/{project}/deployments", status_code=201)
async def create_deployment(project: str, body: DeploymentIn, ctx: Writer) -> dict[str, Any]:
    return await run_in_threadpool(_deploy, ctx, body)


def _deploy(ctx: Context, body: DeploymentIn) -> dict[str, Any]:
    with ctx.session() as session:
        version = registry.get_version(session, ctx.proj, body.model, parse_version(body.version))
        deployment, token = serving.create_deployment(
            session,
            ctx.platform.blobs,
            ctx.identity.actor,
            ctx.proj,
            body.name,
            version,
            root=ctx.platform.settings.deployments_dir,
        )
        return serializers.deployment(deployment, token)


@router.get("/projects/{project}/deployments")
def list_deployments(project: str, ctx: Reader) -> dict[str, Any]:
    with ctx.session() as session:
        return {
            "items": [serializers.deployment(d) for d in serving.list_deployments(session, ctx.proj)],
            "next_offset": None,
        }


@router.get("/projects/{project}/deployments/{name}")
def get_deployment(project: str, name: str, ctx: Reader) -> dict[str, Any]:
    with ctx.session() as session:
        return serializers.deployment(serving.get_deployment(session, ctx.proj, name))


@router.delete("/projects/{project}/deployments/{name}")
def stop_deployment(project: str, name: str, ctx: Writer) -> dict[str, Any]:
    with ctx.session() as session:
        return serializers.deployment(serving.stop_deployment(session, ctx.identity.actor, ctx.proj, name))


@router.post("/projects/{project}/deployments/{name}/drift", status_code=201)
async def run_drift(project: str, name: str, body: DriftIn, ctx: Writer) -> dict[str, Any]:
    return await run_in_threadpool(_drift, ctx, name, body)


def _drift(ctx: Context, name: str, body: DriftIn) -> dict[str, Any]:
    with ctx.session() as session:
        result = monitoring.drift_against(
            session,
            ctx.platform.blobs,
            ctx.identity.actor,
            ctx.proj,
            name,
            dataset=body.dataset,
            version=parse_version(body.version),
        )
        return serializers.drift_run(result)


@router.get("/projects/{project}/deployments/{name}/drift")
def list_drift(project: str, name: str, ctx: Reader) -> dict[str, Any]:
    """A deployment's drift reports, newest first."""
    with ctx.session() as session:
        deployment = serving.get_deployment(session, ctx.proj, name)
        reports = monitoring.list_drift_runs(session, ctx.proj, deployment)
        return {"items": [serializers.drift_run(r) for r in reports], "next_offset": None}


@router.get("/projects/{project}/drift/{drift_id}")
def get_drift(project: str, drift_id: str, ctx: Reader) -> dict[str, Any]:
    with ctx.session() as session:
        return serializers.drift_run(monitoring.get_drift_run(session, ctx.proj, drift_id))


@router.get("/projects/{project}/drift/{drift_id}/report.html", response_class=HTMLResponse)
def drift_html(project: str, drift_id: str, ctx: Reader) -> HTMLResponse:
    with ctx.session() as session:
        found = monitoring.get_drift_run(session, ctx.proj, drift_id)
    if not found.html_digest:
        raise NotFound(f"drift report {drift_id!r} has no HTML rendering")
    return HTMLResponse(ctx.platform.blobs.read_bytes(found.html_digest).decode())
