"""The whole lifecycle over real processes and HTTP: what `make quickstart` runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_quickstart_runs_every_stage(tmp_path: Path) -> None:
    home = tmp_path / "qs"
    result = subprocess.run(
        [sys.executable, "-m", "shipyard", "quickstart", "--home", str(home), "--rows", "1500"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "quickstart passed" in out
    for expected in ("rows ingested", "1,500", "metric accuracy", "latency p99", "dataset drift", "income"):
        assert expected in out
    report = (home / "drift-report.html").read_text()
    assert "<svg" in report and "income" in report
    # The control plane and the inference server were stopped at the end.
    assert "Traceback" not in result.stderr
