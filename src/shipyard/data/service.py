"""Datasets and their versions: register a file, look versions up, read them back."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shipyard.blobs import BlobStore, hash_file
from shipyard.clock import utcnow
from shipyard.data.models import Dataset, DatasetVersion
from shipyard.data.tabular import (
    describe_schema,
    describe_stats,
    detect_format,
    read_table,
    write_canonical_parquet,
)
from shipyard.errors import InvalidInput, NotFound
from shipyard.ids import new_id
from shipyard.security import Actor, Project, record, validate_name
from shipyard.store import get_in_project, get_or_create


def register_version(
    session: Session,
    blobs: BlobStore,
    actor: Actor,
    project: Project,
    dataset_name: str,
    path: Path,
    *,
    fmt: str | None = None,
    source_name: str = "",
) -> DatasetVersion:
    """Validate a CSV/Parquet file and store it as the next version (or return the identical latest)."""
    validate_name("dataset", dataset_name)
    fmt = detect_format(path, fmt)
    table = read_table(path, fmt)
    if table.num_rows == 0:
        raise InvalidInput("the file has a header but no rows")
    dataset = _get_or_create_dataset(session, project, dataset_name)
    with tempfile.TemporaryDirectory(prefix="shipyard-data-") as scratch:
        canonical = Path(scratch) / "data.parquet"
        write_canonical_parquet(table, canonical)
        digest = blobs.put_file(canonical)
        size = canonical.stat().st_size
    latest = _latest(session, dataset.id)
    if latest is not None and latest.digest == digest:
        return latest  # same content: versions are content-addressed, so nothing new to record
    version = DatasetVersion(
        id=new_id("dsv"),
        dataset_id=dataset.id,
        project_id=project.id,
        version=(latest.version + 1) if latest else 1,
        digest=digest,
        source_digest=hash_file(path),
        source_format=fmt,
        source_name=source_name or path.name,
        num_rows=table.num_rows,
        size_bytes=size,
        schema=describe_schema(table),
        stats=describe_stats(table),
        created_at=utcnow(),
        created_by=actor.principal_id,
    )
    session.add(version)
    session.flush()
    record(
        session,
        actor,
        "dataset.version.create",
        object_type="dataset_version",
        object_id=version.id,
        project_id=project.id,
        detail={"dataset": dataset_name, "version": version.version, "digest": digest},
    )
    return version


def list_datasets(session: Session, project: Project) -> list[Dataset]:
    return list(
        session.execute(
            select(Dataset).where(Dataset.project_id == project.id).order_by(Dataset.name)
        ).scalars()
    )


def list_versions(session: Session, project: Project, dataset_name: str) -> list[DatasetVersion]:
    dataset = get_dataset(session, project, dataset_name)
    return list(
        session.execute(
            select(DatasetVersion)
            .where(DatasetVersion.dataset_id == dataset.id)
            .order_by(DatasetVersion.version)
        ).scalars()
    )


def get_dataset(session: Session, project: Project, name: str) -> Dataset:
    dataset = session.execute(
        select(Dataset).where(Dataset.project_id == project.id, Dataset.name == name)
    ).scalar_one_or_none()
    if dataset is None:
        raise NotFound(f"dataset {name!r} not found in project {project.name!r}")
    return dataset


def get_version(session: Session, project: Project, dataset_name: str, version: int | str) -> DatasetVersion:
    """``version`` is a number or ``latest``."""
    dataset = get_dataset(session, project, dataset_name)
    if version == "latest":
        found = _latest(session, dataset.id)
    else:
        found = session.execute(
            select(DatasetVersion).where(
                DatasetVersion.dataset_id == dataset.id, DatasetVersion.version == int(version)
            )
        ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"dataset {dataset_name!r} has no version {version}")
    return found


def get_version_by_id(session: Session, project: Project, version_id: str) -> DatasetVersion:
    return get_in_project(session, DatasetVersion, version_id, project.id, "dataset version")


def read_version(blobs: BlobStore, version: DatasetVersion) -> pa.Table:
    """Load a version's verified Parquet bytes as an Arrow table."""
    with blobs.open(version.digest) as stream:
        return pq.read_table(pa.BufferReader(stream.read()))


def _get_or_create_dataset(session: Session, project: Project, name: str) -> Dataset:
    return get_or_create(
        session,
        select(Dataset).where(Dataset.project_id == project.id, Dataset.name == name),
        lambda: Dataset(id=new_id("dst"), project_id=project.id, name=name, created_at=utcnow()),
    )


def _latest(session: Session, dataset_id: str) -> DatasetVersion | None:
    newest = session.execute(
        select(func.max(DatasetVersion.version)).where(DatasetVersion.dataset_id == dataset_id)
    ).scalar()
    if newest is None:
        return None
    return session.execute(
        select(DatasetVersion).where(
            DatasetVersion.dataset_id == dataset_id, DatasetVersion.version == newest
        )
    ).scalar_one()
