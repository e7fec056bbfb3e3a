"""Benchmark drift_report on a wide, long table (20 numeric columns x 100k rows each side).

Run: ``.venv/bin/python benchmarks/bench_drift.py``. Compares with Evidently's
DataDriftPreset on the same data when ``evidently`` (and pandas) are installed.
"""

from __future__ import annotations

import importlib.util
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


def run_evidently(reference: dict[str, np.ndarray], current: dict[str, np.ndarray]) -> float:
    import pandas as pd

    ref_df, cur_df = pd.DataFrame(reference), pd.DataFrame(current)
    try:  # evidently >= 0.7
        from evidently import Report
        from evidently.presets import DataDriftPreset

        return best_of(lambda: Report([DataDriftPreset()]).run(cur_df, ref_df), repeats=1)
    except ImportError:  # evidently 0.4 - 0.6
        from evidently.metric_preset import DataDriftPreset
        from evidently.report import Report

        def legacy() -> None:
            Report(metrics=[DataDriftPreset()]).run(reference_data=ref_df, current_data=cur_df)

        return best_of(legacy, repeats=1)


def main() -> None:
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

    if importlib.util.find_spec("evidently") is None or importlib.util.find_spec("pandas") is None:
        console.print("peer evidently not installed")
        return
    peer = run_evidently(reference, current)
    console.print(f"evidently DataDriftPreset: {peer:.3f} s; shipyard is {peer / seconds:.1f}x faster")


if __name__ == "__main__":
    main()
