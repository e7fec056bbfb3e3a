"""Shipyard: AI infrastructure in one pip install.

``import shipyard`` stays cheap: heavy modules load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Client", "__version__"]

if TYPE_CHECKING:
    from shipyard.sdk import Client


def __getattr__(name: str) -> Any:
    if name == "Client":
        from shipyard.sdk import Client

        return Client
    raise AttributeError(name)
