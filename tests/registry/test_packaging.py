"""Model directories: what the registry accepts before anything is stored."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from shipyard.errors import InvalidInput, UnsafeArtifact
from shipyard.registry import read_metadata, save_sklearn

X = np.random.default_rng(0).normal(size=(80, 3))
Y = (X[:, 0] > 0).astype(int)


def saved(tmp_path: Path, model=None) -> Path:
    return save_sklearn(
        model or LogisticRegression().fit(X, Y), tmp_path / "m", feature_names=["a", "b", "c"]
    )


def rewrite(directory: Path, **changes: object) -> None:
    meta_path = directory / "shipyard-model.json"
    meta = json.loads(meta_path.read_text())
    meta.update(changes)
    meta_path.write_text(json.dumps(meta))


def test_saved_model_passes_and_records_its_signature(tmp_path: Path) -> None:
    meta = read_metadata(saved(tmp_path))
    assert meta["flavor"] == "skops" and meta["file"] == "model.skops"
    assert [i["name"] for i in meta["signature"]["inputs"]] == ["a", "b", "c"]


def test_tree_models_trust_only_library_types(tmp_path: Path) -> None:
    meta = read_metadata(saved(tmp_path, GradientBoostingClassifier(n_estimators=5).fit(X, Y)))
    assert meta["trusted_types"] and all(t.startswith("sklearn.") for t in meta["trusted_types"])


@pytest.mark.parametrize("bad_file", ["../outside.skops", "/etc/passwd", "a/../../b.skops"])
def test_model_file_must_stay_inside_the_directory(tmp_path: Path, bad_file: str) -> None:
    directory = saved(tmp_path)
    rewrite(directory, file=bad_file)
    with pytest.raises(UnsafeArtifact, match="inside the model directory"):
        read_metadata(directory)


def test_foreign_trusted_types_are_refused(tmp_path: Path) -> None:
    directory = saved(tmp_path)
    rewrite(directory, trusted_types=["builtins.eval"])
    with pytest.raises(UnsafeArtifact, match=r"builtins\.eval"):
        read_metadata(directory)


@pytest.mark.parametrize("name", ["model.pkl", "weights.joblib", "x.dill", "MODEL.PICKLE"])
def test_pickle_files_anywhere_are_refused(tmp_path: Path, name: str) -> None:
    directory = saved(tmp_path)
    (directory / name).write_bytes(b"\x80\x04.")
    with pytest.raises(UnsafeArtifact, match="pickle"):
        read_metadata(directory)


def test_unsafe_flavor_and_missing_metadata(tmp_path: Path) -> None:
    directory = saved(tmp_path)
    rewrite(directory, flavor="pickle")
    with pytest.raises(UnsafeArtifact, match="not a safe format"):
        read_metadata(directory)
    with pytest.raises(InvalidInput, match=r"shipyard-model\.json"):
        read_metadata(tmp_path)
