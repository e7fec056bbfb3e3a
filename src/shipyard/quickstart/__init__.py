"""``make quickstart``: the whole lifecycle, end to end, on the embedded default."""

from shipyard.quickstart.lifecycle import run_quickstart

__all__ = ["run_quickstart"]
