"""Inference data plane: verified model loading, micro-batched HTTP serving, prediction log.

Imports are lazy so ``import shipyard.serving`` (e.g. by the control plane, which only
launches processes) does not pull in FastAPI, skops or numpy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shipyard.serving.app import create_inference_app
    from shipyard.serving.artifacts import LoadedModel, load_model
    from shipyard.serving.batching import AdaptiveBatcher
    from shipyard.serving.deployments import (
        create_deployment,
        get_deployment,
        list_deployments,
        stop_deployment,
    )
    from shipyard.serving.models import Deployment
    from shipyard.serving.process import start_server_process, wait_until_ready
    from shipyard.serving.spool import PredictionSpool, read_spool

__all__ = [
    "AdaptiveBatcher",
    "Deployment",
    "LoadedModel",
    "PredictionSpool",
    "create_deployment",
    "create_inference_app",
    "get_deployment",
    "list_deployments",
    "load_model",
    "read_spool",
    "start_server_process",
    "stop_deployment",
    "wait_until_ready",
]

_HOMES = {
    "AdaptiveBatcher": "batching",
    "Deployment": "models",
    "create_deployment": "deployments",
    "get_deployment": "deployments",
    "list_deployments": "deployments",
    "stop_deployment": "deployments",
    "LoadedModel": "artifacts",
    "PredictionSpool": "spool",
    "create_inference_app": "app",
    "load_model": "artifacts",
    "read_spool": "spool",
    "start_server_process": "process",
    "wait_until_ready": "process",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'shipyard.serving' has no attribute {name!r}")
    return getattr(import_module(f"shipyard.serving.{home}"), name)
