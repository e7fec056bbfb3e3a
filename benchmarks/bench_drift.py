"""Benchmark drift_report on a wide, long table (20 numeric columns x 100k rows each side).

Run: ``.venv/bin/python benchmarks/bench_drift.py [--peer-python .venv-peers/bin/python]``.
With a peer interpreter that has ``evidently``, its DataDriftPreset runs on the same data
and the table shows both times, both verdicts and how far their statistics differ.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time

import numpy as np
from rich.console import Console
from rich.table import Table

from shipyard.monitoring.drift import drift_report

COLUMNS = 20
ROWS = 100_000
REPEATS = 3


def make_data(seed: int = 0) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    reference = {f"f{i}": rng.normal(size=ROWS) for i in range(COLUMNS)}
    # Half the columns shifted by 0.5 std so the report has real work and a real verdict.
    current = {f"f{i}": rng.normal(loc=0.5 if i % 2 else 0.0, size=ROWS) for i in range(COLUMNS)}
    return reference, current


def best_of(fn, repeats: int = REPEATS) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


EVIDENTLY_SCRIPT = """
import json, sys, time
import numpy as np, pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset
rows, columns = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
reference = {f"f{i}": rng.normal(size=rows) for i in range(columns)}
current = {f"f{i}": rng.normal(loc=0.5 if i % 2 else 0.0, size=rows) for i in range(columns)}
ref_df, cur_df = pd.DataFrame(reference), pd.DataFrame(current)
started = time.perf_counter()
snapshot = Report([DataDriftPreset()]).run(cur_df, ref_df)
seconds = time.perf_counter() - started
metrics = snapshot.dict()["metrics"]
count = next(m["value"]["count"] for m in metrics if m["metric_name"].startswith("DriftedColumnsCount"))
values = {m["config"]["column"]: m["value"] for m in metrics if m["metric_name"].startswith("ValueDrift")}
print(json.dumps({"seconds": seconds, "drifted": count, "values": values}))
"""


def run_evidently(python: str) -> dict:
    """Evidently's DataDriftPreset on the same generated data, in the peer interpreter."""
    out = subprocess.run(
        [python, "-c", EVIDENTLY_SCRIPT, str(ROWS), str(COLUMNS)], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def absolute(path: str) -> str:
    """Absolute but not resolved: resolving would follow the venv's python symlink out of it."""
    return os.path.abspath(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--peer-python", type=absolute, default=None, help="An interpreter with evidently installed."
    )
    args = parser.parse_args()
    console = Console()
    reference, current = make_data()
    report = drift_report(reference, current)
    seconds = best_of(lambda: drift_report(reference, current))
    total_rows = 2 * ROWS  # reference + current

    table = Table(title="shipyard drift_report (best of 3)")
    for name in ("columns", "rows (ref + cur)", "seconds", "rows/s", "cells/s", "drifted"):
        table.add_column(name, justify="right")
    table.add_row(
        str(COLUMNS),
        f"{total_rows:,}",
        f"{seconds:.3f}",
        f"{total_rows / seconds:,.0f}",
        f"{total_rows * COLUMNS / seconds:,.0f}",
        f"{report.drifted_columns}/{COLUMNS}",
    )
    console.print(table)

    if not args.peer_python:
        console.print("peer evidently not given (--peer-python); comparison skipped")
        return
    peer = run_evidently(args.peer_python)
    ours = {c.column: c.statistic for c in report.columns}
    gap = max(abs(ours[name] - value) for name, value in peer["values"].items())
    side = Table(title="Same data, same method (normed Wasserstein > 0.1)")
    for name in ("tool", "seconds", "drifted columns", "ratio"):
        side.add_column(name, justify="right")
    side.add_row("shipyard", f"{seconds:.3f}", f"{report.drifted_columns}/{COLUMNS}", "1.0")
    side.add_row(
        "evidently DataDriftPreset",
        f"{peer['seconds']:.3f}",
        f"{int(peer['drifted'])}/{COLUMNS}",
        f"{peer['seconds'] / seconds:.1f}x slower",
    )
    console.print(side)
    console.print(f"largest difference between the two tools' per-column statistics: {gap:.2e}")


if __name__ == "__main__":
    main()
