"""Plain-dict views of stored records, the shape every API response uses."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def project(p: Any) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "description": p.description, "created_at": _ts(p.created_at)}


def token(t: Any) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "principal_id": t.principal_id,
        "project_id": t.project_id,
        "role": t.role,
        "created_at": _ts(t.created_at),
        "expires_at": _ts(t.expires_at),
        "revoked_at": _ts(t.revoked_at),
    }


def dataset_version(v: Any, dataset_name: str) -> dict[str, Any]:
    return {
        "id": v.id,
        "dataset": dataset_name,
        "version": v.version,
        "digest": v.digest,
        "source_digest": v.source_digest,
        "source_format": v.source_format,
        "source_name": v.source_name,
        "num_rows": v.num_rows,
        "size_bytes": v.size_bytes,
        "schema": v.schema,
        "stats": v.stats,
        "created_at": _ts(v.created_at),
    }


def run(
    r: Any,
    *,
    params: dict[str, str] | None = None,
    metrics: dict[str, float] | None = None,
    inputs: list[str] | None = None,
) -> dict[str, Any]:
    body = {
        "id": r.id,
        "experiment_id": r.experiment_id,
        "name": r.name,
        "status": r.status,
        "job_id": r.job_id,
        "code_version": r.code_version,
        "started_at": _ts(r.started_at),
        "ended_at": _ts(r.ended_at),
    }
    if params is not None:
        body.update(params=params, metrics=metrics or {}, inputs=inputs or [])
    return body


def job(j: Any) -> dict[str, Any]:
    return {
        "id": j.id,
        "name": j.name,
        "command": j.command,
        "status": j.status,
        "exit_code": j.exit_code,
        "run_id": j.run_id,
        "executor": j.executor,
        "resources": j.resources,
        "error": j.error,
        "log_digest": j.log_digest,
        "created_at": _ts(j.created_at),
        "started_at": _ts(j.started_at),
        "finished_at": _ts(j.finished_at),
    }


def model_version(v: Any, model_name: str) -> dict[str, Any]:
    return {
        "id": v.id,
        "model": model_name,
        "version": v.version,
        "flavor": v.flavor,
        "task": v.task,
        "manifest_digest": v.manifest_digest,
        "signature": v.signature,
        "metrics": v.metrics,
        "run_id": v.run_id,
        "dataset_version_id": v.dataset_version_id,
        "created_at": _ts(v.created_at),
    }


def deployment(d: Any, token: str | None = None) -> dict[str, Any]:
    """``token`` is passed only in the response that creates the deployment."""
    body = {
        "id": d.id,
        "name": d.name,
        "model_version_id": d.model_version_id,
        "status": d.status,
        "url": d.url,
        "port": d.port,
        "created_at": _ts(d.created_at),
        "updated_at": _ts(d.updated_at),
    }
    if token is not None:
        body["token"] = token
    return body


def drift_run(d: Any) -> dict[str, Any]:
    return {
        "id": d.id,
        "deployment_id": d.deployment_id,
        "reference_dataset_version_id": d.reference_dataset_version_id,
        "current_rows": d.current_rows,
        "dataset_drifted": d.dataset_drifted,
        "report": d.report,
        "created_at": _ts(d.created_at),
    }


def audit_event(e: Any) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": _ts(e.at),
        "principal": e.principal_name,
        "action": e.action,
        "project_id": e.project_id,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "detail": e.detail,
        "hash": e.hash,
    }


def page(items: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    """Offset pagination: ``next_offset`` is null on the last page."""
    return {"items": items[:limit], "next_offset": offset + limit if len(items) > limit else None}
