"""Deployments: materialise a verified model version and run an inference server for it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from shipyard.blobs import BlobStore
from shipyard.clock import utcnow
from shipyard.errors import Conflict, NotFound
from shipyard.ids import new_id
from shipyard.registry import ModelVersion, RegisteredModel, materialize
from shipyard.security import Actor, Project, record, validate_name
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
) -> Deployment:
    """Start a server process for ``version`` and wait until it answers ready."""
    from shipyard.serving.process import start_server_process, wait_until_ready

    validate_name("deployment", name)
    existing = _find(session, project, name)
    if existing is not None and existing.status == "running" and _alive(existing.pid):
        raise Conflict(f"deployment {name!r} is already running; stop it first")
    deployment_id = new_id("dep")
    workdir = root / deployment_id
    model = session.get(RegisteredModel, version.model_id)
    assert model is not None
    model_dir = materialize(blobs, version, workdir / "model")
    spool_dir = workdir / "spool"
    port = port or free_port(host)
    process = start_server_process(
        model_dir, port=port, host=host, spool_dir=spool_dir, log_path=workdir / "server.log"
    )
    url = f"http://{host}:{port}"
    try:
        wait_until_ready(url, timeout=ready_timeout, process=process)
    except Exception:
        _terminate(process.pid)
        raise
    now = utcnow()
    if existing is not None:
        session.delete(existing)
        session.flush()
    deployment = Deployment(
        id=deployment_id,
        project_id=project.id,
        name=name,
        model_version_id=version.id,
        status="running",
        url=url,
        port=port,
        pid=process.pid,
        spool_dir=str(spool_dir),
        created_at=now,
        updated_at=now,
        created_by=actor.principal_id,
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
    return deployment


def stop_deployment(session: Session, actor: Actor, project: Project, name: str) -> Deployment:
    deployment = get_deployment(session, project, name)
    if deployment.pid and _alive(deployment.pid):
        _terminate(deployment.pid)
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


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _find(session: Session, project: Project, name: str) -> Deployment | None:
    return session.execute(
        select(Deployment).where(Deployment.project_id == project.id, Deployment.name == name)
    ).scalar_one_or_none()


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _terminate(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
