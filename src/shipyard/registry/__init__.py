"""Registry: models and their versions, stored in safe formats with lineage."""

from shipyard.registry.models import ModelVersion, RegisteredModel
from shipyard.registry.packaging import read_metadata, save_sklearn
from shipyard.registry.service import (
    get_model,
    get_version,
    get_version_by_id,
    list_models,
    list_versions,
    materialize,
    register_version,
)

__all__ = [
    "ModelVersion",
    "RegisteredModel",
    "get_model",
    "get_version",
    "get_version_by_id",
    "list_models",
    "list_versions",
    "materialize",
    "read_metadata",
    "register_version",
    "save_sklearn",
]
