"""Data: tabular datasets with immutable, content-addressed versions."""

from shipyard.data.models import Dataset, DatasetVersion
from shipyard.data.service import (
    get_dataset,
    get_version,
    get_version_by_id,
    list_datasets,
    list_versions,
    read_version,
    register_version,
)

__all__ = [
    "Dataset",
    "DatasetVersion",
    "get_dataset",
    "get_version",
    "get_version_by_id",
    "list_datasets",
    "list_versions",
    "read_version",
    "register_version",
]
