"""A real, verified model directory: LogisticRegression saved with skops plus manifests."""

from __future__ import annotations

import json
from pathlib import Path

import blake3
import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def write_manifest(model_dir: Path) -> None:
    """(Re)write manifest.json covering every other file, as the registry does."""
    files = [
        {
            "digest": blake3.blake3(p.read_bytes()).hexdigest(),
            "path": p.relative_to(model_dir).as_posix(),
            "size": p.stat().st_size,
        }
        for p in sorted(model_dir.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    ]
    (model_dir / "manifest.json").write_text(json.dumps({"version": 1, "files": files}))


def write_spec(model_dir: Path, *, file: str = "model.skops", flavor: str = "skops", **extra: object) -> None:
    spec = {
        "name": "iris",
        "version": 3,
        "flavor": flavor,
        "file": file,
        "task": "classification",
        "signature": {
            "inputs": [{"name": c, "dtype": "float64"} for c in COLUMNS],
            "outputs": [{"name": "prediction", "dtype": "int64"}],
        },
        "trusted_types": [],
        **extra,
    }
    (model_dir / "shipyard-model.json").write_text(json.dumps(spec))


@pytest.fixture(scope="session")
def training_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(300, len(COLUMNS)))
    y = (X[:, 0] + 0.5 * X[:, 2] > 0).astype(np.int64) + (X[:, 3] > 1).astype(np.int64)
    return X, y


@pytest.fixture(scope="session")
def estimator(training_data: tuple[np.ndarray, np.ndarray]) -> LogisticRegression:
    X, y = training_data
    return LogisticRegression(max_iter=500).fit(X, y)


@pytest.fixture
def model_dir(tmp_path: Path, estimator: LogisticRegression) -> Path:
    directory = tmp_path / "model"
    directory.mkdir()
    sio.dump(estimator, directory / "model.skops")
    write_spec(directory)
    write_manifest(directory)
    return directory
