"""Jobs and the hardware inventory."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from shipyard import compute
from shipyard.api import serializers
from shipyard.api.guard import GuardedRoute
from shipyard.api.routes.deps import Authenticated, Limit, Offset, Reader, Writer
from shipyard.errors import NotFound

router = APIRouter(route_class=GuardedRoute, tags=["compute"])


class JobIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200)
    command: list[str] = Field(min_length=1, max_length=1000)
    env: dict[str, str] = Field(default_factory=dict)
    cpus: float = Field(default=1, gt=0, le=1024)


@router.get("/hardware")
def hardware(ctx: Authenticated) -> dict[str, Any]:
    return compute.inventory().to_dict()


@router.post("/projects/{project}/jobs", status_code=201)
def submit_job(project: str, body: JobIn, ctx: Writer) -> dict[str, Any]:
    with ctx.session() as session:
        job = compute.submit_job(
            session,
            ctx.identity.actor,
            ctx.proj,
            name=body.name,
            command=body.command,
            env=body.env,
            resources={"cpus": body.cpus},
        )
        return serializers.job(job)


@router.get("/projects/{project}/jobs")
def list_jobs(project: str, ctx: Reader, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    with ctx.session() as session:
        jobs = compute.list_jobs(session, ctx.proj, limit=limit + 1, offset=offset)
        return serializers.page([serializers.job(j) for j in jobs], limit, offset)


@router.get("/projects/{project}/jobs/{job_id}")
def get_job(project: str, job_id: str, ctx: Reader) -> dict[str, Any]:
    with ctx.session() as session:
        return serializers.job(compute.get_job(session, ctx.proj, job_id))


@router.post("/projects/{project}/jobs/{job_id}/cancel")
def cancel_job(project: str, job_id: str, ctx: Writer) -> dict[str, Any]:
    """Queued jobs end at once; running ones get SIGTERM, then SIGKILL after a grace period."""
    with ctx.session() as session:
        return serializers.job(compute.cancel_job(session, ctx.identity.actor, ctx.proj, job_id))


@router.get("/projects/{project}/jobs/{job_id}/logs")
def job_logs(project: str, job_id: str, ctx: Reader) -> StreamingResponse:
    with ctx.session() as session:
        job = compute.get_job(session, ctx.proj, job_id)
    if job.log_digest is None:
        raise NotFound(f"job {job_id} has no stored log yet (status {job.status})")
    return StreamingResponse(ctx.platform.blobs.iter_chunks(job.log_digest), media_type="text/plain")
