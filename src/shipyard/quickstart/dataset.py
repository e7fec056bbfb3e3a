"""A generated credit-risk table, so the quickstart needs no download."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

FEATURES = ("age", "income", "debt_ratio", "credit_lines", "late_payments", "years_employed")
LABEL = "default"


def generate_features(
    rows: int, seed: int, *, income_shift: float = 1.0, late_shift: float = 0.0
) -> dict[str, np.ndarray]:
    """Feature columns; the shifts simulate a changed population for the drift check."""
    rng = np.random.default_rng(seed)
    return {
        "age": rng.normal(41, 11, rows).clip(18, 90).round(),
        "income": rng.lognormal(10.8, 0.45, rows) * income_shift,
        "debt_ratio": rng.beta(2, 5, rows),
        "credit_lines": rng.poisson(4, rows).astype(np.float64),
        "late_payments": rng.poisson(0.6 + late_shift, rows).astype(np.float64),
        "years_employed": rng.exponential(6, rows).round(1),
    }


def label_for(features: dict[str, np.ndarray], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    score = (
        -1.0
        + 3.2 * features["debt_ratio"]
        + 0.9 * features["late_payments"]
        - 0.000018 * features["income"]
        - 0.05 * features["years_employed"]
        + rng.normal(0, 0.6, len(features["age"]))
    )
    return (score > 0).astype(np.int64)


def write_training_csv(path: Path, rows: int, seed: int = 7) -> int:
    features = generate_features(rows, seed)
    table = pa.table({**features, LABEL: label_for(features, seed)})
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path)
    return rows
