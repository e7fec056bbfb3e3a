"""Jobs: submit a command, track its state, keep its log in the blob store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shipyard.clock import utcnow
from shipyard.compute.models import Job
from shipyard.errors import Conflict, InvalidInput
from shipyard.ids import new_id
from shipyard.security import Actor, Project, record
from shipyard.store import get_in_project

TERMINAL = ("succeeded", "failed", "cancelled")
ACTIVE = ("running", "cancelling")  # a cancelling job still holds its CPUs until it exits
RESERVED_ENV_PREFIX = "SHIPYARD_"


def submit_job(
    session: Session,
    actor: Actor,
    project: Project,
    *,
    name: str,
    command: list[str],
    env: dict[str, str] | None = None,
    resources: dict[str, Any] | None = None,
) -> Job:
    """Queue a command; the scheduler starts it when capacity allows."""
    if not command or not all(isinstance(part, str) and part for part in command):
        raise InvalidInput("command must be a non-empty list of non-empty strings")
    env = dict(env or {})
    reserved = [key for key in env if key.startswith(RESERVED_ENV_PREFIX)]
    if reserved:
        raise InvalidInput(f"environment variables {', '.join(reserved)} are set by Shipyard itself")
    job = Job(
        id=new_id("job"),
        project_id=project.id,
        name=name[:200] or command[0],
        command=command,
        env=env,
        resources=dict(resources or {"cpus": 1}),
        executor="local",
        status="queued",
        created_at=utcnow(),
        created_by=actor.principal_id,
    )
    session.add(job)
    session.flush()
    record(
        session,
        actor,
        "job.submit",
        object_type="job",
        object_id=job.id,
        project_id=project.id,
        detail={"name": job.name},
    )
    return job


def get_job(session: Session, project: Project, job_id: str) -> Job:
    return get_in_project(session, Job, job_id, project.id, "job")


def list_jobs(session: Session, project: Project, *, limit: int = 100, offset: int = 0) -> list[Job]:
    return list(
        session.execute(
            select(Job)
            .where(Job.project_id == project.id)
            .order_by(Job.created_at.desc())
            .limit(limit)
            .offset(offset)
        ).scalars()
    )


def queued_jobs(session: Session) -> list[Job]:
    return list(session.execute(select(Job).where(Job.status == "queued").order_by(Job.created_at)).scalars())


def running_jobs(session: Session) -> list[Job]:
    return list(session.execute(select(Job).where(Job.status.in_(ACTIVE))).scalars())


def cancel_job(session: Session, actor: Actor, project: Project, job_id: str) -> Job:
    """A queued job is cancelled at once; a running one is signalled by the scheduler's next pass."""
    job = get_job(session, project, job_id)
    if job.status in ("cancelled", "cancelling"):
        return job
    if job.status in TERMINAL:
        raise Conflict(f"job {job_id} already ended ({job.status})")
    if job.status == "queued":
        job.status, job.finished_at = "cancelled", utcnow()
    else:
        job.status = "cancelling"
    job.error = f"cancelled by {actor.name}"
    record(
        session,
        actor,
        "job.cancel",
        object_type="job",
        object_id=job.id,
        project_id=project.id,
        detail={"status": job.status},
    )
    return job
