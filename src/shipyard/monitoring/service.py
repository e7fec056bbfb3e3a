"""Drift of what a deployment served against the dataset version it was trained on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from shipyard.blobs import BlobStore
from shipyard.clock import utcnow
from shipyard.data import Dataset, DatasetVersion, read_version
from shipyard.errors import InvalidInput
from shipyard.ids import new_id
from shipyard.monitoring.drift import drift_report
from shipyard.monitoring.models import DriftRun
from shipyard.monitoring.report_html import render_drift_html
from shipyard.security import Actor, Project, record
from shipyard.serving import Deployment, read_spool
from shipyard.store import get_in_project


def drift_for_deployment(
    session: Session,
    blobs: BlobStore,
    actor: Actor,
    project: Project,
    deployment: Deployment,
    reference: DatasetVersion,
) -> DriftRun:
    """Compare the deployment's logged inputs with the reference version, column by column."""
    if not deployment.spool_dir or not Path(deployment.spool_dir).exists():
        raise InvalidInput(f"deployment {deployment.name!r} has served no predictions yet")
    spool = read_spool(Path(deployment.spool_dir))
    if spool.rows == 0:
        raise InvalidInput(f"deployment {deployment.name!r} has served no predictions yet")
    current = spool.columns
    table = read_version(blobs, reference)
    shared = [name for name in table.column_names if name in current]
    if not shared:
        raise InvalidInput("the served inputs share no column with the reference dataset")
    reference_columns = {name: table.column(name).to_numpy(zero_copy_only=False) for name in shared}
    current_columns = {name: np.asarray(current[name]) for name in shared}
    report = drift_report(reference_columns, current_columns)
    dataset = session.get(Dataset, reference.dataset_id)
    label = f"{dataset.name} v{reference.version}" if dataset else reference.id
    html = render_drift_html(
        report, reference_columns, current_columns, title=f"Drift: {deployment.name} vs {label}"
    )
    run = DriftRun(
        id=new_id("drf"),
        project_id=project.id,
        deployment_id=deployment.id,
        reference_dataset_version_id=reference.id,
        current_rows=spool.rows,
        dataset_drifted=report.dataset_drifted,
        report=report.to_dict(),
        html_digest=blobs.put_bytes(html.encode()),
        created_at=utcnow(),
    )
    session.add(run)
    session.flush()
    record(
        session,
        actor,
        "drift.run",
        object_type="drift_report",
        object_id=run.id,
        project_id=project.id,
        detail={"deployment": deployment.name, "drifted": report.dataset_drifted},
    )
    return run


def get_drift_run(session: Session, project: Project, drift_id: str) -> DriftRun:
    return get_in_project(session, DriftRun, drift_id, project.id, "drift report")


def list_drift_runs(session: Session, project: Project, deployment: Deployment) -> list[DriftRun]:
    return list(
        session.execute(
            select(DriftRun)
            .where(DriftRun.deployment_id == deployment.id)
            .order_by(DriftRun.created_at.desc())
        ).scalars()
    )


def drift_against(
    session: Session,
    blobs: BlobStore,
    actor: Actor,
    project: Project,
    deployment_name: str,
    *,
    dataset: str | None = None,
    version: int | str = "latest",
) -> DriftRun:
    """Drift of a deployment against a named dataset version, or by default its model's training data."""
    from shipyard import data, registry
    from shipyard.serving import get_deployment

    deployment = get_deployment(session, project, deployment_name)
    if dataset:
        reference = data.get_version(session, project, dataset, version)
    else:
        model_version = registry.get_version_by_id(session, project, deployment.model_version_id)
        if not model_version.dataset_version_id:
            raise InvalidInput("the deployed model records no training dataset; name a reference dataset")
        reference = data.get_version_by_id(session, project, model_version.dataset_version_id)
    return drift_for_deployment(session, blobs, actor, project, deployment, reference)
