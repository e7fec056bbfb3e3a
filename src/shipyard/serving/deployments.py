"""Deployments: materialise a verified model version and run an inference server for it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from shipyard.blobs import BlobStore
from shipyard.clock import utcnow
from shipyard.errors import Conflict, NotFound
from shipyard.ids import new_id
from shipyard.processes import free_port, pid_alive, terminate
from shipyard.registry import ModelVersion, RegisteredModel, materialize
from shipyard.security import Actor, Project, generate_token, hash_token, record, validate_name
from shipyard.serving.models import Deployment


def create_deployment(
    session: Session,
    blobs: BlobStore,
    actor: Actor,
    project: Project,
    name: str,
    version: ModelVersion,
    *,
    root: Path,
    host: str = "127.0.0.1",
    port: int | None = None,
    ready_timeout: float = 60.0,
) -> tuple[Deployment, str]:
    """Start a server process for ``version``, wait until it is ready, and return it with its token.

    The server accepts only that bearer token (its health routes excepted). The secret is
    returned this once; the database keeps its hash. Deploying an existing name again
    replaces the stopped server and keeps the deployment's id and history.
    """
    from shipyard.serving.process import start_server_process, wait_until_ready

    validate_name("deployment", name)
    existing = _find(session, project, name)
    if existing is not None and existing.status == "running" and pid_alive(existing.pid):
        raise Conflict(f"deployment {name!r} is already running; stop it first")
    model = session.get(RegisteredModel, version.model_id)
    assert model is not None
    now = utcnow()
    deployment = existing or Deployment(
        id=new_id("dep"), project_id=project.id, name=name, created_at=now, created_by=actor.principal_id
    )
    workdir = root / deployment.id / new_id("rev")
    model_dir = materialize(blobs, version, workdir / "model")
    spool_dir = workdir / "spool"
    port = port or free_port(host)
    secret = generate_token()
    process = start_server_process(
        model_dir, port=port, host=host, spool_dir=spool_dir, token=secret, log_path=workdir / "server.log"
    )
    url = f"http://{host}:{port}"
    try:
        wait_until_ready(url, timeout=ready_timeout, process=process)
    except Exception:
        terminate(process.pid)
        raise
    deployment.model_version_id = version.id
    deployment.status, deployment.url, deployment.port, deployment.pid = "running", url, port, process.pid
    deployment.spool_dir, deployment.token_hash, deployment.updated_at = (
        str(spool_dir),
        hash_token(secret),
        now,
    )
    session.add(deployment)
    session.flush()
    record(
        session,
        actor,
        "deployment.create",
        object_type="deployment",
        object_id=deployment.id,
        project_id=project.id,
        detail={"name": name, "model": model.name, "version": version.version, "url": url},
    )
    return deployment, secret


def stop_deployment(session: Session, actor: Actor, project: Project, name: str) -> Deployment:
    deployment = get_deployment(session, project, name)
    if deployment.pid and pid_alive(deployment.pid):
        terminate(deployment.pid)
    deployment.status, deployment.updated_at = "stopped", utcnow()
    record(
        session,
        actor,
        "deployment.stop",
        object_type="deployment",
        object_id=deployment.id,
        project_id=project.id,
    )
    return deployment


def get_deployment(session: Session, project: Project, name: str) -> Deployment:
    found = _find(session, project, name)
    if found is None:
        raise NotFound(f"deployment {name!r} not found in project {project.name!r}")
    return found


def list_deployments(session: Session, project: Project) -> list[Deployment]:
    return list(
        session.execute(
            select(Deployment).where(Deployment.project_id == project.id).order_by(Deployment.name)
        ).scalars()
    )


def _find(session: Session, project: Project, name: str) -> Deployment | None:
    return session.execute(
        select(Deployment).where(Deployment.project_id == project.id, Deployment.name == name)
    ).scalar_one_or_none()
