"""The Python SDK: ``Client`` over an in-process or HTTP backend."""

from shipyard.sdk.client import ActiveRun, Client

__all__ = ["ActiveRun", "Client"]
