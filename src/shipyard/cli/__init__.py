"""The ``shipyard`` command line."""

from shipyard.cli.main import app, main

__all__ = ["app", "main"]
