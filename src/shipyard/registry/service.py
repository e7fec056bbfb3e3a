"""Registered models and versions: store a model directory, look it up, hand it to a server."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shipyard.blobs import BlobStore
from shipyard.clock import utcnow
from shipyard.errors import InvalidInput, NotFound
from shipyard.ids import new_id
from shipyard.registry.models import ModelVersion, RegisteredModel
from shipyard.registry.packaging import MANIFEST_FILE, METADATA_FILE, read_metadata
from shipyard.security import Actor, Project, record, validate_name
from shipyard.store import get_in_project, get_or_create


def register_version(
    session: Session,
    blobs: BlobStore,
    actor: Actor,
    project: Project,
    name: str,
    directory: Path,
    *,
    run_id: str | None = None,
    dataset_version_id: str | None = None,
    metrics: dict[str, float] | None = None,
) -> ModelVersion:
    """Store a saved model directory as the next version, with its run and dataset as lineage."""
    validate_name("model", name)
    meta = read_metadata(directory)
    if (directory / MANIFEST_FILE).exists():
        raise InvalidInput(f"{MANIFEST_FILE} is reserved; remove it from the model directory")
    _check_lineage(session, project, run_id, dataset_version_id)
    model = _get_or_create_model(session, project, name)
    newest = session.execute(
        select(func.max(ModelVersion.version)).where(ModelVersion.model_id == model.id)
    ).scalar()
    manifest_digest = _store_with_identity(blobs, directory, meta, name, (newest or 0) + 1)
    version = ModelVersion(
        id=new_id("mv"),
        model_id=model.id,
        project_id=project.id,
        version=(newest or 0) + 1,
        flavor=meta["flavor"],
        manifest_digest=manifest_digest,
        signature=meta["signature"],
        metrics=dict(metrics or {}),
        task=meta.get("task", "classification"),
        run_id=run_id,
        dataset_version_id=dataset_version_id,
        created_at=utcnow(),
        created_by=actor.principal_id,
    )
    session.add(version)
    session.flush()
    record(
        session,
        actor,
        "model.version.create",
        object_type="model_version",
        object_id=version.id,
        project_id=project.id,
        detail={"model": name, "version": version.version, "manifest": manifest_digest, "run_id": run_id},
    )
    return version


def get_version(session: Session, project: Project, name: str, version: int | str) -> ModelVersion:
    """``version`` is a number or ``latest``."""
    model = get_model(session, project, name)
    query = select(ModelVersion).where(ModelVersion.model_id == model.id)
    if version == "latest":
        query = query.order_by(ModelVersion.version.desc()).limit(1)
    else:
        query = query.where(ModelVersion.version == int(version))
    found = session.execute(query).scalar_one_or_none()
    if found is None:
        raise NotFound(f"model {name!r} has no version {version}")
    return found


def get_version_by_id(session: Session, project: Project, version_id: str) -> ModelVersion:
    return get_in_project(session, ModelVersion, version_id, project.id, "model version")


def get_model(session: Session, project: Project, name: str) -> RegisteredModel:
    model = session.execute(
        select(RegisteredModel).where(RegisteredModel.project_id == project.id, RegisteredModel.name == name)
    ).scalar_one_or_none()
    if model is None:
        raise NotFound(f"model {name!r} not found in project {project.name!r}")
    return model


def list_models(session: Session, project: Project) -> list[RegisteredModel]:
    return list(
        session.execute(
            select(RegisteredModel)
            .where(RegisteredModel.project_id == project.id)
            .order_by(RegisteredModel.name)
        ).scalars()
    )


def list_versions(session: Session, project: Project, name: str) -> list[ModelVersion]:
    model = get_model(session, project, name)
    return list(
        session.execute(
            select(ModelVersion).where(ModelVersion.model_id == model.id).order_by(ModelVersion.version)
        ).scalars()
    )


def materialize(blobs: BlobStore, version: ModelVersion, destination: Path) -> Path:
    """Write a version's verified files plus ``manifest.json`` so the server can re-verify them."""
    blobs.get_tree(version.manifest_digest, destination)
    (destination / MANIFEST_FILE).write_bytes(blobs.get_manifest(version.manifest_digest).to_json())
    return destination


def _store_with_identity(blobs: BlobStore, directory: Path, meta: dict, name: str, number: int) -> str:
    """Store a staged copy whose metadata names the model and version, leaving the caller's files alone."""
    with tempfile.TemporaryDirectory(prefix="shipyard-model-") as scratch:
        staged = Path(scratch) / "model"
        shutil.copytree(directory, staged)
        (staged / METADATA_FILE).write_text(json.dumps({**meta, "name": name, "version": number}, indent=2))
        return blobs.put_tree(staged)


def _check_lineage(
    session: Session, project: Project, run_id: str | None, dataset_version_id: str | None
) -> None:
    from shipyard.data import get_version_by_id as get_dataset_version
    from shipyard.tracking import get_run

    if run_id:
        get_run(session, project, run_id)
    if dataset_version_id:
        get_dataset_version(session, project, dataset_version_id)


def _get_or_create_model(session: Session, project: Project, name: str) -> RegisteredModel:
    return get_or_create(
        session,
        select(RegisteredModel).where(RegisteredModel.project_id == project.id, RegisteredModel.name == name),
        lambda: RegisteredModel(id=new_id("mdl"), project_id=project.id, name=name, created_at=utcnow()),
    )
