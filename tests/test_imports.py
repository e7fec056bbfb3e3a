"""`import shipyard` stays cheap: heavy libraries load where they are used."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("fastapi", "sklearn", "numpy", "pyarrow", "sqlalchemy", "skops", "uvicorn", "scipy")


def test_import_shipyard_loads_no_heavy_library() -> None:
    code = f"import sys, shipyard; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == ""
