"""Experiments and runs: parameters, metric series and the dataset versions a run read."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shipyard.clock import utcnow
from shipyard.data import DatasetVersion
from shipyard.errors import Conflict, InvalidInput, NotFound
from shipyard.ids import new_id
from shipyard.security import Actor, Project, record
from shipyard.store import get_in_project, get_or_create
from shipyard.tracking.models import Experiment, Metric, Param, Run, RunInput

RUN_STATUSES = ("running", "finished", "failed", "killed")
MAX_PARAM_LENGTH = 6000
MIN_STEP, MAX_STEP = -(2**63), 2**63 - 1


@dataclass(frozen=True, slots=True)
class MetricPoint:
    key: str
    value: float
    step: int = 0
    timestamp: datetime | None = None


def create_run(
    session: Session,
    actor: Actor,
    project: Project,
    *,
    experiment: str = "default",
    name: str = "",
    job_id: str | None = None,
    code_version: str | None = None,
) -> Run:
    exp = _get_or_create_experiment(session, project, experiment)
    run = Run(
        id=new_id("run"),
        project_id=project.id,
        experiment_id=exp.id,
        name=name[:200],
        status="running",
        job_id=job_id,
        code_version=code_version,
        started_at=utcnow(),
        created_by=actor.principal_id,
    )
    session.add(run)
    session.flush()
    record(
        session,
        actor,
        "run.create",
        object_type="run",
        object_id=run.id,
        project_id=project.id,
        detail={"experiment": experiment, "job_id": job_id},
    )
    return run


def get_run(session: Session, project: Project, run_id: str) -> Run:
    return get_in_project(session, Run, run_id, project.id, "run")


def list_runs(session: Session, project: Project, *, limit: int = 100, offset: int = 0) -> list[Run]:
    return list(
        session.execute(
            select(Run)
            .where(Run.project_id == project.id)
            .order_by(Run.started_at.desc())
            .limit(limit)
            .offset(offset)
        ).scalars()
    )


def log_params(session: Session, actor: Actor, run: Run, params: Mapping[str, Any]) -> None:
    """Parameters are immutable once logged: re-logging the same value is fine, a new one conflicts."""
    _require_active(run)
    existing = {p.key: p for p in session.execute(select(Param).where(Param.run_id == run.id)).scalars()}
    for key, raw in params.items():
        _validate_key(key)
        value = str(raw)
        if len(value) > MAX_PARAM_LENGTH:
            raise InvalidInput(f"parameter {key!r} is longer than {MAX_PARAM_LENGTH} characters")
        if key in existing:
            if existing[key].value != value:
                raise Conflict(f"parameter {key!r} already logged as {existing[key].value!r}")
            continue
        session.add(Param(run_id=run.id, key=key, value=value))
    record(
        session,
        actor,
        "run.params",
        object_type="run",
        object_id=run.id,
        project_id=run.project_id,
        detail={"keys": sorted(params)},
    )


def log_metrics(session: Session, actor: Actor, run: Run, points: Iterable[MetricPoint]) -> int:
    _require_active(run)
    now = utcnow()
    rows = []
    for point in points:
        _validate_key(point.key)
        # Non-finite values cannot travel in JSON, so they are refused at the door.
        if not isinstance(point.value, int | float) or not math.isfinite(point.value):
            raise InvalidInput(f"metric {point.key!r} must be a finite number, got {point.value!r}")
        if not MIN_STEP <= point.step <= MAX_STEP:
            raise InvalidInput(f"metric {point.key!r} step must fit in 64 bits, got {point.step}")
        rows.append(
            Metric(
                run_id=run.id,
                key=point.key,
                value=float(point.value),
                step=point.step,
                timestamp=point.timestamp or now,
            )
        )
    session.add_all(rows)
    record(
        session,
        actor,
        "run.metrics",
        object_type="run",
        object_id=run.id,
        project_id=run.project_id,
        detail={"count": len(rows)},
    )
    return len(rows)


def add_input(session: Session, actor: Actor, run: Run, dataset_version: DatasetVersion) -> None:
    if dataset_version.project_id != run.project_id:
        raise NotFound(f"dataset version {dataset_version.id!r} not found")
    already = session.execute(
        select(RunInput.id).where(
            RunInput.run_id == run.id, RunInput.dataset_version_id == dataset_version.id
        )
    ).first()
    if already:
        return
    session.add(RunInput(run_id=run.id, dataset_version_id=dataset_version.id))
    record(
        session,
        actor,
        "run.input",
        object_type="run",
        object_id=run.id,
        project_id=run.project_id,
        detail={"dataset_version": dataset_version.id},
    )


def finish_run(session: Session, actor: Actor, run: Run, status: str = "finished") -> Run:
    if status not in RUN_STATUSES[1:]:
        raise InvalidInput(f"status must be one of {', '.join(RUN_STATUSES[1:])}")
    if run.status == "running":
        run.status = status
        run.ended_at = utcnow()
        record(
            session,
            actor,
            "run.finish",
            object_type="run",
            object_id=run.id,
            project_id=run.project_id,
            detail={"status": status},
        )
    elif run.status != status:
        raise Conflict(f"run {run.id} already ended as {run.status}")
    return run


def run_params(session: Session, run: Run) -> dict[str, str]:
    return {p.key: p.value for p in session.execute(select(Param).where(Param.run_id == run.id)).scalars()}


def latest_metrics(session: Session, run: Run) -> dict[str, float]:
    """The most recently logged value of each metric."""
    newest = (
        select(Metric.key, func.max(Metric.id).label("id"))
        .where(Metric.run_id == run.id)
        .group_by(Metric.key)
    ).subquery()
    rows = session.execute(select(Metric.key, Metric.value).join(newest, Metric.id == newest.c.id)).all()
    return {key: value for key, value in rows}


def metric_history(session: Session, run: Run, key: str) -> list[MetricPoint]:
    rows = session.execute(
        select(Metric).where(Metric.run_id == run.id, Metric.key == key).order_by(Metric.step, Metric.id)
    ).scalars()
    return [MetricPoint(m.key, m.value, m.step, m.timestamp) for m in rows]


def run_inputs(session: Session, run: Run) -> list[str]:
    return list(
        session.execute(select(RunInput.dataset_version_id).where(RunInput.run_id == run.id)).scalars()
    )


def _get_or_create_experiment(session: Session, project: Project, name: str) -> Experiment:
    if not name or len(name) > 200:
        raise InvalidInput("experiment name must be 1-200 characters")
    return get_or_create(
        session,
        select(Experiment).where(Experiment.project_id == project.id, Experiment.name == name),
        lambda: Experiment(id=new_id("exp"), project_id=project.id, name=name, created_at=utcnow()),
    )


def _require_active(run: Run) -> None:
    if run.status != "running":
        raise Conflict(f"run {run.id} has ended ({run.status}); start a new run to log more")


def _validate_key(key: str) -> None:
    if not key or len(key) > 250 or not all(ch.isalnum() or ch in "_-./ :" for ch in key):
        raise InvalidInput(f"invalid key {key!r}: 1-250 letters, digits, '_', '-', '.', '/', ' ' or ':'")
